/**
 * The one table of settings: every value a person can type (a CLI flag, a page field, a URL
 * option) or a program can pass, its limits, and one wording for its errors: `<name> must be
 * <what>, got <value>`. The CLI and the page turn text into values with `parseSetting` and name
 * the setting as their user knows it (`--latent`, `latent`); the library prefixes `config: `
 * (src/config.ts, which resolves whole configurations and re-exports this module).
 */

import { parseDataFormat, parseImageSize, parseLabelColumn, parseNormalizeMode, parseSplitMode } from './data/options.js';

/** `vae`: sample z from the posterior and add the KL term; `ae`: z = mu, no KL (a plain autoencoder). */
export type ModelKind = 'vae' | 'ae';
/** The decoder's distribution: Bernoulli on logits (BCE), or Gaussian with mean = output and fixed sigma (MSE). */
export type Likelihood = 'bernoulli' | 'gaussian';

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
  | { kind: 'choice'; choices: readonly string[] }
  | { kind: 'corrupt' }
  /** A flag without a value (`--channels-last`): true when given. */
  | { kind: 'flag' }
  /** Text read by its own parser (the data readers' options), which throws one line starting with `label`. */
  | { kind: 'parsed'; parse: (text: string, label: string) => unknown };

/**
 * How people meet a setting: `name` is its CLI flag (`--name`), URL key and form field when it
 * is not the key itself; `arg` the flag's value in the help; `doc` its meaning, one line.
 */
interface Presentation {
  name?: string;
  arg?: string;
  doc?: string;
}

/**
 * The one table of settings: limits, and the names and help the CLI's flags, the page's fields
 * and its URL keys derive from (settingName, settingHelp; the groups below). Sizes are what the
 * runtime supports; whether a configuration fits a device is checked again against its limits
 * when the model is built (src/gpu/limits.ts).
 */
