/**
 * One entry point for data of every format (src/data/formats.ts), shared by the CLI's
 * `--data PATH` (src/node/user_data.ts lists the folder) and the page's dropped files: detect
 * the format, read the files with the readers of src/data/, split one set 80 / 20 by the seed
 * (or take it all as the test set), attach the scaling, and say in one line what was read.
 */
import { checkAllocation, DataFileError, plainBytes, type ProgressCallback } from './data_file.js';
import { makeDataset, pixelsOf, shapeOf, type AnyDataset, type Labels } from './dataset.js';
import { CIFAR_SHAPE, CIFAR10_CLASSES, concatBatches, parseCifarBatch, parseCifarMeta } from './cifar10.js';
import { parseCsv, labelsFromText, type CsvTable, type LabelColumn } from './csv.js';
import { IDX_FILE_NAMES } from './export.js';
import { detectFormat, FORMAT_NAMES, type DataFormat } from './formats.js';
import { readIdxImageStack, readIdxLabels } from './idx.js';
import { readImageFolder, type ImageDecoder, type SourceFile } from './image_folder.js';
import { fitScaling, withScaling, type NormalizeMode, type Scaling } from './normalize.js';
import { npyFileSize, parseNpyData, parseNpyLabels } from './npy.js';
import { splitSet, type SplitMode } from './split.js';

/** Files of a `--data` source: a folder's listing (files and folders below it) or one file. */
export interface DataSource {
  /** The path as the user gave it, for messages and names. */
  where: string;
  files: SourceFile[];
  /** Folders below the root ('/'-separated), when the caller can list them (empty class folders are refused). */
  dirs: string[];
  /** The one file's path when `--data` named a file (its labels file may be in `files` too). */
  singleFile?: string;
}

/** How to read a source (the CLI's flags, the page's settings). */
export interface LoadOptions {
  /** --format: overrides detection. */
  format?: DataFormat;
  /** Decodes PNG / JPEG for image folders. */
  decodeImage?: ImageDecoder;
  /** --size H[xW] for image folders. */
  size?: readonly [number, number] | null;
  /** --channels-last for .npy images. */
  channelsLast?: boolean;
  /** --label-column for CSV (default none). */
  labelColumn?: LabelColumn;
  /** --split all: every row as the test set, no training part. */
  split?: SplitMode;
  /** Seed of the 80 / 20 split (the training seed). */
  seed?: number;
  /** --normalize: fitted on the training part. */
  normalize?: NormalizeMode;
  /** A fitted scaling (from a checkpoint) applied as it is; wins over `normalize`. */
  scaling?: Scaling | null;
  onProgress?: ProgressCallback;
}

/** Data read from a source: the parts, the format, and the line that says what they are. */
export interface LoadedData {
  /** Null with --split all. */
  train: AnyDataset | null;
  test: AnyDataset;
  format: DataFormat;
  /** The scaling both parts carry (fitted on train, or given). */
  scaling: Scaling;
  /** One line for stderr: format, source, counts, shape, classes, and any notes. */
  notice: string;
}

