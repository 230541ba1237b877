/**
 * The graph mode's settings: the paper's defaults, and parsing from the URL's query and the
 * form, checked against the one table of limits (src/config.ts) with its wording.
 */
import { parseSetting, type SettingName } from '../config.js';
import { GRAPH_VAE_ADAM, GRAPH_VAE_DEFAULTS } from '../graph/config.js';

/** Everything a graph VAE run is built from. */
export interface GraphSettings {
  kind: 'vgae' | 'gae';
  features: 'data' | 'none';
  epochs: number;
  lr: number;
  hidden: number;
  latent: number;
  seed: number;
  valFraction: number;
  testFraction: number;
}

/** The paper's: VGAE, the data's features, 200 epochs, Adam 0.01, 32-16, 5% / 10% held out. */
export const DEFAULT_GRAPH_SETTINGS: Readonly<GraphSettings> = Object.freeze({
  kind: GRAPH_VAE_DEFAULTS.kind, features: GRAPH_VAE_DEFAULTS.features, epochs: GRAPH_VAE_DEFAULTS.epochs, lr: GRAPH_VAE_ADAM.lr,
  hidden: GRAPH_VAE_DEFAULTS.hidden, latent: GRAPH_VAE_DEFAULTS.latent, seed: GRAPH_VAE_DEFAULTS.seed,
  valFraction: GRAPH_VAE_DEFAULTS.valFraction, testFraction: GRAPH_VAE_DEFAULTS.testFraction,
});

/** Each setting's name in the URL and its form field (`g-` + name), and its entry in SETTINGS. */
export const GRAPH_FIELDS: readonly { key: keyof GraphSettings; name: string; setting: SettingName }[] = [
  { key: 'kind', name: 'model', setting: 'graphModel' },
  { key: 'features', name: 'features', setting: 'features' },
  { key: 'epochs', name: 'epochs', setting: 'epochs' },
  { key: 'lr', name: 'lr', setting: 'lr' },
  { key: 'hidden', name: 'hidden', setting: 'graphHidden' },
  { key: 'latent', name: 'latent', setting: 'graphLatent' },
  { key: 'seed', name: 'seed', setting: 'seed' },
  { key: 'valFraction', name: 'val', setting: 'valFraction' },
  { key: 'testFraction', name: 'test', setting: 'testFraction' },
];

/** One field's value from text; throws a ConfigError `<name> must be ..., got '<text>'`. */
export function parseGraphField(f: (typeof GRAPH_FIELDS)[number], text: string): GraphSettings[keyof GraphSettings] {
  return parseSetting(f.setting, text, f.name) as GraphSettings[keyof GraphSettings];
}

/** The shares held out must leave edges to train on. */
export function checkFractions(s: GraphSettings): void {
  if (s.valFraction + s.testFraction >= 1) throw new Error(`val ${s.valFraction} and test ${s.testFraction} hold out every edge; together they must be below 1`);
}

/** Defaults overridden by the URL's query (`?mode=graph&model=gae&features=none&epochs=50` ...). */
export function graphSettingsFromQuery(query: URLSearchParams): GraphSettings {
  const s: Record<string, unknown> = { ...DEFAULT_GRAPH_SETTINGS };
  for (const f of GRAPH_FIELDS) {
    const text = query.get(f.name);
    if (text !== null) s[f.key] = parseGraphField(f, text);
  }
  checkFractions(s as unknown as GraphSettings);
  return s as unknown as GraphSettings;
}

/** "VGAE, the data's features, 32-16, lr 0.01, seed 1" */
export function describeGraphSettings(s: GraphSettings): string {
  return `${s.kind.toUpperCase()}, ${s.features === 'none' ? 'identity features' : "the data's features"}, ${s.hidden}-${s.latent}, lr ${s.lr}, seed ${s.seed}`;
}
