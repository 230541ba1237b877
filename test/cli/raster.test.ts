// The CLI's rasteriser against hand-counted pixels.
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { hexColor, Raster, textWidth, type Rgb } from '../../src/cli/raster.js';

const RED: Rgb = [255, 0, 0];
const WHITE: Rgb = [255, 255, 255];

/** The pixels of `r` equal to `c`, as "x,y" strings in row order. */
function pixelsOf(r: Raster, c: Rgb): string[] {
  const out: string[] = [];
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) {
      const p = r.get(x, y);
      if (p[0] === c[0] && p[1] === c[1] && p[2] === c[2]) out.push(`${x},${y}`);
    }
  }
  return out;
}

describe('raster', () => {
  it('parses #rrggbb and nothing else', () => {
    expect(hexColor('#4e79a7')).toEqual([0x4e, 0x79, 0xa7]);
    expect(() => hexColor('4e79a7')).toThrow("colour '4e79a7' is not #rrggbb");
    expect(() => new Raster(0, 3)).toThrow('raster: 0x3 must be whole numbers >= 1');
  });

  it('draws lines with both ends: horizontal, vertical, 45 degrees, shallow, and reversed', () => {
    const r = new Raster(10, 10);
    r.line(0, 0, 4, 0, RED);
    expect(pixelsOf(r, RED)).toEqual(['0,0', '1,0', '2,0', '3,0', '4,0']);
    const d = new Raster(10, 10);
    d.line(5, 5, 1, 1, RED);
    expect(pixelsOf(d, RED).sort()).toEqual(['1,1', '2,2', '3,3', '4,4', '5,5']);
    // Slope 1/2: one pixel per column, within half a pixel of y = x / 2 (exact at even x).
    const s = new Raster(10, 10);
    s.line(0, 0, 4, 2, RED);
    const shallow = pixelsOf(s, RED).map((p) => p.split(',').map(Number));
    expect(shallow.map(([x]) => x)).toEqual([0, 1, 2, 3, 4]);
    for (const [x, y] of shallow) expect(Math.abs(y - x / 2), `pixel ${x},${y}`).toBeLessThanOrEqual(0.5);
    expect(shallow.filter(([x]) => x % 2 === 0)).toEqual([[0, 0], [2, 1], [4, 2]]);
    const v = new Raster(3, 10);
    v.line(1, 8, 1, 2, RED);
    expect(pixelsOf(v, RED).length).toBe(7);
  });

  it('dashes in runs of `dash` pixels and clips outside the image', () => {
    const r = new Raster(12, 1);
    r.line(0, 0, 11, 0, RED, 2);
    expect(pixelsOf(r, RED)).toEqual(['0,0', '1,0', '4,0', '5,0', '8,0', '9,0']);
    const c = new Raster(4, 4);
    c.line(-10, 1, 10, 1, RED);
    c.fillRect(2, 2, 10, 10, RED);
    expect(pixelsOf(c, RED).length).toBe(4 + 4); // row 1, and the 2x2 corner
  });

  it('dots are size x size squares centred on the nearest pixel; outlines close', () => {
    const r = new Raster(9, 9);
    r.dot(4.4, 3.6, RED);
    expect(pixelsOf(r, RED)).toEqual(['3,3', '4,3', '5,3', '3,4', '4,4', '5,4', '3,5', '4,5', '5,5']);
    const o = new Raster(6, 6);
    o.strokeRect(1, 1, 4, 3, RED);
    expect(pixelsOf(o, RED).length).toBe(2 * 4 + 2 * 1); // two rows of 4 and the sides' middle pixel
    expect(pixelsOf(o, WHITE).length).toBe(36 - 10);
  });

  it('writes the 5x7 font: glyph pixels, spacing, vertical text read upwards', () => {
    expect(textWidth('')).toBe(0);
    expect(textWidth('PC1')).toBe(17);
    const r = new Raster(12, 7);
    r.text(0, 0, '1-', RED);
    // '1' has 2 + 1 + 1 + 1 + 1 + 1 + 3 pixels; '-' one row of 5, from x = 6.
    const red = pixelsOf(r, RED);
    expect(red.length).toBe(10 + 5);
    expect(red.filter((p) => p.endsWith(',3') && Number(p.split(',')[0]) >= 6)).toEqual(['6,3', '7,3', '8,3', '9,3', '10,3']);
    // Turned a quarter anticlockwise: the '-' row (glyph y = 3) becomes column x = 3, above the '1'.
    const v = new Raster(7, 12);
    v.text(0, 11, '1-', RED, true);
    const col = pixelsOf(v, RED).filter((p) => p.startsWith('3,') && Number(p.split(',')[1]) <= 5);
    expect(col).toEqual(['3,1', '3,2', '3,3', '3,4', '3,5']);
    expect(() => r.text(0, 0, 'PCA', RED)).toThrow("raster: the font has no 'A' (in 'PCA')");
  });

  it('copies grey images and encodes an RGB PNG that decodes to the same pixels', () => {
    const r = new Raster(5, 4, [10, 20, 30]);
    r.grey(1, 1, { width: 2, height: 2, data: Uint8Array.from([0, 100, 200, 255]) });
    expect(r.get(1, 1)).toEqual([0, 0, 0]);
    expect(r.get(2, 2)).toEqual([255, 255, 255]);
    expect(r.get(0, 0)).toEqual([10, 20, 30]);
    const png = decode(r.png());
    expect([png.width, png.height, png.channels, png.depth]).toEqual([5, 4, 3, 8]);
    expect(Array.from(png.data)).toEqual(Array.from(r.data));
  });
});
