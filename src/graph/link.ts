/**
 * Link prediction from node embeddings, as the paper scores it: sigmoid(mu_i . mu_j) of each
 * pair from the posterior means, and ROC AUC and average precision of the scores of held-out
 * edges against those of as many non-edges (src/graph/metrics.ts).
 */
import { averagePrecision, rocAuc } from './metrics.js';

/** ROC AUC and average precision of a set of held-out pairs (fractions, not percent). */
export interface LinkMetrics {
  auc: number;
  ap: number;
  /** Hits@K against the held-out non-edges (src/graph/hits.ts), when the task scores it. */
  hits?: number;
}

/**
 * mu_i . mu_j for each pair (i, j) of `pairs` (flattened: pair e is [2e], [2e + 1]), mu N x L
 * row-major: the logits of the decoder. In float64 from the f32 means. Throws on a node
 * outside [0, n).
 */
export function pairLogits(mu: ArrayLike<number>, latent: number, pairs: ArrayLike<number>, n = mu.length / latent): Float64Array {
  const out = new Float64Array(pairs.length >> 1);
  for (let e = 0; e < out.length; e++) {
    const i = pairs[2 * e];
    const j = pairs[2 * e + 1];
    if (!(i >= 0 && i < n && j >= 0 && j < n)) throw new Error(`link scores: pair ${e} (${i}, ${j}) names a node outside 0..${n - 1}`);
    let x = 0;
    for (let k = 0; k < latent; k++) x += mu[i * latent + k] * mu[j * latent + k];
    out[e] = x;
  }
  return out;
}

/** sigmoid(mu_i . mu_j) for each pair of `pairs` (see pairLogits). */
export function linkScores(mu: ArrayLike<number>, latent: number, pairs: ArrayLike<number>, n = mu.length / latent): Float64Array {
  const out = pairLogits(mu, latent, pairs, n);
  for (let e = 0; e < out.length; e++) out[e] = 1 / (1 + Math.exp(-out[e]));
  return out;
}

/** AUC and AP of positive pairs against negative pairs, scored from the means; NaN for both when there are none. */
export function linkMetrics(mu: ArrayLike<number>, latent: number, pos: ArrayLike<number>, neg: ArrayLike<number>): LinkMetrics {
  if (pos.length === 0 || neg.length === 0) return { auc: NaN, ap: NaN };
  const p = linkScores(mu, latent, pos);
  const q = linkScores(mu, latent, neg);
  return { auc: rocAuc(p, q), ap: averagePrecision(p, q) };
}
