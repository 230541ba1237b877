// Fuzzing the two file readers with seeded random and mutated inputs: every input either parses
// or fails with one Error line naming the file; nothing else escapes, nothing hangs, and no
// decoded result is larger than the input's own header allows.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../src/checkpoint/checkpoint.js';
import { decodeSafetensors } from '../src/checkpoint/safetensors.js';
import { resolveConfig } from '../src/config.js';
import { readIdxImages, readIdxLabels } from '../src/data/idx.js';
import { initParameters } from '../src/model/init.js';
import { layerSpecs } from '../src/model/describe.js';
import { philox4x32 } from '../src/runtime/philox.js';

/** A seeded stream of u32 (Philox, stream 9). */
function rng(seed: number) {
  let block: number[] = [];
  let i = 0;
  return () => {
    if (block.length === 0) block = philox4x32([i++, 0, 0, 0], [seed, 9]);
    return block.pop()!;
  };
}

/** One mutation of `base`: bit flips, byte overwrites, truncation, extension, or a spliced u32. */
function mutate(base: Uint8Array, next: () => number): Uint8Array {
  const kind = next() % 6;
  const b = Uint8Array.from(base);
  const at = (n: number) => next() % Math.max(1, n);
  switch (kind) {
    case 0:
      for (let k = 0, n = 1 + at(8); k < n; k++) b[at(b.length)] ^= 1 << at(8);
      return b;
    case 1:
      for (let k = 0, n = 1 + at(4); k < n; k++) b[at(b.length)] = next() & 0xff;
      return b;
    case 2:
      return b.subarray(0, at(b.length));
    case 3: {
      const extra = new Uint8Array(1 + at(64)).map(() => next() & 0xff);
      const out = new Uint8Array(b.length + extra.length);
      out.set(b);
      out.set(extra, b.length);
      return out;
    }
    case 4: {
      // A header field replaced by an extreme value (counts, sizes, the safetensors length).
      const o = at(Math.min(24, b.length - 4)) & ~3;
      const v = [0, 1, 0x7fffffff, 0xffffffff, next()][at(5)];
      new DataView(b.buffer).setUint32(o, v, at(2) === 0);
      return b;
    }
    default:
      return new Uint8Array(at(96)).map(() => next() & 0xff);
  }
}

function idxImages(n: number): Uint8Array {
  const b = new Uint8Array(16 + n * 4 * 4);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x803);
  v.setUint32(4, n);
  v.setUint32(8, 4);
  v.setUint32(12, 4);
  for (let i = 16; i < b.length; i++) b[i] = i * 7;
  return b;
}

function idxLabels(n: number): Uint8Array {
  const b = new Uint8Array(8 + n);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x801);
  v.setUint32(4, n);
  for (let i = 8; i < b.length; i++) b[i] = i % 10;
  return b;
}

/** Runs `read` on `input`: a result or an Error whose one-line message starts with `name`. */
async function expectCleanOutcome<T>(name: string, input: Uint8Array, read: () => Promise<T> | T, check: (r: T) => void): Promise<'ok' | 'rejected'> {
  try {
    check(await read());
    return 'ok';
  } catch (e) {
    expect(e, `non-Error thrown for input of ${input.length} bytes`).toBeInstanceOf(Error);
    const msg = (e as Error).message;
    expect(msg.startsWith(`${name}: `), `message without the file name: ${msg}`).toBe(true);
    expect(msg.includes('\n'), `multi-line message: ${msg}`).toBe(false);
    return 'rejected';
  }
}

const CASES = 5000;

describe(`fuzzing the readers (${CASES} inputs each)`, () => {
  it('IDX images and labels, plain and gzipped', async () => {
    const next = rng(1);
    const bases = [idxImages(3), idxImages(0), idxLabels(5), idxLabels(0)];
    const tally = { ok: 0, rejected: 0 };
    const t0 = Date.now();
    for (let c = 0; c < CASES; c++) {
      const base = bases[c % bases.length];
      const plain = mutate(base, next);
      const input = c % 3 === 0 ? gzipSync(plain) : c % 3 === 1 ? mutate(gzipSync(base), next) : plain;
      const images = c % 2 === 0;
      const outcome = await expectCleanOutcome<unknown>('f', input, () => (images ? readIdxImages(input, 'f') : readIdxLabels(input, 'f')), (r) => {
        // A parsed file never holds more than its header declares (and the header is in the input).
        if (images) {
          const im = r as Awaited<ReturnType<typeof readIdxImages>>;
          expect(im.pixels.length).toBe(im.count * im.rows * im.cols);
        } else {
          expect((r as Uint8Array).every((l) => l <= 9)).toBe(true);
        }
      });
      tally[outcome]++;
    }
    expect(tally.ok + tally.rejected).toBe(CASES);
    expect(tally.rejected).toBeGreaterThan(CASES / 2); // the mutations really do break files
    expect(Date.now() - t0).toBeLessThan(60_000);
    console.log(`IDX fuzz: ${CASES} inputs, ${tally.ok} parsed, ${tally.rejected} rejected cleanly`);
  });

  it('safetensors', async () => {
    const next = rng(2);
    const cfg = resolveConfig({ inputSize: 6, hidden: [5], latent: 2, batch: 4 });
    const base = saveCheckpoint(initParameters(layerSpecs(cfg), 1), cfg, { seed: 1, step: 3 });
    const tally = { ok: 0, rejected: 0 };
    for (let c = 0; c < CASES; c++) {
      const input = mutate(base, next);
      const outcome = await expectCleanOutcome('m', input, () => decodeSafetensors(input, 'm'), (r) => {
        let bytes = 0;
        for (const t of r.tensors.values()) bytes += t.data.length;
        expect(bytes * 2).toBeLessThanOrEqual(input.length); // every element takes at least 2 bytes (F16) in the file
      });
      tally[outcome]++;
    }
    expect(tally.ok + tally.rejected).toBe(CASES);
    expect(tally.rejected).toBeGreaterThan(CASES / 2);
    console.log(`safetensors fuzz: ${CASES} inputs, ${tally.ok} parsed, ${tally.rejected} rejected cleanly`);
  });
});
