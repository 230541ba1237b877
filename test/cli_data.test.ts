// The commands on data of every format, run as a user would through the built CLI: --data for
// CSV, .npy, PNG folders and CIFAR-10 (the data's line first on stderr, never on stdout), the
// scaling kept in the checkpoint and applied again by eval, --split all, anomalies with labels
// (metrics against a computation by hand from its own rows, the threshold against the training
// rows' scores), --train-normal-only, export-data (4-dimensional IDX, .npy), RGB PNGs and line
// panels. Small models and a few steps each.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../src/checkpoint/checkpoint.js';
import { loadUserData } from '../src/node/user_data.js';
import { SERIES_COLORS } from '../src/views/series_panels.js';
import { cifarBatch, folderWith, le, npyFile, png } from './util/data_files.js';
import { colorCounts } from './util/png.js';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const ROOT = join(__dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'webgpu-vae-cli-data-'));

function run(args: string[], timeout = 110_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout, env: { ...process.env, CI: 'true' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
const lines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l));
const small = ['--max-steps', '3', '--epochs', '2', '--hidden', '8', '--latent', '2', '--json'];

/** Synthetic heartbeats (scripts/make_ecg_csv.mjs): `rows` of 32 samples, labels in the last column. */
function ecg(rows: number, seed: number): string[] {
  const out = join(tmp, `ecg-${rows}-${seed}.csv`);
  execFileSync(process.execPath, [join(ROOT, 'scripts/make_ecg_csv.mjs'), '--out', out, '--rows', String(rows), '--length', '32', '--seed', String(seed)]);
  return readFileSync(out, 'utf8').trim().split('\n');
}

