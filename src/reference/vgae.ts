/**
 * The specification of the graph VAE (VGAE and GAE, Kipf & Welling 2016): a float64 CPU
 * implementation of its forward pass, loss and gradients, written as plain loops. The GPU
 * kernels are tested against it; its own gradients against central finite differences.
 *
 *   H        = ReLU(Â X W0)                       W0: F x H
 *   mu       = Â H W_mu                           W_mu, W_sigma: H x L (all weights (in, out), no biases)
 *   log sigma = Â H W_sigma
 *   z        = mu + eps sigma  (VGAE);  z = mu  (GAE)
 *   logits   = z_i . z_j for all N^2 pairs, labels A_train + I
 *   loss     = norm mean_ij wBCE(logits, labels; pos_weight)
 *              - (0.5 / N) mean_i sum_k (1 + 2 log sigma - mu^2 - sigma^2)   (VGAE only)
 *
 * Each section mirrors one shader (shaders/spmm.wgsl, shaders/gaussian_logstd.wgsl,
 * shaders/inner_product_loss.wgsl): outputs first, then inputs, then sizes. Matrices are
 * row-major and unpadded. Adam is src/reference/vae.ts's adamUpdate.
 */
import type { AdamConfig } from '../config.js';
import { maskAll, NO_ACTIVATION, reluIf } from '../layers/activation.js';
import { layerType, type LayerSpec, type RefGraph } from '../layers/registry.js';
import { describeGraphModel } from '../model/describe.js';
import { gcnForward as gcnLayerForward } from './gcn.js';
import { adamUpdate, type AdamState } from './vae.js';

export { isDense, spmm, spmmTransposed, type DenseMatrix, type FeatureMatrix, type SparseRows } from './spmm.js';
import type { FeatureMatrix, SparseRows } from './spmm.js';

/** logsigma is clamped to this inside exp() only, on the GPU and here: exp(2 x 40) is finite in f32. */
export const LOGSTD_CLAMP = 40;

// ---------------------------------------------------------------- gcn (one graph convolution)

/** What a GCN layer's forward gives: act(Â x W), N x D. */
export interface GcnForward {
  y: Float64Array;
}

/** Y = act(Â (X W)) on node features X (N x K, sparse or dense), w K x D: src/reference/gcn.ts's first layer. */
export function gcnForward(adj: SparseRows, x: FeatureMatrix, w: ArrayLike<number>, D: number, relu: boolean): GcnForward {
  return { y: gcnLayerForward(adj, { features: x }, w, x.cols, D, reluIf(relu)) };
}

// ---------------------------------------------------------------- gaussian_logstd

/**
 * z = mu + eps exp(logstd) (eps null: z = mu, the GAE) and per node
 * klRows_i = sum_k (1 + 2 logstd - mu^2 - exp(2 logstd)), the sum the KL term averages.
 */
export function gaussianLogstdForward(
  z: Float64Array, klRows: Float64Array, mu: ArrayLike<number>, logstd: ArrayLike<number>, eps: ArrayLike<number> | null, N: number, L: number,
): void {
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let k = 0; k < L; k++) {
      const m = mu[i * L + k];
      const ls = logstd[i * L + k];
      const sigma = Math.exp(Math.min(ls, LOGSTD_CLAMP));
      z[i * L + k] = eps ? m + eps[i * L + k] * sigma : m;
      s += 1 + 2 * ls - m * m - sigma * sigma;
    }
    klRows[i] = s;
  }
}

/**
 * Gradients of loss = recon(z) - klScale / 2 sum_i klRows_i with respect to mu and logstd,
 * given dz = d recon / dz: dmu = dz + klScale mu, dlogstd = dz eps sigma + klScale (sigma^2 - 1).
 * klScale is 1 / N^2 for the VGAE ((0.5 / N) times the mean over nodes, times 2), 0 for the
 * GAE (eps null: logstd gets no gradient). Where logstd is clamped no gradient flows through exp.
 */
export function gaussianLogstdBackward(
  dmu: Float64Array, dlogstd: Float64Array,
  dz: ArrayLike<number>, mu: ArrayLike<number>, logstd: ArrayLike<number>, eps: ArrayLike<number> | null, N: number, L: number, klScale: number,
): void {
  for (let i = 0; i < N * L; i++) {
    const ls = logstd[i];
    const live = ls < LOGSTD_CLAMP;
    const sigma = Math.exp(Math.min(ls, LOGSTD_CLAMP));
    dmu[i] = dz[i] + klScale * mu[i];
    dlogstd[i] = (eps && live ? dz[i] * eps[i] * sigma : 0) + klScale * ((live ? sigma * sigma : 0) - 1);
  }
}

// ---------------------------------------------------------------- inner_product_loss

/** Labels: the sorted neighbour lists of A_train + I (CSR pattern; values not used). */
export interface LabelRows {
  rowPtr: ArrayLike<number>;
  colIdx: ArrayLike<number>;
}

