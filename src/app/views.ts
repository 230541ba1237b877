/**
 * What the page shows of a model, computed in the worker: test rows with their
 * reconstructions, prior samples, the denoising strip, the latent means of test rows (projected
 * to 2-D), the decoded manifold of a 2-D latent space of images, interpolations and the anomaly
 * scores. Images come as grey or RGB grids in [0, 1]; feature rows ([F]: series) as line panels
 * in the data's units, reconstructions overlaid (src/views/data_view.ts). Each returns plain
 * arrays ready to post to the page.
 */
import { corruptionText, type Corruption } from '../config.js';
import { averagePrecision, rocAuc } from '../graph/metrics.js';
import { resolveNormalLabel, scoredRows, type ScoredRow } from '../data/anomaly_metrics.js';
import { fillBatch, pixelsOf, type AnyDataset } from '../data/dataset.js';
import type { Vae } from '../vae/vae.js';
import { displayChannels, imageSize, imageValues, isSeries, seriesValues, type DataDisplay } from '../views/data_view.js';
import { latentView, MANIFOLD_SIDE, SCATTER_COUNT } from '../views/latent_view.js';
import { anomalyScores, interpolate, type InterpolationPath } from '../vae/toolkit.js';
import type { ImageSet } from './protocol.js';

/** Test images shown beside their reconstructions (series: panels). */
export const RECON_COUNT = 32;
const SERIES_RECON_COUNT = 8;
/** Prior samples shown. */
export const SAMPLE_COUNT = 64;
const SERIES_SAMPLE_COUNT = 8;
/** Frames of an interpolation, both ends included. */
export const INTERPOLATION_FRAMES = 10;
/** Prior samples use their own seed so the grid shows the same z at every refresh. */
const SAMPLE_SEED = 12345;
/** Test images in the denoising strip (series: panels). */
export const DENOISE_COUNT = 12;
const SERIES_DENOISE_COUNT = 4;
/** The strip's corruption for a model trained without one. */
const DEMO_CORRUPTION: Corruption = { kind: 'mask', amount: 0.5 };
/** Highest anomaly scores listed. */
export const ANOMALY_TOP = 10;

/** Rows [start, start+count) of a data set as model inputs (its scaling applied). */
export function rowsOf(ds: AnyDataset, start: number, count: number): { x: Float32Array; n: number } {
  const n = Math.max(0, Math.min(count, ds.count - start));
  const x = new Float32Array(n * pixelsOf(ds));
  fillBatch(x, ds, Array.from({ length: n }, (_, i) => start + i), 0, n);
  return { x, n };
}

/** n rows (model units) as a set to draw: images, or series with their overlays. */
export function drawable(x: Float32Array, n: number, d: DataDisplay, extra: { overlay?: Float32Array; reference?: Float32Array } = {}): ImageSet {
  if (isSeries(d.shape)) {
    return {
      count: n, rows: 1, cols: d.shape[0], channels: 1, pixels: seriesValues(x, d), series: true,
      ...(extra.overlay ? { overlay: seriesValues(extra.overlay, d) } : {}), ...(extra.reference ? { reference: seriesValues(extra.reference, d) } : {}),
    };
  }
  return { count: n, ...imageSize(d.shape), channels: displayChannels(d.shape), pixels: imageValues(x, n, d) };
}

/**
 * The first test rows, their reconstructions decode(mu(x)), prior samples, and the denoising
 * strip: clean rows, their corruptions (the model's training corruption, else mask:0.5) and the
 * reconstructions of those (series: one panel each, the clean row in grey beneath).
 */
