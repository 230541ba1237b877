/**
 * The importance-weighted bound in float64, mirroring shaders/iwae.wgsl: the log-weights of k
 * posterior draws of one image and their log-mean-exp.
 */
import type { VaeConfig } from '../config.js';
import { describeModel } from '../model/describe.js';
import { LOGVAR_CLAMP, vaeForward, type RefParams } from './vae.js';

/**
 * log w_i = log p(x|z_i) + log p(z_i) - log q(z_i|x) for z_i = mu + sigma eps_i, one per row of
 * eps[k, latent], with the configuration's decoder likelihood.
 */
export function iwaeLogWeights(params: RefParams, cfg: VaeConfig, x: ArrayLike<number>, eps: ArrayLike<number>): Float64Array {
  const L = cfg.latent;
  const P = cfg.inputSize;
  const k = eps.length / L;
  const rows = new Float64Array(k * P);
  for (let i = 0; i < k; i++) for (let p = 0; p < P; p++) rows[i * P + p] = x[p];
  const f = vaeForward(params, { ...cfg, batch: k }, rows, eps, k);
  const head = f.outputs.get(describeModel(cfg).head.name)!;
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    // log N(z; 0, I) - log N(z; mu, sigma^2): the 2 pi terms cancel.
    let s = 0;
    for (let j = 0; j < L; j++) {
      const z = f.z[i * L + j];
      const e = eps[i * L + j];
      s += -0.5 * z * z + 0.5 * e * e + 0.5 * Math.min(head[i * 2 * L + L + j], LOGVAR_CLAMP);
    }
    out[i] = s - f.loss.recon[i];
  }
  return out;
}

/** log((1/k) sum exp(a_i)), stable for any magnitudes. */
export function logMeanExp(a: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, a[i]);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.exp(a[i] - m);
  return m + Math.log(s) - Math.log(a.length);
}
