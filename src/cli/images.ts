/**
 * Image grids as PNG for the CLI (fast-png, bundled into the CLI at build time; the library
 * bundle does not use it).
 */
import { encode } from 'fast-png';

/** Lays n grey images (values in [0, 1], rows x cols each) on a grid `columns` wide, 2 px apart. */
export function gridImage(images: Float32Array, n: number, rows: number, cols: number, columns = Math.ceil(Math.sqrt(n))): { width: number; height: number; data: Uint8Array } {
  const gap = 2;
  const gridRows = Math.ceil(n / columns);
  const width = columns * (cols + gap) + gap;
  const height = gridRows * (rows + gap) + gap;
  const data = new Uint8Array(width * height).fill(40);
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

/** PNG bytes of a grid of n grey images. */
export function gridPng(images: Float32Array, n: number, rows: number, cols: number, columns?: number): Uint8Array {
  const g = gridImage(images, n, rows, cols, columns);
  return encode({ width: g.width, height: g.height, data: g.data, channels: 1, depth: 8 });
}
