/**
 * The data options as the settings table parses them (`--format`, `--size`, `--label-column`,
 * `--normalize`, `--split`), and the checkpoint metadata keys of a model's data side. They live
 * here, apart from the readers, so that the settings table and the checkpoint code (both in the
 * library's core) import no data reader: an MLP page bundles none. The readers re-export them.
 */

/** The formats `--format` names. */
export const DATA_FORMATS = ['idx', 'images', 'cifar10', 'npy', 'csv'] as const;
/** A data format. */
export type DataFormat = (typeof DATA_FORMATS)[number];

/** `--format` text as a format, or a one-line Error naming the choices. */
export function parseDataFormat(text: string, label = '--format'): DataFormat {
  if ((DATA_FORMATS as readonly string[]).includes(text)) return text as DataFormat;
  throw new Error(`${label} must be ${DATA_FORMATS.join(', ')}, got '${text}'`);
}

/** Which column holds labels. */
export type LabelColumn = 'none' | 'first' | 'last' | { name: string };

/** `--label-column` text as a LabelColumn. */
export function parseLabelColumn(text: string, label = '--label-column'): LabelColumn {
  if (text === 'none' || text === 'first' || text === 'last') return text;
  if (text.trim() === '') throw new Error(`${label} must be first, last, none or a column name, got ''`);
  return { name: text };
}

/** What `--normalize` accepts. */
export const NORMALIZE_MODES = ['none', 'minmax', 'standard'] as const;
/** A mode the user picks. */
export type NormalizeMode = (typeof NORMALIZE_MODES)[number];

/** `--normalize` text as a mode, or a one-line Error naming the choices. */
export function parseNormalizeMode(text: string, label = '--normalize'): NormalizeMode {
  if ((NORMALIZE_MODES as readonly string[]).includes(text)) return text as NormalizeMode;
  throw new Error(`${label} must be ${NORMALIZE_MODES.join(', ')}, got '${text}'`);
}

/** `--size` text: `S` (square) or `HxW`, each from 1 to 4096. */
export function parseImageSize(text: string, label = '--size'): [number, number] {
  const m = /^([0-9]+)(?:x([0-9]+))?$/.exec(text.trim());
  const h = m ? Number(m[1]) : NaN;
  const w = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(h >= 1 && h <= 4096 && w >= 1 && w <= 4096)) throw new Error(`${label} must be S or HxW (height x width), each from 1 to 4096, got '${text}'`);
  return [h, w];
}

/** How one set becomes train and test: the seeded 80 / 20 split, or all of it as the test set. */
export type SplitMode = 'default' | 'all';

/** `--split` text: `all` (every row is a test row); the default splits 80 / 20. */
export function parseSplitMode(text: string, label = '--split'): SplitMode {
  if (text === 'all') return 'all';
  throw new Error(`${label} must be all (every row of the data as the test set), got '${text}'`);
}

/** Metadata keys of a fitted scaling (src/data/normalize.ts). */
export const SCALING_KEYS = { mode: 'normalize', per: 'normalizePer', shift: 'normalizeShift', scale: 'normalizeScale' } as const;
/** Metadata key of the training threshold in a checkpoint. */
export const THRESHOLD_KEY = 'anomalyThreshold';
/** Metadata key of the normal label the threshold was computed for. */
export const NORMAL_LABEL_KEY = 'normalLabel';
/** Metadata key of how the data stored its values (bytes or floats). */
export const STORAGE_KEY = 'dataStorage';
/** Every metadata key of a model's data side. */
export const DATA_KEYS: readonly string[] = [...Object.values(SCALING_KEYS), STORAGE_KEY, THRESHOLD_KEY, NORMAL_LABEL_KEY];
