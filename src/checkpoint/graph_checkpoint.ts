/**
 * Graph VAE checkpoints: the runtime's weights as safetensors tensors with the names and layouts
 * of PyTorch Geometric's autoencoder example (examples/autoencoder.py), so a file loads with
 * `model.load_state_dict(safetensors.torch.load_file(f))` into
 *
 *   VGAE(VariationalGCNEncoder(F, L))   encoder.conv1       GCNConv(F, H)   W0
 *                                       encoder.conv_mu     GCNConv(H, L)   W_head columns [0, L)
 *                                       encoder.conv_logstd GCNConv(H, L)   W_head columns [L, 2L)
 *   GAE(GCNEncoder(F, L))               encoder.conv1, encoder.conv2 (= conv_mu)
 *
 * (the example's hidden width is 2L, which is also the paper's 32 for L = 16). Each GCNConv has
 * `lin.weight` [out, in] (the transpose of the runtime's (in, out) storage) and `bias` [out],
 * zeros here: the paper's model has no biases. Metadata holds the configuration, the training
 * state and the split: its seed and fractions, the edge counts, and a fingerprint of the graph,
 * which is enough to recompute the held-out pairs exactly from the same data (src/graph/split.ts
 * is seeded Philox) and to recognise other data.
 */
import type { GraphModelConfig } from '../graph/graph_network.js';
import { layerParameters } from '../layers/registry.js';
import { graphModelConfig, type GraphDecoderChoice } from '../graph/config.js';
import { describeGraphModel, modelLayers } from '../model/describe.js';
import { resolveSpec, type ModelSpec } from '../model/spec.js';
import type { ParameterSet } from '../model/init.js';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, GRAPH_CHECKPOINT_ARCH, metaInt } from './checkpoint.js';
import { decodeSafetensors, encodeSafetensors, shapeText, show, type F32Tensor } from './safetensors.js';

export { GRAPH_CHECKPOINT_ARCH };

/** How the edges were split, and what they were split from. */
export interface SplitRecord {
  seed: number;
  valFraction: number;
  testFraction: number;
  /** Undirected edges of the whole graph, and of each part. */
  edges: number;
  trainEdges: number;
  valEdges: number;
  testEdges: number;
  /** graphFingerprint of the whole graph. */
  fingerprint: string;
}

/** Everything a graph checkpoint records besides the weights. */
export interface GraphCheckpointInfo {
  config: GraphModelConfig;
  /** Seed of the initialisation and the noise. */
  seed: number;
  /** Steps (epochs) trained. */
  step: number;
  /** The last training loss, if any. */
  loss?: number;
  /**
   * The split the model trained on; null for a file PyTorch wrote without our metadata, whose
   * split is unknown: the encoder then runs on every edge of the data.
   */
  split: SplitRecord | null;
  /** A name for the data (a folder, `embedded Cora`), for people. */
  data?: string;
  /** Adam's learning rate. */
  lr?: number;
  /** The decoder it trained with (a training setting; the model is the same whichever it was). */
  decoder?: GraphDecoderChoice;
  /** The held-out metric beside AUC and AP: Hits@K against M held-out non-edges. */
  hits?: { k: number; negatives: number };
}

/**
 * FNV-1a (32 bits) of the node count and the edge list (pairs i < j, sorted, as the readers
 * give them), as 8 hex digits: the same graph gives the same print, a different one almost
 * surely another.
 */