/** log(1 + exp(x)), stable: max(x, 0) + log1p(exp(-|x|)). */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** 1 / (1 + exp(-x)), without overflow on either side. */
export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * The decoder's loss and its gradient over all N^2 pairs (i, j), i = j included:
 * recon = norm / N^2 sum_ij l_ij with l = posWeight softplus(-x) where the label is 1 and
 * softplus(x) where it is 0 (TensorFlow's weighted_cross_entropy_with_logits), x = z_i . z_j;
 * dz_i = sum_j g_ij z_j + sum_j g_ji z_j with g = d recon / d x_ij. Returns recon; writes dz.
 */
export function innerProductLoss(
  dz: Float64Array, z: ArrayLike<number>, labels: LabelRows, N: number, L: number, posWeight: number, norm: number,
): number {
  const scale = norm / (N * N);
  dz.fill(0, 0, N * L);
  let total = 0;
  for (let i = 0; i < N; i++) {
    let p = labels.rowPtr[i];
    const end = labels.rowPtr[i + 1];
    for (let j = 0; j < N; j++) {
      while (p < end && labels.colIdx[p] < j) p++;
      const y = p < end && labels.colIdx[p] === j;
      let x = 0;
      for (let k = 0; k < L; k++) x += z[i * L + k] * z[j * L + k];
      total += y ? posWeight * softplus(-x) : softplus(x);
      const g = scale * (y ? posWeight * (sigmoid(x) - 1) : sigmoid(x));
      for (let k = 0; k < L; k++) {
        dz[i * L + k] += g * z[j * L + k];
        dz[j * L + k] += g * z[i * L + k];
      }
    }
  }
  return scale * total;
}

// ---------------------------------------------------------------- the whole model

/** Graph VAE or graph autoencoder. */
export type GraphModelKind = 'vgae' | 'gae';

/** Weights, (in, out) row-major: W0 F x H, W_mu and W_sigma H x L. */
export interface VgaeParams {
  w0: Float64Array;
  wMu: Float64Array;
  wSigma: Float64Array;
}

/** Sizes: nodes, features, hidden width, latent size. */
export interface VgaeSizes {
  n: number;
  f: number;
  hidden: number;
  latent: number;
}

/** The graph as the model sees it (from src/graph/adjacency.ts). */
export interface VgaeGraph {
  /** Â, N x N. */
  adj: SparseRows;
  /** A_train + I as sorted neighbour lists. */
  labels: LabelRows;
  features: FeatureMatrix;
  posWeight: number;
  norm: number;
}

/** Everything the forward pass computes. */
export interface VgaeForward {
  /** H = ReLU(Â X W0). */
  layer1: GcnForward;
  mu: GcnForward;
  logstd: GcnForward;
  z: Float64Array;
  klRows: Float64Array;
  /** Weighted BCE term. */
  recon: number;
  /** -(0.5 / N) mean_i klRows_i (0 for the GAE). */
  kl: number;
  loss: number;
  /** d recon / dz. */
  dz: Float64Array;
}

/**
 * The paper's model on s.f features as resolved layers (its spec, src/model/shorthand.ts
 * graphShorthand, through the layer registry): conv1 (gcn, ReLU) and the head (gcn to [mu | log sigma]).
 */
function paperLayers(s: VgaeSizes, kind: GraphModelKind): { conv1: LayerSpec; head: LayerSpec } {
  const m = describeGraphModel({ kind, features: s.f, hidden: s.hidden, latent: s.latent });
  return { conv1: m.encoder[0], head: m.head };
}

/** [a | b] per row: two N x L matrices side by side as N x 2L. */
function joinColumns(a: ArrayLike<number>, b: ArrayLike<number>, N: number, L: number): Float64Array {
  const out = new Float64Array(N * 2 * L);
  for (let r = 0; r < N; r++) {
    for (let k = 0; k < L; k++) {
      out[r * 2 * L + k] = a[r * L + k];
      out[r * 2 * L + L + k] = b[r * L + k];
    }
  }
  return out;
}

/** Columns [from, from + L) of an N x 2L matrix. */
function half(m: ArrayLike<number>, N: number, L: number, from: number): Float64Array {
  const out = new Float64Array(N * L);
  for (let r = 0; r < N; r++) for (let k = 0; k < L; k++) out[r * L + k] = m[r * 2 * L + from + k];
  return out;
}

/** The encoder's part of the forward pass: everything before the decoder. */
export type VgaeEncoded = Pick<VgaeForward, 'layer1' | 'mu' | 'logstd' | 'z' | 'klRows' | 'kl'>;

/**
 * The encoder, the sample and the KL term (-(0.5 / N) mean_i klRows_i, 0 for the GAE): what
 * every decoder (this file's all-pairs one, src/reference/sampled_decoder.ts) starts from.
 */
export function vgaeEncode(p: VgaeParams, g: VgaeGraph, s: VgaeSizes, eps: ArrayLike<number>, kind: GraphModelKind): VgaeEncoded {
  const { n: N, hidden: H, latent: L } = s;
  const { conv1, head } = paperLayers(s, kind);
  const graph: RefGraph = { adjacency: g.adj, features: g.features };
  const h = layerType(conv1).reference.forward(conv1, new Map([['weight', Float64Array.from(p.w0)]]), null, N, graph);
  const out = layerType(head).reference.forward(head, new Map([['weight', joinColumns(p.wMu, p.wSigma, H, L)]]), h, N, graph);
  const mu = half(out, N, L, 0);
  const logstd = half(out, N, L, L);
  const z = new Float64Array(N * L);
  const klRows = new Float64Array(N);
  gaussianLogstdForward(z, klRows, mu, logstd, kind === 'vgae' ? eps : null, N, L);
  const kl = kind === 'vgae' ? -(0.5 / N) * (klRows.reduce((a, b) => a + b, 0) / N) : 0;
  return { layer1: { y: h }, mu: { y: mu }, logstd: { y: logstd }, z, klRows, kl };
}

/** Forward pass and loss; eps (N x L) is the VGAE's noise, ignored by the GAE. */
export function vgaeForward(p: VgaeParams, g: VgaeGraph, s: VgaeSizes, eps: ArrayLike<number>, kind: GraphModelKind): VgaeForward {
  const { n: N, latent: L } = s;
  const e = vgaeEncode(p, g, s, eps, kind);
  const dz = new Float64Array(N * L);
  const recon = innerProductLoss(dz, e.z, g.labels, N, L, g.posWeight, g.norm);
  return { ...e, recon, loss: recon + e.kl, dz };
}

/** Gradients with respect to the weights, and the intermediate gradients the GPU test compares. */
export interface VgaeGradients extends VgaeParams {
  dmu: Float64Array;
  dlogstd: Float64Array;
  /** dL/dH, before H's ReLU mask. */
  dh: Float64Array;
}

/** Gradients of the loss of `fwd` (same eps, same kind). */
export function vgaeBackward(p: VgaeParams, g: VgaeGraph, s: VgaeSizes, fwd: VgaeForward, eps: ArrayLike<number>, kind: GraphModelKind): VgaeGradients {
  const { n: N, hidden: H, latent: L } = s;
  const { conv1, head } = paperLayers(s, kind);
  const graph: RefGraph = { adjacency: g.adj, features: g.features };
  const dmu = new Float64Array(N * L);
  const dlogstd = new Float64Array(N * L);
  const vgae = kind === 'vgae';
  gaussianLogstdBackward(dmu, dlogstd, fwd.dz, fwd.mu.y, fwd.logstd.y, vgae ? eps : null, N, L, vgae ? 1 / (N * N) : 0);
  const h = fwd.layer1.y;
  const wHead = new Map([['weight', joinColumns(p.wMu, p.wSigma, H, L)]]);
  // dL/dH before conv1's ReLU (the GPU test compares it), then through the ReLU into conv1.
  const gHead = layerType(head).reference.backward(head, wHead, h, joinColumns(dmu, dlogstd, N, L), N, true, NO_ACTIVATION, graph);
  const dh = gHead.dx!;
  const dhMasked = Float64Array.from(dh);
  maskAll(conv1.activation, dhMasked, h);
  const g0 = layerType(conv1).reference.backward(conv1, new Map([['weight', Float64Array.from(p.w0)]]), null, dhMasked, N, false, NO_ACTIVATION, graph);
  const dHead = gHead.grads.get('weight')!;
  const split = (from: number) => {
    const w = new Float64Array(H * L);
    for (let r = 0; r < H; r++) for (let k = 0; k < L; k++) w[r * L + k] = dHead[r * 2 * L + from + k];
    return w;
  };
  return { w0: g0.grads.get('weight')!, wMu: split(0), wSigma: split(L), dmu, dlogstd, dh };
}

/** Adam moments of the three weights. */
export interface VgaeAdamState {
  w0: AdamState;
  wMu: AdamState;
  wSigma: AdamState;
}

/** Zero Adam moments shaped like `p`. */
export function vgaeAdamState(p: VgaeParams): VgaeAdamState {
  const zero = (a: Float64Array): AdamState => ({ m: new Float64Array(a.length), v: new Float64Array(a.length) });
  return { w0: zero(p.w0), wMu: zero(p.wMu), wSigma: zero(p.wSigma) };
}

/**
 * One full-graph training step: forward, backward, and Adam at step t (1-based) on every
 * weight, in place. Returns the forward pass (its loss is the loss before the update).
 */
export function vgaeTrainStep(
  p: VgaeParams, state: VgaeAdamState, g: VgaeGraph, s: VgaeSizes, eps: ArrayLike<number>, kind: GraphModelKind, hp: AdamConfig, t: number,
): VgaeForward {
  const fwd = vgaeForward(p, g, s, eps, kind);
  const grads = vgaeBackward(p, g, s, fwd, eps, kind);
  for (const name of ['w0', 'wMu', 'wSigma'] as const) adamUpdate(p[name], grads[name], state[name], hp, t);
  return fwd;
}
