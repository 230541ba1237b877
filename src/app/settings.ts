/**
 * Training settings of the page: defaults (the reference model), and parsing from the URL's query
 * and from the form. Validation is src/config.ts's, with its limits and wording.
 */
import { corruptionText, DEFAULT_ADAM, DEFAULT_CONFIG, parseCorruption, parseSetting as parseConfigSetting, type Corruption, type Likelihood, type ModelKind, type VaeConfig } from '../config.js';

/** Everything a training run is built from. */
export interface Settings {
  epochs: number;
  lr: number;
  batch: number;
  hidden: number[];
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
  hidden: [...DEFAULT_CONFIG.hidden],
  latent: DEFAULT_CONFIG.latent,
  seed: 1,
  kind: DEFAULT_CONFIG.kind,
  likelihood: DEFAULT_CONFIG.likelihood,
  sigma: DEFAULT_CONFIG.sigma,
  corrupt: null,
});

/** Names of the settings, as they appear in the URL and as form field ids. */
export const SETTING_KEYS = ['epochs', 'lr', 'batch', 'hidden', 'latent', 'seed', 'kind', 'likelihood', 'sigma', 'corrupt'] as const;
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
  return key === 'hidden' ? s.hidden.join(',') : String(s[key]);
}

/** Defaults overridden by the URL's query (`?epochs=3&hidden=256,64&latent=2` ...). */
export function settingsFromQuery(query: URLSearchParams): Settings {
  const s: Settings = { ...DEFAULT_SETTINGS, hidden: [...DEFAULT_SETTINGS.hidden] };
  for (const key of SETTING_KEYS) {
    const text = query.get(key);
    if (text !== null) (s as unknown as Record<string, unknown>)[key] = parseSetting(key, text);
  }
  return s;
}

/** `784-400-20` style name of a model. */
export function architectureName(inputSize: number, s: Pick<Settings, 'hidden' | 'latent'>): string {
  return [inputSize, ...s.hidden, s.latent].join('-');
}

/** The settings of a model built from `config` (a loaded file), with the run's epochs, learning rate and seed. */
export function settingsOf(config: VaeConfig, run: Pick<Settings, 'epochs' | 'lr' | 'seed'>): Settings {
  return {
    ...run, batch: config.batch, hidden: config.hidden, latent: config.latent,
    kind: config.kind, likelihood: config.likelihood, sigma: config.sigma, corrupt: config.corrupt,
  };
}

/** The configuration a model is built from: the data's shape, sizes and objective. */
export function configOf(inputShape: number[], s: Settings) {
  return { inputShape, hidden: s.hidden, latent: s.latent, batch: s.batch, kind: s.kind, likelihood: s.likelihood, sigma: s.sigma, corrupt: s.corrupt };
}
