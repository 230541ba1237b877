/**
 * End-to-end test of the page's graph mode in Debian's Chromium (software WebGPU on
 * SwiftShader): serves the built page with scripts/serve.mjs, opens `?mode=graph&autostart=1`
 * with a few epochs of the VGAE on the embedded Cora, and checks that the loss and the
 * validation AUC / AP curves and the node-embedding scatter (coloured by class, with Cora's
 * class names in the legend) are drawn; switches to the image mode and back; then chooses a
 * small generated LINQS pair (a .content and a gzipped .cites) and trains on it; and checks the
 * message for a .content file without its .cites. A screenshot is kept in
 * test-artifacts/page-graph.png.
 *
 * A Cora epoch costs about 0.5 s of CPU on SwiftShader, so the test trains 3 epochs.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROME, CHROMIUM_ARGS, ROOT, startServer } from '../util/browser.js';

const root = ROOT;
const ARGS = CHROMIUM_ARGS;

let server: ChildProcess | null = null;
let base = '';
let browser: Browser | null = null;
let page: Page;
let work = '';
const consoleErrors: string[] = [];

async function diagnostics(): Promise<string> {
  const shown = await page
    .evaluate(() => {
      const text = (id: string) => {
        const e = document.getElementById(id);
        return e && !e.hidden ? e.textContent?.trim() ?? '' : '';
      };
      return {
        status: { ...(document.getElementById('g-status')?.dataset ?? {}) }, progress: text('g-progress-text'), banner: text('banner'),
        runError: text('g-run-error'), dataError: text('g-data-error'), data: text('g-data-info'),
      };
    })
    .catch((e: Error) => ({ unavailable: e.message }));
  return `page: ${JSON.stringify(shown)}; console errors: ${JSON.stringify(consoleErrors.slice(-10))}`;
}

async function waitFor<A extends unknown[]>(what: string, seconds: number, fn: (...args: A) => unknown, ...args: A): Promise<void> {
  try {
    await page.waitForFunction(fn as (...a: unknown[]) => unknown, { timeout: seconds * 1000, polling: 100 }, ...args);
  } catch (e) {
    throw new Error(`${what}: not reached within ${seconds} s (${(e as Error).message.split('\n')[0]}). ${await diagnostics()}`);
  }
}

const status = () => page.$eval('#g-status', (e) => ({ ...(e as HTMLElement).dataset }));

/** Pixels of a canvas that are neither white nor transparent. */
function litPixels(selector: string): Promise<number> {
  return page.$eval(selector, (c) => {
    const canvas = c as HTMLCanvasElement;
    if (canvas.width === 0 || canvas.height === 0) return 0;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && !(d[i] === 255 && d[i + 1] === 255 && d[i + 2] === 255)) n++;
    return n;
  });
}

/** Pixels of a uPlot chart close to colour `hex` (anti-aliased lines stray a little). */
function seriesPixels(chart: string, hex: string): Promise<number> {
  return page.$eval(`${chart} canvas`, (c, h) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt((h as string).slice(i, i + 2), 16));
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200 && Math.abs(d[i] - r) < 40 && Math.abs(d[i + 1] - g) < 40 && Math.abs(d[i + 2] - b) < 40) n++;
    return n;
  }, hex);
}

/** Two communities of 30 nodes, 3 binary features each, ids "p0".."p59", classes A and B. */
function linqsPair(): { content: string; cites: Buffer } {
  const lines: string[] = [];
  for (let i = 0; i < 60; i++) lines.push([`p${i}`, i < 30 ? 1 : 0, i % 2, i < 30 ? 0 : 1, i < 30 ? 'A' : 'B'].join('\t'));
  const links: string[] = [];
  for (let i = 0; i < 60; i++) {
    for (const k of [1, 2, 5]) {
      const j = i < 30 ? (i + k) % 30 : 30 + ((i - 30 + k) % 30);
      links.push(`p${i}\tp${j}`);
    }
  }
  links.push('p0\tp45', 'p7\tp7', 'p3\tq99');
  return { content: `${lines.join('\n')}\n`, cites: gzipSync(`${links.join('\n')}\n`) };
}

