// What the decoders' kernel tests (test/kernels/inner_product_loss.test.ts,
// test/kernels/sampled_edge_loss.test.ts) share: their random graphs, their operands on the GPU,
// and the f32 error of one pair.
import { graphAdjacency, type GraphAdjacency } from '../../src/graph/adjacency.js';
import type { GpuResources } from '../../src/gpu/resources.js';
import { sigmoid, softplus } from '../../src/reference/vgae.js';
import { padMatrix } from './compare.js';
import { seededUniform } from './data.js';

const pad4 = (n: number) => (n + 3) & ~3;

/** A random graph on n nodes with edge 0-1, the last 2 nodes isolated; its labels and loss weights. */
export function decoderGraph(n: number, seed: number, degree: number): GraphAdjacency {
  const u = seededUniform(n * n, seed, 0, 1);
  const pairs: number[] = [];
  const p = degree / n;
  for (let i = 0; i < n - 2; i++) for (let j = i + 1; j < n - 2; j++) if ((i === 0 && j === 1) || u[i * n + j] < p) pairs.push(i, j);
  return graphAdjacency(n, Uint32Array.from(pairs));
}

/**
 * A decoder's operands: z (n x L, f32 values in [-zScale, zScale], which set the logits' range so
 * that both BCE regimes and saturation occur) and KL rows, and their buffers with dz and out.
 */
export function decoderOperands(res: GpuResources, n: number, L: number, zScale: number) {
  const device = res.device;
  const z = seededUniform(n * L, 7 + L, -zScale, zScale).map(Math.fround);
  const klRows = seededUniform(n, 9, -3, 0).map(Math.fround);
  const zb = res.storage('z', pad4(n) * pad4(L) * 4);
  device.queue.writeBuffer(zb, 0, padMatrix(z, n, L));
  const dzb = res.storage('dz', pad4(n) * pad4(L) * 4);
  const out = res.storage('out', 16);
  const kb = res.storage('klRows', pad4(n) * 4);
  device.queue.writeBuffer(kb, 0, Float32Array.from(klRows));
  return { z, klRows, zb, dzb, out, kb };
}

/** The unit roundoff of f32. */
export const U = 2 ** -24;

/**
 * Pair (i, j) of z (N x L, row-major): its loss term l (softplus(-x) for an edge, softplus(x)
 * otherwise), the sigmoid s its gradient is made of, and their error bounds per unit weight. x =
 * z_i . z_j is off by (L + 1) u sum_k |z_ik z_jk|; softplus and sigmoid have slopes at most 1 and
 * 1/4; WGSL's log is within 2^-21 absolute on [0.5, 2] (log1p(e) = log(1 + e) e / (1 + e - 1)
 * inherits it, times about 1), exp within 3 + 2|x| ulp; a few more roundings each.
 */
export function pairError(z: ArrayLike<number>, i: number, j: number, L: number, edge: boolean) {
  let x = 0;
  let ax = 0;
  for (let k = 0; k < L; k++) {
    x += z[i * L + k] * z[j * L + k];
    ax += Math.abs(z[i * L + k] * z[j * L + k]);
  }
  const dx = (L + 1) * U * ax;
  const l = edge ? softplus(-x) : softplus(x);
  const s = sigmoid(edge ? -x : x);
  return { l, s, lossErr: 2 ** -21 + dx + 6 * U * l, gradErr: dx / 4 + (10 + 2 * Math.abs(x)) * 2 * U * s };
}
