/**
 * 2-D views of a latent space, shared by the page (computed in its worker, drawn on a canvas)
 * and the CLI (rasterised to PNG): the posterior means of some inputs, projected on their top
 * two principal components when the latent size is above 2; and, for a 2-D latent space, the
 * decoded manifold, z on a square grid over [-range, range]^2.
 */
import { project2d } from './pca.js';
import type { Vae } from '../vae/vae.js';

/** Ten distinguishable colours (Tableau 10), one per label 0..9. */
export const LABEL_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
/** The one colour of points without labels. */
export const UNLABELLED_COLOR = '#4e79a7';
/** Inputs placed in a latent scatter by default (the first ones of the test set). */
export const SCATTER_COUNT = 2000;
/** Cells per side of the decoded 2-D manifold. */
export const MANIFOLD_SIDE = 15;
/** The manifold spans z in [-MANIFOLD_RANGE, MANIFOLD_RANGE]^2 (most of the prior's mass). */
export const MANIFOLD_RANGE = 2.5;

/** What a latent view shows; `points` and `manifold` are ready to draw. */
export interface LatentView {
  /** x0, y0, x1, y1, ...: z itself (latent 2), (z, 0) (latent 1), or the two principal components. */
  points: Float32Array;
  /** Axis titles: z1/z2, or PC1/PC2 with their share of the variance. */
  axes: [string, string];
  /** Share of the variance on each axis, for principal components; null otherwise. */
  explained: [number, number] | null;
  /** MANIFOLD_SIDE^2 decoded images, row 0 at the top (z2 = +range); null unless latent = 2. */
  manifold: Float32Array | null;
}

/**
 * The latent codes of a side x side grid over [-range, range]^2, row-major, two values each.
 * Row 0 is the top of the picture, so z2 runs from +range down to -range; z1 runs left to right.
 */
export function manifoldGrid(side: number, range: number): Float32Array {
  if (!Number.isInteger(side) || side < 2) throw new Error(`manifold: side=${side} must be a whole number >= 2`);
  const z = new Float32Array(side * side * 2);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      z[(r * side + c) * 2] = -range + (2 * range * c) / (side - 1);
      z[(r * side + c) * 2 + 1] = range - (2 * range * r) / (side - 1);
    }
  }
  return z;
}

/** Axis titles for a latent size and the variance shares of the projection. */
export function axisTitles(latent: number, explained: [number, number]): [string, string] {
  if (latent === 2) return ['z1', 'z2'];
  if (latent === 1) return ['z1', ''];
  const pct = (f: number) => `${Math.round(f * 100)}% of variance`;
  return [`PC1 (${pct(explained[0])})`, `PC2 (${pct(explained[1])})`];
}

/** Data values at the edges of a square plot: x from x0 (left) to x1, y from y0 (bottom) to y1. */
export interface PlotWindow {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * The data window of a square scatter plot of `points` (x0, y0, x1, y1, ...): their bounds, and
 * the manifold's square [-range, range]^2 when `range` > 0, widened by 4% and centred. `equal`
 * gives both axes one scale (z itself, so distances and the manifold's square are true);
 * otherwise each axis is stretched to fill the square (principal components). Non-finite
 * points are left out; with nothing to bound, the window is [-1, 1]^2.
 */
export function plotWindow(points: ArrayLike<number>, range: number, equal: boolean): PlotWindow {
  let x0 = range > 0 ? -range : Infinity;
  let x1 = range > 0 ? range : -Infinity;
  let y0 = x0;
  let y1 = x1;
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = points[i];
    const y = points[i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (x0 > x1) return { x0: -1, x1: 1, y0: -1, y1: 1 };
  let spanX = Math.max(x1 - x0, 1e-6) * 1.04;
  let spanY = Math.max(y1 - y0, 1e-6) * 1.04;
  if (equal) spanX = spanY = Math.max(spanX, spanY);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  return { x0: cx - spanX / 2, x1: cx + spanX / 2, y0: cy - spanY / 2, y1: cy + spanY / 2 };
}

/**
 * The latent view of n inputs (n x inputSize pixels in [0, 1]): their posterior means in 2-D and,
 * when the latent size is 2, the decoded manifold. Runs on the GPU in the model's batches.
 */
export async function latentView(vae: Vae, x: Float32Array, n: number): Promise<LatentView> {
  const { latent } = vae.config;
  const { mu } = await vae.encode(x, n);
  const proj = project2d(mu, n, latent);
  const manifold = latent === 2 ? await vae.decode(manifoldGrid(MANIFOLD_SIDE, MANIFOLD_RANGE), MANIFOLD_SIDE * MANIFOLD_SIDE) : null;
  return { points: proj.points, axes: axisTitles(latent, proj.explained), explained: latent > 2 ? proj.explained : null, manifold };
}
