// The sampled decoder's negatives on the CPU (the GPU draws the same numbers, tested in
// test/kernels/sampled_edge_loss.test.ts): the keyed permutations are bijections with the inverse
// they claim, each slot's pair is uniform over the ordered pairs (chi-square), the masked share is
// the graph's density, the draw is a function of (seed, epoch) only, and the layout's errors.
import { describe, expect, it } from 'vitest';
import { graphAdjacency } from '../../src/graph/adjacency.js';
import {
  isLabel, negativeLayout, negativePairs, negativeScale, permutationKeys, permute, unpermute,
} from '../../src/graph/negative_sampler.js';
import { chiSquare, chiSquareQuantile } from '../util/stats.js';

describe('keyed permutation', () => {
  for (const n of [2, 3, 4, 5, 17, 64, 100, 1000, 4099]) {
    it(`is a bijection of [0, ${n}) and unpermute inverts it`, () => {
      const l = negativeLayout(n, 1, 1);
      expect(l.leftBits).toBeGreaterThanOrEqual(1);
      expect(2 ** (l.leftBits + l.rightBits)).toBeGreaterThanOrEqual(n);
      for (const [t, r, which] of [[1, 0, 0], [2, 3, 1], [77, 1, 0]] as const) {
        const keys = permutationKeys(5, t, r, which);
        const seen = new Uint8Array(n);
        for (let x = 0; x < n; x++) {
          const y = permute(x, keys, l);
          expect(y >= 0 && y < n, `pi(${x}) = ${y}`).toBe(true);
          expect(seen[y], `pi(${x}) = ${y} twice`).toBe(0);
          seen[y] = 1;
          expect(unpermute(y, keys, l)).toBe(x);
        }
      }
    });
  }

  it('is not the identity nor a shift (the keys move every position)', () => {
    const l = negativeLayout(1000, 1, 1);
    const keys = permutationKeys(1, 1, 0, 0);
    let fixed = 0;
    const shifts = new Set<number>();
    for (let x = 0; x < 1000; x++) {
      const y = permute(x, keys, l);
      if (y === x) fixed++;
      shifts.add((y - x + 1000) % 1000);
    }
    // A random permutation has 1 fixed point on average and almost all shifts distinct.
    expect(fixed).toBeLessThan(6);
    expect(shifts.size).toBeGreaterThan(500);
  });
});

/** A small graph: 11 nodes, a few edges (so some draws are masked). */
const SMALL_N = 11;
const SMALL = graphAdjacency(SMALL_N, Uint32Array.from([0, 1, 0, 5, 1, 2, 2, 9, 3, 4, 6, 7, 7, 8, 8, 10, 4, 9]));

