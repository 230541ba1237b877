/**
 * `eval`, `sample`, `reconstruct` and `anomalies`: commands that load a saved model; and the
 * helpers every such command uses (src/cli/latent_commands.ts has the latent-space ones).
 */
import { readFileSync, existsSync } from 'node:fs';
import { loadCheckpoint } from '../checkpoint/checkpoint.js';
import { corruptionText, imageDims } from '../config.js';
import { fillBatch, orderedBatches, pixelsOf, subset, type Dataset } from '../data/dataset.js';
import { requestNodeGpu } from '../node/gpu.js';
import { loadData } from '../node/data.js';
import { writeFileAtomic } from '../node/atomic.js';
import { anomalyScores, priorMismatch } from '../vae/toolkit.js';
import { Vae } from '../vae/vae.js';
import { gridPng } from './images.js';
import { UsageError, intFlag, parseFlags, required, settingFlag } from './args.js';
import { TaskProgress } from './progress.js';

/** Loads a checkpoint into a Vae on a fresh Node device; `batch` rows per GPU pass. */
export async function openModel(path: string, batch = 128): Promise<{ vae: Vae; close: () => void }> {
  if (!existsSync(path)) throw new Error(`--model ${path}: no such file`);
  const { params, config } = loadCheckpoint(readFileSync(path), path);
  const gpu = await requestNodeGpu();
  const vae = await Vae.create({ config: { ...config, batch }, parameters: params, device: gpu.device });
  return { vae, close: () => (vae.destroy(), gpu.device.destroy()) };
}

/** Checks that `test` has the model's image size (and shape, when the model records one); throws naming the data set and both. */
export function checkImageSize(test: Dataset, vae: Vae): void {
  if (pixelsOf(test) !== vae.config.inputSize) {
    throw new Error(`${test.name}: images have ${pixelsOf(test)} pixels, the model expects ${vae.config.inputSize}`);
  }
  const s = vae.config.inputShape;
  if (s.length === 3 && (s[1] !== test.rows || s[2] !== test.cols)) {
    throw new Error(`${test.name}: images are ${test.rows}x${test.cols}, the model expects ${s[1]}x${s[2]}`);
  }
}

/** Images `indices` of `test` as floats in [0, 1], one after the other. */
export function imagesAt(test: Dataset, indices: ArrayLike<number>): Float32Array {
  const x = new Float32Array(indices.length * pixelsOf(test));
  fillBatch(x, test, indices, 0, indices.length);
  return x;
}

/** The first `count` images of `test` as floats in [0, 1], in stored order. */
export function firstImages(test: Dataset, count: number): Float32Array {
  return imagesAt(test, Array.from({ length: count }, (_, i) => i));
}

/** `path` when it names a .png file; throws otherwise. */
export function checkPng(path: string): string {
  if (!path.toLowerCase().endsWith('.png')) throw new Error(`--out ${path}: the file name must end in .png`);
  return path;
}

/** `--iwae K`: the importance-weighted bound's sample count, or null; checked before any GPU work. */
function iwaeFlag(v: string | undefined): number | null {
  return v === undefined ? null : intFlag('iwae', v, 0, 1, 100000);
}

/** The bound needs a posterior to sample: refuses an autoencoder once the model is loaded. */
function checkIwaeModel(k: number | null, vae: Vae): void {
  if (k !== null && vae.config.kind === 'ae') throw new UsageError('--iwae: the model is an autoencoder (no posterior to sample); it needs a VAE');
}

/** The IWAE bound of n images with a progress line on stderr (unless quiet). */
async function iwaeBound(vae: Vae, x: Float32Array, n: number, k: number, quiet: boolean): Promise<Float64Array> {
  const progress = quiet ? null : new TaskProgress(process.stderr, `IWAE k=${k} on ${n} images: passes`);
  return vae.logLikelihood(x, n, k, progress ? (done, total) => progress.update(done, total) : undefined);
}

/**
 * `eval --model FILE [--data DIR] [--n N] [--draws N] [--iwae K] [--corrupt SPEC] [--json]`: test
 * loss (negative ELBO) averaged over noise draws, on the first N test images (default all);
 * with --iwae also the importance-weighted bound -L_K on the same images; with --corrupt the
 * loss of corrupted inputs scored against the clean images (the denoising figure).
 */
