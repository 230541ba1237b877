// The 2-D latent views' plain logic against analytic cases: the PCA projection, the manifold's
// grid of codes, axis titles and the scatter's data window.
import { describe, expect, it } from 'vitest';
import { axisTitles, manifoldGrid, plotWindow } from '../src/views/latent_view.js';
import { project2d } from '../src/views/pca.js';

describe('latent projection', () => {
  it('is the identity for a 2-D latent space', () => {
    const x = Float32Array.from([1, 2, 3, 4]);
    expect(Array.from(project2d(x, 2, 2).points)).toEqual([1, 2, 3, 4]);
  });

  it('finds the top two principal directions by power iteration', () => {
    // Points a*u + b*v + small noise in 5-D, var(a) = 9 > var(b) = 1 >> noise: PC1 ~ a, PC2 ~ b.
    const d = 5;
    const n = 2000;
    const u = [1, 1, 0, 0, 0].map((v) => v / Math.SQRT2);
    const v = [0, 0, 1, -1, 1].map((t) => t / Math.sqrt(3));
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      a[i] = 3 * Math.sqrt(12) * rand();
      b[i] = Math.sqrt(12) * rand();
      for (let j = 0; j < d; j++) x[i * d + j] = a[i] * u[j] + b[i] * v[j] + 0.01 * rand() + 5;
    }
    const p = project2d(x, n, d);
    const corr = (k: number, ref: Float64Array) => {
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (let i = 0; i < n; i++) {
        sxy += p.points[2 * i + k] * ref[i];
        sxx += p.points[2 * i + k] ** 2;
        syy += ref[i] ** 2;
      }
      return Math.abs(sxy) / Math.sqrt(sxx * syy);
    };
    // Means are not exactly zero, so the correlation is just under 1.
    expect(corr(0, a)).toBeGreaterThan(0.999);
    expect(corr(1, b)).toBeGreaterThan(0.999);
    expect(p.explained[0]).toBeCloseTo(0.9, 1);
    expect(p.explained[1]).toBeCloseTo(0.1, 1);
  });
});

describe('manifold grid', () => {
  it('runs z1 left to right and z2 top to bottom over [-range, range]', () => {
    // 3 x 3 over [-2, 2]: corners at +-2, centre at 0; row 0 is z2 = +2.
    expect(Array.from(manifoldGrid(3, 2))).toEqual([-2, 2, 0, 2, 2, 2, -2, 0, 0, 0, 2, 0, -2, -2, 0, -2, 2, -2]);
    const z = manifoldGrid(15, 2.5);
    expect(z.length).toBe(15 * 15 * 2);
    expect(z[(7 * 15 + 7) * 2]).toBeCloseTo(0, 6); // the centre cell is z = 0
    expect(() => manifoldGrid(1, 2)).toThrow('manifold: side=1 must be a whole number >= 2');
  });
});

describe('axis titles', () => {
  it('names z for latent 1 and 2, principal components with rounded shares above', () => {
    expect(axisTitles(2, [NaN, NaN])).toEqual(['z1', 'z2']);
    expect(axisTitles(1, [1, 0])).toEqual(['z1', '']);
    expect(axisTitles(20, [0.234, 0.125])).toEqual(['PC1 (23% of variance)', 'PC2 (13% of variance)']);
  });
});

describe('scatter window', () => {
  it('bounds the points with a 4% margin, one scale for both axes when equal', () => {
    const pts = [0, 0, 2, 1];
    // x spans 2 -> 2.08 around 1; y spans 1 -> 1.04 around 0.5, or 2.08 with equal scales.
    const w = plotWindow(pts, 0, false);
    expect(w.x0).toBeCloseTo(-0.04, 12);
    expect(w.x1).toBeCloseTo(2.04, 12);
    expect(w.y0).toBeCloseTo(-0.02, 12);
    expect(w.y1).toBeCloseTo(1.02, 12);
    const e = plotWindow(pts, 0, true);
    expect(e.y0).toBeCloseTo(0.5 - 1.04, 12);
    expect(e.y1).toBeCloseTo(0.5 + 1.04, 12);
  });

  it('takes in the manifold square, skips non-finite points, and has a default when empty', () => {
    const w = plotWindow([0.5, 0.5, NaN, 100, Infinity, 0], 2.5, true);
    expect(w.x0).toBeCloseTo(-2.6, 12);
    expect(w.x1).toBeCloseTo(2.6, 12);
    expect(w.y1).toBeCloseTo(2.6, 12);
    expect(plotWindow([], 0, true)).toEqual({ x0: -1, x1: 1, y0: -1, y1: 1 });
    expect(plotWindow([NaN, 1], 0, false)).toEqual({ x0: -1, x1: 1, y0: -1, y1: 1 });
  });
});
