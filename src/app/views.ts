/**
 * What the page shows of a model, computed in the worker: test digits with their
 * reconstructions, prior samples, the latent means of test digits (projected to 2-D), the
 * decoded manifold of a 2-D latent space, and interpolations. Each returns plain arrays ready
 * to post to the page.
 */
import type { Dataset } from '../data/dataset.js';
import type { Vae } from '../vae.js';
import { project2d } from './pca.js';
import type { ImageSet } from './protocol.js';

/** Test digits shown beside their reconstructions. */
export const RECON_COUNT = 32;
/** Prior samples shown. */
export const SAMPLE_COUNT = 64;
/** Test digits placed in the latent scatter (the first ones of the test set). */
export const SCATTER_COUNT = 2000;
/** Cells per side of the decoded 2-D manifold. */
export const MANIFOLD_SIDE = 15;
/** The manifold spans z in [-MANIFOLD_RANGE, MANIFOLD_RANGE]^2 (most of the prior's mass). */
export const MANIFOLD_RANGE = 2.5;
/** Frames of an interpolation, both ends included. */
export const INTERPOLATION_FRAMES = 10;
/** Prior samples use their own seed so the grid shows the same z at every refresh. */
const SAMPLE_SEED = 12345;

/** Images [start, start+count) of a data set as floats in [0, 1]. */
export function imagesOf(ds: Dataset, start: number, count: number): ImageSet {
  const p = ds.rows * ds.cols;
  const n = Math.max(0, Math.min(count, ds.count - start));
  const pixels = new Float32Array(n * p);
  for (let i = 0; i < n * p; i++) pixels[i] = ds.images[start * p + i] / 255;
  return { count: n, rows: ds.rows, cols: ds.cols, pixels };
}

/** The first test digits, their reconstructions decode(mu(x)), and prior samples. */
export async function imageViews(vae: Vae, test: Dataset): Promise<{ originals: ImageSet; reconstructions: ImageSet; samples: ImageSet }> {
  const originals = imagesOf(test, 0, RECON_COUNT);
  const rec = await vae.reconstruct(originals.pixels, originals.count);
  const samples = await vae.sample(SAMPLE_COUNT, SAMPLE_SEED);
  return {
    originals,
    reconstructions: { ...originals, pixels: rec },
    samples: { count: SAMPLE_COUNT, rows: test.rows, cols: test.cols, pixels: samples },
  };
}

/** Posterior means of the first test digits in 2-D, with labels; the manifold when latent = 2. */
export async function latentView(vae: Vae, test: Dataset): Promise<{
  points: Float32Array; labels: Uint8Array | null; axes: [string, string]; manifold: ImageSet | null;
}> {
  const { latent } = vae.config;
  const digits = imagesOf(test, 0, SCATTER_COUNT);
  const { mu } = await vae.encode(digits.pixels, digits.count);
  const proj = project2d(mu, digits.count, latent);
  const pct = (f: number) => `${Math.round(f * 100)}% of variance`;
  const axes: [string, string] =
    latent === 2 ? ['z1', 'z2'] : latent === 1 ? ['z1', ''] : [`PC1 (${pct(proj.explained[0])})`, `PC2 (${pct(proj.explained[1])})`];
  const labels = test.labels ? test.labels.slice(0, digits.count) : null;
  let manifold: ImageSet | null = null;
  if (latent === 2) {
    const n = MANIFOLD_SIDE;
    const z = new Float32Array(n * n * 2);
    // Row 0 is the top of the picture, so z2 runs from +range down to -range.
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        z[(r * n + c) * 2] = -MANIFOLD_RANGE + (2 * MANIFOLD_RANGE * c) / (n - 1);
        z[(r * n + c) * 2 + 1] = MANIFOLD_RANGE - (2 * MANIFOLD_RANGE * r) / (n - 1);
      }
    }
    manifold = { count: n * n, rows: test.rows, cols: test.cols, pixels: await vae.decode(z, n * n) };
  }
  return { points: proj.points, labels, axes, manifold };
}

/** Decodes the straight line from mu(test[a]) to mu(test[b]). */
export async function interpolation(vae: Vae, test: Dataset, a: number, b: number): Promise<ImageSet> {
  for (const i of [a, b]) {
    if (!Number.isInteger(i) || i < 0 || i >= test.count) throw new Error(`digit #${i} is not in the test set (0 to ${test.count - 1})`);
  }
  const p = test.rows * test.cols;
  const pair = new Float32Array(2 * p);
  pair.set(imagesOf(test, a, 1).pixels, 0);
  pair.set(imagesOf(test, b, 1).pixels, p);
  const { mu } = await vae.encode(pair, 2);
  const d = vae.config.latent;
  const n = INTERPOLATION_FRAMES;
  const z = new Float32Array(n * d);
  for (let k = 0; k < n; k++) {
    const t = k / (n - 1);
    for (let j = 0; j < d; j++) z[k * d + j] = (1 - t) * mu[j] + t * mu[d + j];
  }
  return { count: n, rows: test.rows, cols: test.cols, pixels: await vae.decode(z, n) };
}
