/**
 * Model, optimizer and training settings: defaults, the one table of limits, and validation.
 *
 * Every setting a person can type (a CLI flag, a page field, a URL option) or a program can pass
 * (VaeOptions) is checked here, against SETTINGS, with one wording: `<name> must be <what>, got
 * <value>`. The CLI and the page only turn text into values with `parseSetting` and name the
 * setting as their user knows it (`--latent`, `latent`); the library prefixes `config: `.
 */

import { GRAPH_VAE_DEFAULTS, type GraphVaeConfig } from './graph/config.js';

/** `vae`: sample z from the posterior and add the KL term; `ae`: z = mu, no KL (a plain autoencoder). */
export type ModelKind = 'vae' | 'ae';
/** The decoder's distribution: Bernoulli on logits (BCE), or Gaussian with mean = output and fixed sigma (MSE). */
export type Likelihood = 'bernoulli' | 'gaussian';

/** `mlp`: dense layers (the PyTorch example); `conv`: convolutions (the keras-io VAE). */
export type Architecture = 'mlp' | 'conv';

/** Corruption kinds of the denoising objectives. */
export const CORRUPTIONS = ['mask', 'gauss', 'saltpepper'] as const;
/**
 * Input corruption, drawn on the GPU afresh each step: `mask` sets each pixel to 0 with
 * probability `amount`; `gauss` adds N(0, amount^2) and clamps to [0, 1]; `saltpepper` sets each
 * pixel to 0 or 1 (equally likely) with probability `amount`.
 */
export interface Corruption {
  kind: (typeof CORRUPTIONS)[number];
  amount: number;
}

/**
 * Sizes and objective of a VAE. `arch: 'mlp'`: input -> hidden[0] -> ... -> hidden[n-1] ->
 * (mu, logvar) -> mirrored decoder. `arch: 'conv'` (the keras-io VAE): 3x3 convolutions of
 * stride 2 with `channels` -> flatten -> dense -> (mu, logvar); the decoder mirrors it with
 * transposed convolutions (src/model/describe.ts). The autoencoder keeps the same layers (its logvar half
 * is unused).
 */
export interface VaeConfig {
  /** Values per input (784 for 28x28 MNIST): the product of `inputShape`. */
  inputSize: number;
  /** The input's shape: [features], or [channels, height, width] for images (`conv` needs an image). */
  inputShape: number[];
  /** Dense layers (default) or the convolutional VAE. */
  arch: Architecture;
  /** `mlp`: encoder hidden widths, first to last; the decoder mirrors them. Unused by `conv`. */
  hidden: number[];
  /** `conv`: output channels of the encoder's convolutions, each halving height and width (default 32, 64). Unused by `mlp`. */
  channels: number[];
  /** `conv`: width of the dense layer between the flattened convolutions and the heads (default 16). Unused by `mlp`. */
  dense: number;
  /** Latent dimensions (default 20 for `mlp`, as the reference model; 2 for `conv`, as keras-io: a plottable latent space). */
  latent: number;
  /** Rows per training step. A step may use fewer (the last partial batch of an epoch). */
  batch: number;
  /** VAE (default) or plain autoencoder. */
  kind: ModelKind;
  /** Reconstruction term: `bernoulli` (default, BCE on logits) or `gaussian` (MSE scaled by sigma). */
  likelihood: Likelihood;
  /**
   * Standard deviation of the Gaussian decoder, in pixel units: -log p(x|z) =
   * sum (x - mean)^2 / (2 sigma^2) + P log(sigma sqrt(2 pi)). Ignored for Bernoulli. Default 0.1.
   */
  sigma: number;
  /**
   * Denoising: the encoder sees a corrupted input and the decoder is scored against the clean
   * one (the denoising autoencoder's and denoising VAE's objective). null (default): none.
   */
  corrupt: Corruption | null;
}

/** Adam hyperparameters; defaults are PyTorch's. */
export interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** The classic PyTorch example: 784-400-20, batch 128. */
export const DEFAULT_CONFIG: Readonly<VaeConfig> = Object.freeze({
  inputSize: 784, inputShape: [784], arch: 'mlp', hidden: [400], channels: [32, 64], dense: 16, latent: 20, batch: 128, kind: 'vae', likelihood: 'bernoulli', sigma: 0.1, corrupt: null,
} satisfies VaeConfig);
/**
 * The keras-io convolutional VAE's sizes (`arch: 'conv'`): channels 32, 64, dense 16, latent 2,
 * on 28x28 grey images when no input shape is given.
 */
