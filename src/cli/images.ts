/**
 * Image grids as PNG for the CLI (fast-png, bundled into the CLI at build time; the library
 * bundle does not use it).
 */
import { encode } from 'fast-png';
import { displayChannels, imageSize, imageValues, seriesValues, type DataDisplay } from '../views/data_view.js';
import { layColorGrid, layGrid, type GreyImage, type RgbImage } from '../views/image_grid.js';
import { seriesPanels } from '../views/series_panels.js';

/** Lays n grey images (values in [0, 1], rows x cols each) on a grid `columns` wide, 2 px apart on grey 40. */
export function gridImage(images: Float32Array, n: number, rows: number, cols: number, columns = Math.ceil(Math.sqrt(n))): GreyImage {
  return layGrid(images, n, rows, cols, columns, 2, 40);
}

/** PNG bytes of a grid of n grey images. */
export function gridPng(images: Float32Array, n: number, rows: number, cols: number, columns?: number): Uint8Array {
  const g = gridImage(images, n, rows, cols, columns);
  return encode({ width: g.width, height: g.height, data: g.data, channels: 1, depth: 8 });
}

/** PNG bytes of an RGB image (8-bit). */
export function rgbPng(image: RgbImage): Uint8Array {
  return encode({ width: image.width, height: image.height, data: image.data, channels: 3, depth: 8 });
}

/**
 * PNG bytes of a grid of n images of `channels` planes (values in [0, 1], (C, H, W) order):
 * RGB for three channels, grey for one, laid out as gridPng does.
 */
export function colorGridPng(images: Float32Array, n: number, channels: 1 | 3, rows: number, cols: number, columns = Math.ceil(Math.sqrt(n))): Uint8Array {
  if (channels === 1) return gridPng(images, n, rows, cols, columns);
  return rgbPng(layColorGrid(images, n, channels, rows, cols, columns, 2, 40));
}

/** PNG bytes of n image rows (model units; shown as src/views/data_view.ts says), `columns` a row. */
export function imageRowsPng(x: Float32Array, n: number, d: DataDisplay, columns?: number): Uint8Array {
  const { rows, cols } = imageSize(d.shape);
  return colorGridPng(imageValues(x, n, d), n, displayChannels(d.shape), rows, cols, columns);
}

/** PNG bytes of n feature rows (model units) as line panels in the data's units: inputs, with reconstructions and references overlaid when given. */
export function seriesRowsPng(
  p: { inputs: Float32Array; reconstructions?: Float32Array | null; references?: Float32Array | null; n: number; columns?: number; captions?: string[] },
  d: DataDisplay,
): Uint8Array {
  const units = (x: Float32Array | null | undefined) => (x ? seriesValues(x, d) : null);
  return rgbPng(seriesPanels({
    inputs: seriesValues(p.inputs, d), reconstructions: units(p.reconstructions), references: units(p.references), n: p.n, features: d.shape[0],
    columns: p.columns, captions: p.captions,
  }));
}
