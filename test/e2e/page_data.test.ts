/**
 * End-to-end test of the page with data of its own and model specs, in Debian's Chromium
 * (software WebGPU on SwiftShader): a CSV of series chosen with the data options from the URL
 * (label column, standard scaling, normal label) trains a Gaussian VAE whose views are line
 * panels and whose anomaly view gives an AUC; PNG images train with RGB grids; CIFAR-10 batches
 * and a .npy read with their line; a broken CSV shows the reader's line; a spec file loads in
 * the settings (a bad one shows its one-line error), trains, saves a checkpoint that records
 * it, and that checkpoint loads back with its spec shown. Small models and a few steps each.
 * Screenshots: test-artifacts/page-series.png and page-rgb.png.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/layers/all.js';
import { loadCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { resolveSpec } from '../../src/model/spec.js';
import { openPageSession, requireBuilt, root as ROOT, waitInPage, type PageSession } from './browser_page.js';
import { cifarBatch, le, npyFile, png } from '../util/data_files.js';

let t: PageSession;
let page: Page;
let base = '';
let work = '';

const waitFor = <A extends unknown[]>(what: string, seconds: number, fn: (...args: A) => unknown, ...args: A) =>
  waitInPage(page, () => t.diagnostics(['data-info', 'data-error', 'run-error', 'spec-error']), what, seconds, fn, ...args);
const diagnostics = () => t.diagnostics(['data-info', 'data-error', 'run-error', 'spec-error']);
const text = (selector: string) => page.$eval(selector, (e) => e.textContent ?? '');
const stepNow = async () => Number(await page.$eval('#status', (e) => (e as HTMLElement).dataset.step));

/** Pixels of a canvas that are neither the grids' grey background nor white; and how many are coloured (not grey). */
const pixels = (selector: string) => page.$eval(selector, (c) => {
  const canvas = c as HTMLCanvasElement;
  const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
  let lit = 0;
  let coloured = 0;
  for (let i = 0; i < d.length; i += 4) {
    const grey = d[i] === d[i + 1] && d[i + 1] === d[i + 2];
    if (!(grey && (d[i] === 48 || d[i] === 255))) lit++;
    if (!grey) coloured++;
  }
  return { lit, coloured, series: canvas.classList.contains('series') };
});

/** Trains from the current settings until `steps` more steps, then pauses. */
async function trainSteps(steps: number, seconds: number): Promise<void> {
  const before = await stepNow();
  await page.click('#start');
  await waitFor(`${steps} steps`, seconds, (s: number) => Number(document.getElementById('status')!.dataset.step) >= s, before + steps);
  await page.click('#pause');
  await waitFor('paused', 60, () => document.getElementById('status')!.dataset.state === 'paused');
}

beforeAll(async () => {
  requireBuilt(['dist/app.js', 'dist/worker.js']);
  t = await openPageSession('webgpu-vae-e2e-data-');
  ({ page, url: base, work } = t);
}, 60_000);

afterAll(() => t?.close());

