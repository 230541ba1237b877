/**
 * The sampled decoder's negative pairs, on the CPU: the same numbers shaders/sampled_edge_loss.wgsl
 * draws on the GPU (through shaders/common/permutation.wgsl), for the float64 reference and tests.
 *
 * Layout. An epoch has M = K E negative slots (K per undirected training edge), in rounds of N:
 * slot s = r N + a (round r, position a < N) pairs the nodes (pi1_r(a), pi2_r(a)), where pi1_r and
 * pi2_r are two keyed pseudo-random permutations of [0, N) drawn for round r of epoch t. For
 * uniformly random permutations, each slot's pair is uniform over the N^2 ordered pairs; within a
 * round every node is a first endpoint at most once and a second endpoint at most once. That
 * fixed-slot structure is what lets the GPU compute dL/dz without atomics or sorting: node k finds
 * its own slots by inverting the permutations (a = pi1_r^-1(k) makes k the first endpoint of slot
 * r N + a when a is inside the round), so each node gathers its gradient from its own id.
 *
 * Masking, not redrawing: a pair that is a training edge or a self pair (an entry of A_train + I)
 * is masked: its loss and gradient are zero. Redrawing would move a slot's partner off the
 * permutation and break the structure above. The share masked is p = nnz(A_train + I) / N^2 (the
 * graph's density: 0.16% on Cora's training graph, 0.004% for 250,000 nodes and 1.25M edges), and
 * the loss divides the negatives' sum by M (1 - p), the expected number of live slots, so the
 * negative term estimates the mean of softplus(z_i . z_j) over non-edges i != j without bias, as
 * PyTorch Geometric's `negative_sampling` (which rejects edges and redraws) does. Pairs may repeat
 * across rounds (as draws with replacement do).
 *
 * The permutation is a keyed bijection of [0, 2^b) (2^(b-1) < N <= 2^b) restricted to [0, N) by
 * cycle walking (Black & Rogaway 2002; the GPU shuffles of Mitchell et al. 2022 use the same
 * construction): an unbalanced Feistel network whose rounds alternately xor the left bits with a
 * hash of the right bits and the right bits with a hash of the left, keyed by Philox4x32-10 words
 * drawn from (seed, STREAM_NEGATIVES) at counter (round, epoch, which permutation, 0). Each round is
 * its own inverse given the untouched side, so the inverse runs the rounds backwards.
 */
import { philox4x32, STREAM_NEGATIVES } from '../runtime/philox.js';

/** Feistel rounds of each permutation (the GPU takes this number as an override constant). */
export const FEISTEL_ROUNDS = 8;

/**
 * Key schedule constant: rounds 4 to 7 reuse keys 0 to 3 xored with it (the golden ratio's bits).
 * Eight rounds, not four: on the tiny domains of small graphs (16 values in two 2-bit halves)
 * six rounds leave a measurable bias in a single slot's pair (chi-square 172 on 120 degrees of
 * freedom over 200,000 epochs of an 11-node graph), eight do not (105).
 */
const KEY_SALT = 0x9e3779b9;

/** How an epoch's negatives are laid out. */
export interface NegativeLayout {
  /** Nodes N (at least 2). */
  n: number;
  /** Slots M = K E. */
  slots: number;
  /** Rounds of at most N slots: ceil(M / N). */
  rounds: number;
  /** Bits of the permutation's left and right halves (b = left + right, both at least 1). */
  leftBits: number;
  rightBits: number;
}

/** The layout of K negatives per undirected training edge; throws on sizes the sampler cannot take. */
export function negativeLayout(n: number, trainEdges: number, perEdge: number): NegativeLayout {
  if (!Number.isInteger(n) || n < 2 || n > 2 ** 31) throw new Error(`negatives: ${n} nodes; the sampler needs 2 to 2^31`);
  if (!Number.isInteger(perEdge) || perEdge < 1) throw new Error(`negatives: ${perEdge} negatives per edge must be a whole number of at least 1`);
  if (!Number.isInteger(trainEdges) || trainEdges < 1) throw new Error(`negatives: ${trainEdges} training edges; the sampled decoder needs at least one`);
  const slots = perEdge * trainEdges;
  if (slots > 2 ** 32 - 1) throw new Error(`negatives: ${perEdge} x ${trainEdges} edges = ${slots} slots, more than 2^32 - 1`);
  let bits = 2;
  while (2 ** bits < n) bits++;
  const leftBits = bits >> 1;
  return { n, slots, rounds: Math.ceil(slots / n), leftBits, rightBits: bits - leftBits };
}

