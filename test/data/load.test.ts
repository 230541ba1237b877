// --data PATH for every format through the Node layer: detection (and --format), two-part and
// one-file sources, the 80 / 20 split and --split all, gzipped files, the scaling attached,
// export-data's files read back, and the one-line notice.
import { gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillBatch, fingerprint, makeDataset, pixelsOf, type AnyDataset } from '../../src/data/dataset.js';
import { exportFiles, exportKind } from '../../src/data/export_any.js';
import { detectFormat, formatsIn } from '../../src/data/formats.js';
import { loadUserData } from '../../src/node/user_data.js';
import { idxFile } from '../util/data.js';
import { cifarBatch, folderWith, le, npyFile } from '../util/data_files.js';
import { asyncMessageOf } from '../util/errors.js';

const images = (n: number, side = 3, from = 0) => idxFile(0x803, [n, side, side], Uint8Array.from({ length: n * side * side }, (_, i) => (from + i) % 256));
const idxLabels = (l: number[]) => idxFile(0x801, [l.length], Uint8Array.from(l));

/** Model inputs of every row, as training would see them. */
function inputs(ds: AnyDataset): number[] {
  const out = new Float32Array(ds.count * pixelsOf(ds));
  fillBatch(out, ds, Array.from({ length: ds.count }, (_, i) => i), 0, ds.count);
  return Array.from(out);
}

describe('format detection', () => {
  it('by names in a folder, by extension for a file, --format for the ambiguous', () => {
    expect([...formatsIn(['train-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte'])]).toEqual([['idx', 'train-images-idx3-ubyte.gz']]);
    expect(formatsIn(['cifar-10-batches-bin/data_batch_1.bin', 'cifar-10-batches-bin/batches.meta.txt']).has('cifar10')).toBe(true);
    expect(detectFormat('d', { paths: ['train.npy', 'test.npy', 'train_labels.npy'] })).toBe('npy');
    expect(detectFormat('d', { paths: ['cat/1.png', 'dog/2.JPG'] })).toBe('images');
    expect(detectFormat('f', { paths: ['x.tsv.gz'], singleFile: 'x.tsv.gz' })).toBe('csv');
    expect(() => detectFormat('d', { paths: ['train.csv', 'train.npy'] })).toThrow('--data d: holds CSV (train.csv) and NumPy .npy (train.npy): pick one with --format csv|npy');
    expect(detectFormat('d', { paths: ['train.csv', 'train.npy'] }, 'npy')).toBe('npy');
    expect(() => detectFormat('d', { paths: ['notes.txt'] })).toThrow(/^--data d: no data found/);
    expect(() => detectFormat('d', { paths: ['a.csv'] }, 'images')).toThrow('--data d: --format images, but the folder holds no an image folder (it holds CSV (a.csv))');
  });
});

