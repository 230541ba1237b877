/**
 * The specification: a float64 CPU implementation of the VAE's forward pass, loss, backward
 * pass and Adam, written as plain loops. Every GPU kernel and every training step is tested
 * against it; its own gradients are tested against central finite differences.
 *
 * Each function mirrors one GPU entry point of the same layer name (shaders/<layer>.wgsl):
 * outputs first, then inputs, then sizes. Matrices are row-major and unpadded.
 */
import type { AdamConfig, VaeConfig } from '../config.js';
import { headIndex, layerSpecs, type LayerSpec } from '../model.js';

/** logvar is clamped to this inside exp() only, on the GPU and here: exp(80) is finite in f32. */
export const LOGVAR_CLAMP = 80;

// ---------------------------------------------------------------- linear (dense layer)

/** y[B,O] = x[B,I] W[O,I]^T + b, then ReLU when `relu`. */
export function linearForward(
  y: Float64Array, x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>,
  B: number, I: number, O: number, relu: boolean,
): void {
  for (let r = 0; r < B; r++) {
    for (let o = 0; o < O; o++) {
      let s = b[o];
      for (let i = 0; i < I; i++) s += x[r * I + i] * w[o * I + i];
      y[r * O + o] = relu && s < 0 ? 0 : s;
    }
  }
}

/**
 * dx[B,I] = dy[B,O] W[O,I], times [h > 0] when `mask` is given: h is the layer's input as the
 * previous ReLU produced it, so this also back-propagates through that ReLU.
 */
export function linearBackwardInput(
  dx: Float64Array, dy: ArrayLike<number>, w: ArrayLike<number>, mask: ArrayLike<number> | null,
  B: number, I: number, O: number,
): void {
  for (let r = 0; r < B; r++) {
    for (let i = 0; i < I; i++) {
      let s = 0;
      for (let o = 0; o < O; o++) s += dy[r * O + o] * w[o * I + i];
      dx[r * I + i] = mask && !(mask[r * I + i] > 0) ? 0 : s;
    }
  }
}

/** dW[O,I] = dy[B,O]^T x[B,I] and db[O] = sum over rows of dy. */
export function linearBackwardWeight(
  dw: Float64Array, db: Float64Array, dy: ArrayLike<number>, x: ArrayLike<number>,
  B: number, I: number, O: number,
): void {
  for (let o = 0; o < O; o++) {
    let sb = 0;
    for (let r = 0; r < B; r++) sb += dy[r * O + o];
    db[o] = sb;
    for (let i = 0; i < I; i++) {
      let s = 0;
      for (let r = 0; r < B; r++) s += dy[r * O + o] * x[r * I + i];
      dw[o * I + i] = s;
    }
  }
}

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
  /** acts[0] is the input; acts[i+1] is the output of layer i (the head's is [mu | logvar]). */
  acts: Float64Array[];
  z: Float64Array;
  loss: LossParts;
  dlogits: Float64Array;
  dheadKl: Float64Array;
}

/** Copies float32 or float64 parameters into float64. */
export function toRefParams(p: Map<string, ArrayLike<number>>): RefParams {
  return new Map([...p].map(([k, v]) => [k, Float64Array.from(v)]));
}

/**
 * Forward pass and loss on rows x[B, inputSize] with noise eps[B, latent]; only the first
 * `count` rows count towards the loss and gradients.
 */
export function vaeForward(
  params: RefParams, cfg: VaeConfig, x: ArrayLike<number>, eps: ArrayLike<number>, count = cfg.batch, klWeight = 1,
): RefForward {
  const B = cfg.batch;
  const L = cfg.latent;
  const layers = layerSpecs(cfg);
  const h = headIndex(cfg);
  const acts: Float64Array[] = [Float64Array.from(x)];
  let z = new Float64Array(0);
  const vae = cfg.kind === 'vae';
  layers.forEach((l, i) => {
    const input = i === h + 1 ? z : acts[i];
    const y = new Float64Array(B * l.outSize);
    linearForward(y, input, params.get(`${l.name}.weight`)!, params.get(`${l.name}.bias`)!, B, l.inSize, l.outSize, l.relu);
    acts.push(y);
    if (i === h) {
      z = new Float64Array(B * L);
      // The autoencoder decodes the mean itself.
      if (vae) reparameterizeForward(z, y, eps, B, L);
      else for (let r = 0; r < B; r++) for (let j = 0; j < L; j++) z[r * L + j] = y[r * 2 * L + j];
    }
  });
  const dlogits = new Float64Array(B * cfg.inputSize);
  const dheadKl = new Float64Array(B * 2 * L);
  const [out, head, P] = [acts[layers.length], acts[h + 1], cfg.inputSize];
  const loss =
    cfg.likelihood === 'bernoulli'
      ? bceKl(dlogits, dheadKl, out, x, head, B, P, L, count, klWeight, vae)
      : gaussianKl(dlogits, dheadKl, out, x, head, B, P, L, count, cfg.sigma, klWeight, vae);
  return { acts, z, loss, dlogits, dheadKl };
}

/** Gradients of the summed loss of the counted rows with respect to every parameter, by name. */
export function vaeBackward(params: RefParams, cfg: VaeConfig, fwd: RefForward, eps: ArrayLike<number>): RefParams {
  const B = cfg.batch;
  const L = cfg.latent;
  const layers = layerSpecs(cfg);
  const h = headIndex(cfg);
  const grads: RefParams = new Map();
  let dy: Float64Array = fwd.dlogits;
  for (let i = layers.length - 1; i >= 0; i--) {
    const l: LayerSpec = layers[i];
    const input = i === h + 1 ? fwd.z : fwd.acts[i];
    const dw = new Float64Array(l.outSize * l.inSize);
    const db = new Float64Array(l.outSize);
    linearBackwardWeight(dw, db, dy, input, B, l.inSize, l.outSize);
    grads.set(`${l.name}.weight`, dw);
    grads.set(`${l.name}.bias`, db);
    if (i === 0) break;
    const dx = new Float64Array(B * l.inSize);
    // The input of layer i came through a ReLU unless it is z (after the head) or the data.
    const mask = i !== h + 1 && layers[i - 1].relu ? fwd.acts[i] : null;
    linearBackwardInput(dx, dy, params.get(`${l.name}.weight`)!, mask, B, l.inSize, l.outSize);
    if (i === h + 1) {
      // dx is dz: add the reparameterization's path to the KL gradient already in dhead. The
      // autoencoder's z is mu: its path is that of eps = 0 (logvar gets no gradient).
      const dhead = Float64Array.from(fwd.dheadKl);
      reparameterizeBackward(dhead, dx, fwd.acts[h + 1], cfg.kind === 'vae' ? eps : new Float64Array(B * L), B, L);
      dy = dhead;
    } else {
      dy = dx;
    }
  }
  return grads;
}