describe('negative pairs', () => {
  it('are uniform over the ordered pairs: chi-square over 3,000 epochs of a small graph', () => {
    // K = 3 per edge: M = 27 slots in 3 rounds (11 + 11 + 5: a partial round), 81,000 draws over
    // 121 cells (self pairs and edges included: the masking is tested below).
    const E = SMALL.nnz / 2;
    const l = negativeLayout(SMALL_N, E, 3);
    expect(l.rounds).toBe(3);
    const counts = new Float64Array(SMALL_N * SMALL_N);
    const firstOfSlot0 = new Float64Array(SMALL_N);
    const T = 3000;
    for (let t = 1; t <= T; t++) {
      const p = negativePairs(9, t, l);
      for (let s = 0; s < l.slots; s++) counts[p[2 * s] * SMALL_N + p[2 * s + 1]]++;
      firstOfSlot0[p[0]]++;
    }
    // Upper tail 1e-4: a seeded draw, so the outcome is fixed; a biased sampler (a shift, a
    // permutation that favours low ids, dependent halves) lands far beyond it.
    const all = chiSquare(counts, (T * l.slots) / counts.length);
    expect(all, `chi-square of the pair counts, ${counts.length - 1} df`).toBeLessThan(chiSquareQuantile(counts.length - 1, 3.72));
    // One slot alone: its first endpoint is uniform too (not only the pairs pooled over slots).
    const one = chiSquare(firstOfSlot0, T / SMALL_N);
    expect(one, 'chi-square of slot 0 first endpoint, 10 df').toBeLessThan(35.6); // chi2(10) upper 1e-4 quantile
  });

  it('give one slot a uniform pair (both endpoints jointly): chi-square over 30,000 epochs', () => {
    // The joint of one slot tests that the two permutations are independent and that each is
    // uniform at a fixed position, which pooling over slots could hide (6 Feistel rounds fail
    // this at 200,000 epochs on this 16-value domain; the 8 used pass).
    const l = negativeLayout(SMALL_N, SMALL.nnz / 2, 1);
    const counts = new Float64Array(SMALL_N * SMALL_N);
    const T = 30000;
    for (let t = 1; t <= T; t++) {
      const k1 = permutationKeys(2, t, 0, 0);
      const k2 = permutationKeys(2, t, 0, 1);
      counts[permute(4, k1, l) * SMALL_N + permute(4, k2, l)]++;
    }
    expect(chiSquare(counts, T / counts.length)).toBeLessThan(chiSquareQuantile(counts.length - 1, 3.72));
  });

  it('mask exactly the entries of A_train + I, a share near the density, and are reproducible by seed and epoch', () => {
    const E = SMALL.nnz / 2;
    const l = negativeLayout(SMALL_N, E, 4);
    let masked = 0;
    let total = 0;
    for (let t = 1; t <= 2000; t++) {
      const p = negativePairs(3, t, l);
      for (let s = 0; s < l.slots; s++) {
        const [i, j] = [p[2 * s], p[2 * s + 1]];
        const label = isLabel(SMALL.adj.rowPtr, SMALL.adj.colIdx, i, j);
        if (i === j) expect(label).toBe(true);
        if (label) masked++;
        total++;
      }
    }
    // p = (2E + N) / N^2 = 29 / 121 = 0.24: the binomial's standard deviation over 72,000 draws
    // is 0.0016; 0.01 is six of them.
    const p = SMALL.adj.rowPtr[SMALL_N] / SMALL_N ** 2;
    expect(Math.abs(masked / total - p)).toBeLessThan(0.01);
    expect(negativeScale(l, SMALL.adj.rowPtr[SMALL_N])).toBeCloseTo(1 / (l.slots * (1 - p)), 12);
    expect(Array.from(negativePairs(3, 5, l))).toEqual(Array.from(negativePairs(3, 5, l)));
    expect(Array.from(negativePairs(3, 5, l))).not.toEqual(Array.from(negativePairs(4, 5, l)));
    expect(Array.from(negativePairs(3, 5, l))).not.toEqual(Array.from(negativePairs(3, 6, l)));
  });

  it('put every node at most once per round on each side', () => {
    const l = negativeLayout(100, 230, 1); // 230 slots: 2 full rounds and 30
    const p = negativePairs(1, 1, l);
    for (let r = 0; r < l.rounds; r++) {
      for (const side of [0, 1]) {
        const seen = new Set<number>();
        for (let s = r * 100; s < Math.min(l.slots, (r + 1) * 100); s++) seen.add(p[2 * s + side]);
        expect(seen.size).toBe(Math.min(100, l.slots - r * 100));
      }
    }
  });
});

describe('negative layout errors', () => {
  it('refuses sizes the sampler cannot take, with the numbers', () => {
    expect(() => negativeLayout(1, 5, 1)).toThrow('negatives: 1 nodes; the sampler needs 2 to 2^31');
    expect(() => negativeLayout(10, 5, 0)).toThrow('negatives: 0 negatives per edge must be a whole number of at least 1');
    expect(() => negativeLayout(10, 0, 1)).toThrow('negatives: 0 training edges; the sampled decoder needs at least one');
    expect(() => negativeScale(negativeLayout(2, 1, 1), 4)).toThrow('negatives: the graph is complete (4 of 4 pairs are edges or self pairs): no pair to draw');
  });
});
