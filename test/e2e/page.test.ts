/**
 * End-to-end test of the training page in Debian's Chromium (software WebGPU on SwiftShader):
 * it serves the built page with scripts/serve.mjs on a free loopback port, opens
 * `?autostart=1` with the default (reference) model, waits for training steps and checks that
 * the loss falls, that training goes on while the tab is hidden, and that every canvas shows pixels; saves the model as .safetensors (a real
 * download) and checks the file; reloads the page and loads that file, checks that a spherical
 * interpolation differs from the linear one between the same ends, then continues training;
 * uploads a generated IDX folder (plain files and one .gz) and trains on it; uploads a broken
 * IDX file and checks that the reader's own message is shown; goes back to the embedded digits
 * and resets; loses the GPU device mid-run through the `?testhooks=1` hook and checks that
 * training goes on from the last good state with a notice; trains with lr=1 until the guard rolls
 * back and then stops, and continues once the learning rate is changed; and checks the message
 * shown where there is no WebGPU adapter; trains the convolutional VAE (?arch=conv) for a few
 * steps and shows its manifold. Screenshots are kept in test-artifacts/: page.png (default model
 * after its first steps), page-idx.png, page-device-lost.png, page-diverged.png and page-conv.png.
 *
 * SwiftShader runs a default step in about 0.4 s, so the test waits for steps, never epochs.
 * Every wait has a hard limit and fails with the page's state and console errors.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROME, CHROMIUM_ARGS, ROOT, startServer } from '../util/browser.js';
import { loadCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { loadTrainState } from '../../src/checkpoint/train_state.js';
import { readIdxImages } from '../../src/data/idx.js';
import { idxFile as idx } from '../util/data.js';

const root = ROOT;
const ARGS = CHROMIUM_ARGS;

let server: ChildProcess | null = null;
let base = '';
let browser: Browser | null = null;
let page: Page;
let work = '';
const consoleErrors: string[] = [];

/** What the page shows, for failure messages. */
async function diagnostics(): Promise<string> {
  const shown = await page
    .evaluate(() => {
      const text = (id: string) => {
        const e = document.getElementById(id);
        return e && !e.hidden ? e.textContent?.trim() ?? '' : '';
      };
      return {
        status: { ...(document.getElementById('status')?.dataset ?? {}) },
        progress: text('progress-text'),
        adapter: text('adapter'),
        banner: text('banner'),
        runError: text('run-error'),
        dataError: text('data-error'),
        checkpointError: text('checkpoint-error'),
      };
    })
    .catch((e: Error) => ({ unavailable: e.message }));
  return `page: ${JSON.stringify(shown)}; console errors: ${JSON.stringify(consoleErrors.slice(-10))}`;
}

/** Waits for `fn` (run in the page) to be truthy within `seconds`, or fails with diagnostics. */
async function waitFor<A extends unknown[]>(what: string, seconds: number, fn: (...args: A) => unknown, ...args: A): Promise<void> {
  try {
    await page.waitForFunction(fn as (...a: unknown[]) => unknown, { timeout: seconds * 1000, polling: 100 }, ...args);
  } catch (e) {
    throw new Error(`${what}: not reached within ${seconds} s (${(e as Error).message.split('\n')[0]}). ${await diagnostics()}`);
  }
}

const status = () => page.$eval('#status', (e) => ({ ...(e as HTMLElement).dataset }));

/** Pixels of a canvas that differ from its background: grey grids (48) or a white/clear plot. */
function litPixels(selector: string): Promise<number> {
  return page.$eval(selector, (c) => {
    const canvas = c as HTMLCanvasElement;
    if (canvas.width === 0 || canvas.height === 0) return 0;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      const grey = d[i] === d[i + 1] && d[i + 1] === d[i + 2];
      const background = d[i + 3] === 0 || (grey && (d[i] === 48 || d[i] === 255));
      if (!background) n++;
    }
    return n;
  });
}

