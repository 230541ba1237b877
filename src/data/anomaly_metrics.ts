/**
 * Anomaly detection scored against labels (`anomalies --normal-label L`): rows whose label is
 * L are normal, every other row is an anomaly (the positive class), and a row is flagged as an
 * anomaly when its score (its reconstruction loss) is at least the threshold, as TensorFlow's
 * autoencoder tutorial does (it calls a row normal when its loss is below the threshold).
 *
 *   threshold  mean + 1 standard deviation (population, numpy's np.std) of the training rows'
 *              scores, computed when training and kept in the checkpoint
 *   auc, ap    ROC AUC and average precision of the scores, anomalies positive
 *              (src/graph/metrics.ts, scikit-learn's definitions)
 *   precision  flagged anomalies / flagged rows (0 when nothing is flagged, as scikit-learn)
 *   recall     flagged anomalies / anomalies
 *   accuracy   rows classified right / rows
 *
 * The tutorial reports precision and recall of the normal class instead; here they are the
 * anomaly class's, the usual reading of "detection".
 */
import { averagePrecision, rocAuc } from '../graph/metrics.js';
import { NORMAL_LABEL_KEY, THRESHOLD_KEY } from './options.js';

/** The metrics of one scoring. */
export interface AnomalyMetrics {
  auc: number;
  ap: number;
  threshold: number;
  precision: number;
  recall: number;
  accuracy: number;
  /** Rows of each kind, and rows flagged. */
  normal: number;
  anomalies: number;
  flagged: number;
}

/** One scored row, as `anomalies --json` lists them. */
export interface ScoredRow {
  index: number;
  score: number;
  label: number | null;
}

/** Mean + 1 population standard deviation of the training rows' scores. */
export function trainingThreshold(scores: ArrayLike<number>): number {
  const n = scores.length;
  if (n === 0) throw new Error('anomaly threshold: no training scores');
  let mean = 0;
  for (let i = 0; i < n; i++) mean += scores[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (scores[i] - mean) ** 2;
  const t = mean + Math.sqrt(ss / n);
  if (!Number.isFinite(t)) throw new Error(`anomaly threshold: the training scores give ${t}`);
  return t;
}

/**
 * `--normal-label` text as a label: a class name when the data name their classes, else a
 * whole number. The label must occur among `labels`; throws one line naming those that do.
 */
export function resolveNormalLabel(text: string, labels: ArrayLike<number>, classNames?: readonly string[] | null): number {
  const present = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const shown = present.map((l) => (classNames?.[l] !== undefined ? `${l} (${classNames[l]})` : String(l)));
  const byName = classNames ? classNames.indexOf(text) : -1;
  const label = byName >= 0 ? byName : /^[0-9]+$/.test(text.trim()) ? Number(text) : NaN;
  if (!present.includes(label)) {
    throw new Error(`--normal-label ${text}: no row has that label${classNames ? ' or class name' : ''}; the labels are ${shown.length > 12 ? `${shown.slice(0, 12).join(', ')}, ...` : shown.join(', ')}`);
  }
  return label;
}

/** Every row as { index, score, label } in stored order (`index` the row's origin when given). */
export function scoredRows(scores: ArrayLike<number>, labels: ArrayLike<number> | null, origin?: ArrayLike<number> | null): ScoredRow[] {
  return Array.from({ length: scores.length }, (_, i) => ({ index: origin ? origin[i] : i, score: scores[i], label: labels ? labels[i] : null }));
}

/** The metrics of `scores` against `labels` with `normalLabel` normal and `threshold` the cut. */
export function anomalyMetrics(scores: ArrayLike<number>, labels: ArrayLike<number>, normalLabel: number, threshold: number): AnomalyMetrics {
  if (scores.length !== labels.length) throw new Error(`anomaly metrics: ${scores.length} scores but ${labels.length} labels`);
  const pos: number[] = [];
  const neg: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < scores.length; i++) {
    const anomaly = labels[i] !== normalLabel;
    const flagged = scores[i] >= threshold;
    (anomaly ? pos : neg).push(scores[i]);
    if (flagged && anomaly) tp++;
    if (flagged && !anomaly) fp++;
  }
  if (pos.length === 0 || neg.length === 0) {
    throw new Error(`--normal-label ${normalLabel}: the test rows hold ${neg.length} normal rows and ${pos.length} anomalies; the metrics need both`);
  }
  const tn = neg.length - fp;
  return {
    auc: rocAuc(pos, neg),
    ap: averagePrecision(pos, neg),
    threshold,
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp / pos.length,
    accuracy: (tp + tn) / scores.length,
    normal: neg.length,
    anomalies: pos.length,
    flagged: tp + fp,
  };
}

export { NORMAL_LABEL_KEY, THRESHOLD_KEY };

/** The threshold (and the normal label as given, a label or class name, when training used one) as checkpoint metadata. */
export function thresholdToMetadata(threshold: number, normalLabel: number | string | null): Record<string, string> {
  return { [THRESHOLD_KEY]: String(threshold), ...(normalLabel === null ? {} : { [NORMAL_LABEL_KEY]: String(normalLabel) }) };
}

/** The normal label a checkpoint records (as `--normal-label` gave it), or null. */
export function normalLabelFromMetadata(meta: Record<string, string>): string | null {
  const text = meta[NORMAL_LABEL_KEY];
  return text === undefined || text.trim() === '' ? null : text;
}

/** The threshold a checkpoint records, or null; throws one line for a value that is not a finite number. */
export function thresholdFromMetadata(meta: Record<string, string>, name: string): number | null {
  const text = meta[THRESHOLD_KEY];
  if (text === undefined) return null;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new Error(`${name}: metadata "${THRESHOLD_KEY}" is ${JSON.stringify(text)}, must be a number`);
  return v;
}
