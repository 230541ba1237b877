/**
 * The specification: a float64 CPU implementation of the VAE's forward pass, loss, backward
 * pass and Adam, written as plain loops. Every GPU kernel and every training step is tested
 * against it; its own gradients are tested against central finite differences.
 *
 * Each function mirrors one GPU entry point of the same layer name (shaders/<layer>.wgsl):
 * outputs first, then inputs, then sizes. Matrices are row-major and unpadded.
 */
import type { AdamConfig, VaeConfig } from '../config.js';
import { NO_ACTIVATION } from '../layers/activation.js';
import { layerType, type LayerSpec } from '../layers/registry.js';
import { describeModel } from '../model/describe.js';

/** logvar is clamped to this inside exp() only, on the GPU and here: exp(80) is finite in f32. */
export const LOGVAR_CLAMP = 80;

// ---------------------------------------------------------------- linear (dense layer)

export { linearBackwardInput, linearBackwardWeight, linearForward } from './linear.js';

// ---------------------------------------------------------------- reparameterize

/** z = mu + exp(0.5 logvar) eps, where head rows are [mu (L) | logvar (L)]. */
export function reparameterizeForward(
  z: Float64Array, head: ArrayLike<number>, eps: ArrayLike<number>, B: number, L: number,
): void {
  for (let r = 0; r < B; r++) {
    for (let j = 0; j < L; j++) {
      const mu = head[r * 2 * L + j];
      const lv = head[r * 2 * L + L + j];
      z[r * L + j] = mu + Math.exp(0.5 * Math.min(lv, LOGVAR_CLAMP)) * eps[r * L + j];
    }
  }
}

/** dhead += (dz, dz * eps * 0.5 exp(0.5 logvar)); the clamp passes no gradient. */
export function reparameterizeBackward(
  dhead: Float64Array, dz: ArrayLike<number>, head: ArrayLike<number>, eps: ArrayLike<number>, B: number, L: number,
): void {
  for (let r = 0; r < B; r++) {
    for (let j = 0; j < L; j++) {
      const lv = head[r * 2 * L + L + j];
      const g = dz[r * L + j];
      dhead[r * 2 * L + j] += g;
      if (lv < LOGVAR_CLAMP) dhead[r * 2 * L + L + j] += g * eps[r * L + j] * 0.5 * Math.exp(0.5 * lv);
    }
  }
}

// ---------------------------------------------------------------- bce_kl and gaussian_kl (the losses)

/** Per-image loss parts, and their sums over the counted rows. */
export interface LossParts {
  recon: Float64Array;
  kl: Float64Array;
  reconSum: number;
  klSum: number;
}

/**
 * The KL part shared by both losses: kl_r = -0.5 sum_j (1 + lv - mu^2 - exp(lv)) into kl, and
 * its gradient times klWeight into dhead (dmu = w mu, dlv = w 0.5 (exp(lv) - 1)); rows from
 * `count` get zeros. `withKl` false (the autoencoder) gives kl = 0 and no gradient.
 */
function klPart(
  kl: Float64Array, dhead: Float64Array, head: ArrayLike<number>, B: number, L: number, count: number, klWeight: number, withKl: boolean,
): void {
  for (let r = 0; r < B; r++) {
    const live = r < count && withKl;
    let sk = 0;
    for (let j = 0; j < L; j++) {
      const mu = head[r * 2 * L + j];
      const lv = head[r * 2 * L + L + j];
      const e = Math.exp(Math.min(lv, LOGVAR_CLAMP));
      sk += -0.5 * (1 + lv - mu * mu - e);
      dhead[r * 2 * L + j] = live ? klWeight * mu : 0;
      dhead[r * 2 * L + L + j] = live ? klWeight * 0.5 * ((lv < LOGVAR_CLAMP ? e : 0) - 1) : 0;
    }
    kl[r] = live ? sk : 0;
  }
}

function lossParts(recon: Float64Array, kl: Float64Array, count: number): LossParts {
  let reconSum = 0;
  let klSum = 0;
  for (let r = 0; r < count; r++) {
    reconSum += recon[r];
    klSum += kl[r];
  }
  return { recon, kl, reconSum, klSum };
}