export async function evalCommand(args: string[]): Promise<void> {
  const f = parseFlags('eval', args, {
    model: { type: 'string' }, data: { type: 'string' }, n: { type: 'string' }, draws: { type: 'string' }, iwae: { type: 'string' }, json: { type: 'boolean' },
    corrupt: { type: 'string' },
  });
  const path = required('model', f.model);
  const draws = intFlag('draws', f.draws, 4, 1, 1000);
  const k = iwaeFlag(f.iwae);
  const corrupt = settingFlag('corrupt', 'corrupt', f.corrupt, null);
  if (corrupt && k !== null) throw new UsageError('eval: --iwae bounds log p(x) of the inputs as given; it does not take --corrupt');
  const data = await loadData(f.data);
  const { vae, close } = await openModel(path);
  try {
    checkImageSize(data.test, vae);
    checkIwaeModel(k, vae);
    const n = Math.min(intFlag('n', f.n, data.test.count, 1), data.test.count);
    const test = n === data.test.count ? data.test : subset(data.test, 0, n);
    const x = new Float32Array(vae.config.batch * vae.config.inputSize);
    let recon = 0;
    let kl = 0;
    let count = 0;
    for (let d = 0; d < draws; d++) {
      // With --corrupt, each draw corrupts the images afresh and scores the clean ones.
      const r = await vae.evaluate(orderedBatches(test, vae.config.batch, x), x, { corrupt });
      recon += r.recon;
      kl += r.kl;
      count += r.count;
    }
    const out: Record<string, number | string> = { test_loss: (recon + kl) / count, recon: recon / count, kl: kl / count, n, draws };
    if (corrupt) out.corrupt = corruptionText(corrupt);
    // How well the codes fill the prior that sampling draws from (see priorMismatch). An
    // autoencoder's codes are points: with no more of them than latent dimensions the fit is
    // degenerate, so the figure is left out.
    const images = firstImages(test, n);
    const L = vae.config.latent;
    const codes = await vae.encode(images, n);
    if (vae.config.kind === 'vae') out.prior_mismatch = priorMismatch(codes.mu, n, L, codes.logvar);
    else if (n > L) out.prior_mismatch = priorMismatch(codes.mu, n, L);
    if (k !== null) {
      const bound = await iwaeBound(vae, images, n, k, f.json ?? false);
      out.iwae_nll = -bound.reduce((a, b) => a + b, 0) / n;
      out.iwae_k = k;
    }
    if (f.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else {
      const kind = vae.config.kind === 'ae' ? 'reconstruction loss' : 'test loss (negative ELBO)';
      const on = corrupt ? `${n} images corrupted by ${corruptionText(corrupt)} (scored against the clean ones)` : `${n} images`;
      process.stdout.write(`${kind} ${(out.test_loss as number).toFixed(2)} nats/image (recon ${(out.recon as number).toFixed(2)}, KL ${(out.kl as number).toFixed(2)}) on ${on}, ${draws} noise draws\n`);
      if (out.prior_mismatch !== undefined) {
        const what = vae.config.kind === 'vae' ? 'the aggregate posterior of' : 'a Gaussian fit of the codes of';
        process.stdout.write(`codes vs prior: KL(${what} ${n} images || N(0, I)) = ${(out.prior_mismatch as number).toFixed(2)} nats\n`);
      }
      if (k !== null) process.stdout.write(`IWAE bound, k=${k}: -log p(x) <= ${(out.iwae_nll as number).toFixed(2)} nats/image on the same ${n} images\n`);
    }
  } finally {
    close();
  }
}

/** `sample --model FILE [--n 64] [--seed N] [--out FILE.png]`: a grid of prior samples. */
export async function sampleCommand(args: string[]): Promise<void> {
  const f = parseFlags('sample', args, { model: { type: 'string' }, n: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } });
  const path = required('model', f.model);
  const n = intFlag('n', f.n, 64, 1, 4096);
  const seed = intFlag('seed', f.seed, 1, 0, 0xffffffff);
  const out = checkPng(f.out ?? 'samples.png');
  const { vae, close } = await openModel(path);
  try {
    const { rows, cols } = imageDims(vae.config);
    const images = await vae.sample(n, seed);
    writeFileAtomic(out, gridPng(images, n, rows, cols));
    process.stdout.write(`wrote ${n} samples to ${out}\n`);
  } finally {
    close();
  }
}

/** `reconstruct --model FILE [--data DIR] [--n 32] [--out FILE.png]`: test digits above their reconstructions. */
export async function reconstructCommand(args: string[]): Promise<void> {
  const f = parseFlags('reconstruct', args, { model: { type: 'string' }, data: { type: 'string' }, n: { type: 'string' }, out: { type: 'string' } });
  const path = required('model', f.model);
  const n = intFlag('n', f.n, 32, 1, 1024);
  const out = checkPng(f.out ?? 'reconstructions.png');
  const data = await loadData(f.data);
  const { vae, close } = await openModel(path);
  try {
    checkImageSize(data.test, vae);
    const { rows: h, cols: w } = imageDims(vae.config);
    const count = Math.min(n, data.test.count);
    const x = firstImages(data.test, count);
    const recon = await vae.reconstruct(x, count);
    // Rows of 8: originals on one row, their reconstructions on the row below.
    const cols = Math.min(8, count);
    const rows = Math.ceil(count / cols);
    const grid = new Float32Array(2 * rows * cols * vae.config.inputSize);
    for (let i = 0; i < count; i++) {
      const r = Math.floor(i / cols);
      const c = i % cols;
      grid.set(x.subarray(i * vae.config.inputSize, (i + 1) * vae.config.inputSize), (2 * r * cols + c) * vae.config.inputSize);
      grid.set(recon.subarray(i * vae.config.inputSize, (i + 1) * vae.config.inputSize), ((2 * r + 1) * cols + c) * vae.config.inputSize);
    }
    writeFileAtomic(out, gridPng(grid, 2 * rows * cols, h, w, cols));
    process.stdout.write(`wrote ${count} test images and their reconstructions to ${out}\n`);
  } finally {
    close();
  }
}

