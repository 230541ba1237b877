/**
 * `--data PATH` in Node: lists a folder (or takes one file and the files that go with it) and
 * hands the listing to the shared loader (src/data/load.ts) with the CLI's image decoder; with
 * no PATH, the embedded digits. Files are read when the loader asks for them, in 16 MiB chunks
 * with progress, and a file larger than one array may hold is refused before anything is read.
 */
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { checkAllocation, type ProgressCallback } from '../data/data_file.js';
import type { SourceFile } from '../data/image_folder.js';
import { allRows, loadSource, type DataSource, type LoadedData, type LoadOptions } from '../data/load.js';
import { fitScaling, withScaling } from '../data/normalize.js';
import { decodeImageFile } from './image_decode.js';
import { loadEmbedded } from './data.js';

/** Chunk of a file read at a time. */
const CHUNK = 16 * 2 ** 20;
/** Folders deeper than this below --data are not listed (an image folder needs 3: train/<class>/<file>, 4 with one more level). */
const MAX_DEPTH = 4;
/** Entries listed at most, so that --data pointed at a home folder fails instead of walking it all. */
const MAX_ENTRIES = 2_000_000;

/** A file's bytes, read in chunks with progress; refused before reading when too large for one array. */
export function readFileChunked(path: string, onProgress?: ProgressCallback): Uint8Array {
  const size = statSync(path).size;
  checkAllocation(path, size, 'the file');
  const out = new Uint8Array(size);
  const fd = openSync(path, 'r');
  try {
    for (let at = 0; at < size; ) {
      const n = readSync(fd, out, at, Math.min(CHUNK, size - at), at);
      if (n === 0) break;
      at += n;
      if (size > CHUNK) onProgress?.(at, size, `bytes of ${basename(path)} read`);
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

function sourceFile(root: string, rel: string, onProgress?: ProgressCallback): SourceFile {
  const full = join(root, rel);
  return { path: rel, name: full, read: async () => readFileChunked(full, onProgress) };
}

/** Files and folders below `root` ('/'-separated paths), hidden entries skipped, symbolic links to folders not followed. */
export function listFolder(root: string, where: string): { files: string[]; dirs: string[] } {
  const files: string[] = [];
  const dirs: string[] = [];
  let seen = 0;
  const walk = (rel: string, depth: number) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      if (++seen > MAX_ENTRIES) throw new Error(`--data ${where}: more than ${MAX_ENTRIES} entries below it; point --data at the data's own folder`);
      const path = rel ? `${rel}/${e.name}` : e.name;
      const isDir = e.isDirectory() || (e.isSymbolicLink() && statSync(join(root, path), { throwIfNoEntry: false })?.isDirectory() && depth < 1);
      if (isDir) {
        dirs.push(path);
        if (depth < MAX_DEPTH - 1) walk(path, depth + 1);
      } else if (e.isFile() || e.isSymbolicLink()) files.push(path);
    }
  };
  walk('', 0);
  return { files, dirs };
}

/** Files that go with a single data file: NAME_labels.npy beside NAME.npy, batches.meta.txt beside a CIFAR-10 batch. */
function companions(file: string): string[] {
  const dir = dirname(file);
  const name = basename(file).replace(/\.gz$/i, '');
  const want = /\.npy$/i.test(name) ? [name.replace(/\.npy$/i, '_labels.npy')] : /\.bin$/i.test(name) ? ['batches.meta.txt'] : [];
  return want.flatMap((w) => [w, `${w}.gz`]).filter((w) => existsSync(join(dir, w)));
}

/** The source `--data PATH` names: a folder's listing, or one file and its companions. */
export function dataSource(path: string, onProgress?: ProgressCallback): DataSource {
  if (!existsSync(path)) throw new Error(`--data ${path}: no such file or folder`);
  const st = lstatSync(path).isSymbolicLink() ? statSync(path) : lstatSync(path);
  if (st.isDirectory()) {
    const { files, dirs } = listFolder(path, path);
    return { where: path, files: files.map((f) => sourceFile(path, f, onProgress)), dirs };
  }
  const dir = dirname(path);
  const name = basename(path);
  return { where: path, files: [name, ...companions(path)].map((f) => sourceFile(dir, f, onProgress)), dirs: [], singleFile: name };
}

/**
 * The data of a command: `--data PATH` in whatever format it holds, or the embedded digits
 * (split 8,000 / 2,000; with --split all, all 10,000 as the test set). `notice` is the line
 * for stderr.
 */
export async function loadUserData(path: string | null | undefined, opts: Omit<LoadOptions, 'decodeImage'> = {}): Promise<LoadedData> {
  if (path) return loadSource(dataSource(path, opts.onProgress), { ...opts, decodeImage: decodeImageFile });
  const { train, test } = await loadEmbedded();
  const all = opts.split === 'all';
  const parts = all ? { train: null, test: allRows(train, test, 'embedded MNIST') } : { train, test };
  const scaling = opts.scaling ?? fitScaling(parts.train ?? parts.test, parts.train ? opts.normalize : undefined);
  const counts = all ? `${parts.test.count} test images (--split all)` : `${train.count} train / ${test.count} test images`;
  return {
    train: parts.train && withScaling(parts.train, scaling),
    test: withScaling(parts.test, scaling),
    format: 'idx',
    scaling,
    notice: `data: the embedded MNIST digits: ${counts} of 1x28x28, 10 classes; inputs ${scaling.mode === 'pixel' ? 'pixel/255' : `--normalize ${scaling.mode}`}`,
  };
}
