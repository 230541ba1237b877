/**
 * Seeded inputs and the element-wise comparison the benchmark uses to validate each kernel
 * against the float64 CPU reference before timing it. A mismatch throws: a kernel that computes
 * the wrong thing has no speed worth reporting.
 */
import { philox4x32 } from '../../src/runtime/philox.js';
import { pad4 } from '../../src/gpu/pad.js';
import { readBuffer } from '../../src/gpu/buffers.js';

/** Key word 1 of the benchmark's Philox stream (tests use 7; training uses 0..2). */
const STREAM_BENCH = 9;

/** n float32-representable numbers uniform in [lo, hi), the same on every machine. */
export function seeded(n: number, seed: number, lo: number, hi: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 4) {
    const x = philox4x32([i / 4, 0, 0, 0], [seed, STREAM_BENCH]);
    for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = Math.fround(lo + ((x[j] >>> 8) / 16777216) * (hi - lo));
  }
  return out;
}

/** An unpadded (rows x cols) matrix in padded storage: pad4(rows) x pad4(cols), zeros around. */
export function padded(a: ArrayLike<number>, rows: number, cols: number, storedRows = pad4(rows)): Float32Array<ArrayBuffer> {
  const ld = pad4(cols);
  const out = new Float32Array(storedRows * ld);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * ld + c] = a[r * cols + c];
  return out;
}

/** The logical (rows x cols) block of padded storage with row stride pad4(cols). */
export function unpadded(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const ld = pad4(cols);
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = a[r * ld + c];
  return out;
}

/** What a validation found: the worst absolute error and where. */
export interface Validation {
  ok: true;
  max_abs_err: number;
  /** Largest |reference| value, to read max_abs_err against. */
  max_abs_ref: number;
}

/**
 * Checks |got - want| <= atol + rtol |want| everywhere (NaN fails) and throws an Error naming
 * `label`, the failing count, the worst index and a few pairs when it does not hold.
 */
export function validate(label: string, got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): Validation {
  if (got.length !== want.length) throw new Error(`${label}: validation failed: ${got.length} values, reference has ${want.length}`);
  let bad = 0;
  let worst = 0;
  let worstExcess = -Infinity;
  let maxErr = 0;
  let maxRef = 0;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const pass = err <= atol + rtol * Math.abs(want[i]);
    if (!pass) bad++;
    const excess = pass ? err - atol - rtol * Math.abs(want[i]) : Infinity;
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
    if (err > maxErr || Number.isNaN(err)) maxErr = err;
    maxRef = Math.max(maxRef, Math.abs(want[i]));
  }
  if (bad > 0) {
    const pairs = [worst, 0, got.length - 1]
      .filter((i, k, a) => a.indexOf(i) === k)
      .map((i) => `[${i}] got ${got[i]} want ${want[i]}`)
      .join('; ');
    throw new Error(`${label}: validation against the CPU reference failed: ${bad}/${got.length} outside atol=${atol} rtol=${rtol}; ${pairs}`);
  }
  return { ok: true, max_abs_err: maxErr, max_abs_ref: maxRef };
}

/** Copies a buffer back to the CPU as f32 (setup and validation only, never inside a timing). */
export const readBack = readBuffer;

/** Runs `f` inside validation and out-of-memory error scopes; an error names `label`. */
export async function scoped<T>(device: GPUDevice, label: string, f: () => Promise<T>): Promise<T> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let out: T;
  try {
    out = await f();
  } finally {
    const validation = await device.popErrorScope();
    const oom = await device.popErrorScope();
    if (validation) throw new Error(`${label}: WebGPU validation error: ${validation.message}`);
    if (oom) throw new Error(`${label}: out of GPU memory: ${oom.message}`);
  }
  return out;
}
