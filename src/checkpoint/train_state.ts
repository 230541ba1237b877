/**
 * Resumable training state: everything a run needs to continue exactly where it stopped, in one
 * safetensors file beside the model file (which stays loadable into PyTorch with a strict
 * load_state_dict, so it cannot hold anything else): the parameters, Adam's two moments, the
 * step count (which also keys the noise), the epochs done and the steps of the next one (the
 * data order), the optimizer's settings, and a fingerprint of the training data.
 *
 * Tensors are `params/<name>`, `adam.m/<name>` and `adam.v/<name>` (names as src/model/init.ts gives
 * them, unpadded, F32). The metadata is a checkpoint's (the configuration, seed, step) with
 * format `webgpu-vae-train-state` and the training keys below.
 */
import { checkSetting, type AdamConfig, type VaeConfig } from '../config.js';
import type { ParameterSet } from '../model/init.js';
import { layerParameters } from '../layers/registry.js';
import { layerSpecs } from '../model/describe.js';
import type { TrainingState } from '../runtime/scheduler.js';
import { checkpointMetadata, configFromMetadata, CHECKPOINT_FORMAT } from './checkpoint.js';
import { DATA_KEYS } from '../data/options.js';
import { decodeSafetensors, encodeSafetensors, shapeText, show, type F32Tensor } from './safetensors.js';

/** Value of the `format` metadata key of a training-state file. */
export const TRAIN_STATE_FORMAT = 'webgpu-vae-train-state';

/** A training run, resumable. */
export interface TrainState {
  state: TrainingState;
  config: VaeConfig;
  adam: AdamConfig;
  seed: number;
  /** KL weighting (beta-VAE and warm-up). */
  beta: number;
  klWarmup: number;
  /** Epochs finished, and steps of the next one already trained. */
  epochsDone: number;
  epochStep: number;
  /** The training data's fingerprint (src/data/dataset.ts) and name. */
  data: string;
  dataName: string;
  /** What the run keeps about its data (src/checkpoint/data_metadata.ts: the scaling, ...), as metadata strings. */
  dataMetadata?: Record<string, string>;
}

const GROUPS = { params: 'params', m: 'adam.m', v: 'adam.v' } as const;

/** `model.safetensors` -> `model.state.safetensors`: where the CLI keeps a model's training state. */
export function trainStatePath(modelPath: string): string {
  return modelPath.replace(/(\.safetensors)?$/, '.state.safetensors');
}

/** The training state as one safetensors file. */
export function saveTrainState(s: TrainState): Uint8Array {
  const tensors = new Map<string, F32Tensor>();
  for (const [group, prefix] of Object.entries(GROUPS) as [keyof typeof GROUPS, string][]) {
    for (const [name, data] of s.state[group]) tensors.set(`${prefix}/${name}`, { dtype: 'F32', shape: [data.length], data });
  }
  const m = checkpointMetadata(s.config, { seed: s.seed, step: s.state.step });
  return encodeSafetensors(tensors, {
    ...s.dataMetadata, ...m, format: TRAIN_STATE_FORMAT, epoch: String(s.epochsDone), epochStep: String(s.epochStep),
    lr: String(s.adam.lr), beta1: String(s.adam.beta1), beta2: String(s.adam.beta2), eps: String(s.adam.eps),
    beta: String(s.beta), klWarmup: String(s.klWarmup), data: s.data, dataName: s.dataName,
  });
}

/** Whether a file's metadata says it is a training state. */
export function isTrainState(metadata: Record<string, string>): boolean {
  return metadata.format === TRAIN_STATE_FORMAT;
}

/** Reads a training state; every field is checked, and every tensor against the configuration's parameters. */
export function loadTrainState(bytes: Uint8Array, name: string): TrainState {
  const { tensors, metadata: m } = decodeSafetensors(bytes, name);
  if (!isTrainState(m)) {
    throw new Error(`${name}: not a training state (metadata format ${show(m.format)}, expected ${show(TRAIN_STATE_FORMAT)}${m.format === CHECKPOINT_FORMAT ? '; this is a model file: its state is the .state.safetensors beside it' : ''})`);
  }
  const config = configFromMetadata(m, name);
  const num = (key: string, check: (v: number) => number = (v) => v) => {
    const text = m[key];
    if (text === undefined) throw new Error(`${name}: metadata has no "${key}"`);
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v)) throw new Error(`${name}: metadata "${key}" is ${show(text)}, must be a number`);
    try {
      return check(v);
    } catch (e) {
      throw new Error(`${name}: metadata "${key}": ${(e as Error).message}`);
    }
  };
  const whole = (key: string) => num(key, (v) => {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${v} must be a whole number >= 0`);
    return v;
  });
  const expected = new Map(layerSpecs(config).flatMap((l) => layerParameters(l).map((p): [string, number] => [p.fullName, p.rows * p.cols])));
  const group = (prefix: string): ParameterSet => {
    const out: ParameterSet = new Map();
    for (const [p, n] of expected) {
      const t = tensors.get(`${prefix}/${p}`);
      if (!t) throw new Error(`${name}: missing tensor ${prefix}/${p} (${n} values)`);
      if (t.shape.length !== 1 || t.shape[0] !== n) throw new Error(`${name}: tensor ${prefix}/${p} has shape ${shapeText(t.shape)}, expected [${n}]`);
      out.set(p, t.data);
    }
    return out;
  };
  const known = new Set([...expected.keys()].flatMap((p) => Object.values(GROUPS).map((g) => `${g}/${p}`)));
  for (const [k, t] of tensors) if (!known.has(k)) throw new Error(`${name}: unexpected tensor ${show(k)} with shape ${shapeText(t.shape)}`);
  const data = m.data;
  if (data === undefined) throw new Error(`${name}: metadata has no "data" (the training data's fingerprint)`);
  return {
    state: { step: whole('step'), params: group(GROUPS.params), m: group(GROUPS.m), v: group(GROUPS.v) },
    config,
    adam: {
      lr: num('lr', (v) => checkSetting('lr', v)), beta1: num('beta1', (v) => checkSetting('beta1', v)),
      beta2: num('beta2', (v) => checkSetting('beta2', v)), eps: num('eps', (v) => checkSetting('eps', v)),
    },
    seed: whole('seed'),
    beta: num('beta', (v) => checkSetting('beta', v)),
    klWarmup: whole('klWarmup'),
    epochsDone: whole('epoch'),
    epochStep: whole('epochStep'),
    data,
    dataName: m.dataName ?? '',
    ...(DATA_KEYS.some((k) => m[k] !== undefined) ? { dataMetadata: Object.fromEntries(DATA_KEYS.filter((k) => m[k] !== undefined).map((k) => [k, m[k]])) } : {}),
  };
}
