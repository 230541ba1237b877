/**
 * Rows drawn on canvases: image grids (grey or RGB) at one pixel per image pixel, which CSS
 * scales up (pixelated), and feature rows as line panels (src/views/series_panels.ts) with their
 * reconstructions overlaid; either way one putImageData.
 */
import type { ImageSet } from './protocol.js';
import { layColorGrid, type RgbImage } from '../views/image_grid.js';
import { seriesPanels } from '../views/series_panels.js';

/** Pixels between images and around the grid. */
const GAP = 1;
/** Background between images (dark grey, so black digits' edges show). */
const BACKGROUND = 48;
/** One series panel's size in canvas pixels. */
const PANEL = { width: 150, height: 70 };

/** Puts an RGB image on `canvas`, resizing the canvas to it. */
function put(canvas: HTMLCanvasElement, image: RgbImage): void {
  const { width, height, data } = image;
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(width, height);
  const d = img.data;
  for (let i = 0; i < width * height; i++) {
    d[4 * i] = data[3 * i];
    d[4 * i + 1] = data[3 * i + 1];
    d[4 * i + 2] = data[3 * i + 2];
    d[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** Draws `set` on `canvas`, `columns` images (or panels) per row. */
export function drawGrid(canvas: HTMLCanvasElement, set: ImageSet, columns: number): void {
  canvas.classList.toggle('series', set.series === true);
  if (set.series) {
    put(canvas, seriesPanels({
      inputs: set.pixels, reconstructions: set.overlay ?? null, references: set.reference ?? null, n: set.count, features: set.cols,
      columns, panelWidth: PANEL.width, panelHeight: PANEL.height,
    }));
    return;
  }
  put(canvas, layColorGrid(set.pixels, set.count, set.channels, set.rows, set.cols, columns, GAP, BACKGROUND));
}

/** Clears a grid canvas to its background. */
export function clearGrid(canvas: HTMLCanvasElement): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.fillStyle = `rgb(${BACKGROUND},${BACKGROUND},${BACKGROUND})`;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
}