export const DEFAULT_CONV: Readonly<Pick<VaeConfig, 'inputShape' | 'channels' | 'dense' | 'latent'>> = Object.freeze({
  inputShape: [1, 28, 28], channels: [32, 64], dense: 16, latent: 2,
});
/** torch.optim.Adam defaults with the example's learning rate. */
export const DEFAULT_ADAM: Readonly<AdamConfig> = Object.freeze({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 });

/** A setting that is not valid: the message names it and the value; `setting` is its SETTINGS key. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** What a setting accepts. */
type Rule =
  | { kind: 'int'; min: number; max: number }
  | { kind: 'ints'; min: number; max: number; maxCount: number }
  | { kind: 'number'; min: number; max: number; minOpen?: boolean; maxOpen?: boolean }
  | { kind: 'choice'; choices: readonly string[] };

/**
 * The one table of limits. Sizes are what the runtime supports; whether a configuration fits a
 * device is checked again against its limits when the model is built (src/gpu/limits.ts).
 */
export const SETTINGS = {
  inputSize: { kind: 'int', min: 1, max: 1 << 24 },
  arch: { kind: 'choice', choices: ['mlp', 'conv'] },
  hidden: { kind: 'ints', min: 1, max: 1 << 16, maxCount: 16 },
  // Each convolution halves the image, so a handful already reaches 1x1 on MNIST.
  channels: { kind: 'ints', min: 1, max: 4096, maxCount: 8 },
  dense: { kind: 'int', min: 1, max: 1 << 16 },
  latent: { kind: 'int', min: 1, max: 1 << 12 },
  batch: { kind: 'int', min: 1, max: 1 << 16 },
  kind: { kind: 'choice', choices: ['vae', 'ae'] },
  likelihood: { kind: 'choice', choices: ['bernoulli', 'gaussian'] },
  // Past this range 1/sigma^2, or its product with a squared pixel error, leaves f32's range.
  sigma: { kind: 'number', min: 0.001, max: 1000 },
  lr: { kind: 'number', min: 0, max: Infinity, minOpen: true },
  beta1: { kind: 'number', min: 0, max: 1, maxOpen: true },
  beta2: { kind: 'number', min: 0, max: 1, maxOpen: true },
  eps: { kind: 'number', min: 0, max: Infinity, minOpen: true },
  epochs: { kind: 'int', min: 1, max: 100_000 },
  maxSteps: { kind: 'int', min: 1, max: Number.MAX_SAFE_INTEGER },
  seed: { kind: 'int', min: 0, max: 0xffffffff },
  beta: { kind: 'number', min: 0, max: Infinity },
  klWarmup: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER },
  readbackEvery: { kind: 'int', min: 1, max: 1024 },
  // The graph VAE (src/graph/graph_vae.ts): the variational model or the plain graph autoencoder,
  // node features from the data or the identity, one hidden GCN layer, and the shares of the
  // edges held out. Its fused decoder keeps a node's z in registers: 64 latent dimensions at
  // most (MAX_LATENT in src/kernels/inner_product_loss.ts; a test keeps the two equal).
  graphModel: { kind: 'choice', choices: ['vgae', 'gae'] },
  features: { kind: 'choice', choices: ['data', 'none'] },
  graphHidden: { kind: 'int', min: 1, max: 4096 },
  graphLatent: { kind: 'int', min: 1, max: 64 },
  valFraction: { kind: 'number', min: 0, max: 1, maxOpen: true },
  testFraction: { kind: 'number', min: 0, max: 1, maxOpen: true },
} as const satisfies Record<string, Rule>;

/** The name of a setting in SETTINGS. */
export type SettingName = keyof typeof SETTINGS;

/** The Gaussian decoder's sigma range (SETTINGS.sigma). */
export const SIGMA_RANGE = [SETTINGS.sigma.min, SETTINGS.sigma.max] as const;

/** A value for messages: text in quotes, numbers as they are. */
function shown(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') return String(v);
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s;
}

