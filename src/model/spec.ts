/**
 * Models written as data: the JSON model spec that the CLI (`--spec FILE.json`), the page and
 * examples/pytorch all build from, and its resolution into typed layers with their shapes.
 *
 * An encoder-decoder model (family "vae", the default):
 *
 *   { "input": [3, 32, 32], "latent": 32,
 *     "encoder": [ { "type": "conv2d", "name": "enc1", "out": 32, "kernel": 4, "stride": 2, "padding": 1, "activation": "leaky_relu", "slope": 0.2 },
 *                  { "type": "flatten" }, { "type": "linear", "name": "fc1", "out": 256, "activation": "relu" } ],
 *     "head": { "mu": "fc21", "logvar": "fc22" },
 *     "decoder": [ { "type": "linear", "name": "fc3", "out": 2048, "activation": "relu" }, { "type": "reshape", "shape": [32, 8, 8] },
 *                  { "type": "conv_transpose2d", "name": "dec1", "out": 3, "kernel": 4, "stride": 2, "padding": 1 }, ... ],
 *     "likelihood": "bernoulli", "kind": "vae" }
 *
 * A graph model (family "graph"): `encoder` holds gcn layers, the head is a gcn layer, the decoder
 * is the inner product of the latent codes (no `decoder`, no `input`: the node features come
 * from the data):
 *
 *   { "family": "graph", "latent": 16, "encoder": [ { "type": "gcn", "name": "conv1", "out": 32, "activation": "relu" } ],
 *     "head": { "type": "gcn", "mu": "conv_mu", "logstd": "conv_logstd" }, "kind": "vae" }
 *
 * Sizes flow from the input: a layer gives only what is not inferred (its output width or
 * channels, kernel, stride, padding, output padding). `flatten` and `reshape` are views (no
 * name, no data moved). The head maps the encoder's last output, flattened, to [mu | logvar]
 * (2 x latent outputs, one runtime layer named `head`); checkpoints hold it as two tensors named
 * by `head`. Every mistake is one line naming the layer and the numbers, before any GPU work.
 * The format is documented in docs/spec.md.
 */
import { checkSetting, ConfigError, type Likelihood, type ModelKind } from '../settings.js';
import { ACTIVATIONS, DEFAULT_PARAM, PARAM_FIELD, type Activation, type ActivationKind } from '../layers/activation.js';
import { findLayerType, unknownType, type LayerSpec, type ModelFamily, type SpecEntry } from '../layers/registry.js';

export type { SpecEntry } from '../layers/registry.js';

/** The head as a spec writes it: the checkpoint names of its two halves (and, for graphs, its type). */
export interface SpecHead {
  type?: 'linear' | 'gcn';
  mu?: string;
  /** The encoder-decoder model's second half. */
  logvar?: string;
  /** The graph model's second half (PyTorch Geometric's conv_logstd). */
  logstd?: string;
}

/** A model as data (see the file comment and docs/spec.md). */
export interface ModelSpec {
  family?: ModelFamily;
  /** [features] or [channels, height, width]; absent for graphs. */
  input?: number[];
  latent: number;
  encoder: SpecEntry[];
  head?: SpecHead;
  /** Absent for graphs (the inner-product decoder). */
  decoder?: SpecEntry[];
  likelihood?: Likelihood;
  sigma?: number;
  kind?: ModelKind;
}

/** One entry of a spec as resolved: the layer (null for a view) with its shapes, for `describe`. */
export interface SpecRow {
  part: 'encoder' | 'head' | 'decoder';
  /** `flatten`, `reshape` or a layer type. */
  type: string;
  layer: LayerSpec | null;
  inShape: number[];
  outShape: number[];
}