/**
 * Loss of the first `count` rows, summed (as the PyTorch example does) and the gradient of
 * recon + klWeight * kl (klWeight is beta; 1 for the plain VAE):
 * recon = sum_p max(l,0) - l x + log1p(exp(-|l|)), dl = sigmoid(l) - x; kl as in klPart.
 * The returned parts are unweighted: their sum is the negative ELBO.
 * Rows from `count` to B get zero gradient, so padded and unused rows contribute nothing.
 */
export function bceKl(
  dlogits: Float64Array, dhead: Float64Array,
  logits: ArrayLike<number>, x: ArrayLike<number>, head: ArrayLike<number>,
  B: number, P: number, L: number, count: number, klWeight = 1, withKl = true,
): LossParts {
  const recon = new Float64Array(B);
  const kl = new Float64Array(B);
  for (let r = 0; r < B; r++) {
    const live = r < count;
    let sr = 0;
    for (let p = 0; p < P; p++) {
      const l = logits[r * P + p];
      const t = x[r * P + p];
      sr += Math.max(l, 0) - l * t + Math.log1p(Math.exp(-Math.abs(l)));
      dlogits[r * P + p] = live ? 1 / (1 + Math.exp(-l)) - t : 0;
    }
    recon[r] = live ? sr : 0;
  }
  klPart(kl, dhead, head, B, L, count, klWeight, withKl);
  return lossParts(recon, kl, count);
}

/**
 * The Gaussian decoder's loss: the output is the mean m of N(m, sigma^2) per pixel, and
 * recon = sum_p (x - m)^2 / (2 sigma^2) + P log(sigma sqrt(2 pi)), dm = (m - x) / sigma^2;
 * the KL part, counting and weighting are those of bceKl.
 */
export function gaussianKl(
  dmean: Float64Array, dhead: Float64Array,
  mean: ArrayLike<number>, x: ArrayLike<number>, head: ArrayLike<number>,
  B: number, P: number, L: number, count: number, sigma: number, klWeight = 1, withKl = true,
): LossParts {
  const recon = new Float64Array(B);
  const kl = new Float64Array(B);
  const invVar = 1 / (sigma * sigma);
  const logNorm = P * (Math.log(sigma) + 0.5 * Math.log(2 * Math.PI));
  for (let r = 0; r < B; r++) {
    const live = r < count;
    let sr = 0;
    for (let p = 0; p < P; p++) {
      const d = mean[r * P + p] - x[r * P + p];
      sr += 0.5 * d * d * invVar;
      dmean[r * P + p] = live ? d * invVar : 0;
    }
    recon[r] = live ? sr + logNorm : 0;
  }
  klPart(kl, dhead, head, B, L, count, klWeight, withKl);
  return lossParts(recon, kl, count);
}

// ---------------------------------------------------------------- adam

/** Adam moments of one flat parameter vector. */
export interface AdamState {
  m: Float64Array;
  v: Float64Array;
}

/**
 * One bias-corrected Adam update at step t (1-based), in torch.optim.Adam's order of operations:
 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= (lr / (1-b1^t)) m / (sqrt(v) / sqrt(1-b2^t) + eps).
 */
export function adamUpdate(p: Float64Array, g: ArrayLike<number>, s: AdamState, hp: AdamConfig, t: number): void {
  const bc1 = 1 - hp.beta1 ** t;
  const bc2Sqrt = Math.sqrt(1 - hp.beta2 ** t);
  const stepSize = hp.lr / bc1;
  for (let i = 0; i < p.length; i++) {
    s.m[i] = hp.beta1 * s.m[i] + (1 - hp.beta1) * g[i];
    s.v[i] = hp.beta2 * s.v[i] + (1 - hp.beta2) * g[i] * g[i];
    p[i] -= (stepSize * s.m[i]) / (Math.sqrt(s.v[i]) / bc2Sqrt + hp.eps);
  }
}

// ---------------------------------------------------------------- the whole model

/** Float64 parameters by name, unpadded, as `initParameters` names them. */
export type RefParams = Map<string, Float64Array>;

/** Everything the forward pass computes, kept for the backward pass and for tests. */
export interface RefForward {
  /** acts[0] is the input; then each layer's output in execution order (the head's is [mu | logvar]). */
  acts: Float64Array[];
  /** Each layer's output by layer name. */
  outputs: Map<string, Float64Array>;
  z: Float64Array;
  loss: LossParts;
  dlogits: Float64Array;
  dheadKl: Float64Array;
}

/** Copies float32 or float64 parameters into float64. */
export function toRefParams(p: Map<string, ArrayLike<number>>): RefParams {
  return new Map([...p].map(([k, v]) => [k, Float64Array.from(v)]));
}

