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
