/**
 * `--data PATH` and its options (src/settings.ts DATA_SETTINGS) for every command: the flags,
 * their values, and reading the data in any format (src/node/user_data.ts) with progress on
 * stderr. The line that says what was read is the caller's to print, once every check has
 * passed (so that a refused run prints one line).
 */
import { existsSync } from 'node:fs';
import type { LabelColumn } from '../data/csv.js';
import type { DataFormat } from '../data/formats.js';
import type { LoadedData } from '../data/load.js';
import type { NormalizeMode, Scaling } from '../data/normalize.js';
import type { SplitMode } from '../data/split.js';
import { loadUserData } from '../node/user_data.js';
import { DATA_SETTINGS, settingHelp } from '../settings.js';
import { givenFlags, settingFlag, settingOptions, UsageError } from './args.js';
import { dataProgress } from './data_progress.js';

/** parseArgs options of `--data` and its options. */
export const DATA_OPTIONS = { data: { type: 'string' as const }, ...settingOptions(DATA_SETTINGS) };

/** The help lines of `--data` and its options, indented for the command list. */
export const DATA_HELP = [
  '                --data PATH        a folder or a file: MNIST IDX, an image folder, CIFAR-10 batches, .npy or CSV/TSV,',
  '                                   plain or .gz (docs/DATA_FORMATS.md); default: the embedded MNIST digits',
  ...DATA_SETTINGS.map((k) => settingHelp(k, 16, 18)),
].join('\n');

/** How to read the data: `--data` and its options, checked. */
export interface DataFlags {
  data: string | null;
  format: DataFormat | undefined;
  size: [number, number] | null;
  labelColumn: LabelColumn;
  channelsLast: boolean;
  split: SplitMode;
}

/** The data flags of parsed flags; options that only a --data PATH can use are refused without one. */
export function dataFlags(flags: Record<string, unknown>): DataFlags {
  const str = (k: string) => flags[k] as string | undefined;
  const out: DataFlags = {
    data: str('data') ?? null,
    format: str('format') === undefined ? undefined : settingFlag('format', 'format', str('format'), 'idx'),
    size: str('size') === undefined ? null : settingFlag('size', 'size', str('size'), [0, 0]),
    labelColumn: settingFlag('labelColumn', 'label-column', str('label-column'), 'none'),
    channelsLast: flags['channels-last'] === true,
    split: settingFlag('split', 'split', str('split'), 'default'),
  };
  if (out.data === null) {
    const needPath = givenFlags(['format', 'size', 'labelColumn', 'channelsLast'], flags);
    if (needPath.length > 0) throw new UsageError(`${needPath[0]} reads the files of --data PATH; the embedded digits need no options`);
  }
  return out;
}

/** A path that names a file by its extension, for the message of one that is missing. */
const FILE_NAME = /\.(npy|csv|tsv|bin|gz)$/i;

/**
 * Reads the data `d` names: fitting `normalize` on the training part, or applying `scaling` (a
 * checkpoint's) as it is; `seed` splits one set 80 / 20 (the run's seed, so a model's commands
 * see its test rows).
 */
export async function readData(d: DataFlags, o: { seed?: number; normalize?: NormalizeMode; scaling?: Scaling | null } = {}): Promise<LoadedData> {
  if (d.data !== null && !existsSync(d.data)) throw new Error(`--data ${d.data}: no such ${FILE_NAME.test(d.data) ? 'file' : 'folder'}`);
  return loadUserData(d.data, {
    format: d.format, size: d.size, labelColumn: d.labelColumn, channelsLast: d.channelsLast, split: d.split,
    seed: o.seed, normalize: o.normalize, scaling: o.scaling ?? undefined, onProgress: dataProgress(),
  });
}