/** `must be ...` of a rule, the wording every message uses. */
function requirement(r: Rule): string {
  switch (r.kind) {
    case 'int':
    case 'ints':
      return r.max >= Number.MAX_SAFE_INTEGER ? `a whole number >= ${r.min}` : `a whole number from ${r.min} to ${r.max}`;
    case 'number':
      if (r.max === Infinity) return `a number ${r.minOpen ? '>' : '>='} ${r.min}`;
      if (r.minOpen || r.maxOpen) return `a number in ${r.minOpen ? '(' : '['}${r.min}, ${r.max}${r.maxOpen ? ')' : ']'}`;
      return `a number from ${r.min} to ${r.max}`;
    case 'choice':
      return r.choices.length === 2 ? `${r.choices[0]} or ${r.choices[1]}` : `one of ${r.choices.join(', ')}`;
  }
}

function fail(setting: SettingName, label: string, value: unknown): never {
  throw new ConfigError(setting, `${label} must be ${requirement(SETTINGS[setting])}, got ${shown(value)}`);
}

function inRange(r: { min: number; max: number; minOpen?: boolean; maxOpen?: boolean }, v: number): boolean {
  return Number.isFinite(v) && (r.minOpen ? v > r.min : v >= r.min) && (r.maxOpen ? v < r.max : v <= r.max);
}

/**
 * Checks a value against SETTINGS[setting]; returns it, or throws a ConfigError whose message
 * starts with `label` (default: the setting's name).
 */
export function checkSetting<K extends SettingName>(setting: K, value: unknown, label: string = setting): SettingValue<K> {
  const r: Rule = SETTINGS[setting];
  switch (r.kind) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value) || !inRange(r, value)) fail(setting, label, value);
      break;
    case 'ints': {
      if (!Array.isArray(value)) throw new ConfigError(setting, `${label} must be a list of sizes, got ${shown(value)}`);
      if (value.length > r.maxCount) throw new ConfigError(setting, `${label} takes at most ${r.maxCount} sizes, got ${value.length}`);
      for (const v of value) if (typeof v !== 'number' || !Number.isInteger(v) || !inRange(r, v)) fail(setting, label, v);
      break;
    }
    case 'number':
      if (typeof value !== 'number' || !inRange(r, value)) fail(setting, label, value);
      break;
    case 'choice':
      if (typeof value !== 'string' || !r.choices.includes(value)) fail(setting, label, value);
      break;
  }
  return value as SettingValue<K>;
}

/** The type of a setting's value. */
export type SettingValue<K extends SettingName> = (typeof SETTINGS)[K] extends { kind: 'ints' }
  ? number[]
  : (typeof SETTINGS)[K] extends { kind: 'choice'; choices: readonly (infer C)[] }
    ? C
    : number;

/**
 * A setting from text (a CLI flag, a form field, a URL option), then checked as `checkSetting`
 * does. Whole numbers are digits (no exponents or fractions); lists are separated by commas or
 * spaces. Errors quote the text as typed.
 */
export function parseSetting<K extends SettingName>(setting: K, text: string, label: string = setting): SettingValue<K> {
  const r: Rule = SETTINGS[setting];
  const t = text.trim();
  const whole = (s: string): number => (/^[+-]?\d+$/.test(s) ? Number(s) : NaN);
  switch (r.kind) {
    case 'int': {
      const v = whole(t);
      if (!inRange(r, v)) fail(setting, label, text);
      return v as SettingValue<K>;
    }
    case 'ints': {
      const parts = t.split(/[,\s]+/).filter((p) => p !== '');
      if (parts.length > r.maxCount) throw new ConfigError(setting, `${label} takes at most ${r.maxCount} sizes, got ${parts.length}`);
      return parts.map((p) => {
        const v = whole(p);
        if (!inRange(r, v)) fail(setting, label, p);
        return v;
      }) as SettingValue<K>;
    }
    case 'number': {
      const v = t === '' ? NaN : Number(t);
      if (!inRange(r, v)) fail(setting, label, text);
      return v as SettingValue<K>;
    }
    case 'choice':
      return checkSetting(setting, t, label);
  }
}

/** `checkSetting` with the library's `config: ` prefix. */
function checked<K extends SettingName>(setting: K, value: unknown): SettingValue<K> {
  try {
    return checkSetting(setting, value);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(setting, `config: ${e.message}`);
    throw e;
  }
}

