// The data side of a model: its checkpoint metadata round trip, outputs back in the data's
// units, how rows are shown (RGB planes, series), and which data fit which model.
import { describe, expect, it } from 'vitest';
import { dataFromMetadata, dataMetadata, toStoredUnits } from '../../src/checkpoint/data_metadata.js';
import { dataMismatch } from '../../src/data/fit.js';
import { imageValues, seriesValues } from '../../src/views/data_view.js';
import type { AnyDataset } from '../../src/data/dataset.js';

const rows = (shape: number[], count = 2, values = false): AnyDataset => ({
  name: 'd', count, rows: shape.length === 3 ? shape[1] : 1, cols: shape.at(-1)!, shape, images: new Uint8Array(0), labels: null, ...(values ? { values: new Float32Array(0) } : {}),
});

describe('the data side of a model', () => {
  it('metadata round trip: scaling, storage, threshold and normal label; none recorded reads as nulls', () => {
    const d = { scaling: { mode: 'standard' as const, per: 'feature' as const, shift: [0.1, -2], scale: [3, 0.5] }, storage: 'float32' as const, threshold: 12.25, normalLabel: 'normal' };
    const meta = dataMetadata(d);
    expect(meta).toEqual({ normalize: 'standard', normalizePer: 'feature', normalizeShift: '[0.1,-2]', normalizeScale: '[3,0.5]', dataStorage: 'float32', anomalyThreshold: '12.25', normalLabel: 'normal' });
    expect(dataFromMetadata(meta, 'm')).toEqual(d);
    expect(dataFromMetadata({}, 'm')).toEqual({ scaling: null, storage: null, threshold: null, normalLabel: null });
    expect(() => dataFromMetadata({ dataStorage: 'int16' }, 'm.safetensors')).toThrow('m.safetensors: metadata "dataStorage" is "int16", must be uint8 or float32');
  });

  it('outputs in the data\'s units: the scaling undone per feature; bytes / 255 when none is recorded', () => {
    const s = { scaling: { mode: 'standard' as const, per: 'feature' as const, shift: [10, 20], scale: [2, 4] }, storage: 'float32' as const };
    expect(Array.from(toStoredUnits(Float32Array.from([1, -1, 0, 0.5]), s, [2]))).toEqual([12, 16, 10, 22]);
    expect(Array.from(toStoredUnits(Float32Array.from([0.5]), { scaling: null, storage: null }, [1]))).toEqual([127.5]);
    expect(Array.from(seriesValues(Float32Array.from([1, -1]), { shape: [2], data: s }))).toEqual([12, 16]);
  });

  it('images are shown in [0, 1]: bytes as stored, the scaling undone; RGB kept, four channels cut to three, two to the first', () => {
    const pixel = { scaling: { mode: 'pixel' as const, per: 'global' as const, shift: [0], scale: [255] }, storage: 'uint8' as const };
    const x = Float32Array.from([0.25, 0.5]);
    expect(imageValues(x, 1, { shape: [1, 1, 2], data: pixel })).toBe(x); // nothing to undo
    // Per-channel standard scaling of bytes: back to bytes, then / 255.
    const std = { scaling: { mode: 'standard' as const, per: 'channel' as const, shift: [100, 50, 0, 9], scale: [10, 5, 1, 1] }, storage: 'uint8' as const };
    const rgba = Float32Array.from([1, 2, 3, 4]); // one pixel, four channels
    expect(Array.from(imageValues(rgba, 1, { shape: [4, 1, 1], data: std }))).toEqual([110 / 255, 60 / 255, 3 / 255].map(Math.fround));
    const two = imageValues(Float32Array.from([0.2, 0.9]), 1, { shape: [2, 1, 1], data: { scaling: null, storage: 'float32' } });
    expect(Array.from(two)).toEqual([Math.fround(0.2)]);
  });

  it('which rows fit a model: its [C, H, W] exactly, any rows of its [F] values', () => {
    expect(dataMismatch({ inputShape: [784], inputSize: 784 }, rows([1, 28, 28]))).toBeNull();
    expect(dataMismatch({ inputShape: [1, 28, 28], inputSize: 784 }, rows([1, 28, 28]))).toBeNull();
    expect(dataMismatch({ inputShape: [1, 28, 28], inputSize: 784 }, rows([1, 4, 4]))).toBe('d: images have 16 pixels, the model expects 784');
    expect(dataMismatch({ inputShape: [3, 8, 8], inputSize: 192 }, rows([3, 4, 16]))).toBe('d: images are 3x4x16 (CxHxW), the model expects 3x8x8');
    expect(dataMismatch({ inputShape: [140], inputSize: 140 }, rows([100], 2, true))).toBe('d: rows have 100 values, the model expects 140');
    expect(dataMismatch({ inputShape: [1, 2, 4], inputSize: 8 }, rows([8], 2, true))).toBe('d: rows are 8, the model expects 1x2x4');
  });
});
