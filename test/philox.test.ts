// Philox4x32-10 on the CPU against the published Random123 known answers, and its 32x32 -> 64
// high-word multiply against BigInt.
import { describe, expect, it } from 'vitest';
import { mulhi32, philox4x32 } from '../src/runtime/philox.js';

const hex = (v: readonly number[]) => v.map((x) => (x >>> 0).toString(16).padStart(8, '0')).join(' ');

describe('philox4x32-10', () => {
  // Random123, examples/kat_vectors, lines "philox4x32 10 <ctr x4> <key x2> <result x4>".
  const KAT: [string, number[], number[], string][] = [
    ['zero counter and key', [0, 0, 0, 0], [0, 0], '6627e8d5 e169c58d bc57ac4c 9b00dbd8'],
    ['all ones', [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], '408f276d 41c83b0e a20bc7c6 6d5451fd'],
    ['digits of pi', [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], 'd16cfe09 94fdcceb 5001e420 24126ea1'],
  ];
  for (const [name, ctr, key, want] of KAT) {
    it(`known answer: ${name}`, () => {
      const got = philox4x32(ctr, key);
      expect(hex(got), `philox4x32(${hex(ctr)}; ${hex(key)})`).toBe(want);
      // Results are u32 numbers, never negative int32 views (the GPU compares them as u32).
      for (const w of got) expect(Number.isInteger(w) && w >= 0 && w <= 0xffffffff, `word ${w}`).toBe(true);
    });
  }

  it('is a function of every counter and key word', () => {
    // One bit flipped in any input word changes the block: the round structure mixes all six.
    const base = philox4x32([1, 2, 3, 4], [5, 6]);
    for (let w = 0; w < 6; w++) {
      const ctr = [1, 2, 3, 4];
      const key = [5, 6];
      if (w < 4) ctr[w] ^= 1;
      else key[w - 4] ^= 1;
      expect(hex(philox4x32(ctr, key)), `word ${w} flipped`).not.toBe(hex(base));
    }
  });
});

describe('mulhi32', () => {
  const exact = (a: number, b: number) => Number((BigInt(a >>> 0) * BigInt(b >>> 0)) >> 32n);

  it('equals the high word of the BigInt product on edge values', () => {
    const edges = [0, 1, 2, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xd2511f53, 0xcd9e8d57];
    for (const a of edges) for (const b of edges) expect(mulhi32(a, b), `mulhi32(${a}, ${b})`).toBe(exact(a, b));
  });

  it('equals the high word of the BigInt product on 4096 seeded pairs', () => {
    // Pairs from Philox blocks under a test-only key: every bit pattern is likely, including
    // both 16-bit halves near 0xffff where the carries of the partial products matter.
    let bad = 0;
    const fails: string[] = [];
    for (let i = 0; i < 2048; i++) {
      const [a, b, c, d] = philox4x32([i, 0, 0, 0], [0x5eed, 7]);
      for (const [x, y] of [[a, b], [c, d]]) {
        const got = mulhi32(x, y);
        if (got !== exact(x, y)) {
          bad++;
          if (fails.length < 4) fails.push(`mulhi32(${x}, ${y}) = ${got}, want ${exact(x, y)}`);
        }
      }
    }
    expect(bad, fails.join('; ')).toBe(0);
  });
});