describe('webgpu-vae on data of every format', () => {
  it('--data reads CSV, .npy, PNG folders and CIFAR-10: the data\'s line first on stderr, JSON alone on stdout; bad combinations fail in one line', async () => {
    const csv = ecg(60, 3);
    const dirs = {
      csv: folderWith({ 'beats.csv': csv.join('\n') }),
      npy: folderWith({ 'train.npy': npyFile('<f4', [20, 6], le('f4', Array.from({ length: 120 }, (_, i) => (i % 7) / 7))), 'test.npy': npyFile('<f4', [5, 6], le('f4', Array.from({ length: 30 }, (_, i) => (i % 5) / 5))) }),
      png: folderWith(Object.fromEntries(['a', 'b'].flatMap((c, k) => Array.from({ length: 6 }, (_, i) => [`${c}/${i}.png`, png(4, 4, 3, Array.from({ length: 48 }, (_, j) => (j * 13 + i * 7 + k * 90) % 256))])))),
      cifar: folderWith({ 'data_batch_1.bin': cifarBatch([0, 1, 2, 3, 4, 5, 6, 7]), 'test_batch.bin': cifarBatch([8, 9]) }),
    };
    const cases: [string, string[], RegExp][] = [
      ['csv', [join(dirs.csv, 'beats.csv'), '--label-column', 'last', '--likelihood', 'gaussian', '--normalize', 'standard'], /^data: CSV \(beats\.csv\) from .*beats\.csv: 48 train \/ 12 test rows of 32 values, split 80\/20 by seed 1, 5 classes \(inverted_t, noise_burst, normal, st_elevation, wide_qrs\); inputs --normalize standard\n/],
      ['npy', [dirs.npy], /^data: NumPy \.npy \(train\.npy and test\.npy\) from .*: 20 train \/ 5 test rows of 6 values, no labels; inputs --normalize none\n/],
      ['png', [dirs.png], /^data: an image folder \(class folders\) from .*: 9 train \/ 3 test images of 3x4x4 \(CxHxW\), split 80\/20 by seed 1, 2 classes \(a, b\); inputs pixel\/255\n/],
      ['cifar', [dirs.cifar, '--arch', 'conv', '--channels', '2', '--dense', '4'], /^data: CIFAR-10 binary batches \(1 training batch and test_batch\.bin\) from .*: 8 train \/ 2 test images of 3x32x32 \(CxHxW\), 10 classes \(airplane, .*\); inputs pixel\/255; no batches\.meta\.txt: CIFAR-10 class names used\n/],
    ];
    for (const [name, args, notice] of cases) {
      const sizes = name === 'cifar' ? small.filter((a, i) => a !== '--hidden' && small[i - 1] !== '--hidden') : small;
      const r = await run(['train', '--data', ...args, ...sizes, '--batch', '4']);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stderr, name).toMatch(notice);
      expect(lines(r.stdout).at(-1), name).toMatchObject({ final: true, step: 3 });
    }
    for (const [args, code, msg] of [
      [['train', '--data', join(dirs.csv, 'beats.csv'), '--label-column', 'last', '--batch', '4'], 1, 'after --normalize none, but the Bernoulli decoder needs [0, 1]: use --likelihood gaussian or --normalize minmax'],
      [['train', '--data', join(dirs.csv, 'beats.csv'), '--split', 'all'], 2, '--split all makes every row a test row: train needs training rows'],
      [['train', '--train-normal-only'], 2, '--train-normal-only needs --normal-label L'],
      [['train', '--size', '8'], 2, '--size reads the files of --data PATH; the embedded digits need no options'],
      [['train', '--data', dirs.npy, '--normal-label', '0'], 1, 'has no labels'],
      [['train', '--data', join(dirs.csv, 'beats.csv'), '--label-column', 'last', '--normal-label', 'healthy', '--likelihood', 'gaussian'], 1, '--normal-label healthy: no row has that label or class name; the labels are 0 (inverted_t), 1 (noise_burst), 2 (normal)'],
      [['train', '--data', join(tmp, 'nothing.csv')], 1, `--data ${join(tmp, 'nothing.csv')}: no such file`],
      [['train', '--data', dirs.cifar, '--arch', 'conv', '--channels', '2', '--dense', '4', '--normalize', 'zscore'], 2, "--normalize must be none, minmax, standard, got 'zscore'"],
    ] as [string[], number, string][]) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(code === 2 ? 2 : 1);
      expect(r.stderr).toContain(msg);
    }
  }, 330_000);

  it('the scaling travels in the checkpoint: eval of an autoencoder gives training\'s final test loss; --split all scores every row of a file', async () => {
    const csv = ecg(80, 4);
    const file = join(folderWith({ 'b.csv': csv.join('\n') }), 'b.csv');
    const model = join(tmp, 'scaled.safetensors');
    const t = await run(['train', '--data', file, '--label-column', 'last', '--normalize', 'minmax', '--kind', 'ae', '--likelihood', 'gaussian', '--sigma', '0.5', ...small, '--batch', '16', '--save', model]);
    expect(t.code, t.stderr).toBe(0);
    const final = lines(t.stdout).at(-1);
    const ck = loadCheckpoint(readFileSync(model), model);
    // minmax fitted on the training rows: per column, their minimum and range.
    const data = await loadUserData(file, { labelColumn: 'last', seed: 1 });
    const train = data.train!.values!;
    const col = (j: number) => Array.from({ length: data.train!.count }, (_, r) => train[r * 32 + j]);
    expect(ck.metadata).toMatchObject({ normalize: 'minmax', normalizePer: 'feature', dataStorage: 'float32' });
    expect(JSON.parse(ck.metadata.normalizeShift)[5]).toBe(Math.min(...col(5)));
    expect(JSON.parse(ck.metadata.normalizeScale)[5]).toBe(Math.max(...col(5)) - Math.min(...col(5)));
    const e = await run(['eval', '--model', model, '--data', file, '--label-column', 'last', '--json', '--draws', '1']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stderr).toMatch(/^data: CSV .*: 64 train \/ 16 test rows .*; inputs --normalize minmax \(the model's\)\n/);
    const ev = JSON.parse(e.stdout);
    // The same rows scaled the same way through the same model (no noise in an autoencoder).
    expect(ev.n).toBe(16);
    expect(Math.abs(ev.test_loss - final.test_loss), `${ev.test_loss} vs ${final.test_loss}`).toBeLessThan(1e-9 * Math.abs(final.test_loss) + 1e-9);
    // --init starts from a checkpoint's parameters: one step at a vanishing learning rate keeps them.
    const again = join(tmp, 'again.safetensors');
    const i = await run(['train', '--data', file, '--label-column', 'last', '--normalize', 'minmax', '--kind', 'ae', '--likelihood', 'gaussian', '--sigma', '0.5', ...small, '--batch', '16',
      '--max-steps', '1', '--lr', '1e-30', '--init', model, '--save', again]);
    expect(i.code, i.stderr).toBe(0);
    const init = loadCheckpoint(readFileSync(again), again);
    for (const [k, v] of ck.params) expect(Array.from(init.params.get(k)!), k).toEqual(Array.from(v));
    const wrong = await run(['train', '--data', file, '--label-column', 'last', '--normalize', 'minmax', '--likelihood', 'gaussian', '--hidden', '9', '--latent', '2', '--batch', '16', '--init', model]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^webgpu-vae: --init .*scaled\.safetensors: tensor fc1\.weight has shape \[8, 32\], configuration 32-9-2 expects \[9, 32\]\n$/);
    const all = await run(['anomalies', '--model', model, '--data', file, '--label-column', 'last', '--split', 'all', '--json', '--top', '3', '--out', join(tmp, 'all.png')]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toMatch(/^data: CSV .*: 80 test rows of 32 values \(--split all, no training part\)/);
    const j = JSON.parse(all.stdout);
    expect(j.n).toBe(80);
    // Every row of the file, in its order, with its label.
    expect(j.rows.map((r: { index: number }) => r.index)).toEqual(Array.from({ length: 80 }, (_, i) => i));
    expect(j.rows.map((r: { label: number }) => data.test.classNames![r.label])).toEqual(csv.slice(1).map((l) => l.split(',').at(-1)));
  }, 330_000);

  it('anomalies --normal-label: every row, metrics computed again by hand from them, the threshold of the training rows, --train-normal-only', async () => {
    const csv = ecg(240, 5);
    const [header, ...rows] = csv;
    const trainRows = rows.slice(0, 180);
    const dir = folderWith({ 'train.csv': [header, ...trainRows].join('\n'), 'test.csv': [header, ...rows.slice(180)].join('\n') });
    const normalRows = trainRows.filter((r) => r.endsWith(',normal'));
    const normalFile = join(folderWith({ 'n.csv': [header, ...normalRows].join('\n') }), 'n.csv');
    const model = join(tmp, 'detector.safetensors');
    const flags = ['--label-column', 'label'];
    const t = await run(['train', '--data', dir, ...flags, '--normal-label', 'normal', '--train-normal-only', '--normalize', 'standard', '--kind', 'ae',
      '--likelihood', 'gaussian', '--sigma', '0.5', '--max-steps', '20', '--epochs', '4', '--hidden', '16', '--latent', '4', '--batch', '32', '--json', '--save', model]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toContain(`training on the ${normalRows.length} rows of label normal (--train-normal-only); inputs --normalize standard fitted on those rows`);
    const ck = loadCheckpoint(readFileSync(model), model);
    expect(ck.metadata.normalLabel).toBe('normal');
    const threshold = Number(ck.metadata.anomalyThreshold);
    // The threshold: mean + 1 population standard deviation of the training rows' scores.
    const trainScores = JSON.parse((await run(['anomalies', '--model', model, '--data', normalFile, ...flags, '--split', 'all', '--json', '--out', join(tmp, 'n.png')])).stdout).rows.map((r: { score: number }) => r.score);
    expect(trainScores).toHaveLength(normalRows.length);
    const mean = trainScores.reduce((a: number, b: number) => a + b, 0) / trainScores.length;
    const sd = Math.sqrt(trainScores.reduce((a: number, b: number) => a + (b - mean) ** 2, 0) / trainScores.length);
    expect(Math.abs(threshold - (mean + sd))).toBeLessThan(1e-9 * threshold);

    const a = await run(['anomalies', '--model', model, '--data', dir, ...flags, '--json', '--top', '5', '--out', join(tmp, 'detector.png')]);
    expect(a.code, a.stderr).toBe(0);
    const j = JSON.parse(a.stdout);
    expect(j).toMatchObject({ n: 60, threshold, normal_label: 2 });
    expect(j.rows).toHaveLength(60);
    expect(j.top).toEqual([...j.rows].sort((p: { score: number }, q: { score: number }) => q.score - p.score).slice(0, 5));
    // The metrics by hand from the rows: anomalies are the positives.
    const pos = j.rows.filter((r: { label: number }) => r.label !== 2).map((r: { score: number }) => r.score);
    const neg = j.rows.filter((r: { label: number }) => r.label === 2).map((r: { score: number }) => r.score);
    let wins = 0;
    for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
    const ranked = [...j.rows].sort((p: { score: number }, q: { score: number }) => q.score - p.score);
    let hits = 0;
    let ap = 0;
    ranked.forEach((r: { label: number }, k: number) => {
      if (r.label !== 2) ap += ++hits / (k + 1);
    });
    const flagged = j.rows.filter((r: { score: number }) => r.score >= threshold);
    const tp = flagged.filter((r: { label: number }) => r.label !== 2).length;
    const tn = neg.filter((s: number) => s < threshold).length;
    expect(j.metrics.auc).toBeCloseTo(wins / (pos.length * neg.length), 12);
    expect(j.metrics.ap).toBeCloseTo(ap / pos.length, 12);
    expect(j.metrics).toMatchObject({ threshold, normal: neg.length, anomalies: pos.length, flagged: flagged.length });
    expect(j.metrics.precision).toBeCloseTo(flagged.length ? tp / flagged.length : 0, 12);
    expect(j.metrics.recall).toBeCloseTo(tp / pos.length, 12);
    expect(j.metrics.accuracy).toBeCloseTo((tp + tn) / 60, 12);
    // --threshold overrides the model's; the text report names the class.
    const strict = await run(['anomalies', '--model', model, '--data', dir, ...flags, '--json', '--threshold', '1e9', '--out', join(tmp, 'detector.png')]);
    expect(JSON.parse(strict.stdout).metrics).toMatchObject({ threshold: 1e9, flagged: 0, precision: 0, recall: 0 });
    const text = await run(['anomalies', '--model', model, '--data', dir, ...flags, '--out', join(tmp, 'detector.png')]);
    expect(text.stdout).toMatch(/label 2 \(normal\) normal \(\d+ rows\), every other label an anomaly \(\d+\): AUC [01]\.\d{4}, AP [01]\.\d{4}; threshold /);
    // The panels: the 64 most anomalous rows (here all 60) with their reconstructions, on white.
    const pic = decode(readFileSync(join(tmp, 'detector.png')));
    expect(pic.channels).toBe(3);
    const counts = colorCounts(pic, { x: 0, y: 0, width: pic.width, height: pic.height });
    const hex = (c: readonly number[]) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    expect(counts.get(hex(SERIES_COLORS.input)), 'input lines').toBeGreaterThan(500);
    expect(counts.get(hex(SERIES_COLORS.reconstruction)), 'reconstruction lines').toBeGreaterThan(500);
    expect([pic.width, pic.height]).toEqual([4 + 8 * 164, 4 + 8 * 84]); // ceil(sqrt(60)) = 8 panels a row
  }, 330_000);

  it('export-data: CIFAR-10 as 4-dimensional IDX, CSV as .npy, read back; RGB PNGs from a colour model', async () => {
    const cifar = folderWith({ 'data_batch_1.bin': cifarBatch([0, 1, 2, 3, 4, 5, 6, 7]), 'test_batch.bin': cifarBatch([8, 9]) });
    const out = join(tmp, 'cifar-idx');
    const r = await run(['export-data', '--data', cifar, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte']);
    expect(r.stdout).toContain('8 training and 2 test images');
    const back = await loadUserData(out);
    const orig = await loadUserData(cifar);
    expect(back.train!.shape).toEqual([3, 32, 32]);
    expect(Buffer.from(back.test.images).equals(Buffer.from(orig.test.images))).toBe(true);
    const csv = join(folderWith({ 'x.csv': '1.5,2,0\n3,4,1\n5,6,1\n7,8,0\n9,10,1\n' }), 'x.csv');
    const npy = join(tmp, 'csv-npy');
    const r2 = await run(['export-data', '--data', csv, '--label-column', 'last', '--out', npy, '--seed', '3']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(readdirSync(npy).sort()).toEqual(['test.npy', 'test_labels.npy', 'train.npy', 'train_labels.npy']);
    expect(r2.stdout).toContain('4 training and 1 test rows');
    const back2 = await loadUserData(npy);
    const orig2 = await loadUserData(csv, { labelColumn: 'last', seed: 3 });
    expect(Array.from(back2.train!.values!)).toEqual(Array.from(orig2.train!.values!));

    // A colour model's pictures are RGB: reconstructions and samples.
    const model = join(tmp, 'rgb.safetensors');
    const t = await run(['train', '--data', cifar, ...small, '--batch', '4', '--save', model]);
    expect(t.code, t.stderr).toBe(0);
    expect(loadCheckpoint(readFileSync(model), model).config.inputShape).toEqual([3, 32, 32]);
    const rec = join(tmp, 'rgb-rec.png');
    const r3 = await run(['reconstruct', '--model', model, '--data', cifar, '--n', '2', '--out', rec]);
    expect(r3.code, r3.stderr).toBe(0);
    const p = decode(readFileSync(rec));
    expect([p.channels, p.width, p.height]).toEqual([3, 2 * 32 + 3 * 2, 2 * 32 + 3 * 2]);
    // The first test image as stored (record 0 of test_batch.bin: pixel i = i mod 256 in planes).
    const px = (x: number, y: number) => Array.from(p.data.subarray(3 * (y * p.width + x), 3 * (y * p.width + x) + 3));
    expect(px(2 + 5, 2)).toEqual([5, (1024 + 5) % 256, (2048 + 5) % 256]);
    const s = join(tmp, 'rgb-samples.png');
    expect((await run(['sample', '--model', model, '--n', '4', '--out', s])).code).toBe(0);
    expect(decode(readFileSync(s)).channels).toBe(3);
  }, 330_000);
});
