/**
 * Loading data sets from disk in Node: the embedded digits beside the bundle, or a folder of
 * the four standard MNIST / Fashion-MNIST IDX files (plain or .gz).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDataset } from '../data/dataset.js';
import { readIdxImages, readIdxLabels } from '../data/idx.js';
import { EMBEDDED_FILES, embeddedMnist, type Split } from '../data/mnist.js';
import { IDX_FILE_NAMES } from '../data/export.js';

/** The standard file names, each looked for plain and with .gz (one list, src/data/export.ts, which the page can use too). */
export const IDX_NAMES = IDX_FILE_NAMES;

/** Folder holding the embedded asset: dist/ beside the bundled CLI, or dist/ from the sources. */
export function assetDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const d of [here, join(here, '..', '..', 'dist')]) if (existsSync(join(d, EMBEDDED_FILES.images))) return d;
  throw new Error(`embedded MNIST files not found beside ${here}: run 'npm run build' first`);
}

/** The embedded 10k digits, split 8,000 / 2,000. */
export async function loadEmbedded(): Promise<Split> {
  const dir = assetDir();
  return embeddedMnist(readFileSync(join(dir, EMBEDDED_FILES.images)), readFileSync(join(dir, EMBEDDED_FILES.labels)));
}

function find(dir: string, base: string, required: boolean): string | null {
  for (const name of [base, `${base}.gz`]) if (existsSync(join(dir, name))) return join(dir, name);
  if (required) throw new Error(`${dir}: missing ${base} (or ${base}.gz)`);
  return null;
}

/** Reads the four IDX files of a folder; labels are optional. */
export async function loadIdxFolder(dir: string): Promise<Split> {
  if (!existsSync(dir)) throw new Error(`--data ${dir}: no such folder`);
  if (!statSync(dir).isDirectory()) throw new Error(`--data ${dir}: not a folder`);
  const images = (base: string) => {
    const path = find(dir, base, true)!;
    return readIdxImages(readFileSync(path), path);
  };
  const labels = (base: string) => {
    const path = find(dir, base, false);
    return path ? readIdxLabels(readFileSync(path), path) : null;
  };
  const trainImages = await images(IDX_NAMES.trainImages);
  const testImages = await images(IDX_NAMES.testImages);
  const trainLabels = await labels(IDX_NAMES.trainLabels);
  const testLabels = await labels(IDX_NAMES.testLabels);
  if (trainImages.rows !== testImages.rows || trainImages.cols !== testImages.cols) {
    throw new Error(`${dir}: train images are ${trainImages.rows}x${trainImages.cols} but test images are ${testImages.rows}x${testImages.cols}`);
  }
  return {
    train: makeDataset(join(dir, IDX_NAMES.trainImages), trainImages, trainLabels),
    test: makeDataset(join(dir, IDX_NAMES.testImages), testImages, testLabels),
  };
}

/** The data of a command: an IDX folder when `dir` is given, the embedded digits otherwise. */
export function loadData(dir: string | null | undefined): Promise<Split> {
  return dir ? loadIdxFolder(dir) : loadEmbedded();
}
