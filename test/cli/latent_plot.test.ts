// The `latent` command's picture, drawn from hand-made points: where each part lands and which
// colours it holds.
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { gridImage } from '../../src/cli/images.js';
import { edgeValue, latentPlot, toPixel } from '../../src/cli/latent_plot.js';
import { LABEL_COLORS, UNLABELLED_COLOR } from '../../src/views/latent_view.js';
import { colorAt, colorCounts } from '../util/png.js';

describe('latent plot', () => {
  it('maps the window edges to the square\'s edge pixels, y upwards', () => {
    const rect = { x: 10, y: 20, width: 101, height: 51 };
    const w = { x0: -1, x1: 1, y0: 0, y1: 5 };
    expect(toPixel(rect, w, -1, 5)).toEqual([10, 20]);
    expect(toPixel(rect, w, 1, 0)).toEqual([110, 70]);
    expect(toPixel(rect, w, 0, 2.5)).toEqual([60, 45]);
  });

  it('writes edge values short: two decimals below 10, exponents for the very small and large', () => {
    expect(edgeValue(-2.6)).toBe('-2.60');
    expect(edgeValue(0)).toBe('0.00');
    expect(edgeValue(12.345)).toBe('12.3');
    expect(edgeValue(0.00123)).toBe('1.2e-3');
    expect(edgeValue(-12345)).toBe('-1.2e+4');
  });

  it('draws each point in its label\'s colour where the window puts it, and a legend of the ten colours', () => {
    // Ten points on a diagonal, one per label, and a last one (label 3) over the first.
    const points = new Float32Array(22);
    for (let i = 0; i < 10; i++) points.set([i, -i], 2 * i);
    points.set([0, 0], 20);
    const labels = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3]);
    const plot = latentPlot({ points, labels, axes: ['PC1 (50% of variance)', 'PC2 (20% of variance)'], equal: false, manifold: null });
    const png = decode(plot.png);
    expect([png.width, png.height, png.channels]).toEqual([plot.width, plot.height, 3]);
    expect(plot.manifold).toBeNull();
    const { window: w } = plot.scatter;
    // Points span 9 in each direction: 4% margin, centred.
    expect(w.x0).toBeCloseTo(4.5 - 9 * 0.52, 5);
    expect(w.y1).toBeCloseTo(-4.5 + 9 * 0.52, 5);
    for (let i = 1; i < 10; i++) {
      const [x, y] = toPixel(plot.scatter, w, i, -i).map(Math.round);
      expect(colorAt(png, x, y), `label ${i} at ${x},${y}`).toBe(LABEL_COLORS[i]);
    }
    const [x0, y0] = toPixel(plot.scatter, w, 0, 0).map(Math.round);
    expect(colorAt(png, x0, y0), 'the last point drawn wins').toBe(LABEL_COLORS[3]);
    // The square's corners hold no point: background.
    expect(colorAt(png, plot.scatter.x, plot.scatter.y + plot.scatter.height - 1)).toBe('#ffffff');
    const lg = plot.legend!;
    for (let k = 0; k < 10; k++) expect(colorAt(png, lg.x + 1, lg.y + 14 * k + 1), `swatch ${k}`).toBe(LABEL_COLORS[k]);
  });

  it('without labels, every point has the one colour and there is no legend', () => {
    const points = Float32Array.from([0, 0, 1, 1, 2, 0]);
    const plot = latentPlot({ points, labels: null, axes: ['z1', 'z2'], equal: true, manifold: null });
    expect(plot.legend).toBeNull();
    const png = decode(plot.png);
    const seen = colorCounts(png, { x: 0, y: 0, width: png.width, height: png.height });
    expect(seen.has(UNLABELLED_COLOR)).toBe(true);
    for (const c of LABEL_COLORS.filter((c) => c !== UNLABELLED_COLOR)) expect(seen.has(c), c).toBe(false);
    for (const [px, py] of [[0, 0], [1, 1], [2, 0]]) {
      const [x, y] = toPixel(plot.scatter, plot.scatter.window, px, py).map(Math.round);
      expect(colorAt(png, x, y)).toBe(UNLABELLED_COLOR);
    }
  });

  it('puts the manifold grid beside the scatter, as tall, with its square dashed in the scatter', () => {
    const side = 3;
    const images = new Float32Array(side * side * 4).map((_, i) => (i % 4) / 3); // 2x2 images
    const points = Float32Array.from([0.5, 0.5]);
    const plot = latentPlot({ points, labels: Uint8Array.from([7]), axes: ['z1', 'z2'], equal: true, manifold: { images, side, range: 2, rows: 2, cols: 2 } });
    const g = gridImage(images, side * side, 2, 2, side);
    expect(plot.manifold).toMatchObject({ width: g.width, height: g.height });
    expect(plot.manifold!.x).toBeGreaterThan(plot.legend!.x + plot.legend!.width);
    const png = decode(plot.png);
    const m = plot.manifold!;
    for (let y = 0; y < g.height; y++) {
      for (let x = 0; x < g.width; x++) {
        const v = g.data[y * g.width + x].toString(16).padStart(2, '0');
        expect(colorAt(png, m.x + x, m.y + y)).toBe(`#${v}${v}${v}`);
      }
    }
    // The window holds [-2, 2]^2 with the 4% margin; the dashed square's corner is at (-2, 2).
    expect(plot.scatter.window.x0).toBeCloseTo(-2.08, 5);
    const [cx, cy] = toPixel(plot.scatter, plot.scatter.window, -2, 2).map(Math.round);
    expect(colorAt(png, cx, cy)).toBe('#999999');
    const [px, py] = toPixel(plot.scatter, plot.scatter.window, 0.5, 0.5).map(Math.round);
    expect(colorAt(png, px, py)).toBe(LABEL_COLORS[7]);
  });
});
