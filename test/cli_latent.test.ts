// The `latent` and `interpolate` commands, run as a user would (built CLI, real processes), on two
// small models trained here; their pictures are decoded and checked against the same model run
// on this process's GPU.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../src/checkpoint/checkpoint.js';
import { LABEL_COLORS, MANIFOLD_RANGE, MANIFOLD_SIDE, manifoldGrid, UNLABELLED_COLOR } from '../src/views/latent_view.js';
import { loadEmbedded } from '../src/node/data.js';
import { project2d } from '../src/views/pca.js';
import { interpolate } from '../src/vae/toolkit.js';
import { Vae } from '../src/vae/vae.js';
import { expectClose } from './util/compare.js';
import { idxFile } from './util/data.js';
import { testGpu } from './util/gpu.js';
import { colorAt, colorCounts, type Png } from './util/png.js';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'webgpu-vae-cli-latent-'));
const P = 784;

function run(args: string[], timeout = 110_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout, maxBuffer: 16 << 20, env: { ...process.env, CI: 'true' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Trains a small model for 100 steps and saves it; returns its path. */
async function train(latent: number): Promise<string> {
  const path = join(tmp, `latent${latent}.safetensors`);
  const t = await run(['train', '--epochs', '1', '--max-steps', '100', '--batch', '64', '--hidden', '32', '--latent', String(latent), '--save', path, '--json']);
  if (t.code !== 0) throw new Error(`training the latent-${latent} model failed: ${t.stderr}`);
  return path;
}

/** The saved model on this process's GPU. */
async function open(path: string): Promise<Vae> {
  const { params, config } = loadCheckpoint(readFileSync(path), path);
  return Vae.create({ config: { ...config, batch: 128 }, parameters: params, device: (await testGpu()).device });
}

/** Grey cell k (side x side pixels) of a one-channel grid with 2 px gaps, `columns` cells a row. */
function cell(png: Png, ox: number, oy: number, k: number, columns: number, side = 28): Float64Array {
  const out = new Float64Array(side * side);
  const cx = ox + 2 + (k % columns) * (side + 2);
  const cy = oy + 2 + Math.floor(k / columns) * (side + 2);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) out[y * side + x] = png.data[png.channels * ((cy + y) * png.width + cx + x)];
  return out;
}
const bytes = (v: Float32Array) => Float64Array.from(v, (p) => Math.round(Math.min(1, Math.max(0, p)) * 255));
const meanAbsDiff = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
const maxAbsDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

let model2 = '';
let model3 = '';
const split = loadEmbedded();

beforeAll(async () => {
  model2 = await train(2);
  model3 = await train(3);
}, 120_000);

describe('webgpu-vae latent', () => {
  it('latent 2: a scatter of every label colour at the means\' places, and the decoded manifold beside it', async () => {
    const out = join(tmp, 'latent2.png');
    const r = await run(['latent', '--model', model2, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ n: 2000, latent: 2, projection: 'identity', axes: ['z1', 'z2'], explained: null, labelled: true, out });
    expect(j.legend).toEqual(LABEL_COLORS.map((color, label) => ({ label, color })));
    expect(j.manifold).toMatchObject({ side: MANIFOLD_SIDE, range: MANIFOLD_RANGE, width: 15 * 30 + 2, height: 15 * 30 + 2 });
    const png = decode(readFileSync(out));
    expect([png.width, png.height, png.channels]).toEqual([j.width, j.height, 3]);
    // Inside the scatter's square: every label colour; the last point drawn shows its own.
    const counts = colorCounts(png, j.scatter);
    for (const c of LABEL_COLORS) expect(counts.get(c) ?? 0, `pixels of ${c} in the scatter`).toBeGreaterThan(0);
    const { window: w } = j.scatter;
    const at = (x: number, y: number) => [
      Math.round(j.scatter.x + ((x - w.x0) / (w.x1 - w.x0)) * (j.scatter.width - 1)),
      Math.round(j.scatter.y + ((w.y1 - y) / (w.y1 - w.y0)) * (j.scatter.height - 1)),
    ];
    const last = j.points.length - 1;
    expect(colorAt(png, ...(at(j.points[last][0], j.points[last][1]) as [number, number]))).toBe(LABEL_COLORS[j.labels[last]]);
    expect(j.labels).toEqual(Array.from((await split).test.labels!.subarray(0, 2000)));
    // The points are the means of the first 2000 test images, the manifold the decoded grid.
    const vae = await open(model2);
    const x = Float32Array.from((await split).test.images.subarray(0, 2000 * P), (b) => b / 255);
    const { mu } = await vae.encode(x, 2000);
    // The same f32 GPU work in two processes: 1e-6 covers a differently ordered sum.
    expectClose('latent means', Float32Array.from(j.points.flat()), mu, 1e-6, 1e-5);
    const decoded = await vae.decode(manifoldGrid(MANIFOLD_SIDE, MANIFOLD_RANGE));
    vae.destroy();
    for (let k = 0; k < MANIFOLD_SIDE * MANIFOLD_SIDE; k++) {
      // 8-bit rounding of the same f32 values: at most one grey level apart.
      expectClose(`manifold cell ${k}`, cell(png, j.manifold.x, j.manifold.y, k, MANIFOLD_SIDE), bytes(decoded.subarray(k * P, (k + 1) * P)), 1, 0);
    }
    // Across the grid the decoded digits change: opposite corners differ by more than noise.
    const corners = [0, MANIFOLD_SIDE * MANIFOLD_SIDE - 1].map((k) => cell(png, j.manifold.x, j.manifold.y, k, MANIFOLD_SIDE));
    expect(meanAbsDiff(corners[0], corners[1]), 'grey levels between the manifold\'s corners').toBeGreaterThan(5);
  });

  it('latent 3: principal components with their variance shares, no manifold', async () => {
    const out = join(tmp, 'latent3.png');
    const r = await run(['latent', '--model', model3, '--n', '500', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ n: 500, latent: 3, projection: 'pca', manifold: null, labelled: true });
    expect(j.explained[0]).toBeGreaterThanOrEqual(j.explained[1]);
    expect(j.explained[0] + j.explained[1]).toBeLessThanOrEqual(1 + 1e-9);
    expect(j.axes).toEqual(j.explained.map((e: number, i: number) => `PC${i + 1} (${Math.round(e * 100)}% of variance)`));
    const png = decode(readFileSync(out));
    expect([png.width, png.height]).toEqual([j.width, j.height]);
    expect(png.width).toBeLessThan(600); // no manifold panel
    const counts = colorCounts(png, j.scatter);
    for (const c of LABEL_COLORS) expect(counts.get(c) ?? 0, `pixels of ${c}`).toBeGreaterThan(0);
    const vae = await open(model3);
    const x = Float32Array.from((await split).test.images.subarray(0, 500 * P), (b) => b / 255);
    const want = project2d((await vae.encode(x, 500)).mu, 500, 3);
    vae.destroy();
    // Power iteration on nearly the same covariance: 1e-4 absolute on values of order 1.
    expectClose('projected means', Float32Array.from(j.points.flat()), want.points, 1e-4, 1e-4);
    const plain = await run(['latent', '--model', model3, '--n', '500', '--out', out]);
    expect(plain.stdout).toMatch(/^wrote the posterior means of 500 test images projected on their top two principal components \(latent size 3; PC1 \(\d+% of variance\), PC2 \(\d+% of variance\)\), coloured by label, to .*latent3\.png\n$/);
  });

  it('a test set without labels is drawn in one colour, and says so', async () => {
    // 100 train and 300 test digits of the embedded set, no label files.
    const { train, test } = await split;
    const dir = join(tmp, 'unlabelled');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxFile(0x803, [100, 28, 28], train.images.subarray(0, 100 * P)));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxFile(0x803, [300, 28, 28], test.images.subarray(0, 300 * P)));
    const out = join(tmp, 'unlabelled.png');
    const r = await run(['latent', '--model', model2, '--data', dir, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ n: 300, labelled: false, labels: null, legend: [{ label: null, color: UNLABELLED_COLOR }], legend_box: null });
    const counts = colorCounts(decode(readFileSync(out)), { x: 0, y: 0, width: j.width, height: j.height });
    expect(counts.get(UNLABELLED_COLOR) ?? 0).toBeGreaterThan(0);
    for (const c of LABEL_COLORS.filter((c) => c !== UNLABELLED_COLOR)) expect(counts.get(c) ?? 0, `pixels of ${c}`).toBe(0);
    const plain = await run(['latent', '--model', model2, '--data', dir, '--out', out]);
    expect(plain.stdout).toContain('in one colour (the test set has no labels)');
  });
});