export const SETTINGS = {
  inputSize: { kind: 'int', min: 1, max: 1 << 24 },
  arch: { kind: 'choice', choices: ['mlp', 'conv'], arg: 'mlp|conv', doc: 'dense layers (default) or the convolutional VAE (keras-io\'s: 3x3 convolutions of stride 2, a dense layer, mirrored by transposed convolutions)' },
  hidden: { kind: 'ints', min: 1, max: 1 << 16, maxCount: 16, arg: 'A[,B..]', doc: 'mlp: encoder hidden sizes, mirrored by the decoder (default 400)' },
  // Each convolution halves the image, so a handful already reaches 1x1 on MNIST.
  channels: { kind: 'ints', min: 1, max: 4096, maxCount: 8, arg: 'A[,B..]', doc: 'conv: channels of the encoder\'s convolutions, each halving the image (default 32,64)' },
  dense: { kind: 'int', min: 1, max: 1 << 16, arg: 'N', doc: 'conv: width of the dense layer before the latent heads (default 16)' },
  latent: { kind: 'int', min: 1, max: 1 << 12, arg: 'N', doc: 'latent size (default 20; 2 with --arch conv)' },
  batch: { kind: 'int', min: 1, max: 1 << 16, arg: 'N', doc: 'rows per step (default 128)' },
  kind: { kind: 'choice', choices: ['vae', 'ae'], arg: 'vae|ae', doc: 'a VAE (default) or a plain autoencoder (z = mu, no KL term)' },
  likelihood: { kind: 'choice', choices: ['bernoulli', 'gaussian'], arg: 'L', doc: 'decoder: bernoulli (default, BCE) or gaussian (squared error over 2 sigma^2)' },
  // Past this range 1/sigma^2, or its product with a squared pixel error, leaves f32's range.
  sigma: { kind: 'number', min: 0.001, max: 1000, arg: 'X', doc: 'the Gaussian decoder\'s standard deviation (default 0.1)' },
  corrupt: { kind: 'corrupt', arg: 'SPEC', doc: 'denoising: corrupt the encoder\'s inputs (mask:P, gauss:S or saltpepper:P), fresh each step, and score the decoder against the clean inputs' },
  lr: { kind: 'number', min: 0, max: Infinity, minOpen: true, arg: 'X', doc: 'Adam learning rate (default 0.001; graphs 0.01)' },
  beta1: { kind: 'number', min: 0, max: 1, maxOpen: true },
  beta2: { kind: 'number', min: 0, max: 1, maxOpen: true },
  eps: { kind: 'number', min: 0, max: Infinity, minOpen: true },
  epochs: { kind: 'int', min: 1, max: 100_000, arg: 'N', doc: 'passes over the training set (default 10; graphs: full-graph steps, default 200)' },
  maxSteps: { kind: 'int', min: 1, max: Number.MAX_SAFE_INTEGER, name: 'max-steps', arg: 'N', doc: 'stop after N steps (the test set is still evaluated)' },
  seed: { kind: 'int', min: 0, max: 0xffffffff, arg: 'N', doc: 'initialisation, noise, shuffle and split seed (default 1)' },
  beta: { kind: 'number', min: 0, max: Infinity, arg: 'X', doc: 'weight of the KL term (beta-VAE; default 1)' },
  klWarmup: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER, name: 'kl-warmup', arg: 'N', doc: 'raise the KL weight linearly to beta over the first N steps (default 0: off)' },
  readbackEvery: { kind: 'int', min: 1, max: 1024 },
  // The graph VAE (src/graph/graph_vae.ts): the variational model or the plain graph autoencoder,
  // node features from the data or the identity, the paper's one hidden GCN layer, and the shares
  // of the edges held out. Its fused decoder keeps a node's z in registers: 64 latent dimensions
  // at most (MAX_LATENT in src/kernels/inner_product_loss.ts; a test keeps the two equal).
  graphModel: { kind: 'choice', choices: ['vgae', 'gae'], name: 'model', arg: 'vgae|gae', doc: 'the variational graph autoencoder (default) or the plain one; --kind vae|ae says the same' },
  features: { kind: 'choice', choices: ['data', 'none'], arg: 'data|none', doc: 'the data\'s node features (default) or the identity (featureless)' },
  graphHidden: { kind: 'int', min: 1, max: 4096, name: 'hidden', arg: 'N', doc: 'first GCN layer\'s width (default 32)' },
  graphLatent: { kind: 'int', min: 1, max: 64, name: 'latent', arg: 'N', doc: 'latent size (default 16, at most 64)' },
  graphDecoder: {
    kind: 'choice', choices: ['auto', 'exact', 'sampled'], name: 'decoder', arg: 'D',
    doc: 'the decoder\'s loss: exact (every node pair, the paper\'s), sampled (PyTorch Geometric\'s recon_loss: the training edges and K random pairs per edge, drawn each epoch), or auto (default): exact up to 10,000 nodes, sampled above',
  },
  negatives: { kind: 'int', min: 1, max: 64, arg: 'K', doc: 'the sampled decoder\'s random pairs per training edge (default 1)' },
  hits: { kind: 'int', min: 0, max: 10_000, arg: 'K', doc: 'also Hits@K of the held-out edges, as OGB scores link prediction (default 50; 0: off)' },
  hitsNegatives: { kind: 'int', min: 1, max: 10_000_000, name: 'hits-negatives', arg: 'M', doc: 'the fixed, seeded held-out non-edges Hits@K ranks against (default 100,000, as ogbl-collab)' },
  valFraction: { kind: 'number', min: 0, max: 1, maxOpen: true, name: 'val', arg: 'X', doc: 'share of the edges held out for validation (default 0.05)' },
  testFraction: { kind: 'number', min: 0, max: 1, maxOpen: true, name: 'test', arg: 'X', doc: 'share of the edges held out for test (default 0.1)' },
  // Reading data (`--data PATH`, the page's dropped files; docs/DATA_FORMATS.md). Their parsers
  // live beside the readers (src/data/), which the library also exports.
  format: { kind: 'parsed', parse: parseDataFormat, arg: 'F', doc: 'idx, images, cifar10, npy or csv: the format of a --data folder that holds several' },
  size: { kind: 'parsed', parse: parseImageSize, arg: 'S|HxW', doc: 'image folders: resize (the shorter side to S) and centre-crop every image to S x S or H x W, as torchvision does' },
  labelColumn: { kind: 'parsed', parse: parseLabelColumn, name: 'label-column', arg: 'C', doc: 'CSV: the column of labels, first, last or its header name (default none)' },
  channelsLast: { kind: 'flag', name: 'channels-last', doc: '.npy images stored (N, H, W, C) instead of (N, C, H, W)' },
  split: { kind: 'parsed', parse: parseSplitMode, arg: 'all', doc: 'every row of the data is a test row (no 80/20 split), to score new data with a trained model' },
  normalize: { kind: 'parsed', parse: parseNormalizeMode, arg: 'M', doc: 'none, minmax or standard, fitted on the training rows and kept in the checkpoint (default: pixel/255 for 8-bit data, none for real values)' },
  normalLabel: { kind: 'parsed', parse: parseText, name: 'normal-label', arg: 'L', doc: 'the label (or class name) of normal rows; rows of other labels are anomalies (train: also keeps the anomaly threshold, the mean + 1 standard deviation of the training rows\' scores, in the checkpoint)' },
  trainNormalOnly: { kind: 'flag', name: 'train-normal-only', doc: 'train on the rows of --normal-label only (the test rows keep every label)' },
  threshold: { kind: 'parsed', parse: parseFinite, arg: 'X', doc: 'the score from which a row is flagged as an anomaly (default: the model\'s, the mean + 1 standard deviation of its training rows\' scores)' },
} as const satisfies Record<string, Rule & Presentation>;

