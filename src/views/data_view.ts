/**
 * How a model's rows are shown, in the CLI's PNGs and in the page: images as grey or RGB grids
 * of values in [0, 1], feature rows ([F]: series, table rows) as line plots in the data's own
 * units. Model inputs and outputs are first turned back into stored values (the checkpoint's
 * scaling undone), then 8-bit data (and data of unrecorded storage) divided by 255; an image of two channels shows its first as
 * grey, one of four or more its first three as RGB.
 */
import { toStoredUnits, type ModelData } from '../checkpoint/data_metadata.js';

/** The shape of a model's rows and the data side it records. */
export interface DataDisplay {
  shape: readonly number[];
  data: Pick<ModelData, 'scaling' | 'storage'>;
}

/** True when rows are feature vectors ([F]), drawn as line plots. */
export function isSeries(shape: readonly number[]): boolean {
  return shape.length === 1;
}

/** Planes an image is drawn with: 3 (RGB) from three channels or more, else 1 (grey). */
export function displayChannels(shape: readonly number[]): 1 | 3 {
  return shape.length === 3 && shape[0] >= 3 ? 3 : 1;
}

/** Height and width of an image row ([C, H, W]; a plain [F] that is a square is taken as one grey image). */
export function imageSize(shape: readonly number[]): { rows: number; cols: number } {
  if (shape.length === 3) return { rows: shape[1], cols: shape[2] };
  const side = Math.round(Math.sqrt(shape[0]));
  return { rows: side, cols: shape[0] / side };
}

/** n feature rows (model units) in the data's units. */
export function seriesValues(x: Float32Array, d: DataDisplay): Float32Array {
  return toStoredUnits(x, d.data, d.shape);
}

/**
 * n image rows (model units) as the values a grid draws: in [0, 1] for 8-bit data, with the
 * channels displayChannels keeps, (C, H, W) order.
 */
export function imageValues(x: Float32Array, n: number, d: DataDisplay): Float32Array {
  // Bytes / 255 (the default of 8-bit data) are their own display values: nothing to undo.
  const s = d.data.scaling;
  const pixel = d.data.storage !== 'float32' && (!s || (s.per === 'global' && s.shift[0] === 0 && s.scale[0] === 255));
  const stored = pixel ? x : toStoredUnits(x, d.data, d.shape);
  const unit = pixel || d.data.storage === 'float32' ? 1 : 1 / 255;
  const c = d.shape.length === 3 ? d.shape[0] : 1;
  const keep = displayChannels(d.shape);
  const { rows, cols } = imageSize(d.shape);
  const plane = rows * cols;
  if (keep === c) return unit === 1 ? stored : stored.map((v) => v * unit);
  const out = new Float32Array(n * keep * plane);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < keep * plane; i++) out[k * keep * plane + i] = stored[k * c * plane + i] * unit;
  }
  return out;
}
