// Scalings: fitted by hand-computed statistics, applied in batches, undone, kept as metadata;
// the Bernoulli range check.
import { describe, expect, it } from 'vitest';
import type { AnyDataset } from '../../src/data/dataset.js';
import { fillBatch, pixelsOf } from '../../src/data/dataset.js';
import { checkBernoulliRange, fitScaling, inputRange, parseNormalizeMode, scalingFromMetadata, scalingToMetadata, unscale, withScaling } from '../../src/data/normalize.js';

/** Two images of 2 channels x 1 x 2 pixels, bytes. */
const images: AnyDataset = { name: 'im', count: 2, rows: 1, cols: 2, shape: [2, 1, 2], images: Uint8Array.from([0, 10, 100, 200, 20, 30, 50, 250]), labels: null };
/** Three rows of two features, real values. */
const rows: AnyDataset = { name: 'rows', count: 3, rows: 1, cols: 2, shape: [2], images: new Uint8Array(0), values: Float32Array.from([1, -5, 3, -5, 5, -5]), labels: null };

/** Every row's model inputs, as training would see them. */
const batch = (ds: AnyDataset) => {
  const out = new Float32Array(ds.count * pixelsOf(ds));
  fillBatch(out, ds, Array.from({ length: ds.count }, (_, i) => i), 0, ds.count);
  return Array.from(out);
};

describe('scalings', () => {
  it('defaults: pixel/255 for bytes, none for real values, attached as no scaling', () => {
    expect(fitScaling(images)).toEqual({ mode: 'pixel', per: 'global', shift: [0], scale: [255] });
    expect(fitScaling(rows)).toEqual({ mode: 'none', per: 'global', shift: [0], scale: [1] });
    expect(withScaling(images, fitScaling(images)).scaling).toBeNull();
    expect(batch(withScaling(images, fitScaling(images)))).toEqual([0, 10, 100, 200, 20, 30, 50, 250].map((v) => Math.fround(v / 255)));
  });

  it('minmax per channel of images: channel 0 spans 0..30, channel 1 spans 50..250', () => {
    const s = fitScaling(images, 'minmax');
    expect(s).toEqual({ mode: 'minmax', per: 'channel', shift: [0, 50], scale: [30, 200] });
    expect(batch(withScaling(images, s))).toEqual([0, 10 / 30, 50 / 200, 150 / 200, 20 / 30, 1, 0, 1].map(Math.fround));
  });

  it('standard per feature: means 3 and -5, deviations sqrt(8/3) and 0 (taken as 1)', () => {
    const s = fitScaling(rows, 'standard');
    expect(s).toEqual({ mode: 'standard', per: 'feature', shift: [3, -5], scale: [Math.sqrt(8 / 3), 1] });
    const scaled = withScaling(rows, s);
    expect(batch(scaled)).toEqual([-2 / Math.sqrt(8 / 3), 0, 0, 0, 2 / Math.sqrt(8 / 3), 0].map(Math.fround));
    // Undone: back to the data's units (to float32 precision).
    const back = unscale(Float32Array.from(batch(scaled)), s, [2]);
    expect(Array.from(back).map((v) => Math.round(v * 1e5) / 1e5)).toEqual([1, -5, 3, -5, 5, -5]);
    expect(inputRange(scaled).min).toBeCloseTo(-2 / Math.sqrt(8 / 3), 6);
  });

  it('metadata round trip, and bad metadata named in one line', () => {
    const s = fitScaling(rows, 'standard');
    expect(scalingFromMetadata(scalingToMetadata(s), 'm')).toEqual(s);
    expect(scalingFromMetadata({}, 'm')).toBeNull();
    const bad = { ...scalingToMetadata(s), normalizeScale: '[1, 0]' };
    expect(() => scalingFromMetadata(bad, 'm.safetensors')).toThrow('m.safetensors: metadata "normalizeScale" is "[1, 0]", must be a JSON array of finite numbers > 0');
    expect(() => scalingFromMetadata({ normalize: 'zscore' }, 'm')).toThrow('m: metadata "normalize" is "zscore", must be pixel, none, minmax, standard');
    expect(() => withScaling(images, s)).toThrow('im: the standard scaling has 2 groups (one per feature of a row), but rows are 2x1x2');
    expect(() => parseNormalizeMode('z')).toThrow("--normalize must be none, minmax, standard, got 'z'");
  });

  it('the Bernoulli decoder refuses inputs outside [0, 1] with both ways out', () => {
    expect(() => checkBernoulliRange(withScaling(rows, fitScaling(rows)))).toThrow('rows: inputs span [-5, 5] after --normalize none, but the Bernoulli decoder needs [0, 1]: use --likelihood gaussian or --normalize minmax');
    expect(() => checkBernoulliRange(withScaling(rows, fitScaling(rows, 'minmax')))).not.toThrow();
    expect(() => checkBernoulliRange(images)).not.toThrow();
  });
});
