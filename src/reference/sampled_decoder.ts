/**
 * The specification of the sampled decoder (PyTorch Geometric's `GAE.recon_loss`), in float64:
 *
 *   x_ij     = z_i . z_j
 *   recon    = 1/E sum_{training edges (i, j)} softplus(-x_ij)          mean -log sigmoid over edges
 *            + negScale sum_{live negative slots (i, j)} softplus(x_ij)   mean -log(1 - sigmoid)
 *   loss     = recon + KL, KL = -(0.5 / N) mean_i sum_k (1 + 2 log sigma - mu^2 - sigma^2)
 *
 * with E the undirected training edges (each once), the negative slots of the epoch as
 * src/graph/negative_sampler.ts lays them out (a slot whose pair is an entry of A_train + I, a
 * training edge or a self pair, is masked: no loss, no gradient) and negScale = 1 / (M (1 - p)),
 * its `negativeScale`. The KL term is the exact decoder's (the VGAE's 1/N-weighted `kl_loss`), so
 * the encoder, sample and backward pass are src/reference/vgae.ts's, reused: only the decoder
 * differs. softplus(-x) = -log sigmoid(x) and softplus(x) = -log(1 - sigmoid(x)), in their stable form.
 */
import { isLabel } from '../graph/negative_sampler.js';
import {
  sigmoid, softplus, vgaeEncode, type GraphModelKind, type LabelRows, type VgaeForward, type VgaeGraph, type VgaeParams, type VgaeSizes,
} from './vgae.js';

/** The negatives of one epoch: raw pairs (masked ones included) and the weight of their sum. */
export interface NegativeSample {
  /** 2M node ids: slot s pairs pairs[2s] and pairs[2s + 1]. */
  pairs: ArrayLike<number>;
  /** 1 / (M (1 - p)). */
  scale: number;
}

/** The undirected training edges (i < j) read off the labels (A_train + I without its diagonal). */
export function trainingEdges(labels: LabelRows, n: number): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (let p = labels.rowPtr[i]; p < labels.rowPtr[i + 1]; p++) if (labels.colIdx[p] > i) out.push(i, labels.colIdx[p]);
  return Uint32Array.from(out);
}

/** Adds g z_b to dz_a and g z_a to dz_b (d x_ab / d z_a = z_b and the other way round). */
function scatterPair(dz: Float64Array, z: ArrayLike<number>, a: number, b: number, g: number, L: number): void {
  for (let k = 0; k < L; k++) {
    dz[a * L + k] += g * z[b * L + k];
    dz[b * L + k] += g * z[a * L + k];
  }
}

function dot(z: ArrayLike<number>, a: number, b: number, L: number): number {
  let x = 0;
  for (let k = 0; k < L; k++) x += z[a * L + k] * z[b * L + k];
  return x;
}

/**
 * The sampled reconstruction loss and d recon / dz (written into dz, N x L). Returns recon, and
 * how many slots were masked.
 */
export function sampledDecoderLoss(
  dz: Float64Array, z: ArrayLike<number>, labels: LabelRows, neg: NegativeSample, N: number, L: number,
): { recon: number; masked: number } {
  dz.fill(0, 0, N * L);
  const edges = trainingEdges(labels, N);
  const E = edges.length / 2;
  let pos = 0;
  for (let e = 0; e < E; e++) {
    const [i, j] = [edges[2 * e], edges[2 * e + 1]];
    const x = dot(z, i, j, L);
    pos += softplus(-x);
    scatterPair(dz, z, i, j, -sigmoid(-x) / E, L);
  }
  let negSum = 0;
  let masked = 0;
  const M = neg.pairs.length / 2;
  for (let s = 0; s < M; s++) {
    const [i, j] = [neg.pairs[2 * s], neg.pairs[2 * s + 1]];
    if (isLabel(labels.rowPtr, labels.colIdx, i, j)) {
      masked++;
      continue;
    }
    const x = dot(z, i, j, L);
    negSum += softplus(x);
    scatterPair(dz, z, i, j, neg.scale * sigmoid(x), L);
  }
  return { recon: pos / E + neg.scale * negSum, masked };
}

/** Forward pass of the graph VAE with the sampled decoder (eps as in vgaeForward). Backward: vgaeBackward on the result. */
export function sampledVgaeForward(
  p: VgaeParams, g: VgaeGraph, s: VgaeSizes, eps: ArrayLike<number>, kind: GraphModelKind, neg: NegativeSample,
): VgaeForward & { masked: number } {
  const e = vgaeEncode(p, g, s, eps, kind);
  const dz = new Float64Array(s.n * s.latent);
  const { recon, masked } = sampledDecoderLoss(dz, e.z, g.labels, neg, s.n, s.latent);
  return { ...e, recon, loss: recon + e.kl, dz, masked };
}
