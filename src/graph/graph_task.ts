/**
 * The graph VAE's training task for the Trainer (src/runtime/trainer.ts): one epoch is one full-graph
 * step, as in the paper's protocol, and the evaluation after each epoch is the link prediction
 * of the validation edges (ROC AUC and average precision from the posterior means). Also the
 * preparation every client shares: the seeded split of a graph's edges and the model's input.
 */
import { graphFingerprint, type SplitRecord } from '../checkpoint/graph_checkpoint.js';
import type { GraphInput, GraphVae } from './graph_vae.js';
import { edgeCount, type Graph } from './graph.js';
import { hitsNegatives, linkHits } from './hits.js';
import { linkMetrics, type LinkMetrics } from './link.js';
import { splitEdges, type EdgeSplit } from './split.js';
import type { TrainingTask } from '../runtime/trainer.js';

/** The held-out pairs a task evaluates on. */
export type HeldOutPairs = Pick<EdgeSplit, 'valPos' | 'valNeg'>;

/** Hits@K's settings: K and the fixed, seeded held-out non-edges every held-out edge is ranked against (src/graph/hits.ts). */
export interface HitsSetup {
  k: number;
  negatives: Uint32Array;
}

/**
 * A graph VAE task: an epoch is one step on the whole graph; after it, validation AUC and AP
 * (NaN without validation edges) and, with `hits`, Hits@K of the validation edges.
 */
export function graphTask(split: HeldOutPairs, hits: HitsSetup | null = null): TrainingTask<GraphVae, LinkMetrics> {
  return {
    stepsPerEpoch: 1,
    // One graph per step: the trainer's rates count graphs (epochs) per second.
    batch: 1,
    *batches() {
      yield 1;
    },
    step: (model) => model.step(),
    evaluate: async (model) => heldOutMetrics(await model.embed(), model.config.latent, split.valPos, split.valNeg, hits),
  };
}

/** AUC and AP of held-out positives against their negatives and, with `hits`, Hits@K against its non-edges. */
export function heldOutMetrics(mu: Float32Array, latent: number, pos: Uint32Array, neg: Uint32Array, hits: HitsSetup | null): LinkMetrics {
  const m = linkMetrics(mu, latent, pos, neg);
  return hits && pos.length > 0 ? { ...m, hits: linkHits(mu, latent, pos, hits.negatives, hits.k) } : m;
}

/** Hits@K's setup for a graph: `m` held-out non-edges drawn for the split's seed (null when k is 0: off). */
export function hitsSetup(graph: Pick<Graph, 'n' | 'edges'>, k: number, m: number, seed: number): HitsSetup | null {
  return k > 0 ? { k, negatives: hitsNegatives(graph.n, graph.edges, m, seed) } : null;
}

/** How a graph is split and what the model sees of it. */
export interface GraphSplitOptions {
  seed: number;
  valFraction: number;
  testFraction: number;
  /** `data`: the graph's node features; `none`: the identity (the paper's "without features"). */
  features: 'data' | 'none';
}

/** A graph made ready to train on: its split, the model's input, and the split's record for checkpoints. */
export interface PreparedGraph {
  graph: Graph;
  split: EdgeSplit;
  input: GraphInput;
  record: SplitRecord;
}

/**
 * Splits the graph's edges (seeded, src/graph/split.ts) and builds the model's input: the
 * training edges and the features (null for the identity). Throws when the fractions leave
 * nothing to train on or more negatives are needed than non-edges exist.
 */
export function prepareGraph(graph: Graph, o: GraphSplitOptions): PreparedGraph {
  const split = splitEdges(graph.n, graph.edges, { seed: o.seed, valFraction: o.valFraction, testFraction: o.testFraction });
  return {
    graph,
    split,
    input: { n: graph.n, features: o.features === 'none' ? null : graph.features, trainEdges: split.train },
    record: {
      seed: o.seed, valFraction: o.valFraction, testFraction: o.testFraction, edges: edgeCount(graph), trainEdges: split.train.length / 2,
      valEdges: split.valPos.length / 2, testEdges: split.testPos.length / 2, fingerprint: graphFingerprint(graph),
    },
  };
}

/**
 * What a split without validation edges means for the figures, for the clients to print
 * (`val_auc` would otherwise be null without a word); null when there are validation edges.
 * Shares that round down to no edge are refused by splitEdges; this is for shares of 0.
 */
export function heldOutNotice(r: Pick<SplitRecord, 'edges' | 'valEdges' | 'testEdges'>): string | null {
  if (r.valEdges > 0) return null;
  return r.testEdges === 0
    ? `no edges held out (validation and test fractions 0): training on all ${r.edges} edges, without validation or test AUC / AP`
    : 'no validation edges (validation fraction 0): no AUC / AP after each epoch, only the test figures at the end';
}
