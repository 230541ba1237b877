// Latent paths against analytic cases.
import { describe, expect, it } from 'vitest';
import { lerpPath, slerpPath } from '../src/views/latent.js';
import { priorMismatch } from '../src/vae/toolkit.js';
import { expectClose } from './util/compare.js';

describe('latent paths', () => {
  it('lerp: endpoints exact, midpoint the mean', () => {
    const p = lerpPath([1, 2, 3], [3, 2, -1], 3);
    expect([...p]).toEqual([1, 2, 3, 2, 2, 1, 3, 2, -1]);
  });

  it('slerp: endpoints exact, orthogonal unit vectors meet at (a+b)/sqrt(2) with unit norm', () => {
    const p = slerpPath([1, 0], [0, 1], 3);
    // f32 results of sin/acos in float64: 1e-7 absolute.
    expectClose('slerp', p, [1, 0, Math.SQRT1_2, Math.SQRT1_2, 0, 1], 1e-7, 0);
  });

  it('slerp: the norm moves linearly and the direction along the great circle', () => {
    const a = [2, 0, 0];
    const b = [0, 0, 4];
    const p = slerpPath(a, b, 5);
    for (let s = 0; s < 5; s++) {
      const t = s / 4;
      const v = p.subarray(3 * s, 3 * s + 3);
      expect(Math.hypot(...v)).toBeCloseTo(2 + 2 * t, 5);
      expect(Math.atan2(v[2], v[0])).toBeCloseTo((t * Math.PI) / 2, 5);
    }
  });

  it('slerp falls back to lerp for parallel or zero endpoints; bad arguments fail clearly', () => {
    expect([...slerpPath([1, 1], [2, 2], 3)]).toEqual([...lerpPath([1, 1], [2, 2], 3)]);
    expect([...slerpPath([0, 0], [2, 2], 3)]).toEqual([...lerpPath([0, 0], [2, 2], 3)]);
    expect(() => lerpPath([1], [1, 2], 3)).toThrow('interpolation: endpoints have 1 and 2 values');
    expect(() => slerpPath([1], [2], 1)).toThrow('interpolation: steps=1 must be a whole number >= 2');
  });
});

describe('priorMismatch', () => {
  it('is the closed-form KL of the aggregate posterior\'s moment-matched Gaussian', () => {
    // Four points (+-1, +-1): mean 0 and covariance I (moments over n, a mixture's): exactly 0.
    const square = [1, 1, 1, -1, -1, 1, -1, -1];
    expect(priorMismatch(square, 4, 2)).toBeCloseTo(0, 12);
    // Shift by (3, 0): adds |m|^2 / 2 = 4.5.
    const shifted = square.map((v, i) => (i % 2 === 0 ? v + 3 : v));
    expect(priorMismatch(shifted, 4, 2)).toBeCloseTo(4.5, 12);
    // Stretched by 10 along one axis: 0.5 (tr C - L - log det C) with C = diag(100, 1).
    const wide = square.map((v, i) => (i % 2 === 0 ? 10 * v : v));
    expect(priorMismatch(wide, 4, 2)).toBeCloseTo(0.5 * (101 - 2 - Math.log(100)), 10);
    // Correlated codes (the stretched square rotated): the same KL as its diagonal form.
    const t = Math.PI / 6;
    const rot: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [x, y] = [wide[2 * i], wide[2 * i + 1]];
      rot.push(Math.cos(t) * x - Math.sin(t) * y, Math.sin(t) * x + Math.cos(t) * y);
    }
    expect(priorMismatch(rot, 4, 2)).toBeCloseTo(priorMismatch(wide, 4, 2), 10);
    // Point codes on a line span one direction of two: infinitely far.
    expect(priorMismatch([1, 0, 2, 0, 3, 0], 3, 2)).toBe(Infinity);
  });

  it('adds the posterior variances: unused latents (mu = 0, logvar = 0) score 0, as the prior itself', () => {
    const zeros = new Array(6 * 3).fill(0);
    expect(priorMismatch(zeros, 6, 3, zeros)).toBeCloseTo(0, 12);
    // The square with variance 0.5 on top: C = 1.5 I.
    const square = [1, 1, 1, -1, -1, 1, -1, -1];
    expect(priorMismatch(square, 4, 2, new Array(8).fill(Math.log(0.5)))).toBeCloseTo(0.5 * (3 - 2 - 2 * Math.log(1.5)), 12);
    // One row is enough with variances, and a logvar past the clamp is clamped, not infinite.
    expect(priorMismatch([0, 0], 1, 2, [0, 0])).toBeCloseTo(0, 12);
    expect(Number.isFinite(priorMismatch([0], 1, 1, [200]))).toBe(true);
    expect(() => priorMismatch([1, 2], 2, 2)).toThrow('need n >= 1 rows of 2 values, got 2 values for n=2');
    expect(() => priorMismatch([1, 2, 3, 4], 2, 2, [0])).toThrow('logvar has 1 values, need n*L = 2*2');
  });
});
