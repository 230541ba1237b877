/**
 * A small RGB rasteriser for plots: filled rectangles, square dots, one-pixel lines (solid or
 * dashed), grey image grids and text in a 5x7 bitmap font. Everything is drawn opaque on whole
 * pixels, so a colour drawn is a colour found. Pure (no dependencies): the CLI encodes it as
 * PNG (src/cli/raster.ts), the page puts it on a canvas.
 */
import type { GreyImage } from './image_grid.js';

/** An RGB colour, each channel 0..255. */
export type Rgb = readonly [number, number, number];

/** '#rrggbb' as RGB; throws on anything else. */
export function hexColor(hex: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`colour '${hex}' is not #rrggbb`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

/** Glyph cells: 5 columns, 7 rows, one pixel of spacing after each character. */
export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
const ADVANCE = GLYPH_WIDTH + 1;

/**
 * The font: each glyph is 7 rows of 5 bits, the top row first and the leftmost pixel the high
 * bit. It holds what the plots write: digits, number signs, axis titles (z1, PC1 (23% of variance)).
 */
const FONT: Record<string, readonly number[]> = {
  ' ': [0, 0, 0, 0, 0, 0, 0],
  0: [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110],
  1: [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
  2: [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],
  3: [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110],
  4: [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010],
  5: [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110],
  6: [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],
  7: [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000],
  8: [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110],
  9: [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100],
  '-': [0, 0, 0, 0b11111, 0, 0, 0],
  '+': [0, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0],
  '.': [0, 0, 0, 0, 0, 0b01100, 0b01100],
  '%': [0b11000, 0b11001, 0b00010, 0b00100, 0b01000, 0b10011, 0b00011],
  '(': [0b00010, 0b00100, 0b01000, 0b01000, 0b01000, 0b00100, 0b00010],
  ')': [0b01000, 0b00100, 0b00010, 0b00010, 0b00010, 0b00100, 0b01000],
  C: [0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110],
  P: [0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000],
  a: [0, 0, 0b01110, 0b00001, 0b01111, 0b10001, 0b01111],
  c: [0, 0, 0b01110, 0b10000, 0b10000, 0b10001, 0b01110],
  e: [0, 0, 0b01110, 0b10001, 0b11111, 0b10000, 0b01110],
  f: [0b00110, 0b01001, 0b01000, 0b11100, 0b01000, 0b01000, 0b01000],
  i: [0b00100, 0, 0b01100, 0b00100, 0b00100, 0b00100, 0b01110],
  n: [0, 0, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001],
  o: [0, 0, 0b01110, 0b10001, 0b10001, 0b10001, 0b01110],
  r: [0, 0, 0b10110, 0b11001, 0b10000, 0b10000, 0b10000],
  v: [0, 0, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100],
  z: [0, 0, 0b11111, 0b00010, 0b00100, 0b01000, 0b11111],
};

/** Width in pixels of `text` in the bitmap font (no spacing after the last character). */
export function textWidth(text: string): number {
  return text.length === 0 ? 0 : text.length * ADVANCE - 1;
}

/** An RGB image, row-major, 3 bytes a pixel; drawing outside it is clipped. */
export class RgbRaster {
  readonly data: Uint8Array;

  constructor(readonly width: number, readonly height: number, background: Rgb = [255, 255, 255]) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new Error(`raster: ${width}x${height} must be whole numbers >= 1`);
    }
    this.data = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  /** Sets pixel (x, y) (rounded) to `c`; ignored outside the image. */
  set(x: number, y: number, c: Rgb): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const o = 3 * (py * this.width + px);
    this.data[o] = c[0];
    this.data[o + 1] = c[1];
    this.data[o + 2] = c[2];
  }

  /** The colour at (x, y). */
  get(x: number, y: number): Rgb {
    const o = 3 * (y * this.width + x);
    return [this.data[o], this.data[o + 1], this.data[o + 2]];
  }

  /** Fills the w x h rectangle whose top-left pixel is (x, y). */
  fillRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x) + w);
    const y1 = Math.min(this.height, Math.round(y) + h);
    for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) this.set(px, py, c);
  }

  /** A size x size square (size odd) centred on the pixel nearest to (x, y). */
  dot(x: number, y: number, c: Rgb, size = 3): void {
    const h = (size - 1) / 2;
    this.fillRect(Math.round(x) - h, Math.round(y) - h, size, size, c);
  }

  /**
   * A one-pixel line from (x0, y0) to (x1, y1), both ends included (Bresenham on the rounded
   * ends). With `dash` > 0, runs of `dash` pixels are drawn and skipped in turn.
   */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, dash = 0): void {
    let x = Math.round(x0);
    let y = Math.round(y0);
    const xe = Math.round(x1);
    const ye = Math.round(y1);
    const dx = Math.abs(xe - x);
    const dy = -Math.abs(ye - y);
    const sx = x < xe ? 1 : -1;
    const sy = y < ye ? 1 : -1;
    let err = dx + dy;
    for (let k = 0; ; k++) {
      if (dash <= 0 || Math.floor(k / dash) % 2 === 0) this.set(x, y, c);
      if (x === xe && y === ye) return;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y += sy;
      }
    }
  }

  /** The outline of the w x h rectangle at (x, y), optionally dashed. */
  strokeRect(x: number, y: number, w: number, h: number, c: Rgb, dash = 0): void {
    const r = x + w - 1;
    const b = y + h - 1;
    this.line(x, y, r, y, c, dash);
    this.line(r, y, r, b, c, dash);
    this.line(r, b, x, b, c, dash);
    this.line(x, b, x, y, c, dash);
  }

  /**
   * `text` in the bitmap font. Horizontal: (x, y) is the top-left pixel. Vertical (turned a
   * quarter anticlockwise, read upwards): (x, y) is the bottom-left pixel, glyph tops to the left.
   * Throws on a character the font does not have.
   */
  text(x: number, y: number, text: string, c: Rgb, vertical = false): void {
    const ox = Math.round(x);
    const oy = Math.round(y);
    [...text].forEach((ch, k) => {
      const glyph = FONT[ch];
      if (!glyph) throw new Error(`raster: the font has no '${ch}' (in '${text}')`);
      for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
        for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
          if (!((glyph[gy] >> (GLYPH_WIDTH - 1 - gx)) & 1)) continue;
          const along = k * ADVANCE + gx;
          if (vertical) this.set(ox + gy, oy - along, c);
          else this.set(ox + along, oy + gy, c);
        }
      }
    });
  }

  /** Copies an RGB image (3 bytes a pixel) with its top-left pixel at (x, y). */
  rgb(x: number, y: number, image: { width: number; height: number; data: Uint8Array }): void {
    for (let py = 0; py < image.height; py++) {
      for (let px = 0; px < image.width; px++) {
        const o = 3 * (py * image.width + px);
        this.set(x + px, y + py, [image.data[o], image.data[o + 1], image.data[o + 2]]);
      }
    }
  }

  /** Copies a grey image (width x height bytes) with its top-left pixel at (x, y). */
  grey(x: number, y: number, image: GreyImage): void {
    for (let py = 0; py < image.height; py++) {
      for (let px = 0; px < image.width; px++) {
        const g = image.data[py * image.width + px];
        this.set(x + px, y + py, [g, g, g]);
      }
    }
  }
}