/** A spec resolved into typed layers: what the runtime, checkpoints and the reference build from. */
export interface ModelDescription {
  family: ModelFamily;
  /** The input's shape (graphs: [features per node]). */
  input: number[];
  /** Layers from the input to the head's input (views dropped: they move no data). */
  encoder: LayerSpec[];
  /** The layer whose output rows are [mu | logvar] (graphs: [mu | log sigma]), 2 * latent wide, no activation. */
  head: LayerSpec;
  latent: number;
  /** Layers from z to the output, the input's size (graphs: none, the decoder is the inner product). */
  decoder: LayerSpec[];
  /** Checkpoint names of the head's halves; `second` is null for a graph autoencoder (PyTorch Geometric's GAE has no log sigma layer). */
  headNames: { mu: string; second: string | null };
  /** Checkpoint name of each layer by runtime name (the same, except the MLP shorthand's enc1 = fc1 and so on). */
  fileNames: Map<string, string>;
  kind: ModelKind;
  likelihood: Likelihood;
  sigma: number;
  /** The spec with every default written out: what checkpoints store and PyTorch builds from. */
  spec: ModelSpec;
  /** Every entry with its shapes, views included. */
  rows: SpecRow[];
}

/** A spec that is not valid; the message is one line. */
export class SpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecError';
  }
}

const TOP_FIELDS = ['family', 'input', 'latent', 'encoder', 'head', 'decoder', 'likelihood', 'sigma', 'kind'];
const VIEW_TYPES = ['flatten', 'reshape'];
/** Fields every layer entry may have besides its type's own. */
const COMMON_FIELDS = ['type', 'name', 'activation', 'slope', 'alpha'];
/** The head's defaults: the PyTorch VAE example's fc21 / fc22, and PyTorch Geometric's conv_mu / conv_logstd (GAE: conv2). */
export const HEAD_DEFAULTS = { vae: { mu: 'fc21', logvar: 'fc22' }, graph: { mu: 'conv_mu', logstd: 'conv_logstd' }, graphAe: { mu: 'conv2' } } as const;
/** The runtime name of the head layer, reserved in specs. */
export const HEAD_LAYER = 'head';

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;
const shown = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function fail(message: string): never {
  throw new SpecError(`spec: ${message}`);
}

/** A shape: [F] or [C, H, W] of whole numbers >= 1. */
function checkShape(v: unknown, what: string): number[] {
  const ok = Array.isArray(v) && (v.length === 1 || v.length === 3) && v.every((d) => Number.isInteger(d) && d >= 1 && d <= 1 << 24);
  if (!ok) fail(`${what} must be [features] or [channels, height, width] of whole numbers >= 1, got ${shown(v)}`);
  return [...(v as number[])];
}

