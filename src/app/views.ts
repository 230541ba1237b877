/**
 * What the page shows of a model, computed in the worker: test digits with their
 * reconstructions, prior samples, the latent means of test digits (projected to 2-D), the
 * decoded manifold of a 2-D latent space, and interpolations. Each returns plain arrays ready
 * to post to the page.
 */
import { corruptionText, type Corruption } from '../config.js';
import type { Dataset } from '../data/dataset.js';
import type { Vae } from '../vae/vae.js';
import { latentView, MANIFOLD_SIDE, SCATTER_COUNT } from '../views/latent_view.js';
import { interpolate, type InterpolationPath } from '../vae/toolkit.js';
import type { ImageSet } from './protocol.js';

/** Test digits shown beside their reconstructions. */
export const RECON_COUNT = 32;
/** Prior samples shown. */
export const SAMPLE_COUNT = 64;
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

/** Test digits in the denoising strip. */
export const DENOISE_COUNT = 12;
/** The strip's corruption for a model trained without one. */
const DEMO_CORRUPTION: Corruption = { kind: 'mask', amount: 0.5 };

/**
 * The first test digits, their reconstructions decode(mu(x)), prior samples, and the denoising
 * strip: rows of clean digits, their corruptions (the model's training corruption, else
 * mask:0.5) and the reconstructions of those.
 */
export async function imageViews(vae: Vae, test: Dataset): Promise<{ originals: ImageSet; reconstructions: ImageSet; samples: ImageSet; denoising: ImageSet; corruption: string }> {
  const originals = imagesOf(test, 0, RECON_COUNT);
  const rec = await vae.reconstruct(originals.pixels, originals.count);
  const samples = await vae.sample(SAMPLE_COUNT, SAMPLE_SEED);
  const clean = imagesOf(test, 0, DENOISE_COUNT);
  const corruption = vae.config.corrupt ?? DEMO_CORRUPTION;
  const d = await vae.denoise(clean.pixels, corruption, clean.count);
  const strip = new Float32Array(3 * clean.pixels.length);
  strip.set(clean.pixels);
  strip.set(d.corrupted, clean.pixels.length);
  strip.set(d.reconstructions, 2 * clean.pixels.length);
  return {
    originals,
    reconstructions: { ...originals, pixels: rec },
    samples: { count: SAMPLE_COUNT, rows: test.rows, cols: test.cols, pixels: samples },
    denoising: { count: 3 * clean.count, rows: test.rows, cols: test.cols, pixels: strip },
    corruption: corruptionText(corruption),
  };
}

/** Posterior means of the first test digits in 2-D, with labels; the manifold when latent = 2. */
export async function pageLatentView(vae: Vae, test: Dataset): Promise<{
  points: Float32Array; labels: Uint8Array | null; axes: [string, string]; manifold: ImageSet | null;
}> {
  const digits = imagesOf(test, 0, SCATTER_COUNT);
  const v = await latentView(vae, digits.pixels, digits.count);
  const labels = test.labels ? test.labels.slice(0, digits.count) : null;
  const manifold = v.manifold && { count: MANIFOLD_SIDE * MANIFOLD_SIDE, rows: test.rows, cols: test.cols, pixels: v.manifold };
  return { points: v.points, labels, axes: v.axes, manifold };
}

/** Decodes the path (linear or spherical) between mu(test[a]) and mu(test[b]). */
export async function interpolation(vae: Vae, test: Dataset, a: number, b: number, path: InterpolationPath): Promise<ImageSet> {
  for (const i of [a, b]) {
    if (!Number.isInteger(i) || i < 0 || i >= test.count) throw new Error(`digit #${i} is not in the test set (0 to ${test.count - 1})`);
  }
  const pixels = await interpolate(vae, imagesOf(test, a, 1).pixels, imagesOf(test, b, 1).pixels, INTERPOLATION_FRAMES, path);
  return { count: INTERPOLATION_FRAMES, rows: test.rows, cols: test.cols, pixels };
}