describe('the page with data of its own', () => {
  it('a CSV of series: the data options from the URL, line panels, the anomaly view\'s AUC', async () => {
    const csv = join(work, 'ecg.csv');
    execFileSync(process.execPath, [join(ROOT, 'scripts/make_ecg_csv.mjs'), '--out', csv, '--rows', '300', '--length', '40', '--seed', '2']);
    await page.goto(`${base}?label-column=label&normalize=standard&normal-label=normal&likelihood=gaussian&sigma=0.5&hidden=16&latent=2&batch=32&epochs=50`, { waitUntil: 'load', timeout: 30_000 });
    await waitFor('worker ready', 30, () => document.getElementById('status')!.dataset.state === 'idle');
    expect(await page.$eval('#data-label-column', (e) => (e as HTMLInputElement).value)).toBe('label');
    await (await page.$('input#idx-input'))!.uploadFile(csv);
    await waitFor('CSV read', 30, () => /^CSV \(ecg\.csv\) from ecg\.csv: 240 train \/ 60 test rows of 40 values/.test(document.getElementById('data-info')!.textContent ?? ''));
    expect(await text('#data-info')).toContain('inputs --normalize standard');
    await trainSteps(8, 90);
    await waitFor('the anomaly view with its AUC', 60, () => document.getElementById('anomalies')!.dataset.auc !== undefined);
    const auc = Number(await page.$eval('#anomalies', (e) => (e as HTMLElement).dataset.auc));
    expect(auc).toBeGreaterThan(0);
    expect(auc).toBeLessThanOrEqual(1);
    expect(await page.$$eval('#anomaly-rows tr', (r) => r.length)).toBe(10);
    expect(await text('#anomaly-summary')).toMatch(/label 2 \(normal\) normal against the others: AUC/);
    for (const c of ['#originals', '#reconstructions', '#samples', '#denoising']) {
      const p = await pixels(c);
      expect(p.series, `${c} drawn as line panels`).toBe(true);
      expect(p.coloured, `${c} has coloured lines`).toBeGreaterThan(100);
    }
    expect(await page.$eval('#manifold', (e) => (e as HTMLElement).hidden), 'no manifold for series').toBe(true);
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts/page-series.png'), fullPage: true });
    expect(t.errors).toEqual([]);
  }, 360_000);

  it('PNG colour images train with RGB grids; CIFAR-10 batches and a .npy read; a broken CSV shows its line', async () => {
    await page.goto(`${base}?hidden=16&latent=2&batch=8&epochs=100`, { waitUntil: 'load', timeout: 30_000 });
    await waitFor('worker ready', 30, () => document.getElementById('status')!.dataset.state === 'idle');
    // 20 images of 8x8: a red left half and a blue right half, brighter with the index.
    const dir = join(work, 'png');
    mkdirSync(dir);
    const files = Array.from({ length: 20 }, (_, k) => {
      const rgb = Array.from({ length: 64 }, (_, i) => (i % 8 < 4 ? [120 + 5 * k, 0, 0] : [0, 0, 120 + 5 * k])).flat();
      const f = join(dir, `img${String(k).padStart(2, '0')}.png`);
      writeFileSync(f, png(8, 8, 3, rgb));
      return f;
    });
    await (await page.$('input#idx-input'))!.uploadFile(...files);
    await waitFor('images read', 30, () => /an image folder .*16 train \/ 4 test images of 3x8x8/.test(document.getElementById('data-info')!.textContent ?? ''));
    await trainSteps(4, 90);
    await waitFor('images drawn', 30, () => document.getElementById('images-step')!.textContent !== '');
    const grid = await pixels('#originals');
    expect(grid.series).toBe(false);
    expect(grid.coloured, 'the test images in colour').toBeGreaterThan(200);
    await page.screenshot({ path: join(ROOT, 'test-artifacts/page-rgb.png'), fullPage: true });

    const cifar = [join(work, 'data_batch_1.bin'), join(work, 'test_batch.bin')];
    writeFileSync(cifar[0], cifarBatch([1, 2, 3, 4, 5, 6, 7, 8]));
    writeFileSync(cifar[1], cifarBatch([9, 0]));
    await (await page.$('input#idx-input'))!.uploadFile(...cifar);
    await waitFor('CIFAR-10 read', 30, () => /^CIFAR-10 binary batches .*8 train \/ 2 test images of 3x32x32 \(CxHxW\), 10 classes \(airplane/.test(document.getElementById('data-info')!.textContent ?? ''));
    const npy = [join(work, 'x.npy'), join(work, 'x_labels.npy')];
    writeFileSync(npy[0], npyFile('<f4', [10, 3], le('f4', Array.from({ length: 30 }, (_, i) => i / 30))));
    writeFileSync(npy[1], npyFile('|u1', [10], Uint8Array.from({ length: 10 }, (_, i) => i % 2)));
    await (await page.$('input#idx-input'))!.uploadFile(...npy);
    await waitFor('.npy read', 30, () => /^NumPy \.npy \(x\.npy\) .*8 train \/ 2 test rows of 3 values, split 80\/20 by seed 1, labelled/.test(document.getElementById('data-info')!.textContent ?? ''));
    const bad = join(work, 'bad.csv');
    writeFileSync(bad, '1,2,3\n4,x,6\n');
    await (await page.$('input#idx-input'))!.uploadFile(bad);
    await waitFor('the reader\'s error', 30, () => /^bad\.csv line 2 column 2/.test(document.getElementById('data-error')!.textContent ?? ''));
    expect(await text('#data-info'), 'the data in use are kept').toMatch(/^NumPy/);
    expect(t.errors).toEqual([]);
  }, 360_000);

  it('a model spec: its error in one line, then loaded, trained, saved with the checkpoint, and shown again when that loads', async () => {
    const spec = {
      input: [1, 28, 28], latent: 2,
      encoder: [{ type: 'flatten' }, { type: 'linear', name: 'enc', out: 24, activation: 'elu' }],
      decoder: [{ type: 'linear', name: 'dec', out: 24, activation: 'tanh' }, { type: 'linear', name: 'out', out: 784 }, { type: 'reshape', shape: [1, 28, 28] }],
    };
    const bad = { ...spec, decoder: spec.decoder.slice(0, 2) };
    const badFile = join(work, 'bad.json');
    const goodFile = join(work, 'small.json');
    writeFileSync(badFile, JSON.stringify(bad));
    writeFileSync(goodFile, JSON.stringify(spec));
    const expected = (() => {
      try {
        resolveSpec(bad);
        return 'no error';
      } catch (e) {
        return `bad.json: ${(e as Error).message}`;
      }
    })();
    await page.goto(`${base}?batch=64`, { waitUntil: 'load', timeout: 30_000 });
    await waitFor('worker ready', 30, () => document.getElementById('status')!.dataset.state === 'idle');
    await (await page.$('input#spec-input'))!.uploadFile(badFile);
    await waitFor('the spec\'s error', 20, (m: string) => document.getElementById('spec-error')!.textContent === m, expected);
    await (await page.$('input#spec-input'))!.uploadFile(goodFile);
    await waitFor('the spec shown', 20, () => /^Spec small\.json: input 1x28x28, latent 2, /.test(document.getElementById('spec-info')!.textContent ?? ''));
    expect(await page.$eval('#spec-error', (e) => (e as HTMLElement).hidden)).toBe(true);
    expect(await page.evaluate(() => ['hidden', 'arch', 'latent', 'likelihood', 'batch'].map((id) => (document.getElementById(id) as HTMLInputElement).disabled))).toEqual([true, true, true, true, false]);
    await trainSteps(4, 90);
    expect(await text('#model-info')).toMatch(/^Model 784-24-2 \(spec small\.json\), VAE, Bernoulli \(BCE\): /);
    const step = await stepNow();
    await page.click('#save');
    const dir = join(work, 'downloads');
    const want = `vae-784-24-2-step${step}.safetensors`;
    const deadline = Date.now() + 30_000;
    while (!readdirSync(dir).includes(want)) {
      if (Date.now() > deadline) throw new Error(`no download ${want} (have ${readdirSync(dir).join(', ')}). ${await diagnostics()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const ck = loadCheckpoint(readFileSync(join(dir, want)), want);
    expect(ck.metadata.arch).toBe('spec');
    expect(ck.config.spec).toEqual(resolveSpec(spec).spec);
    expect(ck.metadata).toMatchObject({ normalize: 'pixel', dataStorage: 'uint8' });
    await page.click('#reset');
    await waitFor('no model', 30, () => document.getElementById('status')!.dataset.state === 'idle');
    await page.click('#spec-clear');
    expect(await page.$eval('#hidden', (e) => (e as HTMLInputElement).disabled), 'the fields back').toBe(false);
    await (await page.$('input#load-input'))!.uploadFile(join(dir, want));
    await waitFor('the checkpoint loaded', 40, (s: number) => {
      const st = document.getElementById('status')!.dataset;
      return st.state === 'paused' && Number(st.step) === s;
    }, step);
    expect(await text('#spec-info')).toMatch(new RegExp(`^Spec ${want.replace(/\./g, '\\.')}'s spec: input 1x28x28, latent 2`));
    expect(await page.$eval('#hidden', (e) => (e as HTMLInputElement).disabled)).toBe(true);
    expect(t.errors).toEqual([]);
  }, 300_000);
});
