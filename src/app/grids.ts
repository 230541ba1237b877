/**
 * Grey image grids on canvases: the canvas holds the grid at one pixel per image pixel and CSS
 * scales it up (pixelated), so drawing is one putImageData.
 */
import type { ImageSet } from './protocol.js';
import { layGrid } from '../views/image_grid.js';

/** Pixels between images and around the grid. */
const GAP = 1;
/** Background between images (dark grey, so black digits' edges show). */
const BACKGROUND = 48;

/** Draws `set` on `canvas`, `columns` images per row. */
export function drawGrid(canvas: HTMLCanvasElement, set: ImageSet, columns: number): void {
  const { width, height, data } = layGrid(set.pixels, set.count, set.rows, set.cols, columns, GAP, BACKGROUND);
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(width, height);
  const d = img.data;
  for (let i = 0; i < width * height; i++) {
    d[4 * i] = d[4 * i + 1] = d[4 * i + 2] = data[i];
    d[4 * i + 3] = 255;
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
