// Elementwise comparison |g - r| <= atol + rtol |r|, where NaN never passes.
import { expect } from 'vitest';

/** Worst element and how many fail; `ok` is false when any element fails or is not finite. */
export function allclose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number) {
  let bad = 0;
  let worst = -1;
  let worstExcess = -Infinity;
  if (got.length !== want.length) return { ok: false, bad: -1, worst, message: `length ${got.length} != ${want.length}` };
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const allowed = atol + rtol * Math.abs(want[i]);
    // Written so that NaN in either side counts as a failure.
    const pass = err <= allowed;
    if (!pass) bad++;
    const excess = pass ? err - allowed : Infinity;
    if (excess > worstExcess || (!pass && worst < 0)) {
      worstExcess = excess;
      worst = i;
    }
  }
  const pairs = [worst, 0, 1, got.length - 1]
    .filter((i, k, a) => i >= 0 && i < got.length && a.indexOf(i) === k)
    .map((i) => `[${i}] got ${got[i]} want ${want[i]}`)
    .join('; ');
  return { ok: bad === 0, bad, worst, message: `${bad}/${got.length} outside atol=${atol} rtol=${rtol}; ${pairs}` };
}

/** Asserts allclose, printing the label, the worst index and a few pairs on failure. */
export function expectClose(label: string, got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): void {
  const r = allclose(got, want, atol, rtol);
  expect(r.ok, `${label}: ${r.message}`).toBe(true);
}

/** Copies an unpadded (rows x cols) matrix into padded storage (rows4 x ld) as f32. */
export function padMatrix(a: ArrayLike<number>, rows: number, cols: number, prow = (rows + 3) & ~3, ld = (cols + 3) & ~3): Float32Array<ArrayBuffer> {
  const out = new Float32Array(prow * ld);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * ld + c] = a[r * cols + c];
  return out;
}

/** Reads the logical (rows x cols) part of padded storage with row stride ld. */
export function unpadMatrix(a: ArrayLike<number>, rows: number, cols: number, ld = (cols + 3) & ~3): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = a[r * ld + c];
  return out;
}

/**
 * Asserts |got - want| <= scale * bound elementwise, with a bound per element (NaN never passes),
 * printing the worst index (by share of its bound) and a few pairs.
 */
export function expectBounded(label: string, got: ArrayLike<number>, want: ArrayLike<number>, bound: ArrayLike<number>, scale = 1): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  let bad = 0;
  let worst = 0;
  let worstRatio = -1;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const ok = err <= scale * bound[i];
    if (!ok) bad++;
    const ratio = ok ? err / (scale * bound[i] || 1) : Infinity;
    if (ratio > worstRatio) [worst, worstRatio] = [i, ratio];
  }
  const pairs = [worst, 0, got.length - 1]
    .filter((i, k, a) => a.indexOf(i) === k)
    .map((i) => `[${i}] got ${got[i]} want ${want[i]} bound ${scale * bound[i]}`)
    .join('; ');
  expect(bad, `${label}: ${bad}/${got.length} outside the bound; ${pairs}`).toBe(0);
}