/** The four key words of permutation `which` (0: first endpoints, 1: second) of round r at epoch t. */
export function permutationKeys(seed: number, t: number, round: number, which: 0 | 1): [number, number, number, number] {
  return philox4x32([round, t, which, 0], [seed, STREAM_NEGATIVES]);
}

/** A 32-bit integer hash with full avalanche (Wellons' lowbias32), the Feistel round function. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x21f0aaad) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, 0x735a2d97) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

function roundKey(keys: readonly number[], i: number): number {
  return i < 4 ? keys[i] >>> 0 : (keys[i - 4] ^ KEY_SALT) >>> 0;
}

/** Feistel round i on (left, right): even rounds change the left bits, odd rounds the right. */
function feistel(v: number, keys: readonly number[], l: NegativeLayout, inverse: boolean): number {
  const maskL = 2 ** l.leftBits - 1;
  const maskR = 2 ** l.rightBits - 1;
  let left = Math.floor(v / 2 ** l.rightBits);
  let right = v & maskR;
  for (let s = 0; s < FEISTEL_ROUNDS; s++) {
    const i = inverse ? FEISTEL_ROUNDS - 1 - s : s;
    if (i % 2 === 0) left = (left ^ (mix32(right ^ roundKey(keys, i)) & maskL)) >>> 0;
    else right = (right ^ (mix32(left ^ roundKey(keys, i)) & maskR)) >>> 0;
  }
  return left * 2 ** l.rightBits + right;
}

/** pi(x) for x in [0, N): the Feistel bijection of [0, 2^b), walked along its cycle until it lands in [0, N). */
export function permute(x: number, keys: readonly number[], l: NegativeLayout): number {
  let y = feistel(x, keys, l, false);
  while (y >= l.n) y = feistel(y, keys, l, false);
  return y;
}

/** pi^-1(y) for y in [0, N). */
export function unpermute(y: number, keys: readonly number[], l: NegativeLayout): number {
  let x = feistel(y, keys, l, true);
  while (x >= l.n) x = feistel(x, keys, l, true);
  return x;
}

/**
 * The M raw pairs of epoch t (masked ones included): pairs[2s], pairs[2s + 1] are slot s's first
 * and second endpoints, (pi1_r(a), pi2_r(a)) with s = r N + a.
 */
export function negativePairs(seed: number, t: number, l: NegativeLayout): Uint32Array {
  const out = new Uint32Array(2 * l.slots);
  for (let r = 0; r < l.rounds; r++) {
    const k1 = permutationKeys(seed, t, r, 0);
    const k2 = permutationKeys(seed, t, r, 1);
    const live = Math.min(l.n, l.slots - r * l.n);
    for (let a = 0; a < live; a++) {
      const s = r * l.n + a;
      out[2 * s] = permute(a, k1, l);
      out[2 * s + 1] = permute(a, k2, l);
    }
  }
  return out;
}

/** Whether (i, j) is an entry of the sorted neighbour lists (A_train + I: training edges and self pairs). */
export function isLabel(rowPtr: ArrayLike<number>, colIdx: ArrayLike<number>, i: number, j: number): boolean {
  let a = rowPtr[i];
  let b = rowPtr[i + 1];
  while (a < b) {
    const m = (a + b) >>> 1;
    if (colIdx[m] < j) a = m + 1;
    else b = m;
  }
  return a < rowPtr[i + 1] && colIdx[a] === j;
}

/**
 * The weight of the negatives' sum: 1 / (M (1 - p)) with p = labelEntries / N^2 the chance that a
 * uniform ordered pair is masked (labelEntries = nnz(A_train + I) = 2 E + N).
 */
export function negativeScale(l: NegativeLayout, labelEntries: number): number {
  const n2 = l.n * l.n;
  if (labelEntries >= n2) throw new Error(`negatives: the graph is complete (${labelEntries} of ${n2} pairs are edges or self pairs): no pair to draw`);
  return n2 / (l.slots * (n2 - labelEntries));
}
