/**
 * Training settings of the page: defaults (the reference model), and parsing from the URL's query
 * and from the form. Validation is src/config.ts's, with its limits and wording.
 */
import { configName } from '../checkpoint/checkpoint.js';
import {
  corruptionText, DEFAULT_ADAM, DEFAULT_CONFIG, DEFAULT_CONV, parseCorruption, parseSetting as parseConfigSetting, type Architecture, type Corruption, type Likelihood,
  type ModelKind, type VaeConfig,
} from '../config.js';

/** Everything a training run is built from. */
export interface Settings {
  epochs: number;
  lr: number;
  batch: number;
  /** Dense layers (`hidden`) or the convolutional VAE (`channels`, `dense`). */
  arch: Architecture;
  hidden: number[];
  channels: number[];
  dense: number;
  latent: number;
  seed: number;
  /** VAE or plain autoencoder; the decoder's likelihood and the Gaussian's sigma. */
  kind: ModelKind;
  likelihood: Likelihood;
  sigma: number;
  /** Denoising: the corruption of the encoder's inputs, or null. */
  corrupt: Corruption | null;
}

/** The PyTorch example: 784-400-20, batch 128, Adam 1e-3, 10 epochs, seed 1. */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  epochs: 10,
  lr: DEFAULT_ADAM.lr,
  batch: DEFAULT_CONFIG.batch,
  arch: DEFAULT_CONFIG.arch,
  hidden: [...DEFAULT_CONFIG.hidden],
  channels: [...DEFAULT_CONV.channels],
  dense: DEFAULT_CONV.dense,
  latent: DEFAULT_CONFIG.latent,
  seed: 1,
  kind: DEFAULT_CONFIG.kind,
  likelihood: DEFAULT_CONFIG.likelihood,
  sigma: DEFAULT_CONFIG.sigma,
  corrupt: null,
});

/** Names of the settings, as they appear in the URL and as form field ids. */
export const SETTING_KEYS = ['epochs', 'lr', 'batch', 'arch', 'hidden', 'channels', 'dense', 'latent', 'seed', 'kind', 'likelihood', 'sigma', 'corrupt'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/**
 * Parses one setting from text, checked against the one table of limits (src/config.ts); throws
 * a ConfigError `<key> must be ..., got '<text>'`.
 */
export function parseSetting(key: SettingKey, text: string): Settings[SettingKey] {
  return key === 'corrupt' ? parseCorruption(text) : parseConfigSetting(key, text);
}

/** The settings as text, for form fields and URLs. */
export function settingText(s: Settings, key: SettingKey): string {
  if (key === 'corrupt') return corruptionText(s.corrupt);
  return key === 'hidden' || key === 'channels' ? s[key].join(',') : String(s[key]);
}

/** The latent size an architecture starts with: 20 for the MLP (the PyTorch example), 2 for conv (keras-io). */
export function defaultLatent(arch: Architecture): number {
  return arch === 'conv' ? DEFAULT_CONV.latent : DEFAULT_CONFIG.latent;
}

/** Defaults overridden by the URL's query (`?epochs=3&hidden=256,64&latent=2`, `?arch=conv` ...). */
export function settingsFromQuery(query: URLSearchParams): Settings {
  const s: Settings = { ...DEFAULT_SETTINGS, hidden: [...DEFAULT_SETTINGS.hidden], channels: [...DEFAULT_SETTINGS.channels] };
  for (const key of SETTING_KEYS) {
    const text = query.get(key);
    if (text !== null) (s as unknown as Record<string, unknown>)[key] = parseSetting(key, text);
  }
  if (query.get('latent') === null) s.latent = defaultLatent(s.arch);
  return s;
}

/** `784-400-20` or `1x28x28-conv32-conv64-16-2`: the name of a model on images of `inputShape`. */
export function architectureName(inputShape: number[], s: Pick<Settings, 'arch' | 'hidden' | 'channels' | 'dense' | 'latent'>): string {
  return configName({ ...s, inputShape, inputSize: inputShape.reduce((a, b) => a * b, 1) });
}

/** The settings of a model built from `config` (a loaded file), with the run's epochs, learning rate and seed. */
export function settingsOf(config: VaeConfig, run: Pick<Settings, 'epochs' | 'lr' | 'seed'>): Settings {
  return {
    ...run, batch: config.batch, arch: config.arch, hidden: config.hidden, channels: config.channels, dense: config.dense, latent: config.latent,
    kind: config.kind, likelihood: config.likelihood, sigma: config.sigma, corrupt: config.corrupt,
  };
}

/** The configuration a model is built from: the data's shape, sizes and objective. */
export function configOf(inputShape: number[], s: Settings) {
  return {
    inputShape, arch: s.arch, hidden: s.hidden, channels: s.channels, dense: s.dense, latent: s.latent, batch: s.batch, kind: s.kind, likelihood: s.likelihood,
    sigma: s.sigma, corrupt: s.corrupt,
  };
}