describe('--data PATH', () => {
  it('an IDX folder reads as before: MNIST-like sets, same fingerprint as makeDataset', async () => {
    const dir = folderWith({ 'train-images-idx3-ubyte': images(4), 'train-labels-idx1-ubyte.gz': gzipSync(idxLabels([1, 2, 3, 4])), 't10k-images-idx3-ubyte.gz': gzipSync(images(2, 3, 50)) });
    const d = await loadUserData(dir);
    expect(d.format).toBe('idx');
    expect(d.train!.shape).toBeUndefined();
    expect(d.train!.scaling).toBeNull();
    expect(fingerprint(d.train!)).toBe(fingerprint(makeDataset('x', { count: 4, rows: 3, cols: 3, pixels: images(4).subarray(16) }, Uint8Array.from([1, 2, 3, 4]))));
    expect(d.test.labels).toBeNull(); // labels for one part only: allowed for IDX, as before
    expect(d.notice).toMatch(/^data: MNIST IDX files from .*: 4 train \/ 2 test images of 1x3x3 \(CxHxW\), labels for the training part only; inputs pixel\/255$/);
  });

  it('CIFAR-10 batches in cifar-10-batches-bin/, class names from batches.meta.txt, gzipped batches', async () => {
    const names = 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n';
    const dir = folderWith({
      'cifar-10-batches-bin/data_batch_2.bin': cifarBatch([5]), 'cifar-10-batches-bin/data_batch_1.bin.gz': gzipSync(cifarBatch([1, 2])),
      'cifar-10-batches-bin/test_batch.bin': cifarBatch([9]), 'cifar-10-batches-bin/batches.meta.txt': names,
    });
    const d = await loadUserData(dir);
    expect(d.format).toBe('cifar10');
    expect(d.train!.shape).toEqual([3, 32, 32]);
    expect(Array.from(d.train!.labels!)).toEqual([1, 2, 5]); // batch 1 before batch 2
    expect(d.train!.classNames![9]).toBe('truck');
    expect(inputs(d.test).slice(0, 2)).toEqual([0, 1 / 255].map(Math.fround));
    expect(d.notice).toContain('CIFAR-10 binary batches (2 training batches and test_batch.bin)');
  });

  it('train.npy / test.npy with labels; float data default to no scaling, --normalize standard fitted on train', async () => {
    const dir = folderWith({
      'train.npy': npyFile('<f4', [3, 2], le('f4', [1, 10, 3, 20, 5, 30])), 'test.npy.gz': gzipSync(npyFile('<f4', [1, 2], le('f4', [7, 40]))),
      'train_labels.npy': npyFile('<i8', [3], le('i8', [0, 1, 0])), 'test_labels.npy': npyFile('|u1', [1], Uint8Array.from([1])),
    });
    const plain = await loadUserData(dir);
    expect(plain.scaling.mode).toBe('none');
    expect(inputs(plain.test)).toEqual([7, 40]);
    const std = await loadUserData(dir, { normalize: 'standard' });
    // Column means 3 and 20, population deviations sqrt(8/3) and sqrt(200/3).
    expect(std.scaling).toEqual({ mode: 'standard', per: 'feature', shift: [3, 20], scale: [Math.sqrt(8 / 3), Math.sqrt(200 / 3)] });
    expect(inputs(std.test)).toEqual([(7 - 3) / Math.sqrt(8 / 3), (40 - 20) / Math.sqrt(200 / 3)].map(Math.fround));
    expect(Array.from(std.train!.labels!)).toEqual([0, 1, 0]);
  });

  it('one .npy file with NAME_labels.npy beside it, given as the file: split 80/20, or all with --split all', async () => {
    const dir = folderWith({ 'x.npy': npyFile('|u1', [5, 1, 1, 2], Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])), 'x_labels.npy': npyFile('|u1', [5], Uint8Array.from([0, 1, 2, 3, 4])) });
    const d = await loadUserData(join(dir, 'x.npy'), { seed: 1 });
    expect([d.train!.count, d.test.count]).toEqual([4, 1]);
    const k = d.test.origin![0];
    expect(Array.from(d.test.images)).toEqual([2 * k, 2 * k + 1]);
    expect(Array.from(d.test.labels!)).toEqual([k]);
    const all = await loadUserData(join(dir, 'x.npy'), { split: 'all' });
    expect(all.train).toBeNull();
    expect(all.test.count).toBe(5);
    expect(all.notice).toContain('5 test images of 1x1x2 (CxHxW) (--split all, no training part)');
  });

  it('a CSV file with a named label column, minmax fitted on the training rows and undone', async () => {
    const rows = ['a,b,label', '0,10,n', '2,30,n', '4,50,x', '6,70,n', '8,90,x'];
    const dir = folderWith({ 'series.csv': rows.join('\n') });
    const d = await loadUserData(join(dir, 'series.csv'), { labelColumn: { name: 'label' }, normalize: 'minmax', seed: 2 });
    expect(d.format).toBe('csv');
    expect(d.test.classNames).toEqual(['n', 'x']);
    const trainRows = Array.from(d.train!.origin!);
    const col = (c: number) => trainRows.map((r) => [0, 2, 4, 6, 8][r] * (c === 0 ? 1 : 10) + (c === 1 ? 10 : 0));
    expect(d.scaling.shift).toEqual([Math.min(...col(0)), Math.min(...col(1))]);
    expect(d.scaling.scale).toEqual([Math.max(...col(0)) - Math.min(...col(0)), Math.max(...col(1)) - Math.min(...col(1))]);
    const x = inputs(d.train!);
    expect(Math.min(...x)).toBe(0);
    expect(Math.max(...x)).toBe(1);
  });

  it('train.csv / test.csv with text labels numbered together', async () => {
    const dir = folderWith({ 'train.csv': '1,2,b\n3,4,c\n', 'test.csv.gz': gzipSync('5,6,a\n') });
    const d = await loadUserData(dir, { labelColumn: 'last' });
    expect(d.train!.classNames).toEqual(['a', 'b', 'c']);
    expect(Array.from(d.train!.labels!)).toEqual([1, 2]);
    expect(Array.from(d.test.labels!)).toEqual([0]);
    expect(d.test.shape).toEqual([2]);
  });

  it('export-data files read back: 4-dimensional IDX for RGB bytes, .npy for real values and many classes', async () => {
    const dir = folderWith({ 'cifar/data_batch_1.bin': cifarBatch([1, 2, 3]), 'cifar/test_batch.bin': cifarBatch([4]) });
    const cifar = await loadUserData(join(dir, 'cifar'));
    expect(exportKind(cifar.train!)).toBe('idx');
    const files = await exportFiles(cifar.train!, cifar.test, { gzip: true });
    expect(files.map((f) => f.name)).toEqual(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
    const out = folderWith({});
    for (const f of files) writeFileSync(join(out, f.name), f.bytes);
    const back = await loadUserData(out);
    expect(back.train!.shape).toEqual([3, 32, 32]);
    expect(fingerprint(back.train!)).toBe(fingerprint({ ...cifar.train!, classNames: null }));

    const csv = await loadUserData(join(folderWith({ 't.csv': '1.5,2,0\n3,4,300\n5,6,1\n7,8,2\n9,10,0\n' }), 't.csv'), { labelColumn: 'last' });
    const npy = await exportFiles(csv.train!, csv.test);
    expect(npy.map((f) => f.name)).toEqual(['train.npy', 'train_labels.npy', 'test.npy', 'test_labels.npy']);
    const out2 = folderWith({});
    for (const f of npy) writeFileSync(join(out2, f.name), f.bytes);
    const back2 = await loadUserData(out2);
    expect(Array.from(back2.train!.values!)).toEqual(Array.from(csv.train!.values!));
    expect(Array.from(back2.test.labels!)).toEqual(Array.from(csv.test.labels!));
  });

  it('refusals name the source in one line', async () => {
    expect(await asyncMessageOf(() => loadUserData('/nonexistent/data'))).toBe('--data /nonexistent/data: no such file or folder');
    const two = folderWith({ 'train.npy': npyFile('<f4', [1, 2], le('f4', [1, 2])), 'test.npy': npyFile('<f4', [1, 3], le('f4', [1, 2, 3])) });
    expect(await asyncMessageOf(() => loadUserData(two))).toMatch(/: train rows are 2 but test rows are 3 \(.*train\.npy \/ .*test\.npy\)$/);
    const csvs = folderWith({ 'train.csv': '1,2\n', 'test.csv': '1,2,3\n' });
    expect(await asyncMessageOf(() => loadUserData(csvs))).toMatch(/train\.csv rows have 2 values but .*test\.csv rows have 3$/);
  });
});