describe('webgpu-vae interpolate', () => {
  it('writes test image I, the decoded path and test image J in one row; linear and spherical differ between the ends', async () => {
    // The pair whose means are furthest apart in angle among the first 500 test images, so that
    // the great circle and the straight line part as far as this model allows.
    const vae = await open(model2);
    const { test } = await split;
    const x = Float32Array.from(test.images.subarray(0, 500 * P), (b) => b / 255);
    const { mu } = await vae.encode(x, 500);
    let pair = [0, 1];
    let minCos = 2;
    for (let i = 0; i < 500; i++) {
      for (let k = i + 1; k < 500; k++) {
        const cos = (mu[2 * i] * mu[2 * k] + mu[2 * i + 1] * mu[2 * k + 1]) / (Math.hypot(mu[2 * i], mu[2 * i + 1]) * Math.hypot(mu[2 * k], mu[2 * k + 1]));
        if (cos < minCos) [minCos, pair] = [cos, [i, k]];
      }
    }
    const [a, b] = pair;
    const steps = 7;
    const strips: Record<string, Png> = {};
    for (const path of ['linear', 'spherical'] as const) {
      const out = join(tmp, `interp-${path}.png`);
      const r = await run(['interpolate', '--model', model2, '--from', String(a), '--to', String(b), '--steps', String(steps), '--path', path, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`wrote test image ${a} (label ${test.labels![a]}), ${steps} decoded ${path} steps between the posterior means, and test image ${b} (label ${test.labels![b]}) to ${out}\n`);
      const png = decode(readFileSync(out));
      expect([png.width, png.height, png.channels]).toEqual([(steps + 2) * 30 + 2, 32, 1]);
      expectClose(`${path}: first cell is test image ${a}`, cell(png, 0, 0, 0, steps + 2), Float64Array.from(test.images.subarray(a * P, (a + 1) * P)), 0, 0);
      expectClose(`${path}: last cell is test image ${b}`, cell(png, 0, 0, steps + 1, steps + 2), Float64Array.from(test.images.subarray(b * P, (b + 1) * P)), 0, 0);
      const frames = await interpolate(vae, x.subarray(a * P, (a + 1) * P), x.subarray(b * P, (b + 1) * P), steps, path);
      for (let k = 0; k < steps; k++) expectClose(`${path} frame ${k}`, cell(png, 0, 0, k + 1, steps + 2), bytes(frames.subarray(k * P, (k + 1) * P)), 1, 0);
      strips[path] = png;
    }
    vae.destroy();
    // Grey levels between the two strips' decoded frames: equal at the ends (both paths run from
    // mu(I) to mu(J)); apart in the middle by more than the 1-level tolerance above, so that the
    // comparison with interpolate() tells the paths apart (8 levels on this model, means 19
    // degrees apart).
    const diff = (k: number) => maxAbsDiff(cell(strips.linear, 0, 0, k, steps + 2), cell(strips.spherical, 0, 0, k, steps + 2));
    expect(diff(1), 'first decoded frame').toBeLessThanOrEqual(1);
    expect(diff(steps), 'last decoded frame').toBeLessThanOrEqual(1);
    expect(diff((steps + 1) / 2), `middle frame (means ${((Math.acos(minCos) * 180) / Math.PI).toFixed(0)} degrees apart)`).toBeGreaterThan(2);
  });
});

describe('latent and interpolate: mistakes fail in one line', () => {
  it('--help lists both commands', async () => {
    const help = await run(['--help']);
    expect(help.stdout).toMatch(/^ {2}latent {8}/m);
    expect(help.stdout).toMatch(/^ {2}interpolate {3}/m);
  });

  it('bad indices, steps, paths and counts exit 2 with the reason; other failures exit 1', async () => {
    for (const [args, msg] of [
      [['interpolate', '--model', model2, '--from', '2000', '--to', '1'], "--from must be a test image index from 0 to 1999, got '2000'"],
      [['interpolate', '--model', model2, '--from', '0', '--to', 'x'], "--to must be a test image index from 0 to 1999, got 'x'"],
      [['interpolate', '--model', model2, '--from=-1', '--to', '3'], "--from must be a test image index from 0 to 1999, got '-1'"],
      [['interpolate', '--model', model2, '--to', '3'], '--from is required'],
      [['interpolate', '--model', model2, '--from', '0', '--to', '3', '--steps', '1'], "--steps must be a whole number from 2 to 1000, got '1'"],
      [['interpolate', '--model', model2, '--from', '0', '--to', '3', '--path', 'curved'], "--path must be linear or spherical, got 'curved'"],
      [['latent', '--model', model2, '--n', '0'], "--n must be a whole number from 1 to 1000000, got '0'"],
      [['latent'], '--model is required'],
    ] as [string[], string][]) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toBe(`webgpu-vae: ${msg}\nrun 'webgpu-vae --help' for usage\n`);
    }
    const jpg = await run(['latent', '--model', model2, '--out', join(tmp, 'x.jpg')]);
    expect(jpg.code).toBe(1);
    expect(jpg.stderr).toBe(`webgpu-vae: --out ${join(tmp, 'x.jpg')}: the file name must end in .png\n`);
    const missing = await run(['interpolate', '--model', join(tmp, 'none.safetensors'), '--from', '0', '--to', '1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`webgpu-vae: --model ${join(tmp, 'none.safetensors')}: no such file\n`);
  });
});
