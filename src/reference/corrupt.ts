/**
 * The float64 reference of shaders/corrupt.wgsl: the same Philox numbers, the same decisions.
 * Comparisons use the f32 value of the amount, as the shader sees it.
 */
import type { Corruption } from '../config.js';
import { philox4x32, STREAM_CORRUPT } from '../runtime/philox.js';

const U24 = 1 / 16777216;

/** The corrupted copy of rows x[rows, pixels] (unpadded) at step `t` under `seed`. */
export function corruptRows(x: ArrayLike<number>, rows: number, pixels: number, c: Corruption | null, seed: number, t: number): Float64Array {
  const out = Float64Array.from({ length: rows * pixels }, (_, i) => x[i]);
  if (!c) return out;
  const amount = Math.fround(c.amount);
  for (let e = 0; e < rows * pixels; e++) {
    const w = philox4x32([e, t, 0, 0], [seed, STREAM_CORRUPT]);
    const u0 = (w[0] >>> 8) * U24;
    const u1 = (w[1] >>> 8) * U24;
    if (c.kind === 'mask') {
      if (u0 < amount) out[e] = 0;
    } else if (c.kind === 'saltpepper') {
      if (u0 < amount) out[e] = u1 < 0.5 ? 0 : 1;
    } else {
      const v = ((w[0] >>> 8) + 1) * U24;
      const n = Math.sqrt(-2 * Math.log(v)) * Math.cos(u1 * 2 * Math.PI - Math.PI);
      out[e] = Math.min(1, Math.max(0, x[e] + amount * n));
    }
  }
  return out;
}
