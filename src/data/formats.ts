/**
 * Which data format a `--data PATH` (or a drop of files in the page) holds, from the names it
 * finds, so every command and the page take data the same way:
 *
 *   idx      train-images-idx3-ubyte (and t10k-, labels optional), plain or .gz
 *   cifar10  data_batch_1.bin .. test_batch.bin (also inside cifar-10-batches-bin/), or one batch file
 *   npy      train.npy + test.npy (train_labels.npy, test_labels.npy optional), or one NAME.npy
 *            (NAME_labels.npy optional)
 *   csv      train.csv + test.csv (or .tsv), or one NAME.csv / NAME.tsv
 *   images   .png / .jpg / .jpeg files (ImageFolder layouts, src/data/image_folder.ts)
 *
 * A folder that matches several is ambiguous, and `--format` picks; a single file is known by
 * its extension. Every file may carry `.gz`.
 */
import { IDX_FILE_NAMES } from './export.js';
import { IMAGE_FILE } from './image_folder.js';
import { DATA_FORMATS, parseDataFormat, type DataFormat } from './options.js';

export { DATA_FORMATS, parseDataFormat, type DataFormat };

/** Human names of the formats, for notices. */
export const FORMAT_NAMES: Record<DataFormat, string> = {
  idx: 'MNIST IDX files',
  images: 'an image folder',
  cifar10: 'CIFAR-10 binary batches',
  npy: 'NumPy .npy',
  csv: 'CSV',
};

const strip = (path: string) => path.replace(/\.gz$/i, '');
const base = (path: string) => strip(path).replace(/^.*\//, '').toLowerCase();
const depth = (path: string) => path.split('/').filter((s) => s !== '').length - 1;

/** The formats whose files a folder listing holds, each with the file that shows it. */
export function formatsIn(paths: readonly string[]): Map<DataFormat, string> {
  const found = new Map<DataFormat, string>();
  const note = (f: DataFormat, p: string) => found.has(f) || found.set(f, p);
  const idxNames: string[] = Object.values(IDX_FILE_NAMES);
  for (const p of paths) {
    const b = base(p);
    const d = depth(p);
    if (d === 0 && idxNames.includes(b)) note('idx', p);
    else if (d <= 1 && /^(data_batch_[0-9]+|test_batch)\.bin$/.test(b) && (d === 0 || p.toLowerCase().startsWith('cifar-10-batches-bin/'))) note('cifar10', p);
    else if (d === 0 && b.endsWith('.npy')) note('npy', p);
    else if (d === 0 && (b.endsWith('.csv') || b.endsWith('.tsv'))) note('csv', p);
    else if (IMAGE_FILE.test(p) && !p.split('/').some((s) => s.startsWith('.'))) note('images', p);
  }
  return found;
}

/** The format of a single file, by its extension (.gz ignored); null when it names none. */
export function formatOfFile(path: string): DataFormat | null {
  const b = base(path);
  if (b.endsWith('.npy')) return 'npy';
  if (b.endsWith('.csv') || b.endsWith('.tsv')) return 'csv';
  if (b.endsWith('.bin')) return 'cifar10';
  return null;
}

/**
 * The format of a folder's listing (paths below it) or of one file, with `override` (--format)
 * deciding when given. Throws one line when nothing matches or several do.
 */
export function detectFormat(where: string, listing: { paths: readonly string[]; singleFile?: string }, override?: DataFormat): DataFormat {
  if (listing.singleFile !== undefined) {
    const f = formatOfFile(listing.singleFile);
    if (override) {
      if (override === 'images' || override === 'idx') throw new Error(`--data ${where}: --format ${override} reads a folder, not one file`);
      return override;
    }
    if (!f) throw new Error(`--data ${where}: a file named .npy, .csv, .tsv or .bin (CIFAR-10), plain or .gz, or a folder; give --format npy|csv|cifar10 for another name`);
    return f;
  }
  const found = formatsIn(listing.paths);
  if (override) {
    if (!found.has(override)) throw new Error(`--data ${where}: --format ${override}, but the folder holds no ${FORMAT_NAMES[override]}${found.size > 0 ? ` (it holds ${list(found)})` : ''}`);
    return override;
  }
  if (found.size === 1) return [...found.keys()][0];
  if (found.size === 0) {
    throw new Error(`--data ${where}: no data found: expected MNIST IDX files (missing train-images-idx3-ubyte), CIFAR-10 batches (data_batch_1.bin ...), .npy, .csv / .tsv, or image folders (<class>/*.png|jpg)`);
  }
  throw new Error(`--data ${where}: holds ${list(found)}: pick one with --format ${[...found.keys()].join('|')}`);
}

function list(found: Map<DataFormat, string>): string {
  return [...found].map(([f, p]) => `${FORMAT_NAMES[f]} (${p})`).join(' and ');
}
