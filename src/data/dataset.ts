/**
 * Data sets in memory and seeded mini-batches. A data set holds either 8-bit values (`images`:
 * IDX, image folders, CIFAR-10, uint8 NumPy arrays) or real-valued rows (`values`: float NumPy
 * arrays, CSV), each row of `shape` ([F] features, or [C, H, W] in channel, row, column order),
 * with optional labels and class names. A `scaling` says how stored values become the model's
 * inputs; without one, bytes are divided by 255 (the MNIST convention) and real values are used
 * as they are.
 */
import { philox4x32, STREAM_SHUFFLE } from '../runtime/philox.js';
import type { IdxImages } from './idx.js';
import type { Scaling } from './normalize.js';

/** Label arrays: bytes for up to 256 classes (IDX, CIFAR-10), 32-bit words beyond. */
export type Labels = Uint8Array | Uint32Array;

/**
 * Rows of data with optional labels. The first six fields are those of an MNIST-like set
 * (count x rows*cols bytes, labels 0..9); the optional ones describe any other data and are
 * absent on IDX and embedded sets, which therefore read, batch and fingerprint as before.
 */
export interface Dataset<L extends Labels = Uint8Array> {
  name: string;
  count: number;
  /** Image height; 1 for feature rows. */
  rows: number;
  /** Image width; the feature count for feature rows. */
  cols: number;
  /** 8-bit values, count x pixelsOf(ds), row-major; empty when `values` holds the data. */
  images: Uint8Array;
  labels: L | null;
  /** One row's shape: [F] or [C, H, W]; absent means [1, rows, cols]. */
  shape?: readonly number[];
  /** Real-valued rows, count x pixelsOf(ds), when the data are not 8-bit. */
  values?: Float32Array | null;
  /** Class names indexed by label, when the data name their classes. */
  classNames?: readonly string[] | null;
  /** How stored values become model inputs (src/data/normalize.ts); absent: see the module comment. */
  scaling?: Scaling | null;
  /** Position of each row in its source (a file's rows, a folder's sorted files) when rows were split or chosen from it. */
  origin?: Uint32Array | null;
}

/** Any data set, whatever its label type. */
export type AnyDataset = Dataset<Labels>;

/** One row's shape: `shape`, or [1, rows, cols] for an MNIST-like set. */
export function shapeOf(ds: AnyDataset): readonly number[] {
  return ds.shape ?? [1, ds.rows, ds.cols];
}

/** Channels of an image row (1 for feature rows and MNIST-like sets). */
export function channelsOf(ds: AnyDataset): number {
  const s = shapeOf(ds);
  return s.length === 3 ? s[0] : 1;
}

/** True when rows are feature vectors ([F]), not images. */
export function isFeatureRows(ds: AnyDataset): boolean {
  return shapeOf(ds).length === 1;
}

/** Pairs images with labels (optional), checking that their counts agree. */
export function makeDataset(name: string, images: IdxImages, labels: Uint8Array | null): Dataset {
  if (labels && labels.length !== images.count) {
    throw new Error(`${name}: ${images.count} images but ${labels.length} labels`);
  }
  if (images.count === 0) throw new Error(`${name}: the images file holds no images`);
  return { name, count: images.count, rows: images.rows, cols: images.cols, images: images.pixels, labels };
}

/** Rows [start, end) of a data set, sharing its memory. */
export function subset<L extends Labels>(ds: Dataset<L>, start: number, end: number, name = `${ds.name}[${start}:${end}]`): Dataset<L> {
  const p = pixelsOf(ds);
  const out: Dataset<L> = { ...ds, name, count: end - start, images: ds.images.subarray(start * p, end * p), labels: (ds.labels?.subarray(start, end) as L | undefined) ?? null };
  if (ds.values) out.values = ds.values.subarray(start * p, end * p);
  if (ds.origin) out.origin = ds.origin.subarray(start, end);
  return out;
}

/**
 * A fingerprint of a data set's images and labels (FNV-1a, 32 bits, over the sizes and every
 * byte), to check that a resumed run trains on the data it started on.
 */
