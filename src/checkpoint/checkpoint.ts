/**
 * Model checkpoints: the runtime's parameters as safetensors tensors named by the model's spec
 * (src/model/spec.ts), so a checkpoint loads into the PyTorch module built from the same spec
 * (examples/pytorch/models.py) with `load_state_dict(strict=True)`. Each layer's tensors are
 * `<spec name>.weight` and `<spec name>.bias` in PyTorch's layouts (Linear [out, in], Conv2d
 * [out, in, k, k], ConvTranspose2d [in, out, k, k]); the head's [mu | logvar] rows are two tensors
 * named by the spec's `head` (fc21 and fc22 by default).
 *
 * The shorthands' specs keep the names checkpoints always had: the MLP is the PyTorch example's
 * (examples/vae/main.py): fc1, fc21, fc22, fc3, fc4 with one hidden layer, encoder.{i} and
 * decoder.{i} (an `nn.ModuleList`) otherwise; the conv VAE's are REFERENCE.md's module's (enc1..encN,
 * fc1, fc21, fc22, fc3, dec1..dec{N+1}). Every weight is stored as F32.
 *
 * The configuration, seed, step and loss are in `__metadata__`: the spec (JSON) always, and a
 * shorthand model's own keys as before specs existed (hidden; or arch conv, channels and dense),
 * which are what a shorthand checkpoint is read back from; a model built from a spec records
 * `arch: spec` and is read back from its spec.
 */
import { corruptionText, parseCorruption, resolveConfig, type VaeConfig } from '../config.js';
import type { ParameterSet } from '../model/init.js';
import { layerParameters } from '../layers/registry.js';
import { describeModel, modelLayers } from '../model/describe.js';
import { expandShorthand, SHORTHANDS, type ShorthandFields } from '../model/shorthand.js';
import { SpecError } from '../model/spec.js';
import { decodeSafetensors, encodeSafetensors, shapeText, show, type F32Tensor } from './safetensors.js';
import { inferConfig } from './infer.js';

// ---------------------------------------------------------------------------------------------
// Runtime parameters <-> checkpoint tensors.

/** One checkpoint tensor: where its rows come from in a runtime parameter. */
interface Placement {
  file: string;
  runtime: string;
  shape: number[];
  /** First row of the runtime tensor (non-zero only for fc22, the logvar half of `head`). */
  rowStart: number;
}

/**
 * `784-400-20`, `1x28x28-conv32-conv64-16-2`: a model's name for messages and file names, from
 * its spec: the input (its size when the encoder starts by flattening it), each encoder layer
 * (`conv<channels>` for a convolution, its width otherwise), the latent size.
 */
export function configName(cfg: ShorthandFields): string {
  const { spec } = expandShorthand(cfg);
  const first = spec.encoder[0];
  const input = spec.input ?? [];
  const flat = input.length === 1 || first?.type === 'flatten' || (first?.type === 'linear');
  const layers = spec.encoder.filter((e) => e.name !== undefined).map((e) => (String(e.type).startsWith('conv') ? `conv${e.out}` : String(e.out)));
  return [flat ? String(input.reduce((a, b) => a * b, 1)) : input.join('x'), ...layers, spec.latent].join('-');
}

/** Values per row of a tensor: the product of its shape after the first dimension. */
const rowSize = (shape: number[]) => shape.slice(1).reduce((a, b) => a * b, 1);

/** Every checkpoint tensor of a configuration, in layer order (see the file comment). */
function placements(cfg: VaeConfig): Placement[] {
  const m = describeModel(cfg);
  const out: Placement[] = [];
  for (const l of modelLayers(m)) {
    for (const p of layerParameters(l)) {
      // The head's rows are [mu | logvar]: the mu tensor takes the first `latent`, the second the rest.
      const head = l === m.head;
      const halves = head ? [[m.headNames.mu, 0], [m.headNames.second!, cfg.latent]] as const : [[m.fileNames.get(l.name) ?? l.name, 0]] as const;
      const shape = head ? [cfg.latent, ...p.shape.slice(1)] : p.shape;
      for (const [file, rowStart] of halves) out.push({ file: `${file}.${p.name}`, runtime: p.fullName, shape, rowStart });
    }
  }
  return out;
}