export function graphFingerprint(g: { n: number; edges: Uint32Array }): string {
  let h = 0x811c9dc5;
  const word = (w: number) => {
    for (let b = 0; b < 4; b++) {
      h ^= (w >>> (8 * b)) & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  };
  word(g.n);
  for (let i = 0; i < g.edges.length; i++) word(g.edges[i]);
  return h.toString(16).padStart(8, '0');
}

/**
 * One checkpoint tensor: columns [col0, col0 + shape[0]) of a runtime weight (stored (in, out)),
 * transposed to PyTorch Geometric's [out, in]; `file` is the GCNConv's name (`encoder.conv1`).
 */
interface Placement {
  file: string;
  runtime: string;
  /** [out, in] of the file's lin.weight. */
  shape: [number, number];
  col0: number;
  /** Columns of the runtime weight (its stored width). */
  cols: number;
}

/**
 * The checkpoint's layers (each a lin.weight and a bias) for a configuration: every layer of its
 * spec (src/model/describe.ts describeGraphModel) under `encoder.<name>`, the head as its two
 * halves named by the spec (the GAE's one half: PyTorch Geometric's GCNEncoder has no log sigma layer).
 */
function placements(cfg: GraphModelConfig): Placement[] {
  const m = describeGraphModel(cfg);
  const out: Placement[] = [];
  for (const l of modelLayers(m)) {
    const w = layerParameters(l).find((p) => p.name === 'weight')!;
    const runtime = w.fullName;
    if (l !== m.head) {
      out.push({ file: `encoder.${m.fileNames.get(l.name) ?? l.name}`, runtime, shape: [w.cols, w.rows], col0: 0, cols: w.cols });
      continue;
    }
    const L = m.latent;
    out.push({ file: `encoder.${m.headNames.mu}`, runtime, shape: [L, w.rows], col0: 0, cols: w.cols });
    if (m.headNames.second) out.push({ file: `encoder.${m.headNames.second}`, runtime, shape: [L, w.rows], col0: L, cols: w.cols });
  }
  return out;
}

/** Sizes of every runtime weight of a configuration: [rows, cols] by name. */
function weightSizes(cfg: GraphModelConfig): Map<string, [number, number]> {
  return new Map(modelLayers(describeGraphModel(cfg)).flatMap((l) => layerParameters(l).map((p): [string, [number, number]] => [p.fullName, [p.rows, p.cols]])));
}

/** `1433-32-16` or `identity-32-16`: the features, each layer's width and the latent size. */
export function graphSizesName(cfg: GraphModelConfig): string {
  const widths = cfg.spec ? describeGraphModel(cfg).encoder.map((l) => l.outSize) : [cfg.hidden];
  return [cfg.identity ? 'identity' : cfg.features, ...widths, cfg.latent].join('-');
}

/** `2708x1433-32-16 vgae` (nodes x graphSizesName, the kind) for messages. */
export function graphConfigName(cfg: GraphModelConfig): string {
  return `${cfg.nodes}x${graphSizesName(cfg)} ${cfg.kind}`;
}

/** Runtime parameters as checkpoint tensors (fresh copies, transposed, biases zero). */
export function toGraphTensors(params: ParameterSet, cfg: GraphModelConfig): Map<string, F32Tensor> {
  for (const [name, [rows, cols]] of weightSizes(cfg)) {
    const p = params.get(name);
    const n = rows * cols;
    if (!p || p.length !== n) throw new Error(`checkpoint: parameter ${name} has ${p ? p.length : 'no'} values, ${graphConfigName(cfg)} needs ${n}`);
  }
  const out = new Map<string, F32Tensor>();
  for (const pl of placements(cfg)) {
    const src = params.get(pl.runtime)!;
    const [o, i] = pl.shape;
    const w = new Float32Array(o * i);
    for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) w[r * i + c] = src[c * pl.cols + pl.col0 + r];
    out.set(`${pl.file}.lin.weight`, { dtype: 'F32', shape: [o, i], data: w });
    out.set(`${pl.file}.bias`, { dtype: 'F32', shape: [o], data: new Float32Array(o) });
  }
  return out;
}

/**
 * Checkpoint tensors back to runtime parameters. Rejects a missing or extra tensor, a shape
 * other than the configuration's, and a nonzero bias (the model has none), naming the tensor;
 * bias tensors may be absent (layers built with bias=False). The GAE's unused log-sigma half
 * of W_head is zero.
 */
