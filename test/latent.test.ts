// Latent paths against analytic cases.
import { describe, expect, it } from 'vitest';
import { lerpPath, slerpPath } from '../src/latent.js';
import { priorMismatch } from '../src/toolkit.js';
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
  it('is the closed-form KL of the fitted Gaussian: 0 for codes with zero mean and unit covariance, known values otherwise', () => {
    // Four points (+-1, +-1): mean 0, sample covariance (n-1 = 3) diag(4/3): KL = 0.5 (8/3 - 2 - 2 log(4/3)).
    const square = [1, 1, 1, -1, -1, 1, -1, -1];
    expect(priorMismatch(square, 4, 2)).toBeCloseTo(0.5 * (8 / 3 - 2 - 2 * Math.log(4 / 3)), 12);
    // Shift by (3, 0): adds |m|^2 / 2 = 4.5.
    const shifted = square.map((v, i) => (i % 2 === 0 ? v + 3 : v));
    expect(priorMismatch(shifted, 4, 2) - priorMismatch(square, 4, 2)).toBeCloseTo(4.5, 12);
    // Scaled by 10 along one axis: tr and log det both change.
    const wide = square.map((v, i) => (i % 2 === 0 ? 10 * v : v));
    expect(priorMismatch(wide, 4, 2)).toBeCloseTo(0.5 * (400 / 3 + 4 / 3 - 2 - Math.log(400 / 3) - Math.log(4 / 3)), 10);
    // Correlated codes (a rotated ellipse): the same KL as its diagonal form.
    const t = Math.PI / 6;
    const rot = [];
    for (let i = 0; i < 4; i++) {
      const [x, y] = [wide[2 * i], wide[2 * i + 1]];
      rot.push(Math.cos(t) * x - Math.sin(t) * y, Math.sin(t) * x + Math.cos(t) * y);
    }
    expect(priorMismatch(rot, 4, 2)).toBeCloseTo(priorMismatch(wide, 4, 2), 10);
    // A collapsed direction: infinitely far.
    expect(priorMismatch([1, 0, 2, 0, 3, 0], 3, 2)).toBe(Infinity);
    expect(() => priorMismatch([1, 2], 1, 2)).toThrow('need at least 2 rows');
  });
});