export async function imageViews(vae: Vae, test: AnyDataset, d: DataDisplay): Promise<{ originals: ImageSet; reconstructions: ImageSet; samples: ImageSet; denoising: ImageSet; corruption: string }> {
  const series = isSeries(d.shape);
  const shown = rowsOf(test, 0, series ? SERIES_RECON_COUNT : RECON_COUNT);
  const rec = await vae.reconstruct(shown.x, shown.n);
  const nSamples = series ? SERIES_SAMPLE_COUNT : SAMPLE_COUNT;
  const samples = await vae.sample(nSamples, SAMPLE_SEED);
  const clean = rowsOf(test, 0, series ? SERIES_DENOISE_COUNT : DENOISE_COUNT);
  const corruption = vae.config.corrupt ?? DEMO_CORRUPTION;
  const dn = await vae.denoise(clean.x, corruption, clean.n);
  let denoising: ImageSet;
  if (series) denoising = drawable(dn.corrupted, clean.n, d, { overlay: dn.reconstructions, reference: clean.x });
  else {
    const strip = new Float32Array(3 * clean.x.length);
    strip.set(clean.x);
    strip.set(dn.corrupted, clean.x.length);
    strip.set(dn.reconstructions, 2 * clean.x.length);
    denoising = drawable(strip, 3 * clean.n, d);
  }
  return {
    originals: drawable(shown.x, shown.n, d),
    reconstructions: series ? drawable(shown.x, shown.n, d, { overlay: rec }) : drawable(rec, shown.n, d),
    samples: drawable(samples, nSamples, d),
    denoising,
    corruption: corruptionText(corruption),
  };
}

/** Posterior means of the first test rows in 2-D, with labels; the manifold when latent = 2 and the rows are images. */
export async function pageLatentView(vae: Vae, test: AnyDataset, d: DataDisplay): Promise<{
  points: Float32Array; labels: Uint8Array | null; axes: [string, string]; manifold: ImageSet | null;
}> {
  const rows = rowsOf(test, 0, SCATTER_COUNT);
  const v = await latentView(vae, rows.x, rows.n);
  // The scatter colours labels by their last digit (ten colours).
  const labels = test.labels ? Uint8Array.from(test.labels.subarray(0, rows.n), (l) => l % 10) : null;
  const manifold = v.manifold && !isSeries(d.shape) ? drawable(v.manifold, MANIFOLD_SIDE * MANIFOLD_SIDE, d) : null;
  return { points: v.points, labels, axes: v.axes, manifold };
}

/** Decodes the path (linear or spherical) between mu(test[a]) and mu(test[b]). */
export async function interpolation(vae: Vae, test: AnyDataset, d: DataDisplay, a: number, b: number, path: InterpolationPath): Promise<ImageSet> {
  for (const i of [a, b]) {
    if (!Number.isInteger(i) || i < 0 || i >= test.count) throw new Error(`row #${i} is not in the test set (0 to ${test.count - 1})`);
  }
  const frames = await interpolate(vae, rowsOf(test, a, 1).x, rowsOf(test, b, 1).x, INTERPOLATION_FRAMES, path);
  return drawable(frames, INTERPOLATION_FRAMES, d);
}

/**
 * The anomaly view: the first test rows scored by their negative ELBO (one noise draw), the
 * highest ANOMALY_TOP, and with labels the AUC and AP of `normalText` (or the most frequent
 * training label) as normal against every other label.
 */
export async function anomalyView(vae: Vae, train: AnyDataset, test: AnyDataset, normalText: string | undefined): Promise<{
  n: number; top: ScoredRow[]; classNames: readonly string[] | null; normal: string | null; auc: number | null; ap: number | null;
}> {
  const rows = rowsOf(test, 0, SCATTER_COUNT);
  const scores = await anomalyScores(vae, rows.x, rows.n, 1);
  const labels = test.labels ? test.labels.subarray(0, rows.n) : null;
  const all = scoredRows(scores, labels, test.origin?.subarray(0, rows.n));
  const top = [...all].sort((p, q) => q.score - p.score).slice(0, ANOMALY_TOP);
  const base = { n: rows.n, top, classNames: test.classNames ?? null };
  if (!labels || !train.labels) return { ...base, normal: null, auc: null, ap: null };
  const normal = normalText !== undefined ? resolveNormalLabel(normalText, labels, test.classNames) : mostFrequent(train.labels);
  const pos: number[] = [];
  const neg: number[] = [];
  all.forEach((r) => (r.label === normal ? neg : pos).push(r.score));
  const name = test.classNames?.[normal] !== undefined ? `${normal} (${test.classNames[normal]})` : String(normal);
  if (pos.length === 0 || neg.length === 0) return { ...base, normal: name, auc: null, ap: null };
  return { ...base, normal: name, auc: rocAuc(pos, neg), ap: averagePrecision(pos, neg) };
}

/** The label most rows have (the smallest such label on a tie). */
function mostFrequent(labels: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
}
