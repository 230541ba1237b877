/**
 * Grey images laid out on a grid, as one grey image: the page draws it on a canvas, the CLI
 * encodes it as PNG.
 */

/** A grey image, one byte per pixel, row-major. */
export interface GreyImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Lays n images (rows x cols each, values in [0, 1], clamped) on a grid `columns` wide, `gap`
 * pixels apart and around, on a `background` grey level.
 */
export function layGrid(images: ArrayLike<number>, n: number, rows: number, cols: number, columns: number, gap: number, background: number): GreyImage {
  const gridRows = Math.max(1, Math.ceil(n / columns));
  const width = columns * (cols + gap) + gap;
  const height = gridRows * (rows + gap) + gap;
  const data = new Uint8Array(width * height).fill(background);
  for (let k = 0; k < n; k++) {
    const ox = gap + (k % columns) * (cols + gap);
    const oy = gap + Math.floor(k / columns) * (rows + gap);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        const v = images[k * rows * cols + y * cols + x];
        data[(oy + y) * width + ox + x] = Math.round(Math.min(1, Math.max(0, v)) * 255);
      }
    }
  }
  return { width, height, data };
}

/** An RGB image, 3 bytes per pixel, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Lays n images of `channels` planes (values in [0, 1], clamped; (C, H, W) order, rows x cols
 * each) on an RGB grid `columns` wide, `gap` pixels apart and around, on a `background` grey
 * level. Three channels are red, green and blue; one channel is grey.
 */
export function layColorGrid(images: ArrayLike<number>, n: number, channels: 1 | 3, rows: number, cols: number, columns: number, gap: number, background: number): RgbImage {
  const gridRows = Math.max(1, Math.ceil(n / columns));
  const width = columns * (cols + gap) + gap;
  const height = gridRows * (rows + gap) + gap;
  const data = new Uint8Array(width * height * 3).fill(background);
  const plane = rows * cols;
  for (let k = 0; k < n; k++) {
    const ox = gap + (k % columns) * (cols + gap);
    const oy = gap + Math.floor(k / columns) * (rows + gap);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        for (let c = 0; c < 3; c++) {
          const v = images[k * channels * plane + (channels === 3 ? c : 0) * plane + y * cols + x];
          data[3 * ((oy + y) * width + ox + x) + c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
        }
      }
    }
  }
  return { width, height, data };
}