/**
 * `anomalies --model FILE [--data DIR] [--top 64] [--draws 4 | --iwae K] [--out FILE.png] [--json]`:
 * scores every test image by its negative ELBO (averaged over noise draws), or with --iwae by its
 * importance-weighted bound -L_K (tighter, K times the work), and writes the most anomalous as
 * a PNG grid (most anomalous first) and, with --json, the ranking on stdout.
 */
export async function anomaliesCommand(args: string[]): Promise<void> {
  const f = parseFlags('anomalies', args, {
    model: { type: 'string' }, data: { type: 'string' }, top: { type: 'string' }, draws: { type: 'string' }, iwae: { type: 'string' },
    out: { type: 'string' }, json: { type: 'boolean' },
  });
  const path = required('model', f.model);
  const top = intFlag('top', f.top, 64, 1, 4096);
  const draws = intFlag('draws', f.draws, 4, 1, 1000);
  if (f.iwae !== undefined && f.draws !== undefined) throw new UsageError('anomalies: give --draws (negative ELBO) or --iwae (importance-weighted bound), not both');
  const iw = iwaeFlag(f.iwae);
  const out = checkPng(f.out ?? 'anomalies.png');
  const data = await loadData(f.data);
  const { vae, close } = await openModel(path);
  try {
    const P = vae.config.inputSize;
    checkImageSize(data.test, vae);
    checkIwaeModel(iw, vae);
    const n = data.test.count;
    const x = firstImages(data.test, n);
    const scores = iw === null ? await anomalyScores(vae, x, n, draws) : (await iwaeBound(vae, x, n, iw, f.json ?? false)).map((v) => -v);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
    const k = Math.min(top, n);
    const grid = new Float32Array(k * P);
    order.slice(0, k).forEach((src, i) => grid.set(x.subarray(src * P, (src + 1) * P), i * P));
    const { rows, cols } = imageDims(vae.config);
    writeFileAtomic(out, gridPng(grid, k, rows, cols));
    const ranked = order.slice(0, k).map((i) => ({ index: i, score: scores[i], label: data.test.labels ? data.test.labels[i] : null }));
    if (f.json) {
      const how = iw === null ? { score: 'negative ELBO', draws } : { score: 'negative IWAE bound', iwae_k: iw };
      process.stdout.write(`${JSON.stringify({ data: data.test.name, n, ...how, top: ranked })}\n`);
    } else {
      const mean = scores.reduce((a, b) => a + b, 0) / n;
      process.stdout.write(`scored ${n} test images (mean ${mean.toFixed(1)} nats); the ${k} most anomalous are in ${out}, top score ${ranked[0].score.toFixed(1)} (image ${ranked[0].index})\n`);
    }
  } finally {
    close();
  }
}

/**
 * `denoise --model FILE [--data DIR] [--corrupt SPEC] [--n 16] [--out FILE.png]`: rows of clean
 * test images, their corrupted copies, and the reconstructions of the corrupted ones (decoded
 * posterior means). The corruption defaults to the one the model was trained with, else mask:0.5.
 */
export async function denoiseCommand(args: string[]): Promise<void> {
  const f = parseFlags('denoise', args, { model: { type: 'string' }, data: { type: 'string' }, corrupt: { type: 'string' }, n: { type: 'string' }, out: { type: 'string' } });
  const path = required('model', f.model);
  const n = intFlag('n', f.n, 16, 1, 1024);
  const given = settingFlag('corrupt', 'corrupt', f.corrupt, null);
  if (f.corrupt !== undefined && !given) throw new UsageError('denoise: --corrupt none leaves nothing to denoise; give mask:P, gauss:S or saltpepper:P');
  const out = checkPng(f.out ?? 'denoise.png');
  const data = await loadData(f.data);
  const { vae, close } = await openModel(path);
  try {
    checkImageSize(data.test, vae);
    const corrupt = given ?? vae.config.corrupt ?? { kind: 'mask', amount: 0.5 };
    const { rows: h, cols: w } = imageDims(vae.config);
    const P = vae.config.inputSize;
    const count = Math.min(n, data.test.count);
    const x = firstImages(data.test, count);
    const { corrupted, reconstructions } = await vae.denoise(x, corrupt, count);
    // Up to 16 images a row: clean, corrupted and reconstructed rows, one such band per 16.
    const cols = Math.min(16, count);
    const bands = Math.ceil(count / cols);
    const grid = new Float32Array(3 * bands * cols * P);
    for (let i = 0; i < count; i++) {
      const band = Math.floor(i / cols);
      const c = i % cols;
      [x, corrupted, reconstructions].forEach((src, row) => grid.set(src.subarray(i * P, (i + 1) * P), ((3 * band + row) * cols + c) * P));
    }
    writeFileAtomic(out, gridPng(grid, 3 * bands * cols, h, w, cols));
    process.stdout.write(`wrote ${count} test images, their ${corruptionText(corrupt)} corruptions and the reconstructions to ${out}\n`);
  } finally {
    close();
  }
}
