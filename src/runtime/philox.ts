/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), the
 * counter-based generator the GPU noise kernel also implements (shaders/reparameterize.wgsl).
 * Being keyed by (seed, step, element), any number can be recomputed anywhere without state.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32, from 16-bit halves (each partial product is exact in a double). */
export function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const hh = ah * bh;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/** Ten Philox rounds of a 4x32 counter under a 2x32 key; returns four u32. */
export function philox4x32(ctr: readonly number[], key: readonly number[]): [number, number, number, number] {
  let [c0, c1, c2, c3] = ctr.map((v) => v >>> 0);
  let [k0, k1] = key.map((v) => v >>> 0);
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** Key word 1 of each stream, so noise and initialisation never share numbers. */
export const STREAM_NOISE = 0;
export const STREAM_INIT = 1;
/** Shuffles of the training set (src/data/dataset.ts): counters (i, epoch >= 1, 0, 0). */
export const STREAM_SHUFFLE = 2;
/** The graph VAE's edge split (src/graph/split.ts): the shuffles' key, on counters (block, 0, 0, 0) they never use. */
export const STREAM_SPLIT = 2;
/** The denoising objectives' input corruption (shaders/corrupt.wgsl). */
export const STREAM_CORRUPT = 3;
/** The sampled graph decoder's negative pairs (src/graph/negative_sampler.ts, shaders/sampled_edge_loss.wgsl). */
export const STREAM_NEGATIVES = 4;

const TWO_POW_M24 = 1 / 16777216;

/**
 * Standard normal number `element` of training step `step` under `seed`: Box-Muller on the
 * Philox block (element / 4, step, 0, 0). u1 is in (0, 1] so log(u1) is finite; the angle is
 * in [-pi, pi), where WGSL's cos and sin have their stated accuracy.
 */
export function philoxNormal(seed: number, step: number, element: number): number {
  const x = philox4x32([Math.floor(element / 4), step, 0, 0], [seed, STREAM_NOISE]);
  const lane = element % 4;
  const pair = lane >> 1;
  const u1 = ((x[2 * pair] >>> 8) + 1) * TWO_POW_M24;
  const theta = (x[2 * pair + 1] >>> 8) * TWO_POW_M24 * 2 * Math.PI - Math.PI;
  const r = Math.sqrt(-2 * Math.log(u1));
  return lane & 1 ? r * Math.sin(theta) : r * Math.cos(theta);
}