/** Pixels of a uPlot chart in the train series' colour (#2563eb). */
function seriesPixels(chart: string): Promise<number> {
  return page.$eval(`${chart} canvas`, (c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] < 90 && d[i + 1] < 140 && d[i + 2] > 200) n++;
    return n;
  });
}


const stepNow = async () => Number((await status()).step);

/** The interpolation shown (`?testhooks=1`): its frames as floats, and the strip's RGBA pixels. */
const interpolationShown = () => page.$eval('#interpolation', (c) => {
  const canvas = c as HTMLCanvasElement;
  const frames = (window as unknown as { webgpuVaeTest: { interpolation(): { path: string; a: number; b: number; count: number; pixels: number[] } } }).webgpuVaeTest.interpolation();
  return { frames, canvas: Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data) };
});

beforeAll(async () => {
  for (const f of ['dist/app.js', 'dist/worker.js', 'dist/app.css', 'dist/mnist-10k-images-idx3-ubyte.gz']) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run \`npm run build\` before this test`);
  }
  if (!existsSync(CHROME)) throw new Error(`no Chromium at ${CHROME}: install it (apt-get install chromium) or set CHROME_PATH`);
  work = mkdtempSync(join(tmpdir(), 'webgpu-vae-e2e-'));
  const started = await startServer();
  server = started.child;
  base = started.url;
  browser = await puppeteer.launch({
    executablePath: CHROME, args: ARGS, protocolTimeout: 60_000,
    // puppeteer turns background throttling off by default; keep it on, as in a person's browser,
    // so that the hidden-tab check means something.
    ignoreDefaultArgs: ['--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${(e as Error).message}`));
  const cdp = await page.createCDPSession();
  mkdirSync(join(work, 'downloads'));
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: join(work, 'downloads') });
}, 60_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  server?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('training page', () => {
  let savedStep = 0;
  let savedFile = '';

  it('trains the default model from ?autostart=1: progress, falling loss, curves and images', async () => {
    await page.goto(`${base}?autostart=1`, { waitUntil: 'load', timeout: 30_000 });
    await waitFor('adapter shown', 20, () => document.getElementById('adapter')?.textContent?.startsWith('WebGPU adapter:'));
    const form = await page.evaluate(() => ['epochs', 'lr', 'batch', 'hidden', 'latent', 'seed'].map((id) => (document.getElementById(id) as HTMLInputElement).value));
    expect(form).toEqual(['10', '0.001', '128', '400', '20', '1']);
    // The first loss is read back after 4 steps; keep the earliest value the page shows.
    await waitFor('first training loss', 60, () => document.getElementById('status')!.dataset.loss);
    const first = await status();
    await waitFor('16 more steps', 60, (s: number) => Number(document.getElementById('status')!.dataset.step) >= s, Number(first.step) + 16);
    const later = await status();
    expect(Number(later.loss), `loss at step ${later.step} vs ${first.loss} at step ${first.step}`).toBeLessThan(Number(first.loss) - 50);
    expect(Number(later.testLoss), 'test loss of the untrained model').toBeGreaterThan(400);
    const text = await page.$eval('#progress-text', (e) => e.textContent ?? '');
    expect(text).toMatch(/epoch 1 \/ 10 · step \d+ \(\d+ \/ 63 of this epoch\) · [\d,]+ samples\/s · ETA /);
    expect(await page.$eval('#progress', (e) => (e as HTMLProgressElement).value)).toBeGreaterThan(0);
    // Training lives in the worker: it goes on while another tab hides this one.
    const other = await browser!.newPage();
    await other.bringToFront();
    try {
      expect(await page.evaluate(() => document.visibilityState)).toBe('hidden');
      await waitFor('steps while the tab is hidden', 30, (s: number) => Number(document.getElementById('status')!.dataset.step) >= s, (await stepNow()) + 4);
    } finally {
      await other.close();
      await page.bringToFront();
    }
    await page.click('#pause');
    await waitFor('paused', 30, () => document.getElementById('status')!.dataset.state === 'paused');
    for (const c of ['#originals', '#reconstructions', '#samples', '#scatter', '#interpolation']) {
      expect(await litPixels(c), `${c} shows pixels`).toBeGreaterThan(200);
    }
    expect(await seriesPixels('#chart-loss'), 'train loss curve drawn').toBeGreaterThan(50);
    expect(await page.$eval('#adapter', (e) => e.textContent)).toMatch(/swiftshader|WebGPU adapter: \S/);
    // The worker asks for its device as every entry point does (src/gpu/device.ts): the
    // adapter's timestamp and subgroup features when it offers them (SwiftShader offers both).
    const features = await page.$eval('#adapter', (e) => (e as HTMLElement).dataset.features ?? '');
    const offered = await page.evaluate(async () => [...((await navigator.gpu.requestAdapter())?.features ?? [])]);
    expect(offered, 'adapter features').toContain('timestamp-query');
    for (const f of ['timestamp-query', 'subgroups'].filter((x) => offered.includes(x))) expect(features.split(' '), `device feature ${f}`).toContain(f);
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-artifacts/page.png'), fullPage: true });
  });

  it('saves the model as a .safetensors download', async () => {
    savedStep = await stepNow();
    await page.click('#save');
    const dir = join(work, 'downloads');
    const want = `vae-784-400-20-step${savedStep}.safetensors`;
    const deadline = Date.now() + 20_000;
    while (!readdirSync(dir).includes(want)) {
      if (Date.now() > deadline) throw new Error(`no download ${want} within 20 s (have ${readdirSync(dir).join(', ') || 'nothing'}). ${await diagnostics()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    savedFile = join(dir, want);
    const ck = loadCheckpoint(readFileSync(savedFile), want);
    expect(ck.config).toEqual({
      inputSize: 784, inputShape: [1, 28, 28], arch: 'mlp', hidden: [400], channels: [32, 64], dense: 16, latent: 20, batch: 128, kind: 'vae', likelihood: 'bernoulli', sigma: 0.1,
      corrupt: null,
    });
    expect(ck.metadata.step).toBe(String(savedStep));
    expect(ck.metadata.seed).toBe('1');
    expect(ck.params.get('enc1.weight')!.length).toBe(400 * 784);
  });

  it('saves the training state, and loading it in a fresh page resumes exactly (the state saved again is the same)', async () => {
    const dir = join(work, 'downloads');
    const download = async (want: string) => {
      const deadline = Date.now() + 20_000;
      while (!readdirSync(dir).includes(want)) {
        if (Date.now() > deadline) throw new Error(`no download ${want} within 20 s (have ${readdirSync(dir).join(', ') || 'nothing'}). ${await diagnostics()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return join(dir, want);
    };
    const step = await stepNow();
    await page.click('#save-state');
    const file = await download(`vae-784-400-20-step${step}.state.safetensors`);
    const saved = loadTrainState(readFileSync(file), 'saved');
    expect(saved.state.step).toBe(step);
    expect(saved.epochsDone * 63 + saved.epochStep, 'the position in the data is the step').toBe(step);
    await page.goto(`${base}?testhooks=1`, { waitUntil: 'load', timeout: 30_000 });
    await waitFor('worker ready', 30, () => document.getElementById('status')!.dataset.state === 'idle');
    await (await page.$('input#load-input'))!.uploadFile(file);
    await waitFor('state resumed', 40, (s: number) => {
      const st = document.getElementById('status')!.dataset;
      return st.state === 'paused' && Number(st.step) === s && st.testLoss !== undefined;
    }, step);
    rmSync(file);
    await page.click('#save-state');
    const again = loadTrainState(readFileSync(await download(`vae-784-400-20-step${step}.state.safetensors`)), 'again');
    expect(again).toEqual(saved);
  });

  it('reloads the page, loads the checkpoint, explores it (linear and spherical interpolation) and continues training', async () => {
    await page.goto(`${base}?testhooks=1`, { waitUntil: 'load', timeout: 30_000 });
    await waitFor('worker ready', 30, () => document.getElementById('status')!.dataset.state === 'idle');
    const input = await page.$('input#load-input');
    await input!.uploadFile(savedFile);
    await waitFor('checkpoint loaded', 40, (s: number) => {
      const st = document.getElementById('status')!.dataset;
      return st.state === 'paused' && Number(st.step) === s && st.testLoss !== undefined && document.getElementById('latent-step')!.textContent !== '';
    }, savedStep);
    expect(await page.$eval('#model-info', (e) => e.textContent)).toContain(`loaded at step ${savedStep}`);
    expect(Number((await status()).testLoss), 'test loss of the loaded (trained) model').toBeLessThan(400);
    for (const c of ['#reconstructions', '#samples', '#scatter']) expect(await litPixels(c), `${c} after load`).toBeGreaterThan(200);
    // Interpolation between the same pair, linear then spherical: the same ends, another path
    // between them; back to linear gives the first strip again (same model, nothing random).
    await waitFor('linear interpolation drawn', 30, () => document.getElementById('interpolation')!.dataset.path === 'linear');
    const linear = await interpolationShown();
    await page.select('#interp-path', 'spherical');
    await waitFor('spherical interpolation drawn', 30, () => document.getElementById('interpolation')!.dataset.path === 'spherical');
    const spherical = await interpolationShown();
    expect([spherical.frames.path, spherical.frames.a, spherical.frames.b]).toEqual(['spherical', linear.frames.a, linear.frames.b]);
    expect(await page.$eval('#interp-note', (e) => e.textContent)).toMatch(/great circle/);
    const frameDiff = (k: number) => {
      let worst = 0;
      for (let i = k * 784; i < (k + 1) * 784; i++) worst = Math.max(worst, Math.abs(linear.frames.pixels[i] - spherical.frames.pixels[i]));
      return worst;
    };
    expect(linear.frames.count).toBe(10);
    // Both paths run from mu(A) to mu(B): f32 slerp ends are within rounding of them.
    expect(frameDiff(0), 'first frame').toBeLessThan(1e-5);
    expect(frameDiff(9), 'last frame').toBeLessThan(1e-5);
    const between = Math.max(...[1, 2, 3, 4, 5, 6, 7, 8].map(frameDiff));
    // Inner frames apart by far more than f32 rounding (2.6e-3 seen on this barely trained
    // model, whose decoder still depends little on z; more with training).
    expect(between, 'largest pixel change between the paths\' inner frames').toBeGreaterThan(1e-4);
    await page.select('#interp-path', 'linear');
    await waitFor('linear interpolation again', 30, () => document.getElementById('interpolation')!.dataset.path === 'linear');
    expect((await interpolationShown()).canvas, 'the linear strip again').toEqual(linear.canvas);
    expect(await page.$eval('#start', (e) => e.textContent)).toBe('Continue');
    await page.click('#start');
    await waitFor('training continues after load', 60, (s: number) => Number(document.getElementById('status')!.dataset.step) >= s, savedStep + 4);
    await page.click('#pause');
    await waitFor('paused', 30, () => document.getElementById('status')!.dataset.state === 'paused');
  });

  it('trains on an IDX folder chosen through the file input (plain and .gz)', async () => {
    // 320 real digits from the embedded asset: 256 to train on, 64 to test.
    const all = gunzipSync(readFileSync(join(root, 'dist/mnist-10k-images-idx3-ubyte.gz')));
    const labels = gunzipSync(readFileSync(join(root, 'dist/mnist-10k-labels-idx1-ubyte.gz')));
    const px = (from: number, n: number) => all.subarray(16 + from * 784, 16 + (from + n) * 784);
    const lb = (from: number, n: number) => labels.subarray(8 + from, 8 + from + n);
    const dir = join(work, 'idx');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx(0x803, [256, 28, 28], px(0, 256)));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx(0x801, [256], lb(0, 256)));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(idx(0x803, [64, 28, 28], px(256, 64))));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx(0x801, [64], lb(256, 64)));
    const input = await page.$('input#idx-input');
    await input!.uploadFile(...readdirSync(dir).map((f) => join(dir, f)));
    await waitFor('IDX data set in use', 30, () => /256 train \/ 64 test, 28x28/.test(document.getElementById('data-info')!.textContent ?? ''));
    const before = await stepNow();
    await page.click('#start');
    await waitFor('training on the IDX files', 60, (s: number) => Number(document.getElementById('status')!.dataset.step) >= s, before + 4);
    expect(await page.$eval('#progress-text', (e) => e.textContent)).toMatch(/of this epoch|epoch/);
    await page.click('#pause');
    await waitFor('paused', 30, () => document.getElementById('status')!.dataset.state === 'paused');
    expect(await page.$eval('#data-error', (e) => (e as HTMLElement).hidden)).toBe(true);
    await page.screenshot({ path: join(root, 'test-artifacts/page-idx.png'), fullPage: true });
  });

  it('shows the IDX reader\'s error for a broken file and keeps the data it had', async () => {
    const dir = join(work, 'broken');
    mkdirSync(dir);
    const truncated = idx(0x803, [100, 28, 28], new Uint8Array(99 * 784));
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), truncated);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx(0x803, [1, 28, 28], new Uint8Array(784)));
    const expected = await readIdxImages(truncated, 'train-images-idx3-ubyte').then(() => 'no error', (e: Error) => e.message);
    expect(expected).toMatch(/truncated/);
    const input = await page.$('input#idx-input');
    await input!.uploadFile(join(dir, 'train-images-idx3-ubyte'), join(dir, 't10k-images-idx3-ubyte'));
    await waitFor('reader error shown', 20, (msg: string) => {
      const e = document.getElementById('data-error')!;
      return !e.hidden && e.textContent === msg;
    }, expected);
    expect(await page.$eval('#data-info', (e) => e.textContent)).toMatch(/256 train \/ 64 test/);
  });

  it('goes back to the embedded digits and resets the model', async () => {
    await page.click('#embedded');
    await waitFor('embedded data back', 30, () => /embedded MNIST: 8,000 train \/ 2,000 test/.test(document.getElementById('data-info')!.textContent ?? ''));
    await page.click('#reset');
    await waitFor('model dropped', 30, () => document.getElementById('status')!.dataset.state === 'idle' && /No model yet/.test(document.getElementById('model-info')!.textContent ?? ''));
    expect(await page.$eval('#hidden', (e) => (e as HTMLInputElement).disabled), 'model fields unlocked after reset').toBe(false);
    expect(await litPixels('#reconstructions'), 'views cleared').toBe(0);
    expect(consoleErrors, 'console errors').toEqual([]);
  });

  /** The notices the page shows (#notice), latest first. */
  const noticeText = () => page.$eval('#notice', (e) => ((e as HTMLElement).hidden ? '' : e.textContent ?? ''));

  it('survives losing the GPU device mid-run (?testhooks=1): a notice, then training goes on', async () => {
    const errorsBefore = consoleErrors.length;
    // A small model steps quickly on SwiftShader; the guard keeps a good state every 50 steps.
    await page.goto(`${base}?autostart=1&hidden=32&latent=2&batch=64&testhooks=1`, { waitUntil: 'load', timeout: 30_000 });
    await waitFor('60 steps before the loss', 60, () => Number(document.getElementById('status')!.dataset.step) >= 60);
    const lostAt = await stepNow();
    await page.evaluate(() => (window as unknown as { webgpuVaeTest: { loseDevice(): void } }).webgpuVaeTest.loseDevice());
    await waitFor('device-loss notice', 30, () => /GPU device lost/.test(document.getElementById('notice')!.textContent ?? ''));
    const text = await noticeText();
    const m = /GPU device lost \(destroyed[^)]*\); continuing on a new device from step (\d+)/.exec(text);
    expect(m, `notice: ${text}`).not.toBeNull();
    const resumed = Number(m![1]);
    expect(resumed, 'resumed from a good state no more than 50 steps back').toBeGreaterThanOrEqual(Math.max(0, lostAt - 60));
    await waitFor('training continues past the loss', 60, (s: number) => {
      const st = document.getElementById('status')!.dataset;
      return st.state === 'running' && Number(st.step) >= s;
    }, lostAt + 20);
    expect(await page.$eval('#banner', (e) => (e as HTMLElement).hidden), 'no fatal banner').toBe(true);
    expect(await page.$eval('#run-error', (e) => (e as HTMLElement).hidden), 'no run error').toBe(true);
    await page.screenshot({ path: join(root, 'test-artifacts/page-device-lost.png'), fullPage: true });
    await page.click('#pause');
    await waitFor('paused', 30, () => document.getElementById('status')!.dataset.state === 'paused');
    // Chromium may warn about work sent to the destroyed device; nothing else may appear.
    const unexpected = consoleErrors.slice(errorsBefore).filter((e) => !/destroyed|device.*lost|lost.*device/i.test(e));
    expect(unexpected, 'console errors after the device loss').toEqual([]);
  });

  it('rolls back exploding losses, then stops with the guard\'s message until the learning rate changes', async () => {
    const errorsBefore = consoleErrors.length;
    // lr=1 (the page's largest) makes Adam leave the rails within a few steps, every time.
    await page.goto(`${base}?autostart=1&lr=1&hidden=32&latent=2&batch=64`, { waitUntil: 'load', timeout: 30_000 });
    await waitFor('rollback notice', 60, () => /the loss exploded; rolled back to step \d+ and skipped those batches/.test(document.getElementById('notice')!.textContent ?? ''));
    await waitFor('stopped with the guard\'s message', 60, () => {
      const err = document.getElementById('run-error')!;
      return document.getElementById('status')!.dataset.state === 'paused' && !err.hidden && /^training diverged: /.test(err.textContent ?? '');
    });
    expect(await page.$eval('#run-error', (e) => e.textContent)).toMatch(/after 3 rollbacks to step \d+; lower the learning rate \(lr=1\)/);
    expect(await page.$eval('#start', (e) => (e as HTMLButtonElement).disabled), 'Start waits for another learning rate').toBe(true);
    expect(await page.$eval('#lr', (e) => (e as HTMLInputElement).disabled), 'learning rate editable').toBe(false);
    const before = await stepNow();
    await page.click('#lr', { count: 3 });
    await page.keyboard.type('0.001');
    expect(await page.$eval('#start', (e) => (e as HTMLButtonElement).disabled), 'Start usable with a new learning rate').toBe(false);
    await page.click('#start');
    await waitFor('training again with lr 0.001', 60, (s: number) => {
      const st = document.getElementById('status')!.dataset;
      return st.state === 'running' && Number(st.step) >= s && /lr 0\.001/.test(document.getElementById('model-info')!.textContent ?? '');
    }, before + 8);
    expect(await page.$eval('#run-error', (e) => (e as HTMLElement).hidden), 'divergence message cleared').toBe(true);
    await page.screenshot({ path: join(root, 'test-artifacts/page-diverged.png'), fullPage: true });
    await page.click('#pause');
    await waitFor('paused', 30, () => document.getElementById('status')!.dataset.state === 'paused');
    expect(consoleErrors.slice(errorsBefore), 'console errors').toEqual([]);
  });

  it('trains a denoising VAE from the URL and shows the denoising strip', async () => {
    const errorsBefore = consoleErrors.length;
    await page.goto(`${base}?autostart=1&corrupt=mask:0.5&hidden=32&latent=2&batch=64`, { waitUntil: 'load', timeout: 30_000 });
    await waitFor('first loss', 60, () => document.getElementById('status')!.dataset.loss);
    expect(await page.$eval('#model-info', (e) => e.textContent)).toContain('784-32-2, VAE, Bernoulli (BCE), denoising mask:0.5');
    expect(await page.$eval('#corrupt', (e) => [(e as HTMLInputElement).value, (e as HTMLInputElement).disabled])).toEqual(['mask:0.5', true]);
    await page.click('#pause');
    await waitFor('paused', 30, () => document.getElementById('status')!.dataset.state === 'paused');
    await waitFor('the denoising strip', 30, () => /corrupted by mask:0\.5/.test(document.getElementById('denoising-caption')!.textContent ?? ''));
    // Three rows of 12 digits: clean, corrupted, reconstructed.
    expect(await page.$eval('#denoising', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height])).toEqual([12 * 29 + 1, 3 * 29 + 1]);
    expect(await litPixels('#denoising'), 'denoising strip drawn').toBeGreaterThan(200);
    await page.click('#reset');
    await waitFor('no model', 30, () => !(document.getElementById('corrupt') as HTMLInputElement).disabled);
    expect(consoleErrors.slice(errorsBefore), 'console errors').toEqual([]);
  });

  it('trains a Gaussian autoencoder from the URL; sigma follows the decoder choice', async () => {
    const errorsBefore = consoleErrors.length;
    await page.goto(`${base}?autostart=1&testhooks=1&kind=ae&likelihood=gaussian&sigma=0.2&hidden=32&latent=2&batch=64`, { waitUntil: 'load', timeout: 30_000 });
    await waitFor('first loss', 60, () => document.getElementById('status')!.dataset.loss);
    expect(await page.$eval('#model-info', (e) => e.textContent)).toContain('784-32-2, autoencoder, Gaussian (sigma 0.2)');
    const fields = await page.evaluate(() => ['kind', 'likelihood', 'sigma'].map((id) => {
      const e = document.getElementById(id) as HTMLInputElement;
      return [e.value, e.disabled];
    }));
    expect(fields, 'objective fields show the model and are locked while it exists').toEqual([['ae', true], ['gaussian', true], ['0.2', true]]);
    // The Gaussian negative log density goes below zero as the model fits; the loss chart still draws it.
    await waitFor('a negative loss', 120, () => Number(document.getElementById('status')!.dataset.loss) < 0);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(await seriesPixels('#chart-loss'), 'train loss curve drawn').toBeGreaterThan(50);
    const chart = await page.evaluate(() => (window as unknown as { webgpuVaeTest: { lossChart(): { points: number; negative: number; yMin: number | null } } }).webgpuVaeTest.lossChart());
    expect(chart.negative, `negative losses kept on the chart: ${JSON.stringify(chart)}`).toBeGreaterThan(0);
    expect(chart.yMin, 'the y scale reaches below zero').toBeLessThan(0);
    await page.click('#pause');
    await waitFor('paused', 30, () => document.getElementById('status')!.dataset.state === 'paused');
    for (const c of ['#reconstructions', '#samples', '#scatter']) expect(await litPixels(c), `${c} shows pixels`).toBeGreaterThan(200);
    // Reset unlocks the form: a Bernoulli decoder has no sigma to set.
    await page.click('#reset');
    await waitFor('no model', 30, () => !(document.getElementById('likelihood') as HTMLSelectElement).disabled);
    await page.select('#likelihood', 'bernoulli');
    expect(await page.$eval('#sigma', (e) => (e as HTMLInputElement).disabled), 'sigma off for Bernoulli').toBe(true);
    await page.select('#likelihood', 'gaussian');
    expect(await page.$eval('#sigma', (e) => (e as HTMLInputElement).disabled), 'sigma on for Gaussian').toBe(false);
    expect(consoleErrors.slice(errorsBefore), 'console errors').toEqual([]);
  });

  it('trains the convolutional VAE from ?arch=conv: the form, steps, the manifold, and switching back', async () => {
    const errorsBefore = consoleErrors.length;
    // keras-io's architecture and latent 2, at a small batch: a conv step takes about a second on SwiftShader.
    await page.goto(`${base}?autostart=1&arch=conv&batch=16`, { waitUntil: 'load', timeout: 30_000 });
    await waitFor('first loss', 120, () => document.getElementById('status')!.dataset.loss);
    expect(await page.$eval('#model-info', (e) => e.textContent)).toContain('Model 1x28x28-conv32-conv64-16-2, VAE, Bernoulli (BCE): 134,165 parameters, batch 16');
    const fields = await page.evaluate(() => ['arch', 'channels', 'dense', 'latent', 'hidden'].map((id) => {
      const e = document.getElementById(id) as HTMLInputElement;
      return [e.value, e.disabled];
    }));
    expect(fields).toEqual([['conv', true], ['32,64', true], ['16', true], ['2', true], ['400', true]]);
    const first = await status();
    await waitFor('4 more steps', 120, (n: number) => Number(document.getElementById('status')!.dataset.step) >= n, Number(first.step) + 4);
    await page.click('#pause');
    await waitFor('paused', 60, () => document.getElementById('status')!.dataset.state === 'paused');
    await waitFor('the manifold', 60, () => !(document.getElementById('manifold') as HTMLCanvasElement).hidden);
    for (const c of ['#reconstructions', '#samples', '#scatter', '#manifold']) expect(await litPixels(c), `${c} shows pixels`).toBeGreaterThan(200);
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-artifacts/page-conv.png'), fullPage: true });
    // Reset unlocks the form; the MLP takes hidden sizes and its own latent size again.
    await page.click('#reset');
    await waitFor('no model', 30, () => !(document.getElementById('arch') as HTMLSelectElement).disabled);
    expect(await page.$eval('#hidden', (e) => (e as HTMLInputElement).disabled), 'hidden off for conv').toBe(true);
    await page.select('#arch', 'mlp');
    const mlp = await page.evaluate(() => ['hidden', 'channels', 'dense', 'latent'].map((id) => {
      const e = document.getElementById(id) as HTMLInputElement;
      return [e.value, e.disabled];
    }));
    expect(mlp).toEqual([['400', false], ['32,64', true], ['16', true], ['20', false]]);
    expect(consoleErrors.slice(errorsBefore), 'console errors').toEqual([]);
  });

  it('explains itself when opened as a file instead of through the server', async () => {
    const p = await browser!.newPage();
    try {
      await p.goto(`file://${join(root, 'index.html')}`, { waitUntil: 'load', timeout: 30_000 });
      await p.waitForFunction(() => !document.getElementById('banner')!.hidden, { timeout: 10_000 });
      expect(await p.$eval('#banner', (e) => e.textContent)).toContain('npm start');
    } finally {
      await p.close();
    }
  });
});

