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
