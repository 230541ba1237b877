/**
 * Image data sets in memory (bytes, as IDX stores them) and seeded mini-batches.
 */
import { philox4x32, STREAM_SHUFFLE } from '../runtime/philox.js';
import type { IdxImages } from './idx.js';

/** Images (count x rows*cols bytes) with optional labels 0..9. */
export interface Dataset {
  name: string;
  count: number;
  rows: number;
  cols: number;
  images: Uint8Array;
  labels: Uint8Array | null;
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
export function subset(ds: Dataset, start: number, end: number, name = `${ds.name}[${start}:${end}]`): Dataset {
  const p = ds.rows * ds.cols;
  return { ...ds, name, count: end - start, images: ds.images.subarray(start * p, end * p), labels: ds.labels?.subarray(start, end) ?? null };
}

/**
 * A fingerprint of a data set's images and labels (FNV-1a, 32 bits, over the sizes and every
 * byte), to check that a resumed run trains on the data it started on.
 */
export function fingerprint(ds: Dataset): string {
  let h = 0x811c9dc5;
  const mix = (b: number) => {
    h = Math.imul(h ^ b, 0x01000193) >>> 0;
  };
  for (const n of [ds.count, ds.rows, ds.cols]) for (let s = 0; s < 32; s += 8) mix((n >>> s) & 0xff);
  for (let i = 0; i < ds.images.length; i++) mix(ds.images[i]);
  if (ds.labels) for (let i = 0; i < ds.labels.length; i++) mix(ds.labels[i]);
  return `${ds.count}x${ds.rows}x${ds.cols}:${h.toString(16).padStart(8, '0')}`;
}

/** Pixels per image. */
export function pixelsOf(ds: Dataset): number {
  return ds.rows * ds.cols;
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

/** Writes images `order[start..start+count)` as floats byte/255 into `out` (count x pixels). */
export function fillBatch(out: Float32Array, ds: Dataset, order: ArrayLike<number>, start: number, count: number): void {
  const p = pixelsOf(ds);
  for (let r = 0; r < count; r++) {
    const src = order[start + r] * p;
    for (let i = 0; i < p; i++) out[r * p + i] = ds.images[src + i] / 255;
  }
}

/** The batches of one epoch: `ceil(count / batch)` of them, the last one partial, none dropped. */
export function* epochBatches(ds: Dataset, batch: number, seed: number, epoch: number, out: Float32Array): Generator<number> {
  const order = shuffled(ds.count, seed, epoch);
  for (let start = 0; start < ds.count; start += batch) {
    const count = Math.min(batch, ds.count - start);
    fillBatch(out, ds, order, start, count);
    yield count;
  }
}

/** The batches of a data set in stored order (for evaluation). */
export function* orderedBatches(ds: Dataset, batch: number, out: Float32Array): Generator<number> {
  const p = pixelsOf(ds);
  for (let start = 0; start < ds.count; start += batch) {
    const count = Math.min(batch, ds.count - start);
    for (let i = 0; i < count * p; i++) out[i] = ds.images[start * p + i] / 255;
    yield count;
  }
}