export function fromGraphTensors(tensors: Map<string, { shape: number[]; data: Float32Array }>, cfg: GraphModelConfig, name = 'checkpoint'): ParameterSet {
  const plan = placements(cfg);
  const known = new Set(plan.flatMap((p) => [`${p.file}.lin.weight`, `${p.file}.bias`]));
  for (const [k, t] of tensors) {
    const shown = /^[\w.-]+$/.test(k) ? k : show(k);
    if (!known.has(k)) throw new Error(`${name}: unexpected tensor ${shown} with shape ${shapeText(t.shape)}, not part of a ${graphConfigName(cfg)} model`);
  }
  const params: ParameterSet = new Map([...weightSizes(cfg)].map(([k, [rows, cols]]) => [k, new Float32Array(rows * cols)]));
  for (const pl of plan) {
    const [o, i] = pl.shape;
    const get = (key: string, shape: number[]) => {
      const t = tensors.get(key);
      if (!t) throw new Error(`${name}: missing tensor ${key} (a ${graphConfigName(cfg)} model has shape ${shapeText(shape)})`);
      const same = t.shape.length === shape.length && t.shape.every((d, k) => d === shape[k]);
      if (!same) throw new Error(`${name}: tensor ${key} has shape ${shapeText(t.shape)}, a ${graphConfigName(cfg)} model has ${shapeText(shape)}`);
      return t.data;
    };
    const w = get(`${pl.file}.lin.weight`, [o, i]);
    // A GCNConv built without bias (as the paper's layers are) has no bias tensor at all.
    const b = tensors.has(`${pl.file}.bias`) ? get(`${pl.file}.bias`, [o]) : new Float32Array(0);
    const nonzero = b.findIndex((v) => v !== 0);
    if (nonzero >= 0) throw new Error(`${name}: tensor ${pl.file}.bias[${nonzero}] is ${b[nonzero]}; this graph VAE has no biases (the paper's model), so they must be zero`);
    const dst = params.get(pl.runtime)!;
    for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) dst[c * pl.cols + pl.col0 + r] = w[r * i + c];
  }
  return params;
}

/** What a graph checkpoint we write records: always the split. */
export type SavedGraphInfo = GraphCheckpointInfo & { split: SplitRecord };

/** The `__metadata__` of a graph checkpoint: all values strings. */
export function graphCheckpointMetadata(info: SavedGraphInfo): Record<string, string> {
  const c = info.config;
  const s = info.split;
  for (const [k, v] of Object.entries({ seed: info.seed, step: info.step, splitSeed: s.seed })) {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`checkpoint: ${k} must be a whole number >= 0, got ${v}`);
  }
  const m: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_VERSION,
    arch: GRAPH_CHECKPOINT_ARCH,
    kind: c.kind,
    nodes: String(c.nodes),
    features: c.identity ? 'none' : String(c.features),
    hidden: String(c.hidden),
    latent: String(c.latent),
    // The model as data (PyTorch builds the same module from it); a file without one is the paper's model of kind, hidden and latent.
    spec: JSON.stringify(describeGraphModel(c).spec),
    seed: String(info.seed),
    step: String(info.step),
    splitSeed: String(s.seed),
    valFraction: String(s.valFraction),
    testFraction: String(s.testFraction),
    edges: String(s.edges),
    trainEdges: String(s.trainEdges),
    valEdges: String(s.valEdges),
    testEdges: String(s.testEdges),
    graphFingerprint: s.fingerprint,
  };
  if (info.loss !== undefined) m.loss = String(info.loss);
  if (info.lr !== undefined) m.lr = String(info.lr);
  if (info.decoder) {
    m.decoder = info.decoder.kind;
    m.negatives = String(info.decoder.negatives);
    if (info.decoder.automatic) m.decoderChoice = 'auto';
  }
  if (info.hits) {
    m.hits = String(info.hits.k);
    m.hitsNegatives = String(info.hits.negatives);
  }
  if (info.data !== undefined) m.data = info.data;
  return m;
}

/** Weights and everything else as one safetensors file. */
export function saveGraphCheckpoint(params: ParameterSet, info: SavedGraphInfo): Uint8Array {
  return encodeSafetensors(toGraphTensors(params, info.config), graphCheckpointMetadata(info));
}

/** A metadata value as a whole number >= min (0 unless given), or a one-line Error naming the key. */
const graphInt = (m: Record<string, string>, key: string, name: string, min = 0): number => metaInt(m, key, name, { min });

/** A metadata value as a number in [0, 1). */
function metaFraction(m: Record<string, string>, key: string, name: string): number {
  const v = m[key];
  const x = Number(v);
  if (v === undefined || v.trim() === '' || !(x >= 0 && x < 1)) throw new Error(`${name}: metadata "${key}" is ${show(v)}, must be a number in [0, 1)`);
  return x;
}

/**
 * The spec a graph checkpoint records, checked against the kind and sizes beside it: null when it
 * is the paper's model of those (a shorthand's file), else the spec (a spec model's file).
 */