const base = (p: string) => p.replace(/^.*\//, '');
const lower = (p: string) => p.toLowerCase();

/** The file whose path (without .gz, any case) is one of `names`; null when none; throws when two are. */
function pick(src: DataSource, names: readonly string[]): SourceFile | null {
  const hits = src.files.filter((f) => names.includes(lower(f.path).replace(/\.gz$/, '')));
  if (hits.length > 1) throw new DataFileError(src.where, null, `both ${hits[0].path} and ${hits[1].path}: keep one of them`);
  return hits[0] ?? null;
}

const readPlain = async (f: SourceFile, opts: LoadOptions, sizeFromHead?: (h: Uint8Array, ended: boolean) => number | null) =>
  plainBytes(await f.read(), f.name, { sizeFromHead, onProgress: opts.onProgress });

/** Rows of `a` then rows of `b` as one set (for --split all on two-part sources). */
function concatSets(a: AnyDataset, b: AnyDataset, name: string): AnyDataset {
  const p = pixelsOf(a);
  checkAllocation(name, (a.count + b.count) * p * (a.values ? 4 : 1), `${a.count + b.count} rows`);
  const join = <T extends Uint8Array | Uint32Array | Float32Array>(x: T, y: T): T => {
    const out = new (x.constructor as { new (n: number): T })(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  const labels = a.labels && b.labels ? (a.labels instanceof Uint32Array || b.labels instanceof Uint32Array ? join(Uint32Array.from(a.labels), Uint32Array.from(b.labels)) : join(a.labels, b.labels as Uint8Array)) : null;
  return {
    ...a, name, count: a.count + b.count, images: join(a.images, b.images), values: a.values && b.values ? join(a.values, b.values) : null, labels,
    origin: Uint32Array.from({ length: a.count + b.count }, (_, i) => (i < a.count ? i : i - a.count)),
  };
}

/**
 * Two parts, or with --split all one test set of both. Labels on one side only are refused,
 * except for IDX folders, which have always allowed them (`oneSidedLabels`).
 */
function parts(train: AnyDataset, test: AnyDataset, opts: LoadOptions, where: string, oneSidedLabels = false): { train: AnyDataset | null; test: AnyDataset } {
  const ts = shapeOf(train).join('x');
  const es = shapeOf(test).join('x');
  if (ts !== es) throw new DataFileError(where, null, `train rows are ${ts} but test rows are ${es} (${train.name} / ${test.name})`);
  if (!oneSidedLabels && (train.labels === null) !== (test.labels === null)) throw new DataFileError(where, null, `labels given for the ${train.labels ? 'train' : 'test'} rows only: give both or neither`);
  return opts.split === 'all' ? { train: null, test: allRows(train, test, where) } : { train, test };
}

/** Train rows then test rows as one test set (--split all on a source that comes in two parts). */
export function allRows(train: AnyDataset, test: AnyDataset, where: string): AnyDataset {
  return concatSets(train, test, `${where} (train and test, all rows)`);
}

async function loadIdx(src: DataSource, opts: LoadOptions) {
  const find = (n: string, required: boolean) => {
    const f = pick(src, [n]);
    if (!f && required) throw new DataFileError(src.where, null, `missing ${n} (or ${n}.gz)`);
    return f;
  };
  const part = async (images: string, labels: string): Promise<AnyDataset> => {
    const fi = find(images, true)!;
    const fl = find(labels, false);
    const im = await readIdxImageStack(await fi.read(), fi.name);
    const ds: AnyDataset = makeDataset(fi.name.replace(/\.gz$/i, ''), im, fl ? await readIdxLabels(await fl.read(), fl.name) : null);
    // A multi-channel file (export-data's) says its channels; a one-channel file stays MNIST-like.
    return im.channels === 1 ? ds : { ...ds, shape: [im.channels, im.rows, im.cols] };
  };
  const train = await part(IDX_FILE_NAMES.trainImages, IDX_FILE_NAMES.trainLabels);
  const test = await part(IDX_FILE_NAMES.testImages, IDX_FILE_NAMES.testLabels);
  return { ...parts(train, test, opts, src.where, true), detail: '' };
}

async function loadCifar(src: DataSource, opts: LoadOptions) {
  const batchFiles = src.files.filter((f) => /^data_batch_[0-9]+\.bin$/.test(lower(base(f.path)).replace(/\.gz$/, '')));
  batchFiles.sort((a, b) => Number(/_([0-9]+)\./.exec(a.path)![1]) - Number(/_([0-9]+)\./.exec(b.path)![1]));
  const testFile = src.files.find((f) => /^test_batch\.bin$/.test(lower(base(f.path)).replace(/\.gz$/, '')));
  const metaFile = src.files.find((f) => lower(base(f.path)).replace(/\.gz$/, '') === 'batches.meta.txt');
  const classNames = metaFile ? parseCifarMeta(await readPlain(metaFile, opts), metaFile.name) : [...CIFAR10_CLASSES];
  const read = async (f: SourceFile) => parseCifarBatch(await readPlain(f, opts), f.name);
  const make = (name: string, b: { count: number; pixels: Uint8Array; labels: Uint8Array }): AnyDataset => ({
    name, count: b.count, rows: 32, cols: 32, shape: [...CIFAR_SHAPE], images: b.pixels, labels: b.labels, classNames,
  });
  const notes = metaFile ? [] : ['no batches.meta.txt: CIFAR-10 class names used'];
  if (src.singleFile !== undefined || !testFile || batchFiles.length === 0) {
    const files = src.singleFile !== undefined ? src.files.filter((f) => f.path === src.singleFile) : [...batchFiles, ...(testFile ? [testFile] : [])];
    if (src.singleFile === undefined && opts.split !== 'all') {
      throw new DataFileError(src.where, null, `needs data_batch_N.bin and test_batch.bin, found only ${files.map((f) => base(f.path)).join(', ')} (give --split all to score them as test data)`);
    }
    const all = make(src.where, concatBatches(await Promise.all(files.map(read))));
    return { ...splitSet(all, opts.split ?? 'default', opts.seed ?? 1), seeded: true, detail: files.map((f) => base(f.path)).join(', '), notes };
  }
  const train = make(`${src.where} (${batchFiles.map((f) => base(f.path)).join(', ')})`, concatBatches(await Promise.all(batchFiles.map(read))));
  const test = make(`${src.where} (${base(testFile.path)})`, await read(testFile));
  return { ...parts(train, test, opts, src.where), detail: `${batchFiles.length} training batch${batchFiles.length === 1 ? '' : 'es'} and ${base(testFile.path)}`, notes };
}

async function loadNpy(src: DataSource, opts: LoadOptions) {
  const one = async (f: SourceFile, labelsFile: SourceFile | null, name: string): Promise<AnyDataset> => {
    const d = parseNpyData(await readPlain(f, opts, (h, e) => npyFileSize(h, f.name, e)), f.name, { channelsLast: opts.channelsLast });
    let labels: Labels | null = null;
    if (labelsFile) {
      labels = parseNpyLabels(await readPlain(labelsFile, opts, (h, e) => npyFileSize(h, labelsFile.name, e)), labelsFile.name);
      if (labels.length !== d.count) throw new DataFileError(labelsFile.name, null, `${labels.length} labels but ${f.name} has ${d.count} rows`);
    }
    const image = d.rowShape.length === 3;
    return {
      name, count: d.count, rows: image ? d.rowShape[1] : 1, cols: image ? d.rowShape[2] : d.rowShape[0], shape: d.rowShape,
      images: d.bytes ?? new Uint8Array(0), values: d.values, labels,
    };
  };
  const train = pick(src, ['train.npy']);
  const test = pick(src, ['test.npy']);
  if (src.singleFile === undefined && (train || test)) {
    if (!train || !test) throw new DataFileError(src.where, null, `${train ? 'train.npy has no test.npy' : 'test.npy has no train.npy'} beside it (plain or .gz)`);
    const a = await one(train, pick(src, ['train_labels.npy']), train.name);
    const b = await one(test, pick(src, ['test_labels.npy']), test.name);
    return { ...parts(a, b, opts, src.where), detail: 'train.npy and test.npy' };
  }
  const data = src.files.filter((f) => /\.npy$/.test(lower(f.path).replace(/\.gz$/, '')) && !/_labels\.npy$/.test(lower(f.path).replace(/\.gz$/, '')));
  const chosen = src.singleFile !== undefined ? data.filter((f) => f.path === src.singleFile) : data;
  if (chosen.length !== 1) throw new DataFileError(src.where, null, `${chosen.length === 0 ? 'no .npy data file' : `several .npy files (${chosen.map((f) => f.path).join(', ')})`}: give train.npy and test.npy, or one file`);
  const f = chosen[0];
  const all = await one(f, pick(src, [lower(f.path).replace(/\.gz$/, '').replace(/\.npy$/, '_labels.npy')]), f.name);
  return { ...splitSet(all, opts.split ?? 'default', opts.seed ?? 1), seeded: true, detail: base(f.path) };
}

async function loadCsv(src: DataSource, opts: LoadOptions) {
  const table = async (f: SourceFile) => parseCsv(await readPlain(f, opts), f.name, { tab: /\.tsv$/.test(lower(f.path).replace(/\.gz$/, '')), labelColumn: opts.labelColumn, onProgress: opts.onProgress });
  const make = (t: CsvTable, name: string, labels: Labels | null, classNames: string[] | null): AnyDataset => ({
    name, count: t.count, rows: 1, cols: t.features, shape: [t.features], images: new Uint8Array(0), values: t.values, labels, classNames,
  });
  const train = pick(src, ['train.csv', 'train.tsv']);
  const test = pick(src, ['test.csv', 'test.tsv']);
  if (src.singleFile === undefined && (train || test)) {
    if (!train || !test) throw new DataFileError(src.where, null, `${train ? `${base(train.path)} has no test.csv` : `${base(test!.path)} has no train.csv`} (or .tsv) beside it`);
    const [a, b] = [await table(train), await table(test)];
    if (a.features !== b.features) throw new DataFileError(src.where, null, `${train.name} rows have ${a.features} values but ${test.name} rows have ${b.features}`);
    // Labels of both files numbered together, so a class name has one number in both.
    const joint = a.labelTexts && b.labelTexts ? labelsFromText([...a.labelTexts, ...b.labelTexts], src.where) : null;
    const labelsOf = (from: number, n: number) => (joint ? joint.labels.slice(from, from + n) : null);
    const da = make(a, train.name, labelsOf(0, a.count), joint?.classNames ?? null);
    const db = make(b, test.name, labelsOf(a.count, b.count), joint?.classNames ?? null);
    return { ...parts(da, db, opts, src.where), detail: `${base(train.path)} and ${base(test.path)}` };
  }
  const tables = src.files.filter((f) => /\.(csv|tsv)$/.test(lower(f.path).replace(/\.gz$/, '')));
  const chosen = src.singleFile !== undefined ? tables.filter((f) => f.path === src.singleFile) : tables;
  if (chosen.length !== 1) throw new DataFileError(src.where, null, `${chosen.length === 0 ? 'no .csv or .tsv file' : `several tables (${chosen.map((f) => f.path).join(', ')})`}: give train.csv and test.csv, or one file`);
  const t = await table(chosen[0]);
  const all = make(t, chosen[0].name, t.labels, t.classNames);
  all.origin = Uint32Array.from({ length: t.count }, (_, i) => i);
  return { ...splitSet(all, opts.split ?? 'default', opts.seed ?? 1), seeded: true, detail: base(chosen[0].path) };
}

async function loadImages(src: DataSource, opts: LoadOptions) {
  if (!opts.decodeImage) throw new Error(`--data ${src.where}: no image decoder was given`);
  const r = await readImageFolder(src.files, src.dirs, src.where, { decode: opts.decodeImage, size: opts.size, split: opts.split, seed: opts.seed, onProgress: opts.onProgress });
  return { train: r.train, test: r.test, seeded: r.layout === 'one-set', detail: r.layout === 'train-test' ? 'train/ and test/' : r.classes.length > 0 ? 'class folders' : 'no class folders', notes: r.notes };
}

/** One line on the data: format, where, counts, row shape, classes, scaling, notes. */
function describe(format: DataFormat, src: DataSource, detail: string, train: AnyDataset | null, test: AnyDataset, scaling: Scaling, notes: string[], seeded: boolean, opts: LoadOptions): string {
  const shape = shapeOf(test);
  const rows = shape.length === 1 ? `rows of ${shape[0]} values` : `images of ${shape.join('x')} (CxHxW)`;
  const counts = train ? `${train.count} train / ${test.count} test ${rows}` : `${test.count} test ${rows} (--split all, no training part)`;
  const split = train && seeded ? `, split 80/20 by seed ${opts.seed ?? 1}` : '';
  const names = test.classNames;
  const labelled = train && (train.labels === null) !== (test.labels === null) ? `, labels for the ${train.labels ? 'training' : 'test'} part only` : test.labels ? ', labelled' : ', no labels';
  const classes = names ? `, ${names.length} classes (${names.length > 10 ? `${names.slice(0, 10).join(', ')}, ...` : names.join(', ')})` : labelled;
  const scale = `${scaling.mode === 'pixel' ? 'pixel/255' : `--normalize ${scaling.mode}`}${opts.scaling ? " (the model's)" : ''}`;
  return `data: ${FORMAT_NAMES[format]}${detail ? ` (${detail})` : ''} from ${src.where}: ${counts}${split}${classes}; inputs ${scale}${notes.length ? `; ${notes.join('; ')}` : ''}`;
}

/**
 * Reads a source in the format detected from its names (or `opts.format`), applies the
 * scaling (given, or fitted on the training part), and returns the parts with a one-line
 * notice. Every problem is one line naming the file.
 */
export async function loadSource(src: DataSource, opts: LoadOptions = {}): Promise<LoadedData> {
  const format = detectFormat(src.where, { paths: src.files.map((f) => f.path), singleFile: src.singleFile }, opts.format);
  const read = { idx: loadIdx, cifar10: loadCifar, npy: loadNpy, csv: loadCsv, images: loadImages }[format];
  // `seeded`: one set split 80 / 20 here (not a source's own train and test parts).
  const got: { train: AnyDataset | null; test: AnyDataset; detail: string; notes?: string[]; seeded?: boolean } = await read(src, opts);
  if (!got.train && opts.split !== 'all') throw new Error(`--data ${src.where}: no training part was read`);
  if (!got.train && !opts.scaling && opts.normalize && opts.normalize !== 'none') {
    throw new Error(`--data ${src.where}: --split all has no training part to fit --normalize ${opts.normalize} on; the model's checkpoint gives the scaling`);
  }
  const scaling = opts.scaling ?? fitScaling(got.train ?? got.test, got.train ? opts.normalize : undefined);
  const train = got.train && withScaling(got.train, scaling);
  const test = withScaling(got.test, scaling);
  return { train, test, format, scaling, notice: describe(format, src, got.detail, train, test, scaling, got.notes ?? [], got.seeded ?? false, opts) };
}
