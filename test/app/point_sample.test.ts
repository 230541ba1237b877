// The scatter views' sample of a large graph's nodes: all points up to the limit; beyond it a
// sorted, seeded, uniform subset, and the points and labels of exactly those nodes.
import { describe, expect, it } from 'vitest';
import { SCATTER_MAX_POINTS, sampleIndices, samplePoints } from '../../src/views/point_sample.js';

describe('sampleIndices', () => {
  it('null (draw every point) up to the limit; beyond it the limit of distinct indices in a mixed order, the same per seed', () => {
    expect(sampleIndices(SCATTER_MAX_POINTS)).toBeNull();
    const s = sampleIndices(250_000)!;
    expect(s.length).toBe(SCATTER_MAX_POINTS);
    const sorted = Array.from(s).sort((a, b) => a - b);
    for (let k = 1; k < sorted.length; k++) if (!(sorted[k - 1] < sorted[k])) throw new Error(`index ${sorted[k]} drawn twice`);
    expect(sorted[sorted.length - 1]).toBeLessThan(250_000);
    // Drawn in a random order, not by node number: the first thousand span the whole range.
    const head = Array.from(s.subarray(0, 1000));
    expect(Math.min(...head)).toBeLessThan(25_000);
    expect(Math.max(...head)).toBeGreaterThan(225_000);
    expect(Array.from(sampleIndices(250_000)!)).toEqual(Array.from(s));
    expect(Array.from(sampleIndices(250_000, SCATTER_MAX_POINTS, 2)!)).not.toEqual(Array.from(s));
    // Spread over the whole range: each tenth of the ids holds about a tenth of the sample.
    const tenths = new Array(10).fill(0);
    for (const i of s) tenths[Math.floor(i / 25_000)]++;
    for (const t of tenths) expect(Math.abs(t - 2000)).toBeLessThan(200);
    expect(() => sampleIndices(10, 0)).toThrow('sampleIndices: need whole n >= 0 and max >= 1, got 10 and 0');
  });

  it('every index equally likely (chi-square: 3 of 10, over 5,000 seeds)', () => {
    const counts = new Array(10).fill(0);
    for (let seed = 0; seed < 5000; seed++) for (const i of sampleIndices(10, 3, seed)!) counts[i]++;
    const expected = (5000 * 3) / 10;
    const chi2 = counts.reduce((a, c) => a + (c - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: P(chi2 > 27.9) = 0.001.
    expect(chi2, `counts ${counts}`).toBeLessThan(27.9);
  });
});

describe('samplePoints', () => {
  it('the (x, y) and label of each sampled node, in order', () => {
    const points = Float32Array.from([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]);
    expect(samplePoints(points, Uint8Array.from([7, 8, 9, 6]), Uint32Array.from([1, 3]))).toEqual({
      points: Float32Array.from([1, 1.5, 3, 3.5]), labels: Uint8Array.from([8, 6]),
    });
    expect(samplePoints(points, null, Uint32Array.from([2])).labels).toBeNull();
  });
});
