// Seeded test inputs: the same numbers on every run and machine.
import { philox4x32 } from '../../src/runtime/philox.js';

/** n numbers uniform in [lo, hi) from Philox keyed by `seed` (stream 7, reserved for tests). */
export function seededUniform(n: number, seed: number, lo: number, hi: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 4) {
    const x = philox4x32([i / 4, 0, 0, 0], [seed, 7]);
    for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = lo + ((x[j] >>> 8) / 16777216) * (hi - lo);
  }
  return out;
}

/** Rounds to float32, so GPU and reference see identical inputs. */
export function f32(a: ArrayLike<number>): Float32Array {
  return Float32Array.from(a);
}

/** An IDX file: big-endian magic and dimensions, then the payload bytes. */
export function idxFile(magic: number, dims: number[], payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(payload, 4 + 4 * dims.length);
  return out;
}
