/**
 * Model, optimizer and training configurations: defaults and validation of whole configurations
 * against the one table of settings (src/settings.ts, re-exported here), with one wording:
 * `<name> must be <what>, got <value>`, prefixed `config: ` for the library.
 */

import { GRAPH_VAE_DEFAULTS, type GraphVaeConfig } from './graph/config.js';
import { SHORTHANDS } from './model/shorthand.js';
import { resolveSpec } from './model/spec.js';
import type { ModelSpec } from './model/spec.js';
import { checkCorruption, checkSetting, ConfigError, corruptionText, shown, type Corruption, type Likelihood, type ModelKind, type SettingName, type SettingValue } from './settings.js';

export {
  checkCorruption, checkSetting, ConfigError, CORRUPTIONS, corruptionText, parseCorruption, parseSetting, SETTINGS, SIGMA_RANGE,
  type Corruption, type Likelihood, type ModelKind, type SettingName, type SettingValue,
} from './settings.js';

/**
 * `mlp`: dense layers (the PyTorch example); `conv`: convolutions (the keras-io VAE); both are
 * shorthands that expand into a model spec (src/model/shorthand.ts). `spec`: the model is
 * `VaeConfig.spec` itself.
 */
export type Architecture = 'mlp' | 'conv' | 'spec';

/**
 * Sizes and objective of a VAE. The model is a spec (src/model/spec.ts): `arch: 'spec'` carries
 * its own (`spec`; input, latent, kind, likelihood and sigma are then the spec's), and the
 * shorthands expand into one (src/model/shorthand.ts): `arch: 'mlp'`: input -> hidden[0] -> ...
 * -> hidden[n-1] -> (mu, logvar) -> mirrored decoder; `arch: 'conv'` (the keras-io VAE): 3x3
 * convolutions of stride 2 with `channels` -> flatten -> dense -> (mu, logvar); the decoder
 * mirrors it with transposed convolutions. The autoencoder keeps the same layers (its logvar half
 * is unused).
 */
export interface VaeConfig {
  /** Values per input (784 for 28x28 MNIST): the product of `inputShape`. */
  inputSize: number;
  /** The input's shape: [features], or [channels, height, width] for images (`conv` needs an image). */
  inputShape: number[];
  /** Dense layers (default), the convolutional VAE, or a spec of one's own. */
  arch: Architecture;
  /** `arch: 'spec'`: the model, with every default written out (resolveConfig fills them). */
  spec?: ModelSpec;
  /** `mlp`: encoder hidden widths, first to last; the decoder mirrors them. Unused by the others ([] with a spec). */
  hidden: number[];
  /** `conv`: output channels of the encoder's convolutions, each halving height and width (default 32, 64). Unused by the others ([] with a spec). */
  channels: number[];
  /** `conv`: width of the dense layer between the flattened convolutions and the heads (default 16). Unused by the others (0 with a spec). */
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
export const DEFAULT_CONV: Readonly<Pick<VaeConfig, 'inputShape' | 'channels' | 'dense' | 'latent'>> = Object.freeze(SHORTHANDS.conv.defaults as Pick<VaeConfig, 'inputShape' | 'channels' | 'dense' | 'latent'>);
/** torch.optim.Adam defaults with the example's learning rate. */
export const DEFAULT_ADAM: Readonly<AdamConfig> = Object.freeze({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 });

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

/** The settings a spec holds itself, and the part of the model each names (for messages). */
const SPEC_OWNS = { arch: 'layers', hidden: 'layers', channels: 'layers', dense: 'layers', latent: 'latent', inputSize: 'input', inputShape: 'input', kind: 'kind', likelihood: 'likelihood', sigma: 'sigma' } as const;

/**
 * A configuration whose model is `partial.spec`: resolved (every mistake one line, naming the
 * layer) and stored with its defaults written out; input, latent and the objective come from it.
 * A setting the spec holds may be given beside it only with the spec's own value (so a resolved
 * configuration resolves to itself); anything else is refused: the spec is the one place.
 */
function resolveSpecConfig(partial: Partial<VaeConfig>): VaeConfig {
  const m = resolveSpec(partial.spec);
  if (m.family !== 'vae') throw new ConfigError('arch', "config: a graph spec (family graph) builds a GraphVae, not a Vae");
  const inputSize = checked('inputSize', m.input.reduce((a, b) => a * b, 1));
  const config: VaeConfig = {
    inputSize, inputShape: [...m.input], arch: 'spec', spec: m.spec, hidden: [], channels: [], dense: 0, latent: m.latent,
    batch: checked('batch', partial.batch ?? DEFAULT_CONFIG.batch), kind: m.kind, likelihood: m.likelihood, sigma: m.sigma,
    corrupt: checkCorruption(partial.corrupt ?? null, 'config: corrupt'),
  };
  for (const [k, part] of Object.entries(SPEC_OWNS) as [keyof typeof SPEC_OWNS, string][]) {
    const given = partial[k];
    if (given !== undefined && JSON.stringify(given) !== JSON.stringify(config[k])) {
      throw new ConfigError(k === 'inputShape' ? 'inputSize' : k, `config: ${k} and spec together: the spec describes the model (its ${part}), so give it there`);
    }
  }
  return config;
}

/** Fills defaults and validates every size; throws a ConfigError with the offending value (a SpecError for a spec's mistakes). */
export function resolveConfig(partial: Partial<VaeConfig> = {}): VaeConfig {
  if (partial.spec !== undefined || partial.arch === 'spec') {
    if (partial.spec === undefined) throw new ConfigError('arch', "config: arch 'spec' needs the spec itself (config.spec)");
    return resolveSpecConfig(partial);
  }
  const arch = checked('arch', partial.arch ?? 'mlp');
  // A shorthand's own defaults (the conv VAE's: keras-io's sizes, and MNIST's image when no input is given).
  const { inputShape: ownInput, ...own } = SHORTHANDS[arch].defaults;
  const c = { ...DEFAULT_CONFIG, ...own, ...partial };
  const shapeGiven = partial.inputShape !== undefined || partial.inputSize !== undefined;
  const shape = resolveShape(ownInput && !shapeGiven ? { inputShape: [...ownInput] } : partial);
  const channels = [...checked('channels', c.channels)];
  SHORTHANDS[arch].check(shape.inputShape, { channels }, partial.inputShape !== undefined);
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
