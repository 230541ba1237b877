/**
 * Settings of the page, derived from the one table (src/settings.ts): the model's (PAGE_SETTINGS:
 * form fields and URL keys named by settingName, parsed and checked with the table's limits and
 * wording) and the data's (PAGE_DATA_SETTINGS: fields `data-<name>`, the same URL keys as the
 * CLI's flags). A loaded spec (docs/spec.md) replaces the architecture fields while it is loaded.
 */
import { configName } from '../checkpoint/checkpoint.js';
import { corruptionText, DEFAULT_ADAM, DEFAULT_CONFIG, DEFAULT_CONV, parseSetting as parseTableSetting, SETTINGS, type VaeConfig } from '../config.js';
import { SHORTHANDS } from '../model/shorthand.js';
import type { ModelSpec } from '../model/spec.js';
import { PAGE_DATA_SETTINGS, PAGE_SETTINGS, SHORTHAND_SETTINGS, settingName, type SettingValue } from '../settings.js';

/** A setting of the page's model form. */
export type SettingKey = (typeof PAGE_SETTINGS)[number];

/** Everything a training run is built from: the table's page settings, and the spec when one is loaded. */
export type Settings = { [K in SettingKey]: SettingValue<K> } & {
  /** A model spec that replaces the architecture settings (and the objective's), with its file's name. */
  spec?: ModelSpec;
  specName?: string;
};

/** The page's settings in the table's order: form fields and URL keys (settingName). */
export const SETTING_KEYS = PAGE_SETTINGS;

/** The settings a loaded spec holds itself: their fields are locked while it is loaded (as `train --spec` refuses their flags). */
export const SPEC_HOLDS: readonly SettingKey[] = [...SHORTHAND_SETTINGS, 'kind', 'likelihood', 'sigma'];

/** The PyTorch example: 784-400-20, batch 128, Adam 1e-3, 10 epochs, seed 1. */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  epochs: 10,
  lr: DEFAULT_ADAM.lr,
  batch: DEFAULT_CONFIG.batch,
  arch: 'mlp',
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

/** The name of a setting as a form field id and URL key. */
export const fieldName = (key: SettingKey): string => settingName(key);

/**
 * Parses one setting from text, checked against the one table of limits (src/settings.ts); throws
 * a ConfigError `<name> must be ..., got '<text>'`.
 */
export function parseSetting<K extends SettingKey>(key: K, text: string): SettingValue<K> {
  return parseTableSetting(key, text, fieldName(key));
}

/** A setting as text, for form fields and URLs (what parseSetting reads back). */
export function settingText(s: Settings, key: SettingKey): string {
  const rule = SETTINGS[key].kind;
  const v = s[key];
  if (rule === 'corrupt') return corruptionText(s.corrupt);
  return rule === 'ints' ? (v as number[]).join(',') : String(v);
}

/** The latent size a shorthand starts with: its own default (conv: 2, keras-io's), else the MLP's 20 (the PyTorch example). */
export function defaultLatent(arch: keyof typeof SHORTHANDS): number {
  return SHORTHANDS[arch]?.defaults.latent ?? DEFAULT_CONFIG.latent;
}

/** A fresh copy of the defaults. */
export function defaultSettings(): Settings {
  return { ...DEFAULT_SETTINGS, hidden: [...DEFAULT_SETTINGS.hidden], channels: [...DEFAULT_SETTINGS.channels] };
}

/** Defaults overridden by the URL's query (`?epochs=3&hidden=256,64&latent=2`, `?arch=conv` ...). */
export function settingsFromQuery(query: URLSearchParams): Settings {
  const s = defaultSettings() as Record<string, unknown>;
  for (const key of SETTING_KEYS) {
    const text = query.get(fieldName(key));
    if (text !== null) s[key] = parseSetting(key, text);
  }
  if (query.get(fieldName('latent')) === null) s.latent = defaultLatent(s.arch as keyof typeof SHORTHANDS);
  return s as Settings;
}

/** The configuration a model is built from: the data's shape with the shorthand's sizes, or the loaded spec; the objective. */
export function configOf(inputShape: number[], s: Settings): Partial<VaeConfig> {
  if (s.spec) return { spec: s.spec, batch: s.batch, corrupt: s.corrupt };
  return {
    inputShape, arch: s.arch, hidden: s.hidden, channels: s.channels, dense: s.dense, latent: s.latent, batch: s.batch, kind: s.kind, likelihood: s.likelihood,
    sigma: s.sigma, corrupt: s.corrupt,
  };
}

/** `784-400-20`, `1x28x28-conv32-conv64-16-2`, or a spec's: the name of a model of `s` on inputs of `inputShape`. */
export function architectureName(inputShape: number[], s: Settings): string {
  if (s.spec) return configName({ arch: 'spec', spec: s.spec, inputShape: s.spec.input ?? inputShape, inputSize: 0, hidden: [], channels: [], dense: 0, latent: s.spec.latent });
  return configName({ ...s, inputShape, inputSize: inputShape.reduce((a, b) => a * b, 1) });
}

/**
 * The settings of a model built from `config` (a loaded file), with the run's epochs, learning
 * rate and seed; a model built from a spec keeps it (the architecture fields show the defaults).
 */
export function settingsOf(config: VaeConfig, run: Pick<Settings, 'epochs' | 'lr' | 'seed'>, specName = 'the checkpoint\'s spec'): Settings {
  const objective = { kind: config.kind, likelihood: config.likelihood, sigma: config.sigma, corrupt: config.corrupt, batch: config.batch };
  if (config.arch === 'spec') return { ...defaultSettings(), ...run, ...objective, latent: config.latent, spec: config.spec, specName };
  return { ...run, ...objective, arch: config.arch, hidden: config.hidden, channels: config.channels, dense: config.dense, latent: config.latent };
}

/** A data option of the page (PAGE_DATA_SETTINGS). */
export type DataKey = (typeof PAGE_DATA_SETTINGS)[number];
/** The data options: each unset (the reader's default) or its value. */
export type DataOptions = { [K in DataKey]?: SettingValue<K> };

/** The form field id of a data option. */
export const dataFieldId = (key: DataKey): string => `data-${settingName(key)}`;

/** A data option from text ('' leaves it unset); throws the table's one-line error. */
export function parseDataOption<K extends DataKey>(key: K, text: string): SettingValue<K> | undefined {
  if (SETTINGS[key].kind !== 'flag' && text.trim() === '') return undefined;
  return parseTableSetting(key, text, settingName(key));
}

/** Data options from the URL's query (`?normalize=standard&label-column=label&normal-label=normal` ...). */
export function dataOptionsFromQuery(query: URLSearchParams): DataOptions {
  const out: Record<string, unknown> = {};
  for (const key of PAGE_DATA_SETTINGS) {
    const text = query.get(settingName(key));
    if (text !== null) out[key] = parseDataOption(key, text);
  }
  return out as DataOptions;
}

/** A data option as text for its field. */
export function dataOptionText(o: DataOptions, key: DataKey): string {
  const v = o[key];
  if (v === undefined) return '';
  if (key === 'size') return (v as number[])[0] === (v as number[])[1] ? String((v as number[])[0]) : (v as number[]).join('x');
  if (key === 'labelColumn') return typeof v === 'string' ? v : (v as { name: string }).name;
  return String(v);
}