/** One layer's parameters, by parameter name (`weight`), from the model's (`enc1.weight`). */
function layerParams(params: RefParams, l: LayerSpec): RefParams {
  const prefix = `${l.name}.`;
  return new Map([...params].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

/** Runs `chain` forward from `x`, recording each output. */
function forwardChain(params: RefParams, chain: LayerSpec[], x: Float64Array, B: number, out: RefForward): Float64Array {
  let h = x;
  for (const l of chain) {
    h = layerType(l).reference.forward(l, layerParams(params, l), h, B);
    out.acts.push(h);
    out.outputs.set(l.name, h);
  }
  return h;
}

/**
 * Forward pass and loss on rows x[B, inputSize] with noise eps[B, latent]; only the first
 * `count` rows count towards the loss and gradients. The decoder is scored against `target`:
 * x itself, or the clean rows when x is their corrupted copy (the denoising objectives).
 */
export function vaeForward(
  params: RefParams, cfg: VaeConfig, x: ArrayLike<number>, eps: ArrayLike<number>, count = cfg.batch, klWeight = 1, target: ArrayLike<number> = x,
): RefForward {
  const B = cfg.batch;
  const L = cfg.latent;
  const m = describeModel(cfg);
  const vae = cfg.kind === 'vae';
  const f: RefForward = { acts: [Float64Array.from(x)], outputs: new Map(), z: new Float64Array(B * L), loss: null!, dlogits: null!, dheadKl: null! };
  const head = forwardChain(params, [...m.encoder, m.head], f.acts[0], B, f);
  // The autoencoder decodes the mean itself.
  if (vae) reparameterizeForward(f.z, head, eps, B, L);
  else for (let r = 0; r < B; r++) for (let j = 0; j < L; j++) f.z[r * L + j] = head[r * 2 * L + j];
  const out = forwardChain(params, m.decoder, f.z, B, f);
  const P = cfg.inputSize;
  f.dlogits = new Float64Array(B * P);
  f.dheadKl = new Float64Array(B * 2 * L);
  f.loss =
    cfg.likelihood === 'bernoulli'
      ? bceKl(f.dlogits, f.dheadKl, out, target, head, B, P, L, count, klWeight, vae)
      : gaussianKl(f.dlogits, f.dheadKl, out, target, head, B, P, L, count, cfg.sigma, klWeight, vae);
  return f;
}

/** Back-propagates `dy` through `chain` (in reverse); returns the gradient of the chain's input when `wantDx`. */
function backwardChain(params: RefParams, chain: LayerSpec[], input: Float64Array, fwd: RefForward, dy: Float64Array, B: number, grads: RefParams, wantDx: boolean): Float64Array | null {
  let g: Float64Array | null = dy;
  for (let i = chain.length - 1; i >= 0; i--) {
    const l = chain[i];
    const x = i === 0 ? input : fwd.outputs.get(chain[i - 1].name)!;
    // The input of a layer came through the previous layer's activation; the chain's input through none.
    const maskAct = i > 0 ? chain[i - 1].activation : NO_ACTIVATION;
    const r = layerType(l).reference.backward(l, layerParams(params, l), x, g!, B, i > 0 || wantDx, maskAct);
    for (const [k, v] of r.grads) grads.set(`${l.name}.${k}`, v);
    g = r.dx;
  }
  return g;
}

/** Gradients of the summed loss of the counted rows with respect to every parameter, by name. */
export function vaeBackward(params: RefParams, cfg: VaeConfig, fwd: RefForward, eps: ArrayLike<number>): RefParams {
  const B = cfg.batch;
  const L = cfg.latent;
  const m = describeModel(cfg);
  const grads: RefParams = new Map();
  const dz = backwardChain(params, m.decoder, fwd.z, fwd, fwd.dlogits, B, grads, true)!;
  // Add the reparameterization's path to the KL gradient already in dhead. The autoencoder's z
  // is mu: its path is that of eps = 0 (logvar gets no gradient).
  const dhead = Float64Array.from(fwd.dheadKl);
  reparameterizeBackward(dhead, dz, fwd.outputs.get(m.head.name)!, cfg.kind === 'vae' ? eps : new Float64Array(B * L), B, L);
  backwardChain(params, [...m.encoder, m.head], fwd.acts[0], fwd, dhead, B, grads, false);
  return grads;
}