/** The input shape from a partial configuration: `inputShape` if given, else [inputSize]. */
function resolveShape(c: Partial<VaeConfig>): { inputSize: number; inputShape: number[] } {
  const shape = c.inputShape;
  if (shape === undefined) {
    const inputSize = checked('inputSize', c.inputSize ?? DEFAULT_CONFIG.inputSize);
    return { inputSize, inputShape: [inputSize] };
  }
  if (!Array.isArray(shape) || (shape.length !== 1 && shape.length !== 3) || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ConfigError('inputSize', `config: inputShape must be [features] or [channels, height, width] of whole numbers >= 1, got ${shown(shape)}`);
  }
  const inputSize = checked('inputSize', shape.reduce((a, b) => a * b, 1));
  if (c.inputSize !== undefined && c.inputSize !== inputSize) {
    throw new ConfigError('inputSize', `config: inputSize ${c.inputSize} does not match inputShape ${shape.join('x')} = ${inputSize}`);
  }
  return { inputSize, inputShape: [...shape] };
}

/**
 * Checks that the convolutional VAE fits its input: an image whose height and width every
 * stride-2 convolution halves exactly, so that the decoder's transposed convolutions give back
 * the same size.
 */
function checkConvShape(inputShape: number[], channels: number[], given: boolean): void {
  if (inputShape.length !== 3) {
    throw new ConfigError('inputSize', `config: arch conv needs an image input shape [channels, height, width], got ${given ? shown(inputShape) : `inputSize ${inputShape[0]}`}`);
  }
  const n = channels.length;
  if (n === 0) throw new ConfigError('channels', 'config: arch conv needs at least one convolution in channels, got []');
  const [, h, w] = inputShape;
  const f = 2 ** n;
  if (h % f !== 0 || w % f !== 0) {
    throw new ConfigError('inputSize', `config: arch conv halves the image ${n} times (channels ${channels.join(',')}), so its height and width must be multiples of ${f}, got ${h}x${w}`);
  }
}

/** Fills defaults and validates every size; throws a ConfigError with the offending value. */
export function resolveConfig(partial: Partial<VaeConfig> = {}): VaeConfig {
  const arch = checked('arch', partial.arch ?? DEFAULT_CONFIG.arch);
  const conv = arch === 'conv';
  // The convolutional VAE's own defaults: keras-io's sizes, and MNIST's image when no input is given.
  const c = { ...DEFAULT_CONFIG, ...(conv ? { channels: DEFAULT_CONV.channels, dense: DEFAULT_CONV.dense, latent: DEFAULT_CONV.latent } : {}), ...partial };
  const shapeGiven = partial.inputShape !== undefined || partial.inputSize !== undefined;
  const shape = resolveShape(conv && !shapeGiven ? { inputShape: [...DEFAULT_CONV.inputShape] } : partial);
  const channels = [...checked('channels', c.channels)];
  if (conv) checkConvShape(shape.inputShape, channels, partial.inputShape !== undefined);
  return {
    ...shape,
    arch,
    hidden: [...checked('hidden', c.hidden)],
    channels,
    dense: checked('dense', c.dense),
    latent: checked('latent', c.latent),
    batch: checked('batch', c.batch),
    kind: checked('kind', c.kind),
    likelihood: checked('likelihood', c.likelihood),
    sigma: checked('sigma', c.sigma),
    corrupt: checkCorruption(c.corrupt ?? null, 'config: corrupt'),
  };
}

/** What a corruption spec may be, in words. */
const CORRUPT_RULE = 'mask:P, gauss:S or saltpepper:P (P from 0 to 1, S from 0 to 10)';

function corruptionError(label: string, got: string): ConfigError {
  return new ConfigError('corrupt', `${label} must be ${CORRUPT_RULE}, got ${got}`);
}

/** A corruption (or null) checked: a known kind and an amount in its range. */
export function checkCorruption(c: Corruption | null, label = 'corrupt'): Corruption | null {
  if (c === null) return null;
  const ok = typeof c === 'object' && (CORRUPTIONS as readonly string[]).includes(c.kind) && typeof c.amount === 'number' &&
    Number.isFinite(c.amount) && c.amount >= 0 && c.amount <= (c.kind === 'gauss' ? 10 : 1);
  if (!ok) throw corruptionError(label, shown(c.kind !== undefined ? corruptionText(c) : c));
  return { kind: c.kind, amount: c.amount };
}

/** `mask:0.5` and the like, or `none`; the text parseCorruption reads. */
export function corruptionText(c: Corruption | null): string {
  return c ? `${c.kind}:${c.amount}` : 'none';
}

