/**
 * Paths through latent space: linear, and spherical (slerp), which keeps the norm that draws
 * from a high-dimensional standard normal concentrate on, so decoded points stay typical of
 * the prior (White, "Sampling Generative Networks", 2016).
 */

/** `steps` points from a to b inclusive (steps >= 2), row after row: (1 - t) a + t b. */
export function lerpPath(a: ArrayLike<number>, b: ArrayLike<number>, steps: number): Float32Array {
  checkPath(a, b, steps);
  const d = a.length;
  const out = new Float32Array(steps * d);
  for (let s = 0; s < steps; s++) {
    const t = s / (steps - 1);
    for (let i = 0; i < d; i++) out[s * d + i] = (1 - t) * a[i] + t * b[i];
  }
  return out;
}

/**
 * `steps` points from a to b along the great circle, with the norm interpolated linearly:
 * sin((1-t) w)/sin(w) a + sin(t w)/sin(w) b on the unit directions, w the angle between them.
 * Nearly parallel endpoints (w below 1e-6) fall back to the linear path.
 */
export function slerpPath(a: ArrayLike<number>, b: ArrayLike<number>, steps: number): Float32Array {
  checkPath(a, b, steps);
  const d = a.length;
  let na = 0;
  let nb = 0;
  let dot = 0;
  for (let i = 0; i < d; i++) {
    na += a[i] * a[i];
    nb += b[i] * b[i];
    dot += a[i] * b[i];
  }
  na = Math.sqrt(na);
  nb = Math.sqrt(nb);
  if (na === 0 || nb === 0) return lerpPath(a, b, steps);
  const w = Math.acos(Math.min(1, Math.max(-1, dot / (na * nb))));
  if (w < 1e-6) return lerpPath(a, b, steps);
  const out = new Float32Array(steps * d);
  for (let s = 0; s < steps; s++) {
    const t = s / (steps - 1);
    const ca = Math.sin((1 - t) * w) / Math.sin(w);
    const cb = Math.sin(t * w) / Math.sin(w);
    const norm = (1 - t) * na + t * nb;
    for (let i = 0; i < d; i++) out[s * d + i] = norm * (ca * (a[i] / na) + cb * (b[i] / nb));
  }
  return out;
}

function checkPath(a: ArrayLike<number>, b: ArrayLike<number>, steps: number): void {
  if (a.length !== b.length || a.length === 0) throw new Error(`interpolation: endpoints have ${a.length} and ${b.length} values`);
  if (!Number.isInteger(steps) || steps < 2) throw new Error(`interpolation: steps=${steps} must be a whole number >= 2`);
}
