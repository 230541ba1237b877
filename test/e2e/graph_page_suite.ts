/**
 * End-to-end test of the page's graph mode, run by test/e2e/graph_page.test.ts in Debian's
 * Chromium (Dawn's WebGPU on SwiftShader) and by test/firefox/graph_page.test.ts in Firefox ESR
 * (wgpu), with the same assertions: serves the built page with scripts/serve.mjs, opens
 * `?mode=graph&autostart=1` with a few epochs of the VGAE on the embedded Cora, and checks that the loss and the
 * validation AUC / AP curves and the node-embedding scatter (coloured by class, with Cora's
 * class names in the legend) are drawn; switches to the image mode and back; then chooses a
 * small generated LINQS pair (a .content and a gzipped .cites) and trains on it; checks the
 * message for a .content file without its .cites; and reads a generated block model's
 * edges.csv and nodes.csv with the reading progress shown. A screenshot is kept in
 * test-artifacts/page-graph.png (page-graph-firefox.png in Firefox).
 *
 * A Cora epoch costs about 0.5 s of CPU on SwiftShader (about 1.4 s in Firefox), so the test
 * trains 3 epochs.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgesCsv, nodesCsv } from '../../src/cli/graph_generate.js';
import { stochasticBlockModel } from '../../src/graph/generate.js';
import {
  browserTitle, closeBrowser, collectErrors, launchPageBrowser, pageDiagnostics, requireBuilt, root, startServer, waitInPage, type BrowserName,
} from './browser_page.js';

let server: ChildProcess | null = null;
let base = '';
let browser: Browser | null = null;
let page: Page;
let work = '';
const consoleErrors: string[] = [];

/** What the page shows, for failure messages. */
const diagnostics = () => pageDiagnostics(page, 'g-status', {
  progress: 'g-progress-text', banner: 'banner', runError: 'g-run-error', dataError: 'g-data-error', data: 'g-data-info',
}, consoleErrors);

function waitFor<A extends unknown[]>(what: string, seconds: number, fn: (...args: A) => unknown, ...args: A): Promise<void> {
  return waitInPage(page, diagnostics, what, seconds, fn, ...args);
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

/** Registers the graph mode's end-to-end tests, run in `name`. */
export function graphPageSuite(name: BrowserName): void {
  beforeAll(async () => {
    requireBuilt(['dist/app.js', 'dist/graph_worker.js', 'dist/cora.content.gz', 'dist/cora.cites.gz']);
    work = mkdtempSync(join(tmpdir(), 'webgpu-vae-graph-e2e-'));
    const served = startServer();
    server = served.child;
    base = await served.url;
    ({ browser } = await launchPageBrowser(name));
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    collectErrors(page, consoleErrors);
  }, 60_000);

  afterAll(async () => {
    await closeBrowser(browser);
    server?.kill();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe(`graph mode of the page (${browserTitle(name)})`, () => {
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
      expect(await page.$eval('#g-model-info', (e) => e.textContent)).toMatch(/^VGAE, the data's features, 32-16, lr 0\.01, seed 1: 46,880 parameters; edges 4,488 train \/ 263 validation \/ 527 test; 15 dispatches per epoch; decoder exact \(every pair, chosen automatically: 2708 nodes <= 10000\)\.$/);
      expect(done.valHits, 'validation Hits@50').toMatch(/^[01]\.\d{4}$/);
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
      await page.screenshot({ path: join(root, 'test-artifacts', `page-graph${name === 'chromium' ? '' : `-${name}`}.png`), fullPage: true });
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
      // The sampled decoder (the training edges and 2 random pairs per edge), which auto picks only above 10,000 nodes.
      await page.select('#g-decoder', 'sampled');
      await page.$eval('#g-negatives', (e) => ((e as HTMLInputElement).value = '2'));
      await page.click('#g-start');
      await waitFor('4 epochs on the tiny graph', 60, () => document.getElementById('g-status')!.dataset.state === 'done' && document.getElementById('g-status')!.dataset.embeddingEpoch === '4');
      expect((await status()).epoch).toBe('4');
      expect(await page.$eval('#g-model-info', (e) => e.textContent)).toMatch(/; decoder sampled \(K = 2\)\.$/);
      await waitFor('embedding drawn', 10, () => document.getElementById('g-embedding-step')!.textContent === 'after epoch 4');
      expect(await page.$$eval('#g-legend span', (s) => s.map((e) => e.textContent))).toEqual(['A', 'B']);
      expect(await litPixels('#g-scatter')).toBeGreaterThan(200);
      expect(consoleErrors).toEqual([]);
    });

    it('reads a dropped edges.csv with its nodes.csv (a 60,000-node block model, 6 MiB) with a progress bar; the blocks are the classes', async () => {
      const dir = join(work, 'sbm');
      mkdirSync(dir);
      const g = stochasticBlockModel({ nodes: 60_000, edges: 400_000, blocks: 12, seed: 3 });
      writeFileSync(join(dir, 'edges.csv'), edgesCsv(g));
      writeFileSync(join(dir, 'nodes.csv'), nodesCsv(g));
      // Every text the progress line shows while reading.
      await page.evaluate(() => {
        const line = document.getElementById('g-progress-text')!;
        const seen: string[] = [];
        (window as unknown as { readingTexts: string[] }).readingTexts = seen;
        // From the records, not the line at callback time: two texts set before the callback
        // runs are both seen.
        new MutationObserver((records) => {
          for (const r of records) r.addedNodes.forEach((n) => seen.push(n.textContent ?? ''));
        }).observe(line, { childList: true, subtree: true });
      });
      const input = (await page.$('#g-files')) as ElementHandle<HTMLInputElement>;
      await input.uploadFile(join(dir, 'edges.csv'), join(dir, 'nodes.csv'));
      await waitFor('block model loaded', 60, () => document.getElementById('g-data-info')?.textContent?.startsWith('edges.csv + nodes.csv: 60000 nodes'));
      expect(await page.$eval('#g-data-info', (e) => e.textContent)).toBe('edges.csv + nodes.csv: 60000 nodes, 400000 edges, 60000 features (60000 nonzero), 12 classes');
      const texts = await page.evaluate(() => (window as unknown as { readingTexts: string[] }).readingTexts.filter((t) => t.startsWith('reading')));
      const edges = texts.filter((t) => t.startsWith('reading edges.csv'));
      // One report per MiB read, reaching the end; frames may merge a few of them.
      expect(edges.length, texts.join(' | ')).toBeGreaterThanOrEqual(2);
      expect(edges.at(-1)).toMatch(/^reading edges\.csv: ([\d.]+) of \1 MiB$/);
      expect(await page.$$eval('#g-legend span', (s) => s.map((e) => e.textContent))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      expect(await status()).toMatchObject({ state: 'idle' });
      expect(consoleErrors).toEqual([]);
    });
  });
}
