// The IDX writer against the reader: written files (plain and gzipped) read back byte for byte,
// the header is the documented big-endian layout, and everything the reader would reject is
// refused when writing.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readIdxImages, readIdxLabels } from '../../src/data/idx.js';
import { encodeIdxImages, encodeIdxLabels, gzipBytes, writeIdxImages, writeIdxLabels } from '../../src/data/idx_write.js';

/** count images of rows x cols whose byte k is (13k + 5) mod 256. */
function pixels(count: number, rows: number, cols: number): Uint8Array {
  const p = new Uint8Array(count * rows * cols);
  for (let k = 0; k < p.length; k++) p[k] = (13 * k + 5) & 0xff;
  return p;
}

describe('IDX writer', () => {
  it('writes the documented header: magic, count, rows, cols, big-endian', () => {
    const b = encodeIdxImages({ count: 3, rows: 2, cols: 5, pixels: pixels(3, 2, 5) });
    expect(Array.from(b.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 5]);
    expect(b.length).toBe(16 + 30);
    const l = encodeIdxLabels(new Uint8Array([7, 0, 9]));
    expect(Array.from(l)).toEqual([0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9]);
  });

  for (const gzip of [false, true]) {
    it(`round-trips images and labels through the reader (${gzip ? 'gzipped' : 'plain'})`, async () => {
      // Odd sizes, and enough images (300 x 28 x 28) that gzip output spans several chunks.
      for (const [count, rows, cols] of [[1, 1, 1], [7, 3, 5], [300, 28, 28]]) {
        const px = pixels(count, rows, cols);
        const bytes = await writeIdxImages({ count, rows, cols, pixels: px }, { gzip });
        expect(bytes[0] === 0x1f && bytes[1] === 0x8b).toBe(gzip);
        const got = await readIdxImages(bytes, 'images');
        expect({ count: got.count, rows: got.rows, cols: got.cols }).toEqual({ count, rows, cols });
        expect(Buffer.compare(got.pixels, px)).toBe(0);
      }
      for (const values of [[], [0], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 5]]) {
        const bytes = await writeIdxLabels(new Uint8Array(values), { gzip });
        expect(Array.from(await readIdxLabels(bytes, 'labels'))).toEqual(values);
      }
    });
  }

  it('gzips to standard gzip that zlib inflates', async () => {
    const plain = encodeIdxLabels(new Uint8Array(1000).map((_, i) => i % 10));
    const gz = await gzipBytes(plain);
    expect(Buffer.compare(gunzipSync(gz), plain)).toBe(0);
  });

  it('refuses what the reader would reject, with the numbers in one line', async () => {
    const cases: [() => unknown, RegExp][] = [
      [() => encodeIdxImages({ count: 2, rows: 2, cols: 2, pixels: new Uint8Array(7) }), /2 images of 2x2 need 8 pixel bytes, got 7/],
      [() => encodeIdxImages({ count: 1, rows: 0, cols: 2, pixels: new Uint8Array(0) }), /rows is 0, must be a whole number in \[1, /],
      [() => encodeIdxImages({ count: 1.5, rows: 1, cols: 1, pixels: new Uint8Array(1) }), /count is 1.5/],
      [() => encodeIdxImages({ count: 2 ** 32, rows: 1, cols: 1, pixels: new Uint8Array(0) }), /count is 4294967296/],
      [() => encodeIdxImages({ count: 70000, rows: 28000, cols: 28, pixels: new Uint8Array(0) }), /more than the 2147483647 a reader accepts/],
      [() => encodeIdxLabels(new Uint8Array([1, 2, 10])), /label 2 is 10, labels must be 0-9/],
    ];
    for (const [f, re] of cases) {
      let msg = '';
      try {
        f();
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toMatch(re);
      expect(msg.startsWith('IDX writer: ')).toBe(true);
      expect(msg.includes('\n')).toBe(false);
    }
    await expect(writeIdxLabels(new Uint8Array([11]), { gzip: true })).rejects.toThrow(/label 0 is 11/);
  });
});
