/**
 * Hits@K as the Open Graph Benchmark scores link prediction (ogbl-collab: K = 50 against
 * 100,000 held-out non-edges): one fixed, seeded set of M node pairs that are not edges of the
 * graph; each held-out positive edge is ranked against all of them, and Hits@K is the share of
 * positives scoring strictly above the K-th highest negative (src/graph/metrics.ts's hitsAtK).
 * Scores are the logits mu_i . mu_j of the posterior means: the order of the sigmoid's, without
 * the ties its saturation in float64 would add (both scores near 1 for logits above 37).
 * Nothing here is N x N: the M pairs are drawn by rejection against a set of the E edges.
 */
import { pairLogits } from './link.js';
import { hitsAtK } from './metrics.js';
import { drawNonEdges, GRAPH_DRAWS, PhiloxStream, STREAM_SPLIT } from './split.js';

/** OGB's ogbl-collab settings: Hits@50 against 100,000 negatives. */
export const HITS_DEFAULTS = Object.freeze({ k: 50, negatives: 100_000 });

/**
 * The held-out negatives of Hits@K: `m` distinct pairs (i, j), i < j, drawn uniformly among the
 * pairs that are not edges of the whole graph (`edges`: unique pairs i < j of n nodes), from
 * Philox under (seed, STREAM_SPLIT) on their own counters (GRAPH_DRAWS.hitsNegatives), so the
 * same graph and seed give the same set. When m is at least the number of non-edges, every
 * non-edge, in a seeded order: the result is then shorter than m (callers may say so).
 */
export function hitsNegatives(n: number, edges: Uint32Array, m: number, seed: number): Uint32Array {
  if (!Number.isSafeInteger(m) || m < 1) throw new Error(`hitsNegatives: the number of negatives must be a whole number of at least 1, got ${m}`);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`hitsNegatives: seed ${seed} must be an integer in [0, 2^32)`);
  const nonEdges = (n * (n - 1)) / 2 - edges.length / 2;
  return drawNonEdges(n, edges, Math.min(m, nonEdges), new PhiloxStream(seed, STREAM_SPLIT, GRAPH_DRAWS.hitsNegatives));
}

/**
 * Hits@K of the positive pairs `pos` against the negative pairs `negatives` (both flattened
 * pairs), scored from the posterior means mu (N x latent, row-major).
 */
export function linkHits(mu: ArrayLike<number>, latent: number, pos: ArrayLike<number>, negatives: ArrayLike<number>, k: number): number {
  return hitsAtK(pairLogits(mu, latent, pos), pairLogits(mu, latent, negatives), k);
}
