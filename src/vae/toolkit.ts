/**
 * Using a trained model: interpolation between two inputs and anomaly scores.
 */
import { lerpPath, slerpPath } from '../views/latent.js';
import type { Vae } from './vae.js';
import { LOGVAR_CLAMP } from '../reference/vae.js';
import { meanAndScatter } from '../views/pca.js';

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
 * How far a data set's codes sit from the prior that sampling draws from: KL(N(m, C) || N(0, I))
 * in nats, 0.5 (tr C + |m|^2 - L - log det C), for the Gaussian N(m, C) with the moments of the
 * aggregate posterior q(z) = (1/n) sum_i N(mu_i, diag exp(logvar_i)) of n rows: m = mean mu,
 * C = (1/n) sum (mu_i - m)(mu_i - m)^T + mean diag exp(logvar). A VAE whose codes fill the prior
 * scores near 0 (an unused latent, mu = 0 and logvar = 0, adds nothing); a plain autoencoder
 * (pass no logvar: its codes are points) scores high, since its codes go wherever
 * reconstruction puts them, and prior draws then decode where its decoder never trained.
 * Infinite when the codes span fewer than L directions (only possible without logvar).
 * Float64, via Cholesky.
 */
export function priorMismatch(mu: ArrayLike<number>, n: number, L: number, logvar?: ArrayLike<number>): number {
  if (!Number.isInteger(n) || n < 1 || mu.length < n * L) throw new Error(`priorMismatch: need n >= 1 rows of ${L} values, got ${mu.length} values for n=${n}`);
  if (logvar && logvar.length < n * L) throw new Error(`priorMismatch: logvar has ${logvar.length} values, need n*L = ${n}*${L}`);
  const { mean: m, scatter: c } = meanAndScatter(mu, n, L);
  for (let i = 0; i < L * L; i++) c[i] /= n;
  // The same clamp as the kernels' exp(logvar).
  if (logvar) for (let i = 0; i < n; i++) for (let a = 0; a < L; a++) c[a * L + a] += Math.exp(Math.min(logvar[i * L + a], LOGVAR_CLAMP)) / n;
  // Cholesky of the lower triangle in place: log det C = 2 sum log diag.
  let logDet = 0;
  let trace = 0;
  for (let a = 0; a < L; a++) trace += c[a * L + a];
  for (let j = 0; j < L; j++) {
    let d = c[j * L + j];
    for (let k = 0; k < j; k++) d -= c[j * L + k] ** 2;
    if (!(d > 0)) return Infinity; // a direction the codes do not span is infinitely far from the prior
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