/** The settings of an image model's training run, as `train` takes them (in its help's order). */
export const TRAIN_SETTINGS = [
  'epochs', 'maxSteps', 'batch', 'arch', 'hidden', 'channels', 'dense', 'latent', 'lr', 'seed', 'beta', 'klWarmup', 'kind', 'likelihood', 'sigma', 'corrupt',
] as const satisfies readonly SettingName[];
/** The architecture shorthand's settings: refused beside a spec (the spec describes the model). */
export const SHORTHAND_SETTINGS = ['arch', 'hidden', 'channels', 'dense', 'latent'] as const satisfies readonly SettingName[];
/** How any command reads `--data PATH` (the page: its data fields). */
export const DATA_SETTINGS = ['format', 'size', 'labelColumn', 'channelsLast', 'split'] as const satisfies readonly SettingName[];
/** What `train` adds to reading data: the scaling it fits and the normal rows of an anomaly detector. */
export const TRAIN_DATA_SETTINGS = ['normalize', 'normalLabel', 'trainNormalOnly'] as const satisfies readonly SettingName[];
/** The data options of the image page's settings (field ids `data-<name>`, URL keys: settingName). */
export const PAGE_DATA_SETTINGS = ['format', 'size', 'labelColumn', 'channelsLast', 'normalize', 'normalLabel'] as const satisfies readonly SettingName[];
/** The settings the image page's form shows and its URL takes (field ids and URL keys: settingName). */
export const PAGE_SETTINGS = [
  'epochs', 'lr', 'batch', 'arch', 'hidden', 'channels', 'dense', 'latent', 'seed', 'kind', 'likelihood', 'sigma', 'corrupt',
] as const satisfies readonly SettingName[];
/** The settings of a graph VAE's training run: `graph train`'s flags and the graph page's fields. */
export const GRAPH_SETTINGS = [
  'graphModel', 'features', 'epochs', 'graphHidden', 'graphLatent', 'lr', 'seed', 'valFraction', 'testFraction', 'graphDecoder', 'negatives', 'hits', 'hitsNegatives',
] as const satisfies readonly SettingName[];

/** The name people use for a setting: its CLI flag (`--name`), URL key and form field. */
export function settingName(setting: SettingName): string {
  return (SETTINGS[setting] as Presentation).name ?? setting;
}

/** Help for a setting's flag: `--name ARG` padded to `width`, then its meaning, wrapped before `columns`. */
export function settingHelp(setting: SettingName, indent: number, width: number, columns = 118): string {
  const p = SETTINGS[setting] as Presentation;
  const flag = `--${settingName(setting)}${p.arg ? ` ${p.arg}` : ''}`;
  const lines = [`${' '.repeat(indent)}${flag.padEnd(width)}`];
  for (const word of (p.doc ?? '').split(' ')) {
    const last = lines[lines.length - 1];
    if (last.length + 1 + word.length > columns && last.trim().length > flag.length) lines.push(`${' '.repeat(indent + width)} ${word}`);
    else lines[lines.length - 1] = `${last} ${word}`;
  }
  return lines.join('\n');
}

/** Text that is not empty (a label, a class name), as typed. */
function parseText(text: string, label: string): string {
  if (text.trim() === '') throw new Error(`${label} must be a label or a class name, got ''`);
  return text.trim();
}

/** A finite number (a threshold on scores, which may be negative). */
function parseFinite(text: string, label: string): number {
  const v = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(v)) throw new Error(`${label} must be a number, got ${shown(text)}`);
  return v;
}

/** The name of a setting in SETTINGS. */
export type SettingName = keyof typeof SETTINGS;

/** The Gaussian decoder's sigma range (SETTINGS.sigma). */
export const SIGMA_RANGE = [SETTINGS.sigma.min, SETTINGS.sigma.max] as const;

/** A value for messages: text in quotes, numbers as they are. */
export function shown(v: unknown): string {
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
    case 'corrupt':
      return CORRUPT_RULE;
    case 'flag':
      return 'true or false';
    case 'parsed':
      return 'readable by its parser';
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
    case 'corrupt':
      return checkCorruption(value as Corruption | null, label) as SettingValue<K>;
    case 'flag':
      if (typeof value !== 'boolean') fail(setting, label, value);
      break;
    case 'parsed':
      // A program's value is the parser's result already: what text would parse to.
      break;
  }
  return value as SettingValue<K>;
}

/** The type of a setting's value. */
export type SettingValue<K extends SettingName> = (typeof SETTINGS)[K] extends { kind: 'ints' }
  ? number[]
  : (typeof SETTINGS)[K] extends { kind: 'flag' }
    ? boolean
  : (typeof SETTINGS)[K] extends { kind: 'parsed'; parse: (...a: never[]) => infer R }
    ? R
  : (typeof SETTINGS)[K] extends { kind: 'corrupt' }
    ? Corruption | null
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
    case 'corrupt':
      return parseCorruption(text, label) as SettingValue<K>;
    case 'flag':
      if (t !== 'true' && t !== 'false' && t !== '1' && t !== '0') throw new ConfigError(setting, `${label} must be true or false, got ${shown(text)}`);
      return (t === 'true' || t === '1') as SettingValue<K>;
    case 'parsed':
      try {
        return r.parse(text, label) as SettingValue<K>;
      } catch (e) {
        throw new ConfigError(setting, (e as Error).message);
      }
  }
}

// ---------------------------------------------------------------------------------------------
// Denoising corruptions (the `corrupt` setting).

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
