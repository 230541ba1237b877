// The grown Dataset: MNIST-like sets batch and fingerprint exactly as before; real-valued rows,
// shapes, 32-bit labels, subsets and the 80 / 20 split.
import { describe, expect, it } from 'vitest';
import { channelsOf, fillBatch, fingerprint, orderedBatches, pixelsOf, shapeOf, subset, type AnyDataset, type Dataset } from '../../src/data/dataset.js';
import { splitIndices, splitSet } from '../../src/data/split.js';

/** The fingerprint as it was before data sets grew (FNV-1a over count, rows, cols, bytes, labels): the oracle. */
function oldFingerprint(ds: Dataset): string {
  let h = 0x811c9dc5;
  const mix = (b: number) => (h = Math.imul(h ^ b, 0x01000193) >>> 0);
  for (const n of [ds.count, ds.rows, ds.cols]) for (let s = 0; s < 32; s += 8) mix((n >>> s) & 0xff);
  for (let i = 0; i < ds.images.length; i++) mix(ds.images[i]);
  if (ds.labels) for (let i = 0; i < ds.labels.length; i++) mix(ds.labels[i]);
  return `${ds.count}x${ds.rows}x${ds.cols}:${h.toString(16).padStart(8, '0')}`;
}

const mnistLike: Dataset = { name: 'm', count: 3, rows: 2, cols: 2, images: Uint8Array.from({ length: 12 }, (_, i) => i * 21), labels: Uint8Array.from([3, 1, 4]) };
const series: AnyDataset = { name: 's', count: 3, rows: 1, cols: 2, shape: [2], images: new Uint8Array(0), values: Float32Array.from([0.5, -1, 2, 3, 4, 5]), labels: Uint32Array.from([0, 700, 2]) };

describe('data sets', () => {
  it('an MNIST-like set fingerprints and batches as before', () => {
    expect(fingerprint(mnistLike)).toBe(oldFingerprint(mnistLike));
    expect(fingerprint({ ...mnistLike, labels: null })).toBe(oldFingerprint({ ...mnistLike, labels: null }));
    const out = new Float32Array(8);
    fillBatch(out, mnistLike, [2, 0], 0, 2);
    expect(Array.from(out)).toEqual([168, 189, 210, 231, 0, 21, 42, 63].map((v) => Math.fround(v / 255)));
    expect([pixelsOf(mnistLike), channelsOf(mnistLike), ...shapeOf(mnistLike)]).toEqual([4, 1, 1, 2, 2]);
  });

  it('real-valued rows batch as they are; the fingerprint covers values, shape and 32-bit labels', () => {
    const out = new Float32Array(6);
    const counts = [...orderedBatches(series, 2, out)];
    expect(counts).toEqual([2, 1]);
    expect(Array.from(out.subarray(0, 2))).toEqual([4, 5]); // the last batch's one row
    const fp = fingerprint(series);
    expect(fp).toMatch(/^3x2:[0-9a-f]{8}$/);
    expect(fingerprint({ ...series, values: Float32Array.from([0.5, -1, 2, 3, 4, 5.0000005]) })).not.toBe(fp);
    expect(fingerprint({ ...series, labels: Uint32Array.from([0, 701, 2]) })).not.toBe(fp);
    const tail = subset(series, 1, 3);
    expect(Array.from(tail.values!)).toEqual([2, 3, 4, 5]);
    expect(Array.from(tail.labels!)).toEqual([700, 2]);
  });

  it('the 80 / 20 split: ceil(n / 5) test rows, disjoint, sorted, seeded', () => {
    const { train, test } = splitIndices(11, 5, 'x');
    expect([train.length, test.length]).toEqual([8, 3]);
    expect([...train, ...test].sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, i) => i));
    expect(Array.from(test)).toEqual([...test].sort((a, b) => a - b));
    expect(Array.from(splitIndices(11, 5, 'x').test)).toEqual(Array.from(test));
    expect(Array.from(splitIndices(11, 6, 'x').test)).not.toEqual(Array.from(test));
    expect(() => splitIndices(1, 1, 'one.csv')).toThrow('one.csv: 1 row, too few to split into train and test (give --split all to score them all)');
    const parts = splitSet(series, 'default', 1);
    expect(parts.train!.count + parts.test.count).toBe(3);
    const k = parts.test.origin![0];
    expect(Array.from(parts.test.values!)).toEqual(Array.from(series.values!.subarray(2 * k, 2 * k + 2)));
    expect(parts.test.labels![0]).toBe(series.labels![k]);
  });
});