export function fingerprint(ds: AnyDataset): string {
  let h = 0x811c9dc5;
  const mix = (b: number) => {
    h = Math.imul(h ^ b, 0x01000193) >>> 0;
  };
  const word = (n: number) => {
    for (let s = 0; s < 32; s += 8) mix((n >>> s) & 0xff);
  };
  // An MNIST-like set hashes exactly as it always has; other data add their shape, their
  // real values' bits, and labels beyond a byte as 32-bit words.
  const plain = !ds.shape && !ds.values;
  for (const n of plain ? [ds.count, ds.rows, ds.cols] : [ds.count, ...shapeOf(ds)]) word(n);
  for (let i = 0; i < ds.images.length; i++) mix(ds.images[i]);
  if (ds.values) {
    const bits = new Uint32Array(ds.values.buffer, ds.values.byteOffset, ds.values.length);
    for (let i = 0; i < bits.length; i++) word(bits[i]);
  }
  if (ds.labels) for (let i = 0; i < ds.labels.length; i++) (ds.labels instanceof Uint8Array ? mix : word)(ds.labels[i]);
  const dims = plain ? `${ds.rows}x${ds.cols}` : shapeOf(ds).join('x');
  return `${ds.count}x${dims}:${h.toString(16).padStart(8, '0')}`;
}

/** Values per row: rows x cols, or the product of `shape`. */
export function pixelsOf(ds: AnyDataset): number {
  return ds.shape ? ds.shape.reduce((a, b) => a * b, 1) : ds.rows * ds.cols;
}

/** A permutation of 0..n-1 for `epoch` under `seed`: Fisher-Yates on Philox numbers. */
export function shuffled(n: number, seed: number, epoch: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  let block: number[] = [];
  for (let i = n - 1; i > 0; i--) {
    if (block.length === 0) block = philox4x32([i, epoch, 0, 0], [seed, STREAM_SHUFFLE]);
    // 32-bit draws modulo i+1: the bias is below (i+1)/2^32, negligible for data sets.
    const j = block.pop()! % (i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * Writes rows `order[start..start+count)` as model inputs into `out` (count x pixels): bytes /
 * 255, or real values as they are, or either through the data set's scaling.
 */
export function fillBatch(out: Float32Array, ds: AnyDataset, order: ArrayLike<number>, start: number, count: number): void {
  const p = pixelsOf(ds);
  if (!ds.values && !ds.scaling) {
    for (let r = 0; r < count; r++) {
      const src = order[start + r] * p;
      for (let i = 0; i < p; i++) out[r * p + i] = ds.images[src + i] / 255;
    }
    return;
  }
  const stored = ds.values ?? ds.images;
  const s = ds.scaling ? elementScaling(ds.scaling, shapeOf(ds)) : null;
  for (let r = 0; r < count; r++) {
    const src = order[start + r] * p;
    if (s) for (let i = 0; i < p; i++) out[r * p + i] = (stored[src + i] - s.shift[i]) / s.scale[i];
    else for (let i = 0; i < p; i++) out[r * p + i] = stored[src + i];
  }
}

/**
 * A scaling's shift and scale for every element of one row: `global` uses its one pair,
 * `channel` the pair of the element's channel, `feature` the element's own.
 */
export function elementScaling(s: Scaling, shape: readonly number[]): { shift: Float64Array; scale: Float64Array } {
  const p = shape.reduce((a, b) => a * b, 1);
  const plane = shape.length === 3 ? shape[1] * shape[2] : 1;
  const shift = new Float64Array(p);
  const scale = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    const g = s.per === 'global' ? 0 : s.per === 'channel' ? Math.floor(i / plane) : i;
    shift[i] = s.shift[g];
    scale[i] = s.scale[g];
  }
  return { shift, scale };
}

/** The batches of one epoch: `ceil(count / batch)` of them, the last one partial, none dropped. */
export function* epochBatches(ds: AnyDataset, batch: number, seed: number, epoch: number, out: Float32Array): Generator<number> {
  const order = shuffled(ds.count, seed, epoch);
  for (let start = 0; start < ds.count; start += batch) {
    const count = Math.min(batch, ds.count - start);
    fillBatch(out, ds, order, start, count);
    yield count;
  }
}

/** The batches of a data set in stored order (for evaluation). */
export function* orderedBatches(ds: AnyDataset, batch: number, out: Float32Array): Generator<number> {
  const p = pixelsOf(ds);
  const plain = !ds.values && !ds.scaling;
  let order: Uint32Array | null = null;
  for (let start = 0; start < ds.count; start += batch) {
    const count = Math.min(batch, ds.count - start);
    if (plain) for (let i = 0; i < count * p; i++) out[i] = ds.images[start * p + i] / 255;
    else fillBatch(out, ds, (order ??= Uint32Array.from({ length: ds.count }, (_, i) => i)), start, count);
    yield count;
  }
}