/** Values of every runtime parameter of a configuration, by name. */
function parameterSizes(cfg: VaeConfig): Map<string, number> {
  return new Map(modelLayers(describeModel(cfg)).flatMap((l) => layerParameters(l).map((p): [string, number] => [p.fullName, p.rows * p.cols])));
}

/** Runtime parameters as checkpoint tensors (fresh copies; `head` split into fc21 and fc22). */
export function toCheckpointTensors(params: ParameterSet, cfg: VaeConfig): Map<string, F32Tensor> {
  const wanted = parameterSizes(cfg);
  for (const [k, n] of wanted) {
    const p = params.get(k);
    if (!p) throw new Error(`checkpoint: parameter ${k} is missing (configuration ${configName(cfg)} needs ${n} values)`);
    if (p.length !== n) throw new Error(`checkpoint: parameter ${k} has ${p.length} values, configuration ${configName(cfg)} needs ${n}`);
  }
  for (const k of params.keys()) if (!wanted.has(k)) throw new Error(`checkpoint: parameter ${k} is not part of configuration ${configName(cfg)}`);
  const out = new Map<string, F32Tensor>();
  for (const p of placements(cfg)) {
    const cols = rowSize(p.shape);
    const start = p.rowStart * cols;
    out.set(p.file, { dtype: 'F32', shape: p.shape, data: params.get(p.runtime)!.slice(start, start + p.shape[0] * cols) });
  }
  return out;
}

/**
 * Checkpoint tensors back to runtime parameters for `cfg`. Rejects a missing tensor, an extra
 * one, or a shape other than the configuration's, naming the tensor and both shapes.
 */
export function fromCheckpointTensors(tensors: Map<string, { shape: number[]; data: Float32Array }>, cfg: VaeConfig, name = 'checkpoint'): ParameterSet {
  const plan = placements(cfg);
  const known = new Set(plan.map((p) => p.file));
  for (const p of plan) {
    const t = tensors.get(p.file);
    if (!t) throw new Error(`${name}: missing tensor ${p.file} (configuration ${configName(cfg)} expects shape ${shapeText(p.shape)})`);
    const same = t.shape.length === p.shape.length && t.shape.every((d, i) => d === p.shape[i]);
    if (!same) throw new Error(`${name}: tensor ${p.file} has shape ${shapeText(t.shape)}, configuration ${configName(cfg)} expects ${shapeText(p.shape)}`);
    const n = p.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new Error(`${name}: tensor ${p.file} has ${t.data.length} values for shape ${shapeText(p.shape)} (${n})`);
  }
  for (const [k, t] of tensors) {
    // A name from the file is quoted unless plain, so the message stays one readable line.
    const shown = /^[\w.-]+$/.test(k) ? k : show(k);
    if (!known.has(k)) throw new Error(`${name}: unexpected tensor ${shown} with shape ${shapeText(t.shape)}, not part of configuration ${configName(cfg)}`);
  }
  const params: ParameterSet = new Map([...parameterSizes(cfg)].map(([k, n]) => [k, new Float32Array(n)]));
  for (const p of plan) params.get(p.runtime)!.set(tensors.get(p.file)!.data, p.rowStart * rowSize(p.shape));
  return params;
}

// ---------------------------------------------------------------------------------------------
// Metadata: the configuration and training state, all values strings.

/** Value of the `format` metadata key. */
export const CHECKPOINT_FORMAT = 'webgpu-vae';
/** Value of the `formatVersion` metadata key this runtime writes and reads. */
export const CHECKPOINT_VERSION = '1';
/**
 * Value of the `arch` metadata key of graph VAE checkpoints (src/checkpoint/graph_checkpoint.ts);
 * MLP checkpoints have no such key, and examples/pytorch names its conv VAE's `conv`.
 */
export const GRAPH_CHECKPOINT_ARCH = 'graph';
/**
 * The `objective` metadata of each model kind and decoder likelihood: the reconstruction term,
 * plus `+kl` for a VAE. Gaussian decoders also store `sigma`.
 */
