/**
 * The one table of settings: every value a person can type (a CLI flag, a page field, a URL
 * option) or a program can pass, its limits, and one wording for its errors: `<name> must be
 * <what>, got <value>`. The CLI and the page turn text into values with `parseSetting` and name
 * the setting as their user knows it (`--latent`, `latent`); the library prefixes `config: `
 * (src/config.ts, which resolves whole configurations and re-exports this module).
 */

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
