// Hits@K as OGB's evaluator computes it, on hand-computed cases and against its definition by
// brute force; the seeded held-out negatives: distinct non-edges, reproducible, uniform.
import { describe, expect, it } from 'vitest';
import { stochasticBlockModel } from '../../src/graph/generate.js';
import { hitsNegatives, linkHits } from '../../src/graph/hits.js';
import { pairLogits } from '../../src/graph/link.js';
import { hitsAtK } from '../../src/graph/metrics.js';
import { seededUniform } from '../util/data.js';

describe('hitsAtK', () => {
  it('hand-computed: negatives [0.9, 0.5, 0.5, 0.3, 0.1] against positives [0.95, 0.5, 0.6, 0.2]', () => {
    const neg = [0.3, 0.9, 0.5, 0.1, 0.5];
    const pos = [0.95, 0.5, 0.6, 0.2];
    // K = 1: the top negative is 0.9; only 0.95 beats it.
    expect(hitsAtK(pos, neg, 1)).toBe(1 / 4);
    // K = 2 and 3: the second and third highest are both 0.5 (repeats count); 0.95 and 0.6 beat
    // it, 0.5 ties it and misses.
    expect(hitsAtK(pos, neg, 2)).toBe(2 / 4);
    expect(hitsAtK(pos, neg, 3)).toBe(2 / 4);
    // K = 4: 0.3; K = 5: 0.1, beaten by all four.
    expect(hitsAtK(pos, neg, 4)).toBe(3 / 4);
    expect(hitsAtK(pos, neg, 5)).toBe(1);
    // Fewer negatives than K: every positive a hit, as OGB says.
    expect(hitsAtK([0.1], neg, 6)).toBe(1);
  });

  it('equals its definition (positives that fewer than K negatives tie or beat) on tied random scores', () => {
    const u = seededUniform(3000, 7, 0, 1);
    // Scores on a coarse grid: many ties within and across the two sets.
    const pos = Array.from(u.subarray(0, 1000), (x) => Math.floor(x * 40));
    const neg = Array.from(u.subarray(1000), (x) => Math.floor(x * 40));
    for (const k of [1, 2, 10, 50, 51, 500, 1999, 2000]) {
      const brute = pos.filter((p) => neg.filter((q) => q >= p).length < k).length / pos.length;
      expect(hitsAtK(pos, neg, k), `K = ${k}`).toBe(brute);
    }
  });

  it('refuses what has no meaning', () => {
    expect(() => hitsAtK([], [1], 1)).toThrow('metrics: Hits@K needs at least one positive');
    expect(() => hitsAtK([1], [1], 0)).toThrow('metrics: Hits@K needs a whole K of at least 1, got 0');
    expect(() => hitsAtK([1], [NaN], 1)).toThrow('metrics: negative score 0 is NaN');
  });

  it('linkHits ranks by the logits mu_i . mu_j (no ties from a saturated sigmoid)', () => {
    // Node 0 at 10, 1 at 5, 2 at 4, 3 at 1 on one axis: logits (0,1) 50, (0,2) 40, (2,3) 4, (1,3) 5.
    // Both 50 and 40 round to sigmoid 1 in float64; the logits still order them.
    const mu = [10, 5, 4, 1];
    expect(Array.from(pairLogits(mu, 1, [0, 1, 0, 2]))).toEqual([50, 40]);
    expect(linkHits(mu, 1, [0, 1, 2, 3], [0, 2, 1, 3], 1)).toBe(1 / 2);
  });
});

describe('hitsNegatives', () => {
  const g = stochasticBlockModel({ nodes: 3000, edges: 12000, blocks: 3, seed: 2 });
  const key = (a: Uint32Array, e: number) => a[2 * e] * 3000 + a[2 * e + 1];

  it('M distinct pairs i < j that are not edges; the same for the same seed, others for another', () => {
    const edges = new Set(Array.from({ length: 12000 }, (_, e) => key(g.edges, e)));
    const a = hitsNegatives(3000, g.edges, 20_000, 1);
    expect(a.length).toBe(40_000);
    const seen = new Set<number>();
    for (let e = 0; e < 20_000; e++) {
      const [i, j] = [a[2 * e], a[2 * e + 1]];
      if (!(i < j && j < 3000)) throw new Error(`pair ${e} is (${i}, ${j})`);
      if (edges.has(key(a, e))) throw new Error(`pair ${e} (${i}, ${j}) is an edge`);
      seen.add(key(a, e));
    }
    expect(seen.size).toBe(20_000);
    expect(Array.from(hitsNegatives(3000, g.edges, 20_000, 1))).toEqual(Array.from(a));
    const b = hitsNegatives(3000, g.edges, 20_000, 2);
    let shared = 0;
    for (let e = 0; e < 20_000; e++) if (seen.has(key(b, e))) shared++;
    // Two independent draws of 20,000 of 4.5 million non-edges share about 89.
    expect(shared).toBeLessThan(300);
  });

  it('uniform over the non-edges of a small graph (chi-square over 4,000 seeds)', () => {
    // 8 nodes, 8 edges (a ring): 20 non-edges; 4 drawn per seed, by rejection (4 <= 20 / 2),
    // and 15 per seed by listing and shuffling (15 > 20 / 2).
    const ring = Uint32Array.from([0, 1, 0, 7, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7]);
    for (const m of [4, 15]) {
      const counts = new Map<number, number>();
      for (let seed = 0; seed < 4000; seed++) {
        const d = hitsNegatives(8, ring, m, seed);
        for (let e = 0; e < m; e++) counts.set(d[2 * e] * 8 + d[2 * e + 1], (counts.get(d[2 * e] * 8 + d[2 * e + 1]) ?? 0) + 1);
      }
      expect(counts.size).toBe(20);
      const expected = (4000 * m) / 20;
      let chi2 = 0;
      for (const c of counts.values()) chi2 += (c - expected) ** 2 / expected;
      // 19 degrees of freedom: P(chi2 > 43.8) = 0.001 for multinomial counts (draws without
      // repeats within a seed only lower the spread).
      expect(chi2, `m = ${m}: counts ${[...counts.values()]}`).toBeLessThan(43.8);
    }
  });

  it('asked for more than there are: every non-edge once; bad arguments refused', () => {
    const ring = Uint32Array.from([0, 1, 0, 7, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7]);
    const all = hitsNegatives(8, ring, 100_000, 3);
    expect(all.length).toBe(40);
    expect(new Set(Array.from({ length: 20 }, (_, e) => all[2 * e] * 8 + all[2 * e + 1])).size).toBe(20);
    expect(() => hitsNegatives(8, ring, 0, 1)).toThrow('hitsNegatives: the number of negatives must be a whole number of at least 1, got 0');
    expect(() => hitsNegatives(8, ring, 5, -1)).toThrow('hitsNegatives: seed -1 must be an integer in [0, 2^32)');
  });
});