export const CHECKPOINT_OBJECTIVES: Record<string, Pick<VaeConfig, 'kind' | 'likelihood'>> = {
  'bce+kl': { kind: 'vae', likelihood: 'bernoulli' },
  bce: { kind: 'ae', likelihood: 'bernoulli' },
  'gaussian+kl': { kind: 'vae', likelihood: 'gaussian' },
  gaussian: { kind: 'ae', likelihood: 'gaussian' },
};

/** The `objective` metadata value of a configuration. */
export function objectiveName(cfg: Pick<VaeConfig, 'kind' | 'likelihood'>): string {
  return `${cfg.likelihood === 'bernoulli' ? 'bce' : 'gaussian'}${cfg.kind === 'vae' ? '+kl' : ''}`;
}
const RESERVED = [
  'format', 'formatVersion', 'inputSize', 'inputShape', 'corrupt', 'arch', 'spec', 'hidden', 'channels', 'dense', 'latent', 'batch', 'objective', 'sigma', 'seed', 'step', 'loss',
];

/** Training state stored beside the configuration; extra keys are stored as strings too. */
export interface CheckpointExtra {
  /** Seed of the run (initialisation, noise and shuffles). */
  seed: number;
  /** Training steps taken. */
  step: number;
  /** Last measured loss per image, if any. */
  loss?: number;
  [key: string]: string | number | undefined;
}

/** The `__metadata__` map of a checkpoint: configuration, format version and training state. */
export function checkpointMetadata(cfg: VaeConfig, extra: CheckpointExtra): Record<string, string> {
  const { seed, step, loss, ...rest } = extra;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`checkpoint: seed must be a whole number >= 0, got ${seed}`);
  if (!Number.isSafeInteger(step) || step < 0) throw new Error(`checkpoint: step must be a whole number >= 0, got ${step}`);
  const m: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_VERSION,
    inputSize: String(cfg.inputSize),
    inputShape: cfg.inputShape.join(','),
    ...(cfg.arch === 'spec' ? { arch: 'spec' } : SHORTHANDS[cfg.arch].record(cfg)),
    spec: JSON.stringify(describeModel(cfg).spec),
    latent: String(cfg.latent),
    batch: String(cfg.batch),
    objective: objectiveName(cfg),
    ...(cfg.likelihood === 'gaussian' ? { sigma: String(cfg.sigma) } : {}),
    ...(cfg.corrupt ? { corrupt: corruptionText(cfg.corrupt) } : {}),
    seed: String(seed),
    step: String(step),
  };
  if (loss !== undefined) {
    if (typeof loss !== 'number') throw new Error(`checkpoint: loss must be a number, got ${show(loss)}`);
    // String() is the shortest text that parses back to the same double.
    m.loss = String(loss);
  }
  for (const [k, v] of Object.entries(rest)) {
    if (v === undefined) continue;
    if (RESERVED.includes(k)) throw new Error(`checkpoint: metadata key ${k} is reserved`);
    if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`checkpoint: metadata ${k} is ${show(v)}, must be a string or number`);
    m[k] = String(v);
  }
  return m;
}

/**
 * A metadata value as a whole number (at least `min` when given), or a one-line Error naming the
 * key and the text; a missing key says `missing` in parentheses (a hint), when given.
 */
export function metaInt(m: Record<string, string>, key: string, name: string, opts: { min?: number; missing?: string } = {}): number {
  const v = m[key];
  if (v === undefined) throw new Error(`${name}: metadata has no "${key}"${opts.missing ? ` (${opts.missing})` : ''}`);
  const { min } = opts;
  if (!/^(0|[1-9][0-9]*)$/.test(v) || !Number.isSafeInteger(Number(v)) || (min !== undefined && Number(v) < min)) {
    throw new Error(`${name}: metadata "${key}" is ${show(v)}, must be a whole number${min === undefined ? '' : ` >= ${min}`}`);
  }
  return Number(v);
}

/** metaInt of a file that should be ours: a missing key asks whether it is. */
const ourInt = (m: Record<string, string>, key: string, name: string) => metaInt(m, key, name, { missing: `was this file written by ${CHECKPOINT_FORMAT}?` });

