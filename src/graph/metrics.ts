/**
 * Link-prediction metrics over the scores of positive and negative pairs, as scikit-learn
 * computes them: `roc_auc_score` (ties between a positive and a negative count one half) and
 * `average_precision_score` (the step-wise sum over distinct thresholds, no interpolation);
 * and Hits@K as the Open Graph Benchmark's evaluator computes it. Each sorts once: O(n log n).
 */

function sortedScores(label: string, a: ArrayLike<number>): Float64Array {
  const s = Float64Array.from(a);
  for (let i = 0; i < s.length; i++) if (Number.isNaN(s[i])) throw new Error(`metrics: ${label} score ${i} is NaN`);
  return s.sort();
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative, ties counting one half (the Mann-Whitney U over nPos nNeg).
 */
export function rocAuc(pos: ArrayLike<number>, neg: ArrayLike<number>): number {
  if (pos.length === 0 || neg.length === 0) throw new Error(`metrics: ROC AUC needs positives and negatives, got ${pos.length} and ${neg.length}`);
  const p = sortedScores('positive', pos);
  const n = sortedScores('negative', neg);
  let below = 0; // negatives strictly below the current positive
  let atOrBelow = 0; // negatives at or below it
  let u = 0;
  for (let i = 0; i < p.length; i++) {
    while (below < n.length && n[below] < p[i]) below++;
    if (atOrBelow < below) atOrBelow = below;
    while (atOrBelow < n.length && n[atOrBelow] <= p[i]) atOrBelow++;
    u += below + 0.5 * (atOrBelow - below);
  }
  return u / (p.length * n.length);
}

/**
 * Average precision: sum over distinct score thresholds t, from the highest, of
 * (recall(t) - recall(previous t)) precision(t), where a pair is predicted positive when its
 * score is at least t. All negatives, none positive: undefined (throws); no negatives: 1.
 */
export function averagePrecision(pos: ArrayLike<number>, neg: ArrayLike<number>): number {
  if (pos.length === 0) throw new Error('metrics: average precision needs at least one positive');
  const p = sortedScores('positive', pos);
  const n = sortedScores('negative', neg);
  let i = p.length - 1;
  let j = n.length - 1;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  while (i >= 0) {
    const t = j >= 0 && n[j] > p[i] ? n[j] : p[i];
    const before = tp;
    while (i >= 0 && p[i] === t) {
      tp++;
      i--;
    }
    while (j >= 0 && n[j] === t) {
      fp++;
      j--;
    }
    if (tp > before) ap += ((tp - before) / p.length) * (tp / (tp + fp));
  }
  return ap;
}

/**
 * Hits@K as OGB's link-prediction evaluator (`_eval_hits`) computes it: the share of positives
 * scoring strictly above the K-th highest negative score (counted with repeats), i.e. of
 * positives that fewer than K negatives tie or beat. A tie with the K-th negative is a miss.
 * With fewer than K negatives every positive is a hit (1), as there.
 */
export function hitsAtK(pos: ArrayLike<number>, neg: ArrayLike<number>, k: number): number {
  if (!Number.isSafeInteger(k) || k < 1) throw new Error(`metrics: Hits@K needs a whole K of at least 1, got ${k}`);
  if (pos.length === 0) throw new Error('metrics: Hits@K needs at least one positive');
  const n = sortedScores('negative', neg);
  const p = sortedScores('positive', pos);
  if (n.length < k) return 1;
  const kth = n[n.length - k];
  let hits = 0;
  for (let i = p.length - 1; i >= 0 && p[i] > kth; i--) hits++;
  return hits / p.length;
}
