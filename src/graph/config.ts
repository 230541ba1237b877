/**
 * The graph VAE's default configuration: the paper's (Kipf & Welling 2016) and its code's.
 */
import type { AdamConfig } from '../config.js';
import { graphShorthand } from '../model/shorthand.js';
import { resolveSpec, type ModelDescription, type ModelSpec } from '../model/spec.js';

/** Model and training settings of the graph VAE. */
export interface GraphVaeConfig {
  /** `vgae`: variational; `gae`: the plain graph autoencoder (z = mu, no KL). */
  kind: 'vgae' | 'gae';
  /** Width of the first GCN layer. */
  hidden: number;
  /** Latent size (mu and log sigma each). */
  latent: number;
  /** Full-graph training steps. */
  epochs: number;
  /** Shares of the edges held out for validation and test. */
  valFraction: number;
  testFraction: number;
  /** Node features from the data, or the identity ("featureless"). */
  features: 'data' | 'none';
  seed: number;
}

// src/config.ts reads these defaults, so every entry reaches this file: the freezes are marked
// pure, which lets a bundler drop them from applications that never build a graph VAE.

/** The paper's settings: hidden 32, latent 16, 200 epochs, 5% / 10% held out. */
export const GRAPH_VAE_DEFAULTS: Readonly<GraphVaeConfig> = /* @__PURE__ */ Object.freeze({
  kind: 'vgae',
  hidden: 32,
  latent: 16,
  epochs: 200,
  valFraction: 0.05,
  testFraction: 0.1,
  features: 'data',
  seed: 1,
});

/**
 * Adam with learning rate 0.01, as the paper's code; betas and epsilon are TensorFlow's and
 * PyTorch's defaults. (TensorFlow adds epsilon to the uncorrected sqrt(v), PyTorch and
 * src/reference/vae.ts's adamUpdate to the bias-corrected one; the two differ only where
 * sqrt(v) is near 1e-8.)
 */
export const GRAPH_VAE_ADAM: Readonly<AdamConfig> = /* @__PURE__ */ Object.freeze({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 });

/**
 * Sizes and kind of a graph VAE: its data (nodes, features, identity) and its model: the paper's
 * model of `kind`, `hidden` and `latent` (src/model/shorthand.ts graphShorthand), or `spec` when
 * it is another; then kind, hidden (the first layer's width) and latent summarise the spec.
 */
export interface GraphModelConfig {
  /** `vgae`: z sampled from the posterior, KL term; `gae`: z = mu, no KL. */
  kind: 'vgae' | 'gae';
  /** Nodes N. */
  nodes: number;
  /** Feature columns F (N for identity features). */
  features: number;
  /** Whether the features are the identity (the paper's "without features"). */
  identity: boolean;
  hidden: number;
  latent: number;
  /** The model as a spec of family graph, defaults written out. */
  spec?: ModelSpec;
}

/** The summary of a resolved graph model on its data: kind, sizes (hidden = the first layer's width) and its spec. */
export function graphModelConfig(model: ModelDescription, nodes: number, features: number, identity: boolean): GraphModelConfig {
  const kind = model.kind === 'vae' ? 'vgae' : 'gae';
  const hidden = model.encoder[0]?.outSize ?? features;
  const cfg: GraphModelConfig = { kind, nodes, features, identity, hidden, latent: model.latent };
  // The paper's model is its shorthand (kind, hidden, latent), as files written before specs record it.
  const paper = JSON.stringify(resolveSpec(graphShorthand(kind, hidden, model.latent), { input: [features] }).spec);
  if (JSON.stringify(model.spec) !== paper) cfg.spec = model.spec;
  return cfg;
}

/** `auto` picks the exact decoder up to this many nodes (its N^2 pairs), the sampled one above. */
export const AUTO_EXACT_NODES = 10_000;

/** The decoder a graph VAE trains with, as chosen (printed, recorded in checkpoints and --json lines). */
export interface GraphDecoderChoice {
  kind: 'exact' | 'sampled';
  /** K (the sampled decoder's pairs per edge); 0 for the exact decoder. */
  negatives: number;
  /** Chosen by `auto` (from the node count) rather than asked for. */
  automatic: boolean;
}

/** The decoder of `opts` on a graph of `n` nodes (auto: exact up to AUTO_EXACT_NODES). */
export function chooseDecoder(n: number, decoder: 'exact' | 'sampled' | 'auto' = 'auto', negatives = 1): GraphDecoderChoice {
  const kind = decoder === 'auto' ? (n <= AUTO_EXACT_NODES ? 'exact' : 'sampled') : decoder;
  return { kind, negatives: kind === 'sampled' ? negatives : 0, automatic: decoder === 'auto' };
}

/** `sampled (K = 1, chosen automatically: 19717 nodes > 10000)` and the like, for logs. */
export function decoderText(d: GraphDecoderChoice, n: number): string {
  const why = d.automatic ? `, chosen automatically: ${n} nodes ${d.kind === 'exact' ? '<=' : '>'} ${AUTO_EXACT_NODES}` : '';
  return d.kind === 'sampled' ? `sampled (K = ${d.negatives}${why})` : `exact (every pair${why})`;
}
