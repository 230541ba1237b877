/**
 * `eval`, `sample`, `reconstruct` and `denoise`: commands that load a saved model and take its
 * data (`--data` in any format, scaled as the checkpoint says; src/cli/model_data.ts). Image
 * rows are drawn as grey or RGB grids, feature rows as line panels in the data's units
 * (src/views/data_view.ts); `anomalies` is src/cli/anomalies.ts, the latent-space commands
 * src/cli/latent_commands.ts.
 */
import { corruptionText } from '../config.js';
import { orderedBatches, subset } from '../data/dataset.js';
import { writeFileAtomic } from '../node/atomic.js';
import { isSeries } from '../views/data_view.js';
import { priorMismatch } from '../vae/toolkit.js';
import type { Vae } from '../vae/vae.js';
import { DATA_OPTIONS } from './data.js';
import { imageRowsPng, seriesRowsPng } from './images.js';
import { UsageError, intFlag, parseFlags, required, settingFlag } from './args.js';
import { buildModel, checkPng, firstRows, openModelWithData, readCheckpoint } from './model_data.js';
import { TaskProgress } from './progress.js';

export { checkPng } from './model_data.js';

/** `--iwae K`: the importance-weighted bound's sample count, or null; checked before any GPU work. */
export function iwaeFlag(v: string | undefined): number | null {
  return v === undefined ? null : intFlag('iwae', v, 0, 1, 100000);
}

/** The bound needs a posterior to sample: refuses an autoencoder once the model is loaded. */
export function checkIwaeModel(k: number | null, vae: Vae): void {
  if (k !== null && vae.config.kind === 'ae') throw new UsageError('--iwae: the model is an autoencoder (no posterior to sample); it needs a VAE');
}

/** The IWAE bound of n rows with a progress line on stderr (unless quiet). */
export async function iwaeBound(vae: Vae, x: Float32Array, n: number, k: number, quiet: boolean): Promise<Float64Array> {
  const progress = quiet ? null : new TaskProgress(process.stderr, `IWAE k=${k} on ${n} images: passes`);
  return vae.logLikelihood(x, n, k, progress ? (done, total) => progress.update(done, total) : undefined);
}

/**
 * `eval --model FILE [--data PATH] [--n N] [--draws N] [--iwae K] [--corrupt SPEC] [--json]`: test
 * loss (negative ELBO) averaged over noise draws, on the first N test rows (default all);
 * with --iwae also the importance-weighted bound -L_K on the same rows; with --corrupt the
 * loss of corrupted inputs scored against the clean ones (the denoising figure).
 */
