/**
 * Using a trained model: interpolation between two inputs and anomaly scores.
 */
import { lerpPath, slerpPath } from './latent.js';
import type { Vae } from './vae.js';

/** Interpolation paths: straight, or along the great circle (slerp, for the prior). */
export const INTERPOLATION_PATHS = ['linear', 'spherical'] as const;
/** One of INTERPOLATION_PATHS. */
export type InterpolationPath = (typeof INTERPOLATION_PATHS)[number];

/**
 * Decoded images along a path between the posterior means of two inputs (each inputSize
 * pixels): `linear`, or `spherical` (slerp, which keeps decoded points typical of the prior).
 * Returns steps x inputSize pixel means, the first and last being the reconstructions.
 */
export async function interpolate(vae: Vae, a: Float32Array, b: Float32Array, steps: number, kind: InterpolationPath = 'linear'): Promise<Float32Array> {
  const n = vae.config.inputSize;
  if (a.length !== n || b.length !== n) throw new Error(`interpolate: inputs have ${a.length} and ${b.length} values, the model expects ${n}`);
  const both = new Float32Array(2 * n);
  both.set(a);
  both.set(b, n);
  const { mu } = await vae.encode(both, 2);
  const L = vae.config.latent;
  const path = (kind === 'spherical' ? slerpPath : lerpPath)(mu.subarray(0, L), mu.subarray(L), steps);
  return vae.decode(path, steps);
}

/**
 * Anomaly score of each of n inputs: its negative ELBO in nats (reconstruction + KL), averaged
 * over `draws` noise draws. Higher is more anomalous under the model.
 */
export async function anomalyScores(vae: Vae, x: Float32Array, n = x.length / vae.config.inputSize, draws = 1): Promise<Float64Array> {
  if (!Number.isInteger(draws) || draws < 1) throw new Error(`anomalyScores: draws=${draws} must be a whole number >= 1`);
  const scores = new Float64Array(n);
  for (let d = 0; d < draws; d++) {
    const { recon, kl } = await vae.evaluateRows(x, n);
    for (let i = 0; i < n; i++) scores[i] += (recon[i] + kl[i]) / draws;
  }
  return scores;
}

/**
 * The importance-weighted anomaly score of each of n inputs: -L_k, the negative IWAE bound on
 * log p(x) from k posterior samples (vae.logLikelihood). Tighter than the negative ELBO (it is
 * never above it in expectation and approaches -log p(x) as k grows) at k times the decoding
 * work. VAE only.
 */
export async function importanceWeightedScores(
  vae: Vae, x: Float32Array, n = x.length / vae.config.inputSize, k = 100, onProgress?: (done: number, total: number) => void,
): Promise<Float64Array> {
  return (await vae.logLikelihood(x, n, k, onProgress)).map((v) => -v);
}

/**
 * How far the codes of a data set sit from the prior: KL(N(m, C) || N(0, I)) in nats for the
 * Gaussian N(m, C) fitted to n latent rows (e.g. the posterior means of a test set),
 * 0.5 (tr C + |m|^2 - L - log det C). Near 0 when the codes fill the prior, as a VAE's do, so
 * that decoding draws from N(0, I) lands where the decoder was trained; large for a plain
 * autoencoder, whose codes go wherever reconstruction puts them. Float64, via Cholesky.
 */
export function priorMismatch(codes: ArrayLike<number>, n: number, L: number): number {
  if (!Number.isInteger(n) || n < 2 || codes.length < n * L) throw new Error(`priorMismatch: need at least 2 rows of ${L} values, got ${codes.length} values for n=${n}`);
  const m = new Float64Array(L);
  for (let i = 0; i < n; i++) for (let j = 0; j < L; j++) m[j] += codes[i * L + j] / n;
  const c = new Float64Array(L * L);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < L; a++) {
      const da = codes[i * L + a] - m[a];
      for (let b = 0; b <= a; b++) c[a * L + b] += (da * (codes[i * L + b] - m[b])) / (n - 1);
    }
  }
  // Cholesky of the lower triangle in place: log det C = 2 sum log diag.
  let logDet = 0;
  let trace = 0;
  for (let a = 0; a < L; a++) trace += c[a * L + a];
  for (let j = 0; j < L; j++) {
    let d = c[j * L + j];
    for (let k = 0; k < j; k++) d -= c[j * L + k] ** 2;
    if (!(d > 0)) return Infinity; // degenerate codes: a collapsed direction is infinitely far from the prior
    const r = Math.sqrt(d);
    c[j * L + j] = r;
    logDet += 2 * Math.log(r);
    for (let i = j + 1; i < L; i++) {
      let s = c[i * L + j];
      for (let k = 0; k < j; k++) s -= c[i * L + k] * c[j * L + k];
      c[i * L + j] = s / r;
    }
  }
  const mm = m.reduce((s, v) => s + v * v, 0);
  return 0.5 * (trace + mm - L - logDet);
}
