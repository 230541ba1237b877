// Latent paths against analytic cases.
import { describe, expect, it } from 'vitest';
import { lerpPath, slerpPath } from '../src/latent.js';
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
