/**
 * Grey image grids on canvases: the canvas holds the grid at one pixel per image pixel and CSS
 * scales it up (pixelated), so drawing is one putImageData.
 */
import type { ImageSet } from './protocol.js';

/** Pixels between images and around the grid. */
const GAP = 1;
/** Background between images (dark grey, so black digits' edges show). */
const BACKGROUND = 48;

/** Draws `set` on `canvas`, `columns` images per row. */
export function drawGrid(canvas: HTMLCanvasElement, set: ImageSet, columns: number): void {
  const { count, rows, cols, pixels } = set;
  const gridRows = Math.max(1, Math.ceil(count / columns));
  const width = columns * (cols + GAP) + GAP;
  const height = gridRows * (rows + GAP) + GAP;
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(width, height);
  const d = img.data;
  for (let i = 0; i < width * height; i++) {
    d[4 * i] = d[4 * i + 1] = d[4 * i + 2] = BACKGROUND;
    d[4 * i + 3] = 255;
  }
  for (let k = 0; k < count; k++) {
    const ox = GAP + (k % columns) * (cols + GAP);
    const oy = GAP + Math.floor(k / columns) * (rows + GAP);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        const v = pixels[k * rows * cols + y * cols + x];
        const g = Math.round(Math.min(1, Math.max(0, v)) * 255);
        const o = 4 * ((oy + y) * width + ox + x);
        d[o] = d[o + 1] = d[o + 2] = g;
      }
    }
  }
  ctx.putImageData(img, 0, 0);
}

/** Clears a grid canvas to its background. */
export function clearGrid(canvas: HTMLCanvasElement): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.fillStyle = `rgb(${BACKGROUND},${BACKGROUND},${BACKGROUND})`;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
}
