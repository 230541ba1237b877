/**
 * Model and optimizer configuration, with validation that names the bad value.
 */

/** `vae`: sample z from the posterior and add the KL term; `ae`: z = mu, no KL (a plain autoencoder). */
export type ModelKind = 'vae' | 'ae';
/** The decoder's distribution: Bernoulli on logits (BCE), or Gaussian with mean = output and fixed sigma (MSE). */
export type Likelihood = 'bernoulli' | 'gaussian';

/**
 * Sizes and objective of an MLP VAE: input -> hidden[0] -> ... -> hidden[n-1] -> (mu, logvar)
 * -> mirrored decoder. The autoencoder keeps the same layers (its logvar half is unused).
 */
export interface VaeConfig {
  /** Pixels per input (784 for 28x28 MNIST). */
  inputSize: number;
  /** Encoder hidden widths, first to last; the decoder mirrors them. */
  hidden: number[];
  /** Latent dimensions (20 in the reference model; 2 gives a plottable latent space). */
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
  inputSize: 784, hidden: [400], latent: 20, batch: 128, kind: 'vae', likelihood: 'bernoulli', sigma: 0.1,
} satisfies VaeConfig);
/** torch.optim.Adam defaults with the example's learning rate. */
export const DEFAULT_ADAM: Readonly<AdamConfig> = Object.freeze({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 });

/** A positive whole number no larger than `max`, or an Error naming `what` and the value. */
function checkSize(what: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new Error(`config: ${what} must be a whole number >= 1, got ${String(v)}`);
  }
  if (v > max) throw new Error(`config: ${what}=${v} is larger than the supported maximum ${max}`);
  return v;
}

/** Fills defaults and validates every size; throws an Error with the offending number. */
export function resolveConfig(partial: Partial<VaeConfig> = {}): VaeConfig {
  const c = { ...DEFAULT_CONFIG, ...partial };
  const hidden = c.hidden;
  if (!Array.isArray(hidden)) throw new Error(`config: hidden must be a list of sizes, got ${String(hidden)}`);
  if (hidden.length > 16) throw new Error(`config: ${hidden.length} hidden layers is more than the supported 16`);
  return {
    inputSize: checkSize('inputSize', c.inputSize, 1 << 24),
    hidden: hidden.map((h, i) => checkSize(`hidden[${i}]`, h, 1 << 16)),
    latent: checkSize('latent', c.latent, 1 << 12),
    batch: checkSize('batch', c.batch, 1 << 16),
    kind: oneOf('kind', c.kind, ['vae', 'ae'] as const),
    likelihood: oneOf('likelihood', c.likelihood, ['bernoulli', 'gaussian'] as const),
    sigma: checkSigma(c.sigma),
  };
}

function oneOf<T extends string>(what: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new Error(`config: ${what} must be one of ${allowed.join(', ')}, got ${String(v)}`);
  return v as T;
}

/** The Gaussian decoder's sigma range: past it 1/sigma^2 or its product with a squared pixel error leaves f32's range. */
export const SIGMA_RANGE = [0.001, 1000] as const;

function checkSigma(v: unknown): number {
  const [lo, hi] = SIGMA_RANGE;
  if (typeof v !== 'number' || !(v >= lo && v <= hi)) throw new Error(`config: sigma must be a number in [${lo}, ${hi}], got ${String(v)}`);
  return v;
}

/** The objective in words, e.g. "VAE, Bernoulli (BCE)" or "autoencoder, Gaussian (sigma 0.1)". */
export function describeObjective(c: Pick<VaeConfig, 'kind' | 'likelihood' | 'sigma'>): string {
  const kind = c.kind === 'vae' ? 'VAE' : 'autoencoder';
  return `${kind}, ${c.likelihood === 'bernoulli' ? 'Bernoulli (BCE)' : `Gaussian (sigma ${c.sigma})`}`;
}

/** Fills Adam defaults and checks the values are finite and in range. */
export function resolveAdam(partial: Partial<AdamConfig> = {}): AdamConfig {
  const a = { ...DEFAULT_ADAM, ...partial };
  if (!(a.lr > 0 && Number.isFinite(a.lr))) throw new Error(`adam: lr must be a finite number > 0, got ${a.lr}`);
  for (const k of ['beta1', 'beta2'] as const) {
    if (!(a[k] >= 0 && a[k] < 1)) throw new Error(`adam: ${k} must be in [0, 1), got ${a[k]}`);
  }
  if (!(a.eps > 0 && Number.isFinite(a.eps))) throw new Error(`adam: eps must be a finite number > 0, got ${a.eps}`);
  return a;
}