/** `checkSetting` with the spec's prefix. */
function setting<K extends Parameters<typeof checkSetting>[0]>(key: K, value: unknown, label: string) {
  try {
    return checkSetting(key, value, label);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
}

/** The activation of an entry: `activation` (default none) and its parameter field. */
function entryActivation(e: Record<string, unknown>, where: string): Activation {
  const kind = e.activation ?? 'none';
  if (typeof kind !== 'string' || !(ACTIVATIONS as readonly string[]).includes(kind)) {
    fail(`${where}: activation must be one of ${ACTIVATIONS.join(', ')}, got ${shown(kind)}`);
  }
  const k = kind as ActivationKind;
  for (const field of ['slope', 'alpha'] as const) {
    if (e[field] !== undefined && PARAM_FIELD[k] !== field) {
      const owner = field === 'slope' ? 'leaky_relu' : 'elu';
      fail(`${where}: "${field}" is ${owner}'s parameter, but the activation is ${k}`);
    }
  }
  const field = PARAM_FIELD[k];
  if (!field) return { kind: k, param: 0 };
  const v = e[field] ?? DEFAULT_PARAM[k];
  // leaky_relu's slope may be 0 (then it is ReLU); elu's alpha must be positive.
  const ok = typeof v === 'number' && Number.isFinite(v) && (field === 'slope' ? v >= 0 && v <= 1e6 : v > 0 && v <= 1e6);
  if (!ok) fail(`${where}: "${field}" must be a number ${field === 'slope' ? '>= 0' : '> 0'}, got ${shown(v)}`);
  return { kind: k, param: v as number };
}

/** What resolving the entries of one part needs and records. */
interface Walk {
  family: ModelFamily;
  rows: SpecRow[];
  /** Names used so far: spec name -> where. */
  names: Map<string, string>;
  rename?: ReadonlyMap<string, string>;
  fileNames: Map<string, string>;
}

/** Resolves the entries of `part` from `input`; returns the layers and the output shape. */
function resolvePart(w: Walk, part: 'encoder' | 'decoder', entries: unknown, input: number[]): { layers: LayerSpec[]; out: number[]; canonical: SpecEntry[] } {
  if (!Array.isArray(entries)) fail(`"${part}" must be a list of layers, got ${shown(entries)}`);
  const layers: LayerSpec[] = [];
  const canonical: SpecEntry[] = [];
  let shape = input;
  entries.forEach((raw, i) => {
    const at = `${part} layer ${i + 1}`;
    if (!isObject(raw)) fail(`${at} must be an object with a "type", got ${shown(raw)}`);
    const type = raw.type;
    if (typeof type !== 'string') fail(`${at} has no "type" (a layer type, "flatten" or "reshape")`);
    if (VIEW_TYPES.includes(type)) {
      const where = `${at} (${type})`;
      if (raw.name !== undefined) fail(`${where} takes no name (it is a view, with no parameters), got ${shown(raw.name)}`);
      for (const k of Object.keys(raw)) if (k !== 'type' && !(type === 'reshape' && k === 'shape')) fail(`${where}: unknown field "${k}" (fields: type${type === 'reshape' ? ', shape' : ''})`);
      const out = type === 'flatten' ? [product(shape)] : checkShape(raw.shape, `${where}: "shape"`);
      if (product(out) !== product(shape)) {
        fail(`${where}: shape ${shapeText(out)} holds ${product(out)} values, its input ${shapeText(shape)} holds ${product(shape)}`);
      }
      w.rows.push({ part, type, layer: null, inShape: shape, outShape: out });
      canonical.push(type === 'flatten' ? { type } : { type, shape: out });
      shape = out;
      return;
    }
    const t = findLayerType(type);
    if (!t) fail(`${at}: ${unknownType(type)}`);
    const name = raw.name;
    if (typeof name !== 'string' || !/^[A-Za-z_][\w.]*$/.test(name) || name.endsWith('.')) {
      fail(`${at} (${type}) needs a "name" of letters, digits, _ and . (its parameters are <name>.weight, <name>.bias), got ${shown(name)}`);
    }
    const where = `${at} "${name}" (${type})`;
    if (t.family !== w.family) fail(`${where}: a ${t.family} layer type; this spec's family is ${w.family}`);
    if (name === HEAD_LAYER) fail(`${where}: the name ${HEAD_LAYER} is reserved for the head`);
    const before = w.names.get(name);
    if (before) fail(`${where}: the name ${name} is already used by ${before}`);
    w.names.set(name, `${part} layer ${i + 1}`);
    const allowed = [...COMMON_FIELDS, ...Object.keys(t.fields)];
    for (const k of Object.keys(raw)) if (!allowed.includes(k)) fail(`${where}: unknown field "${k}" (fields: ${allowed.filter((f) => f !== 'alpha' && f !== 'slope').join(', ')}, and slope or alpha with their activation)`);
    const activation = entryActivation(raw, where);
    const fields: Record<string, number> = {};
    for (const [k, rule] of Object.entries(t.fields)) {
      const v = raw[k] ?? rule.default;
      if (v === undefined) fail(`${where}: "${k}" is required (${rule.doc})`);
      if (!Number.isInteger(v) || (v as number) < rule.min || (v as number) > rule.max) fail(`${where}: "${k}" must be a whole number from ${rule.min} to ${rule.max}, got ${shown(v)}`);
      fields[k] = v as number;
    }
    let layer: LayerSpec;
    try {
      layer = t.resolve(fields, shape, { name: w.rename?.get(name) ?? name, activation });
    } catch (e) {
      fail(`${where}: ${(e as Error).message.replace(/^(conv2d|conv_transpose2d): /, '')}`);
    }
    w.fileNames.set(layer.name, name);
    w.rows.push({ part, type, layer, inShape: shape, outShape: layer.outShape });
    layers.push(layer);
    const entry: SpecEntry = { type, name, ...fields, activation: activation.kind };
    const pf = PARAM_FIELD[activation.kind];
    if (pf) entry[pf] = activation.param;
    canonical.push(entry);
    shape = layer.outShape;
  });
  return { layers, out: shape, canonical };
}

/** The head's names, checked against the layers' names. */
function headNames(w: Walk, raw: unknown, kind: ModelKind): { names: { mu: string; second: string | null }; canonical: SpecHead } {
  if (raw !== undefined && !isObject(raw)) fail(`"head" must be an object such as { "mu": "fc21", "logvar": "fc22" }, got ${shown(raw)}`);
  const h = (raw ?? {}) as Record<string, unknown>;
  const graph = w.family === 'graph';
  const secondKey = graph ? 'logstd' : 'logvar';
  const allowed = ['type', 'mu', secondKey];
  for (const k of Object.keys(h)) if (!allowed.includes(k)) fail(`head: unknown field "${k}" (fields: ${allowed.join(', ')})`);
  const type = graph ? 'gcn' : 'linear';
  if (h.type !== undefined && h.type !== type) fail(`head: "type" must be ${type} for the ${w.family} family, got ${shown(h.type)}`);
  const gae = graph && kind === 'ae';
  const defaults: Record<string, string | undefined> = graph ? (gae ? { mu: HEAD_DEFAULTS.graphAe.mu } : HEAD_DEFAULTS.graph) : HEAD_DEFAULTS.vae;
  const name = (key: string): string | null => {
    const v = h[key] ?? defaults[key];
    if (v === undefined) return null;
    if (typeof v !== 'string' || !/^[A-Za-z_][\w.]*$/.test(v)) fail(`head: "${key}" must be a name of letters, digits, _ and ., got ${shown(v)}`);
    const before = w.names.get(v);
    if (before) fail(`head: the ${key} name ${v} is already used by ${before}`);
    w.names.set(v, `the head's ${key}`);
    return v;
  };
  const mu = name('mu')!;
  // PyTorch Geometric's GAE has one layer after conv1 (conv2): no log sigma half to name.
  if (gae && h[secondKey] !== undefined) fail(`head: a graph autoencoder (kind ae) has no "${secondKey}" layer`);
  const second = gae ? null : name(secondKey);
  const canonical: SpecHead = { ...(graph ? { type: 'gcn' as const } : {}), mu, ...(second ? { [secondKey]: second } : {}) };
  return { names: { mu, second }, canonical };
}

/** Options of resolveSpec. */
export interface ResolveOptions {
  /** A graph spec's input: [features per node] from the data (identity: [nodes]). */
  input?: number[];
  /** Runtime names of layers by spec name (the MLP shorthand keeps enc1, dec1, out). */
  rename?: ReadonlyMap<string, string>;
}

/**
 * Checks a spec (parsed JSON) and resolves it into layers with their shapes; throws a SpecError
 * whose message names the layer and the numbers.
 */
export function resolveSpec(doc: unknown, opts: ResolveOptions = {}): ModelDescription {
  if (!isObject(doc)) fail(`a model spec is a JSON object with "input", "latent", "encoder" and "decoder", got ${shown(doc)}`);
  for (const k of Object.keys(doc)) if (!TOP_FIELDS.includes(k)) fail(`unknown field "${k}" (fields: ${TOP_FIELDS.join(', ')})`);
  const family = doc.family ?? 'vae';
  if (family !== 'vae' && family !== 'graph') fail(`"family" must be vae or graph, got ${shown(family)}`);
  const graph = family === 'graph';
  const kind = setting('kind', doc.kind ?? 'vae', 'kind');
  const latent = setting(graph ? 'graphLatent' : 'latent', doc.latent, 'latent');
  let input: number[];
  if (graph) {
    for (const k of ['input', 'decoder', 'likelihood', 'sigma']) if (doc[k] !== undefined) fail(`a graph spec has no "${k}" (${k === 'input' ? 'the node features come from the data' : 'its decoder is the inner product of the latent codes'})`);
    if (!opts.input) fail('a graph spec resolves on its data: the number of features per node is not known here');
    input = opts.input;
  } else {
    if (doc.input === undefined) fail('"input" is required: [features] or [channels, height, width]');
    input = checkShape(doc.input, '"input"');
  }
  const likelihood = graph ? 'bernoulli' : setting('likelihood', doc.likelihood ?? 'bernoulli', 'likelihood');
  if (!graph && doc.sigma !== undefined && likelihood !== 'gaussian') fail(`"sigma" is the Gaussian decoder's; this spec's likelihood is ${likelihood}`);
  const sigma = likelihood === 'gaussian' ? setting('sigma', doc.sigma ?? 0.1, 'sigma') : 0.1;
  const w: Walk = { family, rows: [], names: new Map(), rename: opts.rename, fileNames: new Map() };
  const enc = resolvePart(w, 'encoder', doc.encoder, input);
  const head = headNames(w, doc.head, kind);
  // The head: the encoder's output flattened, to 2 x latent.
  const headType = findLayerType(graph ? 'gcn' : 'linear');
  if (!headType) fail(`the head is a ${graph ? 'gcn' : 'linear'} layer: ${unknownType(graph ? 'gcn' : 'linear')}`);
  const headIn = [product(enc.out)];
  const headLayer = headType.resolve({ out: 2 * latent }, headIn, { name: HEAD_LAYER, activation: { kind: 'none', param: 0 }, halves: 2 });
  w.rows.push({ part: 'head', type: headType.type, layer: headLayer, inShape: enc.out, outShape: [2 * latent] });
  let decoder: LayerSpec[] = [];
  let decCanonical: SpecEntry[] | undefined;
  if (!graph) {
    if (!Array.isArray(doc.decoder) || doc.decoder.length === 0) fail('"decoder" must list at least one layer, from the latent code to the input\'s shape');
    const dec = resolvePart(w, 'decoder', doc.decoder, [latent]);
    const same = dec.out.length === input.length && dec.out.every((d, i) => d === input[i]);
    if (!same) fail(`the decoder ends with ${shapeText(dec.out)}, the input is ${shapeText(input)}: its last layer must give the input's shape`);
    const last = dec.layers[dec.layers.length - 1];
    if (!last) fail('"decoder" has no layer with parameters; it needs at least one, from the latent code to the input');
    if (last.activation.kind !== 'none') {
      fail(`decoder layer "${w.fileNames.get(last.name)}": the last layer gives the ${likelihood === 'bernoulli' ? 'Bernoulli logits' : "Gaussian's means"}, so it takes no activation, got ${last.activation.kind}`);
    }
    decoder = dec.layers;
    decCanonical = dec.canonical;
  }
  const spec: ModelSpec = {
    ...(graph ? { family: 'graph' as const } : { input }),
    latent,
    encoder: enc.canonical,
    head: head.canonical,
    ...(decCanonical ? { decoder: decCanonical, likelihood, ...(likelihood === 'gaussian' ? { sigma } : {}) } : {}),
    kind,
  };
  return { family, input, encoder: enc.layers, head: headLayer, latent, decoder, headNames: head.names, fileNames: w.fileNames, kind, likelihood, sigma, spec, rows: w.rows };
}

/** A spec from JSON text, with the file's name in the parse error. */
export function parseSpec(text: string, name = 'spec'): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SpecError(`${name}: not valid JSON (${(e as Error).message})`);
  }
}
