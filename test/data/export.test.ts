// Exporting a split as the four standard IDX files: the names, and a round trip through the
// folder reader that `--data DIR` uses, for a synthetic split and for the embedded digits.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { IDX_FILE_NAMES, splitToIdxFiles } from '../../src/data/export.js';
import type { Split } from '../../src/data/mnist.js';
import { IDX_NAMES, loadEmbedded, loadIdxFolder } from '../../src/node/data.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Writes the files into a fresh folder and reads it back as `--data DIR` does. */
async function throughFolder(split: Split, gzip: boolean): Promise<Split> {
  const dir = mkdtempSync(join(tmpdir(), 'idx-export-'));
  dirs.push(dir);
  for (const f of await splitToIdxFiles(split, { gzip })) writeFileSync(join(dir, f.name), f.bytes);
  return loadIdxFolder(dir);
}

function expectSame(got: Dataset, want: Dataset): void {
  expect({ count: got.count, rows: got.rows, cols: got.cols }).toEqual({ count: want.count, rows: want.rows, cols: want.cols });
  expect(Buffer.compare(got.images, want.images)).toBe(0);
  if (want.labels) expect(Buffer.compare(got.labels!, want.labels)).toBe(0);
  else expect(got.labels).toBeNull();
}

/** A small split of 5x3 images with byte k of part `seed` = (k * 31 + seed) mod 256. */
function syntheticSplit(withLabels: boolean): Split {
  const part = (name: string, count: number, seed: number): Dataset => {
    const pixels = new Uint8Array(count * 15).map((_, k) => (k * 31 + seed) & 0xff);
    const labels = withLabels ? new Uint8Array(count).map((_, i) => (i * 7 + seed) % 10) : null;
    return makeDataset(name, { count, rows: 5, cols: 3, pixels }, labels);
  };
  return { train: part('train', 11, 1), test: part('test', 4, 2) };
}

describe('split export', () => {
  it('names the four standard files, .gz when gzipped, labels only when there are labels', async () => {
    const names = (await splitToIdxFiles(syntheticSplit(true))).map((f) => f.name);
    expect(names).toEqual([IDX_FILE_NAMES.trainImages, IDX_FILE_NAMES.trainLabels, IDX_FILE_NAMES.testImages, IDX_FILE_NAMES.testLabels]);
    // The reader's names (src/node/data.ts) are the same four.
    expect(IDX_FILE_NAMES).toEqual(IDX_NAMES);
    const gz = (await splitToIdxFiles(syntheticSplit(false), { gzip: true })).map((f) => f.name);
    expect(gz).toEqual([`${IDX_FILE_NAMES.trainImages}.gz`, `${IDX_FILE_NAMES.testImages}.gz`]);
  });

  for (const gzip of [false, true]) {
    it(`round-trips a split through the folder reader (${gzip ? 'gzipped' : 'plain'}, with and without labels)`, async () => {
      for (const withLabels of [true, false]) {
        const split = syntheticSplit(withLabels);
        const back = await throughFolder(split, gzip);
        expectSame(back.train, split.train);
        expectSame(back.test, split.test);
      }
    });
  }

  it('exports the embedded digits as their 8,000 / 2,000 split, byte for byte', async () => {
    const split = await loadEmbedded();
    const back = await throughFolder(split, true);
    expect([back.train.count, back.test.count]).toEqual([8000, 2000]);
    expectSame(back.train, split.train);
    expectSame(back.test, split.test);
  });

  it('refuses train and test images of different sizes', async () => {
    const s = syntheticSplit(true);
    const odd = makeDataset('test', { count: 1, rows: 4, cols: 4, pixels: new Uint8Array(16) }, null);
    await expect(splitToIdxFiles({ train: s.train, test: odd })).rejects.toThrow('export: train images are 5x3 but test images are 4x4');
  });
});