/** The model configuration a checkpoint's metadata records, validated like any configuration. */
export function configFromMetadata(metadata: Record<string, string>, name = 'checkpoint'): VaeConfig {
  const version = metadata.formatVersion;
  if (version === undefined) throw new Error(`${name}: metadata has no "formatVersion" (was this file written by ${CHECKPOINT_FORMAT}?)`);
  if (version !== CHECKPOINT_VERSION) throw new Error(`${name}: checkpoint format version ${show(version)}, this runtime reads version ${CHECKPOINT_VERSION}`);
  if (metadata.arch === GRAPH_CHECKPOINT_ARCH) throw new Error(`${name}: a graph VAE checkpoint (VGAE or GAE): use it with 'webgpu-vae graph embed' or 'graph latent'`);
  const objective = Object.hasOwn(CHECKPOINT_OBJECTIVES, metadata.objective ?? '') ? CHECKPOINT_OBJECTIVES[metadata.objective] : undefined;
  if (!objective) {
    throw new Error(`${name}: metadata "objective" is ${show(metadata.objective)}, this runtime trains ${Object.keys(CHECKPOINT_OBJECTIVES).map((k) => show(k)).join(', ')}`);
  }
  let sigma: number | undefined;
  if (objective.likelihood === 'gaussian') {
    const text = metadata.sigma;
    if (text === undefined) throw new Error(`${name}: metadata has no "sigma" (a Gaussian decoder needs it)`);
    sigma = Number(text);
    if (text.trim() === '' || !Number.isFinite(sigma)) throw new Error(`${name}: metadata "sigma" is ${show(text)}, must be a number`);
  }
  // Files without an arch are MLPs (written before the conv VAE existed).
  const arch = metadata.arch ?? 'mlp';
  if (arch === 'spec') return specConfigFromMetadata(metadata, name, objective, sigma);
  if (!Object.hasOwn(SHORTHANDS, arch)) throw new Error(`${name}: metadata "arch" is ${show(arch)}, this runtime builds ${Object.keys(SHORTHANDS).map((k) => `"${k}"`).join(' and ')} (shorthands) and "spec"`);
  const sizes = (key: string, example: string, empty: boolean): number[] => {
    const text = metadata[key];
    if (text === undefined) throw new Error(`${name}: metadata has no "${key}" (was this file written by ${CHECKPOINT_FORMAT}?)`);
    const parts = text === '' && empty ? [] : text.split(',');
    if (!parts.every((p) => /^[1-9][0-9]{0,8}$/.test(p))) throw new Error(`${name}: metadata "${key}" is ${show(text)}, must be widths separated by commas (e.g. ${example})`);
    return parts.map(Number);
  };
  const layers: Partial<VaeConfig> = { arch: arch as 'mlp' | 'conv', ...SHORTHANDS[arch as 'mlp' | 'conv'].read({ sizes, int: (key) => ourInt(metadata, key, name) }) };
  // The input's shape, from files that record it (older ones hold the size only).
  const shapeText = metadata.inputShape;
  if (shapeText !== undefined && !/^[1-9][0-9]{0,8}(,[1-9][0-9]{0,8}){0,2}$/.test(shapeText)) {
    throw new Error(`${name}: metadata "inputShape" is ${show(shapeText)}, must be sizes separated by commas (e.g. "1,28,28")`);
  }
  // The denoising objective's corruption, from files that record one.
  const corrupt = metaCorruption(metadata, name);
  const partial = {
    corrupt,
    inputSize: ourInt(metadata, 'inputSize', name), ...(shapeText === undefined ? {} : { inputShape: shapeText.split(',').map(Number) }), ...layers,
    latent: ourInt(metadata, 'latent', name), batch: ourInt(metadata, 'batch', name),
    ...objective, ...(sigma === undefined ? {} : { sigma }),
  };
  try {
    return resolveConfig(partial);
  } catch (e) {
    throw new Error(`${name}: metadata describes an invalid model (${(e as Error).message})`);
  }
}

