/**
 * A train/test split as the four standard MNIST IDX files, so other tools (PyTorch's
 * torchvision-style loaders, examples/pytorch, another machine's `--data DIR`) see exactly the
 * digits this runtime trains and tests on. The bytes are what `--data DIR` reads back.
 */
import type { Dataset } from './dataset.js';
import type { Split } from './mnist.js';
import { writeIdxImages, writeIdxLabels, type IdxWriteOptions } from './idx_write.js';

/** The standard file names (without `.gz`); src/node/data.ts reads them, this module (which the page can use) writes them. */
export const IDX_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** One file of an export: its name (with `.gz` when gzipped) and its bytes. */
export interface IdxFile {
  name: string;
  bytes: Uint8Array;
}

/** Images and labels of one part, in the data set's stored order. */
async function partFiles(ds: Dataset, images: string, labels: string, opts: IdxWriteOptions): Promise<IdxFile[]> {
  const suffix = opts.gzip ? '.gz' : '';
  const out: IdxFile[] = [{ name: images + suffix, bytes: await writeIdxImages({ count: ds.count, rows: ds.rows, cols: ds.cols, pixels: ds.images }, opts) }];
  if (ds.labels) out.push({ name: labels + suffix, bytes: await writeIdxLabels(ds.labels, opts) });
  return out;
}

/**
 * The IDX files of a split: train images, train labels, test images, test labels, in that order
 * (a part without labels gets no labels file; `--data` treats labels as optional). Gzipped when
 * `opts.gzip`, then each name ends in `.gz`.
 */
export async function splitToIdxFiles(split: Split, opts: IdxWriteOptions = {}): Promise<IdxFile[]> {
  const { train, test } = split;
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new Error(`export: train images are ${train.rows}x${train.cols} but test images are ${test.rows}x${test.cols}`);
  }
  return [
    ...(await partFiles(train, IDX_FILE_NAMES.trainImages, IDX_FILE_NAMES.trainLabels, opts)),
    ...(await partFiles(test, IDX_FILE_NAMES.testImages, IDX_FILE_NAMES.testLabels, opts)),
  ];
}
