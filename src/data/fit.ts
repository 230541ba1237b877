/**
 * Whether data rows are a model's inputs: a model on [C, H, W] takes images of exactly that
 * shape; a model on [F] takes any rows of F values (an MLP on images flattens them). Shared by
 * the CLI and the page, so both refuse the same data with the same line.
 */
import { pixelsOf, shapeOf, type AnyDataset } from './dataset.js';

/** What a model takes: its input's shape and size. */
export interface ModelInput {
  inputShape: readonly number[];
  inputSize: number;
}

/** How rows of `shape` are called in messages: grey images have pixels, anything else values. */
function unit(shape: readonly number[]): { rows: string; values: string } {
  if (shape.length === 1) return { rows: 'rows', values: 'values' };
  return { rows: 'images', values: shape[0] === 1 ? 'pixels' : 'values' };
}

/** The line that says why `ds` does not fit `model`, or null when it does. */
export function dataMismatch(model: ModelInput, ds: AnyDataset): string | null {
  const shape = shapeOf(ds);
  const p = pixelsOf(ds);
  const u = unit(shape);
  if (p !== model.inputSize) return `${ds.name}: ${u.rows} have ${p} ${u.values}, the model expects ${model.inputSize}`;
  const s = model.inputShape;
  if (s.length === 3 && shape.join('x') !== s.join('x')) {
    return `${ds.name}: ${u.rows} are ${shape.join('x')}${shape.length === 3 ? ' (CxHxW)' : ''}, the model expects ${s.join('x')}`;
  }
  return null;
}

/** Throws dataMismatch's line when `ds` does not fit `model`. */
export function checkDataFits(model: ModelInput, ds: AnyDataset): void {
  const problem = dataMismatch(model, ds);
  if (problem) throw new Error(problem);
}
