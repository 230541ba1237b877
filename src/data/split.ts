/**
 * Train / test parts of data that come as one set (one .npy or CSV file, an image folder
 * without train/ and test/): 80 / 20 by the seed, or everything as the test set (`--split all`,
 * for scoring new data with a trained model).
 */
import { pixelsOf, shuffled, type Dataset, type Labels } from './dataset.js';
import type { SplitMode } from './options.js';
export { parseSplitMode, type SplitMode } from './options.js';

/**
 * Row indices of the 80 / 20 split of n rows under `seed`: the first ceil(n / 5) of the
 * training shuffle's permutation for "epoch 0" (training uses epochs from 1, so no epoch
 * shares it) are the test rows, the rest train; each part in ascending order.
 */
export function splitIndices(n: number, seed: number, where: string): { train: Uint32Array; test: Uint32Array } {
  if (n < 2) throw new Error(`${where}: ${n} row${n === 1 ? '' : 's'}, too few to split into train and test (give --split all to score them all)`);
  const perm = shuffled(n, seed, 0);
  const nTest = Math.ceil(n / 5);
  return { test: perm.slice(0, nTest).sort(), train: perm.slice(nTest).sort() };
}

/** A new data set of rows `indices` of `ds` (copied), remembering each row's origin. */
export function gatherRows<L extends Labels>(ds: Dataset<L>, indices: Uint32Array, name: string): Dataset<L> {
  const p = pixelsOf(ds);
  const images = new Uint8Array(ds.values ? 0 : indices.length * p);
  const values = ds.values ? new Float32Array(indices.length * p) : null;
  const labels = ds.labels ? (new (ds.labels.constructor as { new (n: number): L })(indices.length)) : null;
  const origin = new Uint32Array(indices.length);
  indices.forEach((r, i) => {
    if (values) values.set(ds.values!.subarray(r * p, (r + 1) * p), i * p);
    else images.set(ds.images.subarray(r * p, (r + 1) * p), i * p);
    if (labels) labels[i] = ds.labels![r];
    origin[i] = ds.origin ? ds.origin[r] : r;
  });
  return { ...ds, name, count: indices.length, images, values, labels, origin };
}

/**
 * Train and test parts of one set: 80 / 20 by the seed, or (`all`) no training part and every
 * row as the test set, in its order.
 */
export function splitSet<L extends Labels>(all: Dataset<L>, mode: SplitMode, seed: number): { train: Dataset<L> | null; test: Dataset<L> } {
  if (mode === 'all') return { train: null, test: { ...all, name: `${all.name} (all rows)` } };
  const { train, test } = splitIndices(all.count, seed, all.name);
  return { train: gatherRows(all, train, `${all.name} (train, 80% by seed ${seed})`), test: gatherRows(all, test, `${all.name} (test, 20% by seed ${seed})`) };
}
