/**
 * What one full-graph training epoch of the graph VAE asks of the GPU, counted from the kernels'
 * loops: per dispatch its floating-point operations, its transcendental calls (exp, log, sin,
 * cos) and the bytes it touches, each gathered row counted every time it is read (an upper
 * bound: a GPU's cache serves repeats of small operands such as z or W0). The step is
 * GraphNetwork's (src/graph/graph_network.ts): encoder, sample, decoder, backward, gradient norm
 * and Adam, one submit; the exact decoder (every pair, all N^2 for the register variants and
 * once per unordered pair for the tiled one) or the sampled one (E edges and M = K E negatives).
 *
 * These are the figures behind a roofline argument: a GPU with R FLOP/s and B bytes/s cannot run
 * the epoch faster than max(flops / R, bytes / B) plus dispatches x the per-dispatch cost.
 */
import { decoderChunks, type InnerProductVariant } from '../kernels/inner_product_loss.js';
import { FEISTEL_ROUNDS } from './negative_sampler.js';

/** The decoder an epoch uses. */
export type EpochDecoder = { kind: 'exact'; variant: InnerProductVariant } | { kind: 'sampled'; negatives: number };

/** The model and graph. */
export interface EpochShape {
  nodes: number;
  /** Undirected training edges E. */
  trainEdges: number;
  /** Sparse features (columns, stored entries), or null for the identity. */
  features: { cols: number; nnz: number } | null;
  hidden: number;
  latent: number;
  decoder: EpochDecoder;
}

/** One dispatch's counts. */
export interface DispatchCost {
  kernel: string;
  flops: number;
  /** exp, log, sin, cos calls (a GPU's special-function units, a CPU's slowest operations). */
  transcendentals: number;
  /** Integer operations that are the work itself (the sampler's hashes), not indexing. */
  intOps: number;
  bytes: number;
}

/** Philox4x32-10: ten rounds of two 32x32 multiplies (high and low words) and a few xors and adds. */
const PHILOX_INT_OPS = 10 * 12;
/** One Feistel round: a hash of three multiplies-or-shifts pairs, a xor with the key, a mask. */
const FEISTEL_ROUND_INT_OPS = 9;
/** Cycle walking visits fewer than 2 values on average (the domain is less than twice N). */
const WALK = 2;

/** The dispatches of one epoch (one training step) and their counts. */
export function epochCost(s: EpochShape): DispatchCost[] {
  const { nodes: N, trainEdges: E, hidden: H, latent: L } = s;
  const nnzA = 2 * E + N;
  const out: DispatchCost[] = [];
  const add = (kernel: string, flops: number, bytes: number, transcendentals = 0, intOps = 0) => out.push({ kernel, flops, transcendentals, intOps, bytes });
  // spmm: per stored entry a multiply-add on each of `cols` columns and the gathered row it reads;
  // the CSR's index and value, the output written once.
  const spmm = (kernel: string, rows: number, nnz: number, cols: number, extra = 0) =>
    add(kernel, 2 * nnz * cols, 4 * ((rows + 1) + 2 * nnz + nnz * cols + rows * cols + extra * rows * cols));
  const gemm = (kernel: string, m: number, k: number, n: number) => add(kernel, 2 * m * k * n, 4 * (m * k + k * n + m * n));
  const F = s.features ? s.features.cols : N;
  if (s.features) spmm('spmm X W0', N, s.features.nnz, H);
  spmm('spmm H = ReLU(Â X W0)', N, nnzA, H);
  spmm('spmm Â H', N, nnzA, H);
  gemm('linear head = (Â H) W_head', N, H, 2 * L);
  // Per element: Philox (shared by 4 elements), Box-Muller's log, sqrt and cos or sin, and exp for sigma.
  add('gaussian_logstd.forward_sample', 8 * N * L, 4 * (2 * N * L + 2 * N * L + N), 3 * N * L, (N * L * PHILOX_INT_OPS) / 4);
  if (s.decoder.kind === 'exact') {
    const pairs = s.decoder.variant === 'tiled' ? (N * (N + 1)) / 2 : N * N;
    // Per pair: the dot product and the gradient's multiply-add (4L), exp and log (and a division).
    const { chunks } = decoderChunks(N, s.decoder.variant);
    // z_j read per pair (from cache or workgroup memory on a GPU; the tiled variant stages it once per pass).
    const zReads = s.decoder.variant === 'tiled' ? Math.ceil(N / 32) * N : N * N;
    // The tiled column phase adds 2L flops per pair (g z_i summed through workgroup memory).
    add('inner_product_loss.rows', pairs * (s.decoder.variant === 'tiled' ? 6 : 4) * L, 4 * (zReads * L + nnzA + N * L + chunks * N * (L + 1)), 2 * pairs);
    if (chunks > 1) add('inner_product_loss.finish', chunks * N * L, 4 * (chunks * N * L + N * L));
  } else {
    const M = s.decoder.negatives * E;
    const rounds = Math.ceil(M / N);
    const visits = 2 * E + 2 * M;
    // Per node and round: two inverse and two forward permutations (the keys are drawn once).
    const perm = 4 * FEISTEL_ROUNDS * FEISTEL_ROUND_INT_OPS * WALK;
    // Each live negative visit looks its pair up in the labels: a binary search over the node's row.
    const search = Math.max(1, Math.ceil(Math.log2(nnzA / N + 1)));
    add('sampled_edge_loss.round_keys_of_epoch', 0, 4 * 4 * 2 * rounds, 0, 2 * rounds * PHILOX_INT_OPS);
    add(
      'sampled_edge_loss.rows',
      visits * 4 * L,
      4 * (N * L + visits * L + nnzA + 2 * M * search + N * L + N + 4 * 2 * rounds),
      2 * visits,
      N * rounds * perm,
    );
  }
  add('inner_product_loss.total', 2 * N, 4 * (2 * N + 4));
  add('gaussian_logstd.backward', 8 * N * L, 4 * (2 * N * 2 * L + 2 * N * L), N * L);
  gemm('linear dW_head = (Â H)^T dhead', H, N, 2 * L);
  gemm('linear d(Â H) = dhead W_head^T', N, 2 * L, H);
  spmm('spmm dH = Â d(Â H) * [H > 0]', N, nnzA, H, 1);
  spmm('spmm d(X W0) = Â dP', N, nnzA, H);
  if (s.features) spmm('spmm dW0 = X^T d(X W0)', F, s.features.nnz, H);
  const P = F * H + H * 2 * L;
  add('adam.grad_norm', 2 * P, 4 * P);
  // Read parameters, gradients and both moments; write parameters and both moments.
  add('adam.update', 12 * P, 4 * 7 * P, P);
  return out;
}

/** Totals of an epoch's counts. */
export function epochTotals(costs: DispatchCost[]): Omit<DispatchCost, 'kernel'> & { dispatches: number } {
  const sum = (f: (c: DispatchCost) => number) => costs.reduce((a, c) => a + f(c), 0);
  return { dispatches: costs.length, flops: sum((c) => c.flops), transcendentals: sum((c) => c.transcendentals), intOps: sum((c) => c.intOps), bytes: sum((c) => c.bytes) };
}
