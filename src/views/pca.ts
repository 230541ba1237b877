/**
 * A 2-D view of latent means: the identity for a 2-D latent space, otherwise the projection on
 * the top two principal components, found by power iteration on the covariance matrix
 * (d x d, d = latent size; with deflation for the second component). Used by the page's latent
 * scatter and the CLI's `latent` command (through src/views/latent_view.ts).
 */

/** Points projected to 2-D, with the share of variance each axis explains (NaN for identity). */
export interface Projection {
  /** x0, y0, x1, y1, ... */
  points: Float32Array;
  explained: [number, number];
}

/**
 * The mean of n rows of d values and their scatter matrix sum_i (x_i - mean)(x_i - mean)^T
 * (d x d, both triangles), in float64: the covariance up to the divisor the caller picks.
 */
export function meanAndScatter(x: ArrayLike<number>, n: number, d: number): { mean: Float64Array; scatter: Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  const scatter = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const xa = x[i * d + a] - mean[a];
      for (let b = a; b < d; b++) scatter[a * d + b] += xa * (x[i * d + b] - mean[b]);
    }
  }
  for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) scatter[b * d + a] = scatter[a * d + b];
  return { mean, scatter };
}

/** The dominant eigenvector of the symmetric matrix `c` (d x d), starting from a fixed vector. */
function powerIteration(c: Float64Array, d: number, iterations = 200): { vector: Float64Array; value: number } {
  let v = new Float64Array(d);
  // A fixed, non-symmetric start: reproducible and unlikely to be orthogonal to the answer.
  for (let i = 0; i < d; i++) v[i] = 1 + i / d;
  let value = 0;
  for (let it = 0; it < iterations; it++) {
    const w = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += c[i * d + j] * v[j];
      w[i] = s;
    }
    let norm = 0;
    for (let i = 0; i < d; i++) norm += w[i] * w[i];
    norm = Math.sqrt(norm);
    if (norm === 0) break;
    for (let i = 0; i < d; i++) w[i] /= norm;
    value = norm;
    let change = 0;
    for (let i = 0; i < d; i++) change = Math.max(change, Math.abs(w[i] - v[i]));
    v = w;
    if (change < 1e-10) break;
  }
  return { vector: v, value };
}

/** Projects n points of d dimensions (row-major) to 2-D. */
export function project2d(x: Float32Array, n: number, d: number): Projection {
  if (d === 2) return { points: x.slice(0, 2 * n), explained: [NaN, NaN] };
  if (d === 1) {
    const points = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) points[2 * i] = x[i];
    return { points, explained: [1, 0] };
  }
  const { mean, scatter: c } = meanAndScatter(x, n, d);
  let trace = 0;
  for (let i = 0; i < d * d; i++) c[i] /= Math.max(1, n - 1);
  for (let a = 0; a < d; a++) trace += c[a * d + a];
  const first = powerIteration(c, d);
  // Deflation: remove the first component so the second becomes dominant.
  const deflated = c.slice();
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) deflated[a * d + b] -= first.value * first.vector[a] * first.vector[b];
  const second = powerIteration(deflated, d);
  const points = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    let p = 0;
    let q = 0;
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j] - mean[j];
      p += v * first.vector[j];
      q += v * second.vector[j];
    }
    points[2 * i] = p;
    points[2 * i + 1] = q;
  }
  return { points, explained: trace > 0 ? [first.value / trace, second.value / trace] : [0, 0] };
}