function metaGraphSpec(text: string, cfg: GraphModelConfig, name: string): ModelSpec | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${name}: metadata "spec" is not valid JSON (${(e as Error).message})`);
  }
  let model;
  try {
    model = resolveSpec(doc, { input: [cfg.features] });
  } catch (e) {
    throw new Error(`${name}: metadata describes an invalid model (${(e as Error).message})`);
  }
  const summary = graphModelConfig(model, cfg.nodes, cfg.features, cfg.identity);
  if (summary.kind !== cfg.kind || summary.hidden !== cfg.hidden || summary.latent !== cfg.latent) {
    throw new Error(`${name}: metadata "spec" (${summary.kind}, hidden ${summary.hidden}, latent ${summary.latent}) disagrees with "kind", "hidden" and "latent" (${cfg.kind}, ${cfg.hidden}, ${cfg.latent})`);
  }
  return summary.spec ?? null;
}

/** The configuration and records of a graph checkpoint's metadata, validated. */
export function graphInfoFromMetadata(m: Record<string, string>, name = 'checkpoint'): SavedGraphInfo {
  if (m.formatVersion === undefined) {
    throw new Error(`${name}: no ${CHECKPOINT_FORMAT} metadata; a graph checkpoint needs it (the sizes, and the split whose training edges the encoder runs on), so use one that 'graph train --save' or the page wrote`);
  }
  if (m.formatVersion !== CHECKPOINT_VERSION) throw new Error(`${name}: checkpoint format version ${show(m.formatVersion)}, this runtime reads version ${CHECKPOINT_VERSION}`);
  if (m.arch !== GRAPH_CHECKPOINT_ARCH) {
    throw new Error(m.arch === undefined
      ? `${name}: not a graph VAE checkpoint (an MLP VAE's: use 'webgpu-vae eval', 'sample' or 'latent' with it)`
      : `${name}: metadata "arch" is ${show(m.arch)}, not a graph VAE's ("${GRAPH_CHECKPOINT_ARCH}")`);
  }
  if (m.kind !== 'vgae' && m.kind !== 'gae') throw new Error(`${name}: metadata "kind" is ${show(m.kind)}, must be "vgae" or "gae"`);
  const nodes = graphInt(m, 'nodes', name, 2);
  const identity = m.features === 'none';
  const features = identity ? nodes : graphInt(m, 'features', name, 1);
  const hidden = graphInt(m, 'hidden', name, 1);
  const latent = graphInt(m, 'latent', name, 1);
  if (latent > 64) throw new Error(`${name}: metadata "latent" is ${latent}; this runtime's graph VAE takes 1 to 64`);
  const config: GraphModelConfig = { kind: m.kind, nodes, features, identity, hidden, latent };
  if (m.spec !== undefined) {
    const spec = metaGraphSpec(m.spec, config, name);
    if (spec) config.spec = spec;
  }
  const info: SavedGraphInfo = {
    config,
    seed: graphInt(m, 'seed', name),
    step: graphInt(m, 'step', name),
    split: {
      seed: graphInt(m, 'splitSeed', name),
      valFraction: metaFraction(m, 'valFraction', name),
      testFraction: metaFraction(m, 'testFraction', name),
      edges: graphInt(m, 'edges', name, 1),
      trainEdges: graphInt(m, 'trainEdges', name, 1),
      valEdges: graphInt(m, 'valEdges', name),
      testEdges: graphInt(m, 'testEdges', name),
      fingerprint: m.graphFingerprint ?? '',
    },
  };
  if (!/^[0-9a-f]{8}$/.test(info.split.fingerprint)) throw new Error(`${name}: metadata "graphFingerprint" is ${show(m.graphFingerprint)}, must be 8 hex digits`);
  if (m.loss !== undefined) info.loss = Number(m.loss);
  if (m.lr !== undefined && Number(m.lr) > 0) info.lr = Number(m.lr);
  if (m.data !== undefined) info.data = m.data;
  if (m.decoder !== undefined) {
    if (m.decoder !== 'exact' && m.decoder !== 'sampled') throw new Error(`${name}: metadata "decoder" is ${show(m.decoder)}, must be "exact" or "sampled"`);
    info.decoder = { kind: m.decoder, negatives: graphInt(m, 'negatives', name), automatic: m.decoderChoice === 'auto' };
  }
  if (m.hits !== undefined) info.hits = { k: graphInt(m, 'hits', name, 1), negatives: graphInt(m, 'hitsNegatives', name, 1) };
  return info;
}