beforeAll(async () => {
  for (const f of ['dist/app.js', 'dist/graph_worker.js', 'dist/cora.content.gz', 'dist/cora.cites.gz']) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run \`npm run build\` before this test`);
  }
  if (!existsSync(CHROME)) throw new Error(`no Chromium at ${CHROME}: install it (apt-get install chromium) or set CHROME_PATH`);
  work = mkdtempSync(join(tmpdir(), 'webgpu-vae-graph-e2e-'));
  const started = await startServer();
  server = started.child;
  base = started.url;
  browser = await puppeteer.launch({ executablePath: CHROME, args: ARGS, protocolTimeout: 60_000 });
  page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${(e as Error).message}`));
}, 60_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  server?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('graph mode of the page', () => {
  it('trains the VGAE on Cora from ?mode=graph&autostart=1: loss and validation curves, the embedding scatter by class', async () => {
    await page.goto(`${base}?mode=graph&autostart=1&epochs=3`, { waitUntil: 'load', timeout: 30_000 });
    expect(await page.$eval('#image-mode', (e) => (e as HTMLElement).hidden)).toBe(true);
    expect(await page.$eval('#graph-mode', (e) => (e as HTMLElement).hidden)).toBe(false);
    await waitFor('Cora loaded', 30, () => document.getElementById('g-data-info')?.textContent?.startsWith('embedded Cora: 2708 nodes, 5278 edges, 1433 features'));
    await waitFor('first epoch', 90, () => Number(document.getElementById('g-status')!.dataset.epoch) >= 1);
    const first = await status();
    await waitFor('3 epochs done', 90, () => document.getElementById('g-status')!.dataset.state === 'done');
    const done = await status();
    expect(done.epoch).toBe('3');
    expect(Number(done.loss), `loss ${first.loss} at epoch ${first.epoch} -> ${done.loss}`).toBeLessThan(Number(first.loss));
    expect(Number(done.valAuc)).toBeGreaterThan(0.5);
    expect(Number(done.valAp)).toBeGreaterThan(0.5);
    await waitFor('embedding of the last epoch', 30, () => document.getElementById('g-status')!.dataset.embeddingEpoch === '3');
    await waitFor('embedding drawn', 10, () => document.getElementById('g-embedding-step')!.textContent === 'after epoch 3');
    expect(await page.$eval('#g-model-info', (e) => e.textContent)).toMatch(/^VGAE, the data's features, 32-16, lr 0\.01, seed 1: 46,880 parameters; edges 4,488 train \/ 263 validation \/ 527 test; 15 dispatches per epoch\.$/);
    expect(await page.$eval('#g-progress-text', (e) => e.textContent)).toMatch(/^epoch 3 \/ 3 · last epoch [\d.]+ s · loss \d\.\d{4}$/);
    expect(await seriesPixels('#g-chart-loss', '#2563eb'), 'loss curve').toBeGreaterThan(30);
    expect(await seriesPixels('#g-chart-metrics', '#dc2626'), 'validation AUC curve').toBeGreaterThan(30);
    expect(await seriesPixels('#g-chart-metrics', '#16a34a'), 'validation AP curve').toBeGreaterThan(30);
    expect(await litPixels('#g-scatter'), 'embedding scatter').toBeGreaterThan(2000);
    const legend = await page.$$eval('#g-legend span', (s) => s.map((e) => e.textContent));
    expect(legend).toEqual(['Case_Based', 'Genetic_Algorithms', 'Neural_Networks', 'Probabilistic_Methods', 'Reinforcement_Learning', 'Rule_Learning', 'Theory']);
    // The scatter uses the class colours (Tableau 10: the first class's #4e79a7 among them).
    const classColoured = await page.$eval('#g-scatter', (c) => {
      const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
      const seen = new Set<string>();
      for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i + 1] !== d[i + 2]) seen.add(`${d[i] >> 4},${d[i + 1] >> 4},${d[i + 2] >> 4}`);
      return seen.size;
    });
    expect(classColoured, 'distinct colours in the scatter').toBeGreaterThan(7);
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-artifacts', 'page-graph.png'), fullPage: true });
    // The image mode is one click away, and back.
    await page.click('#mode-image');
    expect(await page.$eval('#image-mode', (e) => (e as HTMLElement).hidden)).toBe(false);
    expect(await page.$eval('#graph-mode', (e) => (e as HTMLElement).hidden)).toBe(true);
    await page.click('#mode-graph');
    expect(await page.$eval('#graph-mode', (e) => (e as HTMLElement).hidden)).toBe(false);
    expect(consoleErrors).toEqual([]);
  });

  it('trains on chosen LINQS files, and names a .content file without its .cites', async () => {
    const dir = join(work, 'tiny');
    mkdirSync(dir);
    const pair = linqsPair();
    writeFileSync(join(dir, 'tiny.content'), pair.content);
    writeFileSync(join(dir, 'tiny.cites.gz'), pair.cites);
    const input = (await page.$('#g-files')) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(join(dir, 'tiny.content'));
    await waitFor('error for the lone .content', 20, () => !document.getElementById('g-data-error')!.hidden);
    expect(await page.$eval('#g-data-error', (e) => e.textContent)).toBe('dropped files: tiny.content has no tiny.cites (plain or .gz) beside it');
    await input.uploadFile(join(dir, 'tiny.content'), join(dir, 'tiny.cites.gz'));
    await waitFor('tiny graph loaded', 30, () => document.getElementById('g-data-info')?.textContent?.startsWith('tiny: 60 nodes'));
    expect(await page.$eval('#g-data-info', (e) => e.textContent)).toBe('tiny: 60 nodes, 181 edges, 3 features (90 nonzero), 2 classes; dropped 1 self loop, 1 edge naming unknown ids');
    expect(await status()).toMatchObject({ state: 'idle' });
    await page.$eval('#g-epochs', (e) => ((e as HTMLInputElement).value = '4'));
    await page.$eval('#g-latent', (e) => ((e as HTMLInputElement).value = '2'));
    await page.click('#g-start');
    await waitFor('4 epochs on the tiny graph', 60, () => document.getElementById('g-status')!.dataset.state === 'done' && document.getElementById('g-status')!.dataset.embeddingEpoch === '4');
    expect((await status()).epoch).toBe('4');
    await waitFor('embedding drawn', 10, () => document.getElementById('g-embedding-step')!.textContent === 'after epoch 4');
    expect(await page.$$eval('#g-legend span', (s) => s.map((e) => e.textContent))).toEqual(['A', 'B']);
    expect(await litPixels('#g-scatter')).toBeGreaterThan(200);
    expect(consoleErrors).toEqual([]);
  });
});
