// What the image-grid commands draw for data that are not grey digits: RGB grids for colour
// images, line-plot panels for feature rows; the CLI's PNG of them.
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { colorGridPng, rgbPng } from '../../src/cli/images.js';
import { layColorGrid } from '../../src/views/image_grid.js';
import { SERIES_COLORS, seriesPanels } from '../../src/views/series_panels.js';

const at = (img: { width: number; data: Uint8Array }, x: number, y: number) => Array.from(img.data.subarray(3 * (y * img.width + x), 3 * (y * img.width + x) + 3));

describe('RGB grids', () => {
  it('three planes become red, green and blue; one plane grey', () => {
    // One 1x2 image: red plane (1, 0), green (0, 1), blue (0.5, 0).
    const g = layColorGrid(Float32Array.from([1, 0, 0, 1, 0.5, 0]), 1, 3, 1, 2, 1, 2, 40);
    expect([g.width, g.height]).toEqual([6, 5]);
    expect(at(g, 2, 2)).toEqual([255, 0, 128]);
    expect(at(g, 3, 2)).toEqual([0, 255, 0]);
    expect(at(g, 0, 0)).toEqual([40, 40, 40]);
    const grey = layColorGrid(Float32Array.from([0.2, 2]), 1, 1, 1, 2, 1, 0, 0);
    expect([at(grey, 0, 0), at(grey, 1, 0)]).toEqual([[51, 51, 51], [255, 255, 255]]);
    const png = decode(colorGridPng(Float32Array.from([1, 0, 0, 1, 0.5, 0]), 1, 3, 1, 2));
    expect(png.channels).toBe(3);
    expect(Array.from(png.data.subarray(3 * (2 * png.width + 2), 3 * (2 * png.width + 2) + 3))).toEqual([255, 0, 128]);
  });
});

describe('series panels', () => {
  it('inputs and reconstructions as lines on one shared range', () => {
    // Row 0: input (0, 1, 0), reconstruction (0, 0, 0); row 1: (1, 1, 1) and (1, 0, 1).
    const img = seriesPanels({ inputs: [0, 1, 0, 1, 1, 1], reconstructions: [0, 0, 0, 1, 0, 1], n: 2, features: 3, columns: 2, panelWidth: 40, panelHeight: 20 });
    // Width 4 + 2 (40 + 4), height 4 + (20 + 4).
    expect([img.width, img.height]).toEqual([92, 28]);
    // Range [0, 1] widened by 5%: [-0.05, 1.05]. Plot area from (7, 7), 34 x 14 pixels, so
    // value v lies at y = 7 + 13 (1.05 - v) / 1.1 and point i at x = 7 + 16.5 i.
    // Row 0's middle input point (1) at (23.5, 7.59) -> pixel (24, 8); its reconstruction (0) at y 19.4 -> 19.
    expect(at(img, 24, 8)).toEqual([...SERIES_COLORS.input]);
    expect(at(img, 24, 19)).toEqual([...SERIES_COLORS.reconstruction]);
    expect(at(img, 4, 4)).toEqual([...SERIES_COLORS.frame]);
    // Row 1 (second panel, ox = 48): its input is flat at 1 (y 8) from x 51 to 84; its
    // reconstruction dips to 0 (y 19) at x 67.5, so away from the ends only the input is at y 8.
    for (const x of [60, 75]) expect(at(img, x, 8)).toEqual([...SERIES_COLORS.input]);
    expect(at(img, 68, 19)).toEqual([...SERIES_COLORS.reconstruction]);
    expect(rgbPng(img).length).toBeGreaterThan(0);
    expect(decode(rgbPng(img)).width).toBe(92);
  });

  it('a flat signal, one feature, and captions draw without failing', () => {
    const img = seriesPanels({ inputs: [2, 2], n: 2, features: 1, captions: ['0.5', '12'] });
    expect(img.width).toBe(4 + 2 * 164);
    expect(() => seriesPanels({ inputs: [], n: 0, features: 3 })).toThrow('series panels: 0 rows of 3 values: nothing to draw');
  });
});