/** A corruption from text: `mask:0.5`, `gauss:0.3`, `saltpepper:0.1`, or `none` (null). */
export function parseCorruption(text: string, label = 'corrupt'): Corruption | null {
  const t = text.trim();
  if (t === 'none') return null;
  const m = /^(\w+):([0-9.eE+-]+)$/.exec(t);
  if (!m || !(CORRUPTIONS as readonly string[]).includes(m[1]) || m[2] === '' || !Number.isFinite(Number(m[2]))) throw corruptionError(label, shown(text));
  return checkCorruption({ kind: m[1] as Corruption['kind'], amount: Number(m[2]) }, label);
}

/**
 * Height and width of a model's grey images: from its input shape ([1, height, width]), or for
 * a shape of plain features (checkpoints that record only the size) a square of that size.
 */
export function imageDims(cfg: Pick<VaeConfig, 'inputShape' | 'inputSize'>): { rows: number; cols: number } {
  const s = cfg.inputShape;
  if (s.length === 3) {
    if (s[0] !== 1) throw new Error(`the model's inputs have ${s[0]} channels; only single-channel images can be drawn`);
    return { rows: s[1], cols: s[2] };
  }
  const side = Math.round(Math.sqrt(cfg.inputSize));
  if (side * side !== cfg.inputSize) throw new Error(`the model's input size ${cfg.inputSize} is not a square image, and it records no image shape`);
  return { rows: side, cols: side };
}

/**
 * The objective in words, e.g. "VAE, Bernoulli (BCE)", "autoencoder, Gaussian (sigma 0.1)" or
 * "VAE, Bernoulli (BCE), denoising mask:0.5".
 */
export function describeObjective(c: Pick<VaeConfig, 'kind' | 'likelihood' | 'sigma'> & { corrupt?: Corruption | null }): string {
  const kind = c.kind === 'vae' ? 'VAE' : 'autoencoder';
  return `${kind}, ${c.likelihood === 'bernoulli' ? 'Bernoulli (BCE)' : `Gaussian (sigma ${c.sigma})`}${c.corrupt ? `, denoising ${corruptionText(c.corrupt)}` : ''}`;
}

/** Fills Adam defaults and checks the values are finite and in range. */
export function resolveAdam(partial: Partial<AdamConfig> = {}): AdamConfig {
  const a = { ...DEFAULT_ADAM, ...partial };
  return { lr: checked('lr', a.lr), beta1: checked('beta1', a.beta1), beta2: checked('beta2', a.beta2), eps: checked('eps', a.eps) };
}

/** The KL weighting of training: beta (beta-VAE) and the warm-up steps; both weight a KL term the autoencoder lacks. */
export function resolveKlWeighting(kind: ModelKind, beta = 1, klWarmup = 0): { beta: number; klWarmup: number } {
  checked('beta', beta);
  checked('klWarmup', klWarmup);
  if (kind === 'ae' && (beta !== 1 || klWarmup !== 0)) {
    throw new ConfigError('beta', `config: beta=${beta} and klWarmup=${klWarmup} weight the KL term, which the autoencoder (kind 'ae') does not have`);
  }
  return { beta, klWarmup };
}

/**
 * Fills the graph VAE's defaults (the paper's, src/graph/config.ts) and checks every value
 * against SETTINGS; throws a ConfigError naming the setting. Whether the held-out shares leave
 * edges to train on depends on the graph, and is checked when it is split.
 */
export function resolveGraphConfig(partial: Partial<GraphVaeConfig> = {}): GraphVaeConfig {
  const c = { ...GRAPH_VAE_DEFAULTS, ...partial };
  const out: GraphVaeConfig = {
    kind: checked('graphModel', c.kind),
    hidden: checked('graphHidden', c.hidden),
    latent: checked('graphLatent', c.latent),
    epochs: checked('epochs', c.epochs),
    valFraction: checked('valFraction', c.valFraction),
    testFraction: checked('testFraction', c.testFraction),
    features: checked('features', c.features),
    seed: checked('seed', c.seed),
  };
  if (out.valFraction + out.testFraction >= 1) {
    throw new ConfigError('valFraction', `config: valFraction ${out.valFraction} and testFraction ${out.testFraction} hold out every edge; together they must be below 1`);
  }
  return out;
}

/** A seed for initialisation, noise and shuffles: a whole number in [0, 2^32). */
export function resolveSeed(seed = 1): number {
  return checked('seed', seed);
}