export async function evalCommand(args: string[]): Promise<void> {
  const f = parseFlags('eval', args, {
    model: { type: 'string' }, ...DATA_OPTIONS, n: { type: 'string' }, draws: { type: 'string' }, iwae: { type: 'string' }, json: { type: 'boolean' },
    corrupt: { type: 'string' },
  });
  const path = required('model', f.model);
  const draws = intFlag('draws', f.draws, 4, 1, 1000);
  const k = iwaeFlag(f.iwae);
  const corrupt = settingFlag('corrupt', 'corrupt', f.corrupt, null);
  if (corrupt && k !== null) throw new UsageError('eval: --iwae bounds log p(x) of the inputs as given; it does not take --corrupt');
  const { vae, close, data } = await openModelWithData(path, f);
  try {
    checkIwaeModel(k, vae);
    const n = Math.min(intFlag('n', f.n, data.test.count, 1), data.test.count);
    const test = n === data.test.count ? data.test : subset(data.test, 0, n);
    const x = new Float32Array(vae.config.batch * vae.config.inputSize);
    let recon = 0;
    let kl = 0;
    let count = 0;
    for (let d = 0; d < draws; d++) {
      // With --corrupt, each draw corrupts the rows afresh and scores the clean ones.
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
    const rows = firstRows(test, n);
    const L = vae.config.latent;
    const codes = await vae.encode(rows, n);
    if (vae.config.kind === 'vae') out.prior_mismatch = priorMismatch(codes.mu, n, L, codes.logvar);
    else if (n > L) out.prior_mismatch = priorMismatch(codes.mu, n, L);
    if (k !== null) {
      const bound = await iwaeBound(vae, rows, n, k, f.json ?? false);
      out.iwae_nll = -bound.reduce((a, b) => a + b, 0) / n;
      out.iwae_k = k;
    }
    if (f.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else {
      const kind = vae.config.kind === 'ae' ? 'reconstruction loss' : 'test loss (negative ELBO)';
      const [one, many] = isSeries(vae.config.inputShape) ? ['row', 'rows'] : ['image', 'images'];
      const on = corrupt ? `${n} ${many} corrupted by ${corruptionText(corrupt)} (scored against the clean ones)` : `${n} ${many}`;
      process.stdout.write(`${kind} ${(out.test_loss as number).toFixed(2)} nats/${one} (recon ${(out.recon as number).toFixed(2)}, KL ${(out.kl as number).toFixed(2)}) on ${on}, ${draws} noise draws\n`);
      if (out.prior_mismatch !== undefined) {
        const what = vae.config.kind === 'vae' ? 'the aggregate posterior of' : 'a Gaussian fit of the codes of';
        process.stdout.write(`codes vs prior: KL(${what} ${n} ${many} || N(0, I)) = ${(out.prior_mismatch as number).toFixed(2)} nats\n`);
      }
      if (k !== null) process.stdout.write(`IWAE bound, k=${k}: -log p(x) <= ${(out.iwae_nll as number).toFixed(2)} nats/${one} on the same ${n} ${many}\n`);
    }
  } finally {
    close();
  }
}

/** `sample --model FILE [--n 64] [--seed N] [--out FILE.png]`: prior samples as a grid (images) or line panels (feature rows). */
export async function sampleCommand(args: string[]): Promise<void> {
  const f = parseFlags('sample', args, { model: { type: 'string' }, n: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } });
  const path = required('model', f.model);
  const n = intFlag('n', f.n, 64, 1, 4096);
  const seed = intFlag('seed', f.seed, 1, 0, 0xffffffff);
  const out = checkPng(f.out ?? 'samples.png');
  const ck = readCheckpoint(path);
  const { vae, close } = await buildModel(ck);
  try {
    const display = { shape: ck.config.inputShape, data: ck.data };
    const rows = await vae.sample(n, seed);
    writeFileAtomic(out, isSeries(display.shape) ? seriesRowsPng({ inputs: rows, n }, display) : imageRowsPng(rows, n, display));
    process.stdout.write(`wrote ${n} samples to ${out}\n`);
  } finally {
    close();
  }
}

/**
 * `reconstruct --model FILE [--data PATH] [--n 32] [--out FILE.png]`: test images above their
 * reconstructions (rows of 8), or for feature rows one panel each, input and reconstruction overlaid.
 */
export async function reconstructCommand(args: string[]): Promise<void> {
  const f = parseFlags('reconstruct', args, { model: { type: 'string' }, ...DATA_OPTIONS, n: { type: 'string' }, out: { type: 'string' } });
  const path = required('model', f.model);
  const n = intFlag('n', f.n, 32, 1, 1024);
  const out = checkPng(f.out ?? 'reconstructions.png');
  const { vae, close, data, display } = await openModelWithData(path, f);
  try {
    const P = vae.config.inputSize;
    const count = Math.min(n, data.test.count);
    const x = firstRows(data.test, count);
    const recon = await vae.reconstruct(x, count);
    if (isSeries(display.shape)) {
      writeFileAtomic(out, seriesRowsPng({ inputs: x, reconstructions: recon, n: count, columns: Math.min(4, count) }, display));
      process.stdout.write(`wrote ${count} test rows with their reconstructions overlaid to ${out}\n`);
      return;
    }
    // Rows of 8: originals on one row, their reconstructions on the row below.
    const cols = Math.min(8, count);
    const { grid, cells } = bandGrid([x, recon], count, cols, P);
    writeFileAtomic(out, imageRowsPng(grid, cells, display, cols));
    process.stdout.write(`wrote ${count} test images and their reconstructions to ${out}\n`);
  } finally {
    close();
  }
}

/**
 * `count` images of P values from each of `sources`, laid out in bands of `cols` columns: within
 * a band one row per source, so image i of every source stands in the same column. The grid and
 * its number of cells, as imageRowsPng takes them.
 */
function bandGrid(sources: Float32Array[], count: number, cols: number, P: number): { grid: Float32Array; cells: number } {
  const k = sources.length;
  const cells = k * Math.ceil(count / cols) * cols;
  const grid = new Float32Array(cells * P);
  for (let i = 0; i < count; i++) {
    const band = Math.floor(i / cols);
    const c = i % cols;
    sources.forEach((src, row) => grid.set(src.subarray(i * P, (i + 1) * P), ((k * band + row) * cols + c) * P));
  }
  return { grid, cells };
}

/**
 * `denoise --model FILE [--data PATH] [--corrupt SPEC] [--n 16] [--out FILE.png]`: rows of clean
 * test images, their corrupted copies, and the reconstructions of the corrupted ones (decoded
 * posterior means); for feature rows one panel each: the corrupted row, its reconstruction and
 * the clean row in grey. The corruption defaults to the one the model was trained with, else mask:0.5.
 */
export async function denoiseCommand(args: string[]): Promise<void> {
  const f = parseFlags('denoise', args, { model: { type: 'string' }, ...DATA_OPTIONS, corrupt: { type: 'string' }, n: { type: 'string' }, out: { type: 'string' } });
  const path = required('model', f.model);
  const n = intFlag('n', f.n, 16, 1, 1024);
  const given = settingFlag('corrupt', 'corrupt', f.corrupt, null);
  if (f.corrupt !== undefined && !given) throw new UsageError('denoise: --corrupt none leaves nothing to denoise; give mask:P, gauss:S or saltpepper:P');
  const out = checkPng(f.out ?? 'denoise.png');
  const { vae, close, data, display } = await openModelWithData(path, f);
  try {
    const corrupt = given ?? vae.config.corrupt ?? { kind: 'mask', amount: 0.5 };
    const P = vae.config.inputSize;
    const count = Math.min(n, data.test.count);
    const x = firstRows(data.test, count);
    const { corrupted, reconstructions } = await vae.denoise(x, corrupt, count);
    if (isSeries(display.shape)) {
      writeFileAtomic(out, seriesRowsPng({ inputs: corrupted, reconstructions, references: x, n: count, columns: Math.min(4, count) }, display));
    } else {
      // Up to 16 images a row: clean, corrupted and reconstructed rows, one such band per 16.
      const cols = Math.min(16, count);
      const { grid, cells } = bandGrid([x, corrupted, reconstructions], count, cols, P);
      writeFileAtomic(out, imageRowsPng(grid, cells, display, cols));
    }
    process.stdout.write(`wrote ${count} test ${isSeries(display.shape) ? 'rows' : 'images'}, their ${corruptionText(corrupt)} corruptions and the reconstructions to ${out}\n`);
  } finally {
    close();
  }
}