/** The corruption a checkpoint records, or null. */
function metaCorruption(metadata: Record<string, string>, name: string) {
  if (metadata.corrupt === undefined) return null;
  try {
    return parseCorruption(metadata.corrupt, 'corrupt');
  } catch (e) {
    throw new Error(`${name}: metadata "corrupt" is ${show(metadata.corrupt)}: ${(e as Error).message}`);
  }
}

/** The configuration of a model built from a spec: the spec (JSON) in the metadata, checked against the objective recorded beside it. */
function specConfigFromMetadata(metadata: Record<string, string>, name: string, objective: Pick<VaeConfig, 'kind' | 'likelihood'>, sigma: number | undefined): VaeConfig {
  const text = metadata.spec;
  if (text === undefined) throw new Error(`${name}: metadata "arch" is "spec" but it has no "spec"`);
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    throw new Error(`${name}: metadata "spec" is not valid JSON (${(e as Error).message})`);
  }
  let config: VaeConfig;
  try {
    config = resolveConfig({ spec: spec as VaeConfig['spec'], batch: ourInt(metadata, 'batch', name), corrupt: metaCorruption(metadata, name) });
  } catch (e) {
    if (e instanceof SpecError) throw new Error(`${name}: metadata describes an invalid model (${e.message})`);
    throw new Error(`${name}: metadata describes an invalid model (${(e as Error).message})`);
  }
  if (config.kind !== objective.kind || config.likelihood !== objective.likelihood || (sigma !== undefined && sigma !== config.sigma)) {
    throw new Error(`${name}: metadata "objective" (${show(metadata.objective)}${sigma === undefined ? '' : `, sigma ${sigma}`}) disagrees with its spec (${objectiveName(config)}${config.likelihood === 'gaussian' ? `, sigma ${config.sigma}` : ''})`);
  }
  return config;
}

/**
 * The training state a checkpoint's metadata records (seed, step, loss when present). A file
 * without our metadata (written by PyTorch) records none: seed 1, step 0.
 */
export function extraFromMetadata(metadata: Record<string, string>, name = 'checkpoint'): { seed: number; step: number; loss?: number } {
  if (!writtenByUs(metadata)) return { seed: 1, step: 0 };
  const out: { seed: number; step: number; loss?: number } = { seed: ourInt(metadata, 'seed', name), step: ourInt(metadata, 'step', name) };
  if (metadata.loss !== undefined) {
    // String(number) wrote it, so NaN and Infinity are legitimate (a diverged run).
    const loss = Number(metadata.loss);
    const ok = metadata.loss.trim() !== '' && (!Number.isNaN(loss) || metadata.loss === 'NaN');
    if (!ok) throw new Error(`${name}: metadata "loss" is ${show(metadata.loss)}, must be a number`);
    out.loss = loss;
  }
  return out;
}

/** Parameters, configuration and training state as one safetensors file. */
export function saveCheckpoint(params: ParameterSet, cfg: VaeConfig, extra: CheckpointExtra): Uint8Array {
  return encodeSafetensors(toCheckpointTensors(params, cfg), checkpointMetadata(cfg, extra));
}

/**
 * Whether metadata is ours. A file PyTorch wrote has none, or other keys (transformers-style
 * writers add `format: "pt"`).
 */
function writtenByUs(metadata: Record<string, string>): boolean {
  return metadata.format === CHECKPOINT_FORMAT || metadata.formatVersion !== undefined;
}

/**
 * Reads a checkpoint: one `saveCheckpoint` wrote (the configuration comes from its metadata), or
 * one PyTorch wrote with our tensor names (the configuration is inferred from the shapes; see
 * src/checkpoint/infer.ts). F16, BF16 and F64 tensors are converted to f32.
 */
export function loadCheckpoint(bytes: Uint8Array, name: string): { params: ParameterSet; config: VaeConfig; metadata: Record<string, string> } {
  const { tensors, metadata } = decodeSafetensors(bytes, name);
  const config = writtenByUs(metadata) ? configFromMetadata(metadata, name) : inferConfig(tensors, name);
  return { params: fromCheckpointTensors(tensors, config, name), config, metadata };
}
