/**
 * What every command that takes `--model` does first: read the checkpoint (its configuration,
 * and the data side it records: scaling, storage, anomaly threshold), read `--data` with the
 * checkpoint's scaling and seed (so a single file splits into the test rows the model was tested
 * on), check that the rows fit the model, say what was read, and build the model on a fresh
 * Node device. Every check runs before any GPU work, so a refused run prints one line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extraFromMetadata, loadCheckpoint } from '../checkpoint/checkpoint.js';
import { dataFromMetadata, storageOf, type ModelData } from '../checkpoint/data_metadata.js';
import type { VaeConfig } from '../config.js';
import { fillBatch, pixelsOf, shapeOf, type AnyDataset } from '../data/dataset.js';
import { checkDataFits } from '../data/fit.js';
import type { LoadedData } from '../data/load.js';
import type { ParameterSet } from '../model/init.js';
import { requestNodeGpu } from '../node/gpu.js';
import type { DataDisplay } from '../views/data_view.js';
import { Vae } from '../vae/vae.js';
import { dataFlags, readData } from './data.js';

/** A checkpoint read from disk: parameters, configuration, metadata, the data side and the run's seed. */
export interface Checkpoint {
  path: string;
  params: ParameterSet;
  config: VaeConfig;
  metadata: Record<string, string>;
  data: ModelData;
  seed: number;
}

/** Reads `--model FILE` (checked: its configuration and the data side it records). */
export function readCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) throw new Error(`--model ${path}: no such file`);
  const { params, config, metadata } = loadCheckpoint(readFileSync(path), path);
  return { path, params, config, metadata, data: dataFromMetadata(metadata, path), seed: extraFromMetadata(metadata, path).seed };
}

/** Builds a checkpoint's model on a fresh Node device; `batch` rows per GPU pass. */
export async function buildModel(ck: Checkpoint, batch = 128): Promise<{ vae: Vae; close: () => void }> {
  const gpu = await requestNodeGpu();
  const vae = await Vae.create({ config: { ...ck.config, batch }, parameters: ck.params, device: gpu.device });
  return { vae, close: () => (vae.destroy(), gpu.device.destroy()) };
}

/** A model and the test rows of its data, ready for a command. */
export interface ModelWithData {
  ck: Checkpoint;
  data: LoadedData;
  /** How the rows are shown (shape, the scaling applied, storage). */
  display: DataDisplay;
  vae: Vae;
  close: () => void;
}

/**
 * Reads the checkpoint and the data of `flags` (`--data` and its options), checks them, runs
 * `check` (a command's own checks on the data, e.g. indices), prints the data's line on stderr
 * and builds the model.
 */
export async function openModelWithData(path: string, flags: Record<string, unknown>, check: (data: LoadedData, ck: Checkpoint) => void = () => undefined): Promise<ModelWithData> {
  const d = dataFlags(flags);
  const ck = readCheckpoint(path);
  const data = await readData(d, { seed: ck.seed, scaling: ck.data.scaling });
  checkDataFits(ck.config, data.test);
  check(data, ck);
  process.stderr.write(`${data.notice}\n`);
  const { vae, close } = await buildModel(ck);
  return { ck, data, display: displayOf(data.test, data), vae, close };
}

/** How rows of `ds` are shown: their shape, the scaling the loader applied and their storage. */
export function displayOf(ds: AnyDataset, data: Pick<LoadedData, 'scaling'>): DataDisplay {
  return { shape: shapeOf(ds), data: { scaling: data.scaling, storage: storageOf(ds) } };
}

/** Rows `indices` of `ds` as model inputs (its scaling applied), one after the other. */
export function rowsAt(ds: AnyDataset, indices: ArrayLike<number>): Float32Array {
  const x = new Float32Array(indices.length * pixelsOf(ds));
  fillBatch(x, ds, indices, 0, indices.length);
  return x;
}

/** The first `count` rows of `ds` as model inputs, in stored order. */
export function firstRows(ds: AnyDataset, count: number): Float32Array {
  return rowsAt(ds, Array.from({ length: count }, (_, i) => i));
}

/** `path` when it names a .png file; throws otherwise. */
export function checkPng(path: string): string {
  if (!path.toLowerCase().endsWith('.png')) throw new Error(`--out ${path}: the file name must end in .png`);
  return path;
}
