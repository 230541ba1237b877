// ROC AUC and average precision on hand-computed cases (values as scikit-learn gives them) and
// against brute-force definitions on tied random scores.
import { describe, expect, it } from 'vitest';
import { averagePrecision, rocAuc } from '../../src/graph/metrics.js';
import { seededUniform } from '../util/data.js';

describe('rocAuc and averagePrecision: hand-computed cases', () => {
  it('scikit-learn documentation example: y = [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8]', () => {
    expect(rocAuc([0.35, 0.8], [0.1, 0.4])).toBe(0.75);
    expect(averagePrecision([0.35, 0.8], [0.1, 0.4])).toBeCloseTo(0.8333333333333333, 15);
  });

  it('pos [0.9, 0.8, 0.4], neg [0.7, 0.3]: AUC 5/6, AP (1 + 1 + 3/4) / 3', () => {
    // Pairs won: 0.9 and 0.8 beat both negatives, 0.4 beats 0.3 only. Ranked: P P N P N, so the
    // thresholds 0.9, 0.8, 0.4 add a third of recall at precision 1, 1 and 3/4.
    expect(rocAuc([0.9, 0.8, 0.4], [0.7, 0.3])).toBeCloseTo(5 / 6, 15);
    expect(averagePrecision([0.9, 0.8, 0.4], [0.7, 0.3])).toBeCloseTo(11 / 12, 15);
  });

  it('a tie across classes: pos [0.8, 0.6], neg [0.6, 0.2]: AUC 3.5/4, AP 1/2 + 1/2 * 2/3', () => {
    expect(rocAuc([0.8, 0.6], [0.6, 0.2])).toBe(0.875);
    expect(averagePrecision([0.6, 0.8], [0.2, 0.6])).toBeCloseTo(5 / 6, 15);
  });

  it('all scores tied: AUC 1/2, AP the positive share', () => {
    expect(rocAuc([0.5, 0.5], [0.5])).toBe(0.5);
    expect(averagePrecision([0.5, 0.5], [0.5])).toBeCloseTo(2 / 3, 15);
    expect(rocAuc([3, 3, 3], [3, 3, 3, 3])).toBe(0.5);
    expect(averagePrecision([3, 3, 3], [3, 3, 3, 3])).toBeCloseTo(3 / 7, 15);
  });

  it('perfect and inverted separations', () => {
    expect(rocAuc([0.9, 0.8, 0.7], [0.1, 0.2])).toBe(1);
    expect(averagePrecision([0.9, 0.8, 0.7], [0.1, 0.2])).toBe(1);
    expect(rocAuc([0.1, 0.2], [0.8, 0.9])).toBe(0);
    // Ranked N N P P: recall 1/2 at precision 1/3, then 1 at 1/2.
    expect(averagePrecision([0.1, 0.2], [0.8, 0.9])).toBeCloseTo(0.5 / 3 + 0.5 / 2, 15);
  });

  it('no negatives: AP 1; empty or NaN inputs throw', () => {
    expect(averagePrecision([0.2, 0.4], [])).toBe(1);
    expect(() => rocAuc([], [1])).toThrow('metrics: ROC AUC needs positives and negatives, got 0 and 1');
    expect(() => rocAuc([1], [])).toThrow('got 1 and 0');
    expect(() => averagePrecision([], [1])).toThrow('metrics: average precision needs at least one positive');
    expect(() => rocAuc([0.1, NaN], [0.2])).toThrow('metrics: positive score 1 is NaN');
    expect(() => averagePrecision([0.1], [NaN])).toThrow('metrics: negative score 0 is NaN');
  });
});

describe('against brute-force definitions, with many ties', () => {
  /** O(n^2) AUC: each (positive, negative) pair won counts 1, tied 1/2. */
  function bruteAuc(pos: number[], neg: number[]): number {
    let u = 0;
    for (const p of pos) for (const n of neg) u += p > n ? 1 : p === n ? 0.5 : 0;
    return u / (pos.length * neg.length);
  }
  /** Precision and recall at every distinct threshold, from the highest. */
  function bruteAp(pos: number[], neg: number[]): number {
    const thresholds = [...new Set([...pos, ...neg])].sort((a, b) => b - a);
    let ap = 0;
    let prevRecall = 0;
    for (const t of thresholds) {
      const tp = pos.filter((v) => v >= t).length;
      const fp = neg.filter((v) => v >= t).length;
      const recall = tp / pos.length;
      ap += (recall - prevRecall) * (tp / (tp + fp));
      prevRecall = recall;
    }
    return ap;
  }

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: 300 positives, 250 negatives, scores on a grid of 0.05`, () => {
      const pos = Array.from(seededUniform(300, seed, 0.2, 1), (v) => Math.round(v * 20) / 20);
      const neg = Array.from(seededUniform(250, seed + 10, 0, 0.8), (v) => Math.round(v * 20) / 20);
      expect(rocAuc(pos, neg)).toBeCloseTo(bruteAuc(pos, neg), 14);
      expect(averagePrecision(pos, neg)).toBeCloseTo(bruteAp(pos, neg), 14);
    });
  }
});
