/**
 * What a checkpoint records about the data its model was trained on, beside the model itself:
 * the scaling that turns stored values into inputs (src/data/normalize.ts), how the values were
 * stored (8-bit values are drawn as value / 255, real values as they are), and the anomaly
 * threshold with the normal label it was computed for (src/data/anomaly_metrics.ts). Every
 * command that takes `--model`, and the page's Load, read their data through it, so new files are
 * scaled and scored as the training data were. All keys are optional: a checkpoint without them
 * (written before they existed, or by PyTorch) was trained on bytes / 255.
 */
import { NORMAL_LABEL_KEY, normalLabelFromMetadata, THRESHOLD_KEY, thresholdFromMetadata, thresholdToMetadata } from '../data/anomaly_metrics.js';
import type { AnyDataset } from '../data/dataset.js';
import { SCALING_KEYS, scalingFromMetadata, scalingToMetadata, unscale, type Scaling } from '../data/normalize.js';
import { STORAGE_KEY } from '../data/options.js';
export { DATA_KEYS, STORAGE_KEY } from '../data/options.js';

/** How a data set stores its values: bytes (images, uint8 .npy) or 32-bit floats (CSV, float .npy). */
export type Storage = 'uint8' | 'float32';

/** The data side of a model, as a checkpoint records it. */
export interface ModelData {
  /** The scaling of inputs; null when the checkpoint records none (bytes / 255 then, or real values as they are). */
  scaling: Scaling | null;
  /** How the training data stored their values; null when not recorded. */
  storage: Storage | null;
  /** The anomaly threshold (mean + 1 standard deviation of the training rows' scores), or null. */
  threshold: number | null;
  /** The normal label training was given (`--normal-label`, as typed), or null. */
  normalLabel: string | null;
}

/** How `ds` stores its values. */
export function storageOf(ds: AnyDataset): Storage {
  return ds.values ? 'float32' : 'uint8';
}

/** The metadata of a model's data (strings), for saveCheckpoint's extra keys. */
export function dataMetadata(d: ModelData): Record<string, string> {
  return {
    ...(d.scaling ? scalingToMetadata(d.scaling) : {}),
    ...(d.storage ? { [STORAGE_KEY]: d.storage } : {}),
    ...(d.threshold === null ? {} : thresholdToMetadata(d.threshold, d.normalLabel)),
  };
}

/** The data side a checkpoint's metadata records; throws one line naming a bad key. */
export function dataFromMetadata(meta: Record<string, string>, name: string): ModelData {
  const storage = meta[STORAGE_KEY] ?? null;
  if (storage !== null && storage !== 'uint8' && storage !== 'float32') throw new Error(`${name}: metadata "${STORAGE_KEY}" is ${JSON.stringify(storage)}, must be uint8 or float32`);
  return {
    scaling: scalingFromMetadata(meta, name),
    storage,
    threshold: thresholdFromMetadata(meta, name),
    normalLabel: normalLabelFromMetadata(meta),
  };
}

/**
 * Model outputs (inputs' units, n rows of `shape`) as stored values: undone by the scaling
 * (none recorded: bytes / 255 for 8-bit data and data of unknown storage, real values as they are).
 */
export function toStoredUnits(x: Float32Array, d: Pick<ModelData, 'scaling' | 'storage'>, shape: readonly number[]): Float32Array {
  const s = d.scaling ?? (d.storage !== 'float32' ? PIXEL : null);
  return s ? unscale(x, s, shape) : x;
}

/** Bytes / 255: what 8-bit data without a recorded scaling were trained on. */
const PIXEL: Scaling = { mode: 'pixel', per: 'global', shift: [0], scale: [255] };
