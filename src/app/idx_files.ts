/**
 * A data set from files the user dropped or chose: the four standard MNIST / Fashion-MNIST IDX
 * files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
 * `t10k-labels-idx1-ubyte`, each plain or `.gz`; Kaggle's `train-images.idx3-ubyte` spelling
 * too). Labels are optional. Problems come back as one line naming the file.
 */
import { makeDataset } from '../data/dataset.js';
import { readIdxImages, readIdxLabels } from '../data/idx.js';
import type { Split } from '../data/mnist.js';

/** Which of the four files a name is, or null when it is none of them. */
export function idxRole(name: string): { split: 'train' | 'test'; kind: 'images' | 'labels' } | null {
  const base = name.toLowerCase().replace(/^.*[\\/]/, '');
  const split = /t10k|test/.test(base) ? 'test' : /train/.test(base) ? 'train' : null;
  const kind = /idx3|images/.test(base) ? 'images' : /idx1|labels/.test(base) ? 'labels' : null;
  return split && kind ? { split, kind } : null;
}

/** A named file's bytes: File in the page, anything with a name and bytes in tests. */
export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** Reads and validates the files as a train/test split; throws one line naming the bad file. */
export async function idxSplit(files: NamedBytes[]): Promise<Split> {
  const found = new Map<string, NamedBytes>();
  for (const f of files) {
    const role = idxRole(f.name);
    // Anything else in a dropped folder (README, .DS_Store) is skipped.
    if (!role) continue;
    const key = `${role.split} ${role.kind}`;
    const prev = found.get(key);
    if (prev) throw new Error(`two files look like the ${key}: ${prev.name} and ${f.name}`);
    found.set(key, f);
  }
  const missing = ['train images', 'test images'].filter((k) => !found.has(k));
  if (missing.length > 0) {
    const got = files.length === 0 ? 'no files' : files.map((f) => f.name).join(', ');
    throw new Error(
      `missing the ${missing.join(' and ')} file${missing.length > 1 ? 's' : ''}: expected train-images-idx3-ubyte, train-labels-idx1-ubyte, ` +
        `t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (plain or .gz); got ${got}`,
    );
  }
  const images = (key: string) => readIdxImages(found.get(key)!.bytes, found.get(key)!.name);
  const labels = (key: string) => (found.has(key) ? readIdxLabels(found.get(key)!.bytes, found.get(key)!.name) : Promise.resolve(null));
  const [trainImages, testImages, trainLabels, testLabels] = await Promise.all([images('train images'), images('test images'), labels('train labels'), labels('test labels')]);
  if (trainImages.rows !== testImages.rows || trainImages.cols !== testImages.cols) {
    throw new Error(`train images are ${trainImages.rows}x${trainImages.cols} but test images are ${testImages.rows}x${testImages.cols}`);
  }
  if ((trainLabels === null) !== (testLabels === null)) {
    throw new Error(`labels given for the ${trainLabels ? 'train' : 'test'} images only: give both label files or neither`);
  }
  return {
    train: makeDataset(found.get('train images')!.name, trainImages, trainLabels),
    test: makeDataset(found.get('test images')!.name, testImages, testLabels),
  };
}