/**
 * The sizes of a graph checkpoint PyTorch wrote with PyTorch Geometric's names and no metadata of
 * ours: the VGAE's encoder.conv1 / conv_mu / conv_logstd or the GAE's encoder.conv1 / conv2.
 */
function inferGraphSizes(tensors: Map<string, { shape: number[] }>, name: string): Pick<GraphModelConfig, 'kind' | 'features' | 'hidden' | 'latent'> {
  const weight = (layer: string) => {
    const s = tensors.get(`encoder.${layer}.lin.weight`)?.shape;
    if (s && s.length !== 2) throw new Error(`${name}: tensor encoder.${layer}.lin.weight has shape ${shapeText(s)}, a GCN layer's weight is [out, in]`);
    return s;
  };
  const conv1 = weight('conv1');
  const mu = weight('conv_mu') ?? weight('conv2');
  if (!conv1 || !mu) {
    const names = [...tensors.keys()].slice(0, 6).join(', ');
    throw new Error(`${name}: no ${CHECKPOINT_FORMAT} metadata, and its tensors (${names || 'none'}) are not a graph VAE's (PyTorch Geometric's encoder.conv1, encoder.conv_mu, encoder.conv_logstd, or encoder.conv1, encoder.conv2)`);
  }
  return { kind: tensors.has('encoder.conv_mu.lin.weight') ? 'vgae' : 'gae', features: conv1[1], hidden: conv1[0], latent: mu[0] };
}

/**
 * Reads a graph checkpoint: runtime parameters, configuration, split and training records. A
 * file PyTorch wrote (no metadata of ours) needs the graph it is used with, `data`: its sizes
 * come from the tensors, whether it takes the data's features or the identity (features = nodes)
 * from the data, and it records no split.
 */
export function loadGraphCheckpoint(
  bytes: Uint8Array, name: string, data?: { n: number; featureCols: number },
): { params: ParameterSet; info: GraphCheckpointInfo; metadata: Record<string, string> } {
  const { tensors, metadata } = decodeSafetensors(bytes, name);
  if (metadata.formatVersion !== undefined || metadata.format === CHECKPOINT_FORMAT || !data) {
    const info = graphInfoFromMetadata(metadata, name);
    return { params: fromGraphTensors(tensors, info.config, name), info, metadata };
  }
  const sizes = inferGraphSizes(tensors, name);
  const identity = sizes.features !== data.featureCols && sizes.features === data.n;
  if (!identity && sizes.features !== data.featureCols) {
    throw new Error(`${name}: the model's first layer takes ${sizes.features} features per node; the graph has ${data.featureCols} feature columns and ${data.n} nodes (identity features)`);
  }
  const config: GraphModelConfig = { ...sizes, nodes: data.n, identity };
  return { params: fromGraphTensors(tensors, config, name), info: { config, seed: 1, step: 0, split: null }, metadata };
}

/**
 * Checks that a graph is the one a checkpoint was trained on (nodes, features, edges and their
 * fingerprint), so its split can be recomputed exactly; throws one line naming the difference.
 */
export function checkSameGraph(info: GraphCheckpointInfo, g: { n: number; edges: Uint32Array; featureCols: number }, name: string, dataName: string): void {
  const c = info.config;
  const split = info.split;
  // A file without a split (PyTorch wrote it) was sized from the data itself.
  if (!split) return;
  const trained = `${c.nodes} nodes, ${split.edges} edges${c.identity ? '' : `, ${c.features} features`}`;
  const E = g.edges.length / 2;
  if (g.n !== c.nodes || E !== split.edges || (!c.identity && g.featureCols !== c.features)) {
    throw new Error(`${name}: the model was trained on a graph of ${trained}; ${dataName} has ${g.n} nodes, ${E} edges${c.identity ? '' : `, ${g.featureCols} features`}`);
  }
  const print = graphFingerprint(g);
  if (print !== split.fingerprint) {
    throw new Error(`${name}: ${dataName} has the sizes of the training graph (${trained}) but other edges (fingerprint ${print}, the model's ${split.fingerprint})`);
  }
}
