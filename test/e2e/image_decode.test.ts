/**
 * The page's image decoder (createImageBitmap, src/app/image_decode.ts) against the CLI's
 * (fast-png, jpeg-js; src/node/image_decode.ts) in Debian's Chromium: PNG samples must be
 * equal (grey, RGB, RGBA with translucent pixels, grey + alpha, 16-bit, interlaced); JPEG
 * samples may differ by the two decoders' rounding, bounded here and printed.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { encode as encodePng } from 'fast-png';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImageFile } from '../../src/node/image_decode.js';
import { seededUniform } from '../util/data.js';
import { greyJpeg138, jpeg, png } from '../util/data_files.js';

const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--headless=new'];

let browser: Browser | null = null;
let page: Page;

/** Decodes in the page; the result as plain arrays. */
async function inPage(bytes: Uint8Array, name: string): Promise<{ width: number; height: number; channels: number; data: number[]; droppedAlpha: boolean }> {
  return page.evaluate(
    async (b: number[], n: string) => {
      const img = await (globalThis as unknown as { decoder: { decodeImageInPage: (b: Uint8Array, n: string) => Promise<{ width: number; height: number; channels: number; data: Uint8Array; droppedAlpha: boolean }> } }).decoder.decodeImageInPage(Uint8Array.from(b), n);
      return { ...img, data: Array.from(img.data) };
    },
    Array.from(bytes),
    name,
  );
}

const noise = (n: number, seed: number) => Array.from(seededUniform(n, seed, 0, 256), Math.floor);

describe('page decoder = CLI decoder', () => {
  beforeAll(async () => {
    if (!existsSync(CHROME)) throw new Error(`no Chromium at ${CHROME}: install it (apt-get install chromium) or set CHROME_PATH`);
    const bundle = await esbuild.build({
      entryPoints: [fileURLToPath(new URL('../../src/app/image_decode.ts', import.meta.url))],
      bundle: true, format: 'iife', globalName: 'decoder', write: false, platform: 'browser', target: 'es2022',
    });
    browser = await puppeteer.launch({ executablePath: CHROME, args: ARGS, headless: true });
    page = await browser.newPage();
    await page.setContent('<!doctype html><title>decode</title>');
    await page.addScriptTag({ content: bundle.outputFiles[0].text });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('PNG: every sample equal, whatever the colour type', async () => {
    const w = 13;
    const h = 7;
    const cases: [string, Uint8Array][] = [
      ['grey', png(w, h, 1, noise(w * h, 1))],
      ['rgb', png(w, h, 3, noise(3 * w * h, 2))],
      // Alpha includes 0 and translucent values: a premultiplying path would change these colours.
      ['rgba', png(w, h, 4, noise(4 * w * h, 3))],
      ['grey-alpha', png(w, h, 2, noise(2 * w * h, 4))],
      ['grey-16', png(w, h, 1, noise(w * h, 5).map((v, i) => v * 256 + ((i * 37) % 256)), 16)],
      ['rgb-adam7', encodePng({ width: w, height: h, channels: 3, depth: 8, data: Uint8Array.from(noise(3 * w * h, 6)) }, { interlace: 'Adam7' })],
    ];
    for (const [name, bytes] of cases) {
      const cli = decodeImageFile(bytes, `${name}.png`);
      const web = await inPage(bytes, `${name}.png`);
      expect({ name, width: web.width, height: web.height, channels: web.channels, alpha: web.droppedAlpha }).toEqual({ name, width: w, height: h, channels: cli.channels, alpha: cli.droppedAlpha });
      const bad = web.data.findIndex((v, i) => v !== cli.data[i]);
      expect(bad, `${name}.png: first differing sample ${bad}: page ${web.data[bad]}, CLI ${cli.data[bad]}`).toBe(-1);
    }
  });

  it('JPEG: equal for a hand-made grey block; a colour photo-like image within the decoders rounding', async () => {
    const grey = await inPage(greyJpeg138(), 'grey.jpg');
    expect(grey).toMatchObject({ width: 8, height: 8, channels: 1 });
    expect(grey.data).toEqual(new Array(64).fill(138));
    // Smooth gradients plus noise, 4:2:0 chroma (jpeg-js's encoder), quality 90.
    const w = 48;
    const h = 32;
    const n = noise(3 * w * h, 7);
    const rgb = Array.from({ length: 3 * w * h }, (_, i) => {
      const p = Math.floor(i / 3);
      const base = [(p % w) * 5, Math.floor(p / w) * 7, 128][i % 3];
      return Math.max(0, Math.min(255, Math.round(base + (n[i] - 128) / 8)));
    });
    const bytes = jpeg(w, h, rgb, 90);
    const cli = decodeImageFile(bytes, 'photo.jpg');
    const web = await inPage(bytes, 'photo.jpg');
    const diffs = web.data.map((v, i) => Math.abs(v - cli.data[i]));
    const max = Math.max(...diffs);
    const mean = diffs.reduce((a, d) => a + d, 0) / diffs.length;
    const exact = diffs.filter((d) => d === 0).length / diffs.length;
    console.log(`JPEG page vs CLI on ${w}x${h} RGB, quality 90: max |difference| ${max}, mean ${mean.toFixed(3)}, ${(100 * exact).toFixed(1)}% of samples equal`);
    // Different IDCTs and chroma upsampling (libjpeg-turbo's "fancy" triangle filter against
    // jpeg-js's) round differently: a few levels at most on smooth content.
    expect(max).toBeLessThanOrEqual(16);
    expect(mean).toBeLessThan(2);
  });
});
