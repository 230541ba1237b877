/**
 * The page's data (in the worker): the embedded digits, the four IDX files as the page has
 * always read them (src/app/idx_files.ts), or any other format the CLI's `--data` reads (an
 * image folder, CIFAR-10 batches, .npy, CSV), through the same loader (src/data/load.ts) with the
 * browser's image decoder and the data options of the settings. The data carry the scaling of
 * their inputs and how they are shown (src/views/data_view.ts).
 */
import { storageOf } from '../checkpoint/data_metadata.js';
import { shapeOf, type AnyDataset } from '../data/dataset.js';
import { formatsIn } from '../data/formats.js';
import type { SourceFile } from '../data/image_folder.js';
import { loadSource } from '../data/load.js';
import { defaultScaling, withScaling, type Scaling } from '../data/normalize.js';
import type { Split } from '../data/mnist.js';
import type { DataDisplay } from '../views/data_view.js';
import { decodeImageInPage } from './image_decode.js';
import { idxRole, idxSplit } from './idx_files.js';
import type { DataOptions } from './settings.js';

/** Data the page trains on: both parts (scaled), their scaling, a name for the data line and a one-line notice. */
export interface PageData {
  train: AnyDataset;
  test: AnyDataset;
  scaling: Scaling;
  name: string;
  notice: string;
}

/** An MNIST-like split as page data (bytes / 255). */
export function splitData(split: Split, name: string): PageData {
  return { ...split, scaling: defaultScaling(split.train), name, notice: '' };
}

/** How the page shows rows of `data`. */
export function displayOf(data: PageData): DataDisplay {
  return { shape: shapeOf(data.test), data: { scaling: data.scaling, storage: storageOf(data.test) } };
}

/** The data with `scaling` (a loaded model's) in place of their own; throws one line when it does not fit their rows. */
export function rescaled(data: PageData, scaling: Scaling): PageData {
  return { ...data, train: withScaling(data.train, scaling), test: withScaling(data.test, scaling), scaling };
}

/** A dropped file: its bytes, and its path below what was dropped ('/'-separated). */
export interface DroppedFile {
  path: string;
  bytes: Uint8Array;
}

/** Paths without the folder every one of them is in (a dropped or chosen folder). */
function relative(paths: string[]): string[] {
  const first = paths[0]?.split('/')[0];
  const shared = paths.length > 0 && paths.every((p) => p.includes('/') && p.split('/')[0] === first);
  return shared ? paths.map((p) => p.slice(first.length + 1)) : paths;
}

/**
 * Reads dropped files as data. The four IDX files (any of the names the page has always taken)
 * read as before; anything else goes through the shared loader: `options` as the CLI's flags,
 * `seed` for the 80 / 20 split of one set.
 */
export async function readDropped(files: DroppedFile[], options: DataOptions, seed: number): Promise<PageData> {
  const paths = relative(files.map((f) => f.path));
  const found = formatsIn(paths);
  const idxOnly = found.size === 0 || (found.size === 1 && found.has('idx'));
  if (options.format === 'idx' || (options.format === undefined && idxOnly && files.some((f) => idxRole(f.path)))) {
    const split = await idxSplit(files.map((f) => ({ name: f.path.replace(/^.*\//, ''), bytes: f.bytes })));
    const kind = files.some((f) => /fashion/i.test(f.path)) ? 'Fashion-MNIST' : 'IDX files';
    const data = splitData(split, `${kind}: ${split.train.count.toLocaleString('en')} train / ${split.test.count.toLocaleString('en')} test`);
    if (!options.normalize) return data;
    // --normalize fitted on the training part, as the CLI does (through the shared loader's rule).
    return readWithLoader(files, paths, options, seed);
  }
  return readWithLoader(files, paths, options, seed);
}

async function readWithLoader(files: DroppedFile[], paths: string[], options: DataOptions, seed: number): Promise<PageData> {
  // The one file, the folder every file is in, or the files themselves.
  const where = files.length === 1 ? files[0].path.replace(/^.*\//, '') : paths[0] !== files[0].path ? files[0].path.split('/')[0] : 'the dropped files';
  const source: SourceFile[] = files.map((f, i) => ({ path: paths[i], name: paths[i], read: async () => f.bytes }));
  const dirs = [...new Set(paths.flatMap((p) => p.split('/').slice(0, -1).map((_, k, parts) => parts.slice(0, k + 1).join('/'))))];
  const got = await loadSource(
    { where, files: source, dirs, ...(files.length === 1 ? { singleFile: paths[0] } : {}) },
    {
      format: options.format, size: options.size ?? null, labelColumn: options.labelColumn, channelsLast: options.channelsLast, normalize: options.normalize,
      seed, decodeImage: decodeImageInPage,
    },
  );
  const shape = shapeOf(got.test).join('x');
  // The loader's line without its `data: ` (the page says where it shows it).
  return {
    train: got.train!, test: got.test, scaling: got.scaling, notice: got.notice.replace(/^data: /, ''),
    name: `${where}: ${got.train!.count.toLocaleString('en')} train / ${got.test.count.toLocaleString('en')} test, ${shape}`,
  };
}
