/**
 * Training settings of the page: defaults (the reference model), parsing from the URL's query
 * and from the form, and validation with messages that name the field and the value.
 */
import { DEFAULT_ADAM, DEFAULT_CONFIG, SIGMA_RANGE, type Likelihood, type ModelKind } from '../config.js';

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
});

/** Names of the settings, as they appear in the URL and as form field ids. */
export const SETTING_KEYS = ['epochs', 'lr', 'batch', 'hidden', 'latent', 'seed', 'kind', 'likelihood', 'sigma'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

function whole(key: string, text: string, min: number, max: number): number {
  const t = text.trim();
  const v = Number(t);
  if (t === '' || !Number.isInteger(v) || v < min || v > max) throw new Error(`${key} must be a whole number from ${min} to ${max}, got "${text}"`);
  return v;
}

/** Parses one setting from text; throws `<key> must be ..., got "<text>"`. */
export function parseSetting(key: SettingKey, text: string): Settings[SettingKey] {
  switch (key) {
    case 'epochs':
      return whole(key, text, 1, 10000);
    case 'batch':
      return whole(key, text, 1, 4096);
    case 'latent':
      return whole(key, text, 1, 512);
    case 'seed':
      return whole(key, text, 0, 0xffffffff);
    case 'lr': {
      const v = Number(text.trim());
      if (text.trim() === '' || !(v > 0 && v <= 1)) throw new Error(`lr must be a number in (0, 1], got "${text}"`);
      return v;
    }
    case 'kind':
      if (text !== 'vae' && text !== 'ae') throw new Error(`kind must be vae or ae, got "${text}"`);
      return text;
    case 'likelihood':
      if (text !== 'bernoulli' && text !== 'gaussian') throw new Error(`likelihood must be bernoulli or gaussian, got "${text}"`);
      return text;
    case 'sigma': {
      const v = Number(text.trim());
      const [lo, hi] = SIGMA_RANGE;
      if (text.trim() === '' || !(v >= lo && v <= hi)) throw new Error(`sigma must be a number from ${lo} to ${hi}, got "${text}"`);
      return v;
    }
    case 'hidden': {
      const parts = text.split(/[,\s]+/).filter((p) => p !== '');
      if (parts.length > 8) throw new Error(`hidden takes at most 8 layer widths, got ${parts.length}`);
      return parts.map((p) => whole('each hidden width', p, 1, 8192));
    }
  }
}

/** The settings as text, for form fields and URLs. */
export function settingText(s: Settings, key: SettingKey): string {
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

/** The configuration a model is built from: sizes and objective. */
export function configOf(inputSize: number, s: Settings) {
  return { inputSize, hidden: s.hidden, latent: s.latent, batch: s.batch, kind: s.kind, likelihood: s.likelihood, sigma: s.sigma };
}
