/**
 * The graph mode's settings: the paper's defaults, and parsing from the URL's query and the
 * form. Fields, URL keys and parsing derive from the one table (src/settings.ts GRAPH_SETTINGS,
 * named by settingName, as `graph train`'s flags are); `kind=vae|ae` is accepted beside
 * `model=vgae|gae`, as the CLI's `--kind` is.
 */
import { parseSetting, type SettingValue } from '../config.js';
import { GRAPH_VAE_ADAM, GRAPH_VAE_DEFAULTS } from '../graph/config.js';
import { HITS_DEFAULTS } from '../graph/hits.js';
import { GRAPH_SETTINGS, settingName } from '../settings.js';

/** A setting of the graph mode. */
type GraphSetting = (typeof GRAPH_SETTINGS)[number];

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
  /** The decoder's loss: every pair, sampled pairs, or by the graph's size (src/graph/config.ts chooseDecoder). */
  decoder: 'auto' | 'exact' | 'sampled';
  /** The sampled decoder's random pairs per training edge. */
  negatives: number;
  /** Hits@K of the validation edges (0: off) against `hitsNegatives` fixed, seeded non-edges. */
  hits: number;
  hitsNegatives: number;
}

/** The paper's: VGAE, the data's features, 200 epochs, Adam 0.01, 32-16, 5% / 10% held out; the CLI's decoder and Hits@K. */
export const DEFAULT_GRAPH_SETTINGS: Readonly<GraphSettings> = Object.freeze({
  kind: GRAPH_VAE_DEFAULTS.kind, features: GRAPH_VAE_DEFAULTS.features, epochs: GRAPH_VAE_DEFAULTS.epochs, lr: GRAPH_VAE_ADAM.lr,
  hidden: GRAPH_VAE_DEFAULTS.hidden, latent: GRAPH_VAE_DEFAULTS.latent, seed: GRAPH_VAE_DEFAULTS.seed,
  valFraction: GRAPH_VAE_DEFAULTS.valFraction, testFraction: GRAPH_VAE_DEFAULTS.testFraction,
  decoder: 'auto', negatives: 1, hits: HITS_DEFAULTS.k, hitsNegatives: HITS_DEFAULTS.negatives,
});

/** The GraphSettings field of each table setting (the graph configuration's names, src/graph/config.ts). */
const FIELD_OF: { [K in GraphSetting]: keyof GraphSettings } = {
  graphModel: 'kind', features: 'features', epochs: 'epochs', graphHidden: 'hidden', graphLatent: 'latent', lr: 'lr', seed: 'seed',
  valFraction: 'valFraction', testFraction: 'testFraction', graphDecoder: 'decoder', negatives: 'negatives', hits: 'hits',
  hitsNegatives: 'hitsNegatives',
};

/** Each setting's field in GraphSettings, its name in the URL and its form field (`g-` + name), and its entry in the table. */
export const GRAPH_FIELDS: readonly { key: keyof GraphSettings; name: string; setting: GraphSetting }[] = GRAPH_SETTINGS.map((setting) => ({
  key: FIELD_OF[setting], name: settingName(setting), setting,
}));

/** One field's value from text; throws a ConfigError `<name> must be ..., got '<text>'`. */
export function parseGraphField(f: (typeof GRAPH_FIELDS)[number], text: string): GraphSettings[keyof GraphSettings] {
  return parseSetting(f.setting, text, f.name) as SettingValue<GraphSetting> as GraphSettings[keyof GraphSettings];
}

/** The shares held out must leave edges to train on. */
export function checkFractions(s: GraphSettings): void {
  if (s.valFraction + s.testFraction >= 1) throw new Error(`val ${s.valFraction} and test ${s.testFraction} hold out every edge; together they must be below 1`);
}

/** Defaults overridden by the URL's query (`?mode=graph&model=gae&features=none&epochs=50`, or `kind=ae` ...). */
export function graphSettingsFromQuery(query: URLSearchParams): GraphSettings {
  const s: Record<string, unknown> = { ...DEFAULT_GRAPH_SETTINGS };
  for (const f of GRAPH_FIELDS) {
    const text = query.get(f.name);
    if (text !== null) s[f.key] = parseGraphField(f, text);
  }
  // kind=vae|ae, in the image mode's words; model=vgae|gae is its alias.
  const kind = query.get('kind');
  if (kind !== null) {
    const k = parseSetting('kind', kind, 'kind') === 'vae' ? 'vgae' : 'gae';
    if (query.get(settingName('graphModel')) !== null && k !== s.kind) throw new Error(`kind=${kind} and model=${s.kind} disagree (model vgae is kind vae, gae is ae)`);
    s.kind = k;
  }
  checkFractions(s as unknown as GraphSettings);
  return s as unknown as GraphSettings;
}

/** "VGAE, the data's features, 32-16, lr 0.01, seed 1" */
export function describeGraphSettings(s: GraphSettings): string {
  return `${s.kind.toUpperCase()}, ${s.features === 'none' ? 'identity features' : "the data's features"}, ${s.hidden}-${s.latent}, lr ${s.lr}, seed ${s.seed}`;
}