describe('training page without a WebGPU adapter', () => {
  it('says what to do instead of showing a blank page', async () => {
    // The same Chromium without the SwiftShader/WebGPU switches finds no adapter on a machine
    // without a GPU; with a GPU it would find one, and then there is nothing to check here.
    const plain = await puppeteer.launch({
      executablePath: CHROME, protocolTimeout: 60_000,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--headless=new', '--disable-gpu'],
    });
    try {
      const p = await plain.newPage();
      await p.goto(base, { waitUntil: 'load', timeout: 30_000 });
      const shown = await p
        .waitForFunction(() => {
          const b = document.getElementById('banner')!;
          const adapter = document.getElementById('adapter')!.textContent ?? '';
          return (!b.hidden && b.textContent) || (adapter.startsWith('WebGPU adapter:') && !/swiftshader/i.test(adapter) && 'adapter');
        }, { timeout: 30_000, polling: 100 })
        .then((h) => h.jsonValue() as Promise<unknown>);
      if (shown === 'adapter') return; // a real GPU answered
      expect(String(shown)).toMatch(/WebGPU/);
      expect(String(shown)).toMatch(/Chrome|reload|driver|flags/i);
      expect(await p.$eval('#start', (e) => (e as HTMLButtonElement).disabled)).toBe(true);
      expect(await p.$eval('#status', (e) => (e as HTMLElement).dataset.state)).toBe('failed');
    } finally {
      await plain.close();
    }
  });
});
