/**
 * Folders of images in torchvision's ImageFolder layout, read the same way by the CLI and the
 * page (each brings its own decoder):
 *
 *   DIR/train/<class>/*.png|jpg|jpeg and DIR/test/<class>/*   the parts as given
 *   DIR/<class>/*                                             one set, split 80 / 20 by the seed
 *   DIR/*.png (no class folders), DIR/train/*, DIR/test/*      the same without labels
 *
 * Classes are the folder names in sorted order (labels 0, 1, ...), taken from train/ (a test
 * class that train/ lacks is refused); files are read in sorted order, nested folders included
 * (as os.walk does for ImageFolder). Without `size` every image must have the first image's
 * height and width; with it each is resized and centre-cropped (src/data/resize.ts). Grey and
 * RGB images may mix: the set is RGB when any image is, grey images then repeated in the three
 * channels (convert('RGB')); alpha is dropped, with a note.
 */
import { checkAllocation, DataFileError, plainBytes, type ProgressCallback } from './data_file.js';
import type { AnyDataset, Labels } from './dataset.js';
import { toPlanar, type DecodedImage } from './pixels.js';
import { resizeCenterCrop } from './resize.js';
import { splitSet, type SplitMode } from './split.js';

/** A file of a data source: its path below the source's root ('/'-separated), a name for messages, and its bytes. */
export interface SourceFile {
  path: string;
  name: string;
  read(): Promise<Uint8Array>;
}

/** Turns a file's bytes into 8-bit grey or RGB pixels (the CLI's fast-png / jpeg-js, the page's createImageBitmap). */
export type ImageDecoder = (bytes: Uint8Array, file: string) => DecodedImage | Promise<DecodedImage>;

/** Image files by name: .png, .jpg, .jpeg, each optionally gzipped. */
export const IMAGE_FILE = /\.(png|jpe?g)(\.gz)?$/i;

/** One image to read: its file and label (-1 without classes). */
interface Item {
  file: SourceFile;
  label: number;
}

/** Which images a folder holds, in reading order, and how they are labelled and split. */
export interface ImageFolderPlan {
  layout: 'train-test' | 'one-set';
  /** Class names (sorted), empty when the images are not in class folders. */
  classes: string[];
  /** train/ (train-test layout) or every image (one-set layout). */
  first: Item[];
  /** test/ (train-test layout), else empty. */
  second: Item[];
}

const parts = (p: string) => p.split('/').filter((s) => s !== '');
const byPath = (a: SourceFile, b: SourceFile) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * Images below `root` ('' or 'train' or 'test'): labelled by class folder, or unlabelled when
 * they lie directly in it. `dirs` (folder paths, when the caller can list them) reveal empty
 * class folders, which are refused.
 */
function imagesBelow(files: SourceFile[], dirs: readonly string[], root: string, where: string): { classes: string[]; byClass: Map<string, SourceFile[]>; loose: SourceFile[] } {
  const depth = root === '' ? 0 : 1;
  const inRoot = (p: string[]) => root === '' || p[0] === root;
  const byClass = new Map<string, SourceFile[]>();
  const loose: SourceFile[] = [];
  for (const f of files) {
    const p = parts(f.path);
    if (!inRoot(p) || !IMAGE_FILE.test(f.path) || p.some((s) => s.startsWith('.'))) continue;
    if (p.length === depth + 1) loose.push(f);
    else byClass.set(p[depth], [...(byClass.get(p[depth]) ?? []), f]);
  }
  for (const d of dirs) {
    const p = parts(d);
    if (p.length === depth + 1 && inRoot(p) && !p[depth].startsWith('.') && !byClass.has(p[depth])) {
      throw new DataFileError(where, null, `class folder ${d} holds no .png, .jpg or .jpeg images (torchvision's ImageFolder refuses an empty class too)`);
    }
  }
  if (byClass.size > 0 && loose.length > 0) {
    const at = root === '' ? '' : `${root}/`;
    throw new DataFileError(where, null, `${loose[0].path} lies beside the class folders of ${at === '' ? 'the folder' : at}: put every image in a class folder (${at}<class>/), or none`);
  }
  const classes = [...byClass.keys()].sort();
  for (const list of byClass.values()) list.sort(byPath);
  loose.sort(byPath);
  return { classes, byClass, loose };
}

/** Works out the layout of an image folder from its file (and folder) paths; throws one line when it has none. */
export function planImageFolder(files: SourceFile[], dirs: readonly string[], where: string): ImageFolderPlan {
  const hasSplit = files.some((f) => IMAGE_FILE.test(f.path) && ['train', 'test'].includes(parts(f.path)[0]) && parts(f.path).length > 1);
  const items = (b: ReturnType<typeof imagesBelow>, classes: string[]): Item[] =>
    b.classes.length === 0 ? b.loose.map((file) => ({ file, label: -1 })) : classes.flatMap((c, label) => (b.byClass.get(c) ?? []).map((file) => ({ file, label })));
  if (hasSplit) {
    const train = imagesBelow(files, dirs, 'train', where);
    const test = imagesBelow(files, dirs, 'test', where);
    for (const [name, part] of [['train', train], ['test', test]] as const) {
      if (part.classes.length === 0 && part.loose.length === 0) throw new DataFileError(where, null, `${name}/ holds no .png, .jpg or .jpeg images, but ${name === 'train' ? 'test' : 'train'}/ does: give both, or put the class folders at the top`);
    }
    if ((train.classes.length === 0) !== (test.classes.length === 0)) {
      throw new DataFileError(where, null, `${train.classes.length === 0 ? 'test' : 'train'}/ has class folders and the other part has none: give both the same layout`);
    }
    const stray = test.classes.find((c) => !train.classes.includes(c));
    if (stray !== undefined) throw new DataFileError(where, null, `test/${stray} has no train/${stray}: the classes come from train/ (${train.classes.join(', ')})`);
    return { layout: 'train-test', classes: train.classes, first: items(train, train.classes), second: items(test, train.classes) };
  }
  const all = imagesBelow(files, dirs, '', where);
  if (all.classes.length === 0 && all.loose.length === 0) throw new DataFileError(where, null, 'holds no .png, .jpg or .jpeg images (looked in DIR/<class>/, DIR/train/<class>/ and DIR/test/<class>/)');
  return { layout: 'one-set', classes: all.classes, first: items(all, all.classes), second: [] };
}

/** What reading an image folder gives: the parts and notes for the user (alpha dropped). */
export interface ImageFolderData {
  train: AnyDataset | null;
  test: AnyDataset;
  classes: string[];
  layout: ImageFolderPlan['layout'];
  notes: string[];
}

/** Options of readImageFolder. */
export interface ImageFolderOptions {
  decode: ImageDecoder;
  /** --size: height and width to resize and centre-crop every image to. */
  size?: readonly [number, number] | null;
  split?: SplitMode;
  seed?: number;
  onProgress?: ProgressCallback;
}

/**
 * Reads the images of a folder's files (src/data/image_folder.ts module comment) into data
 * sets. Throws one line naming the file for a bad image or a size that differs without `size`.
 */
export async function readImageFolder(files: SourceFile[], dirs: readonly string[], where: string, opts: ImageFolderOptions): Promise<ImageFolderData> {
  const plan = planImageFolder(files, dirs, where);
  const items = [...plan.first, ...plan.second];
  const n = items.length;
  let channels: 1 | 3 = 1;
  let height = 0;
  let width = 0;
  let pixels = new Uint8Array(0);
  let firstName = '';
  let alphaCount = 0;
  let alphaFirst = '';
  for (let i = 0; i < n; i++) {
    const { file } = items[i];
    const img = await opts.decode(await plainBytes(await file.read(), file.name), file.name);
    if (img.droppedAlpha && alphaCount++ === 0) alphaFirst = file.name;
    if (i === 0) {
      [height, width] = opts.size ? [opts.size[0], opts.size[1]] : [img.height, img.width];
      channels = img.channels;
      firstName = file.name;
      checkAllocation(where, n * channels * height * width, `${n} images of ${channels}x${height}x${width}`);
      pixels = new Uint8Array(n * channels * height * width);
    } else if (!opts.size && (img.height !== height || img.width !== width)) {
      throw new DataFileError(file.name, null, `image is ${img.height}x${img.width} (HxW) but the first image, ${firstName}, is ${height}x${width}: give --size H[xW] to resize them all`);
    }
    if (img.channels === 3 && channels === 1) {
      // The first colour image: the set becomes RGB, the grey images read so far repeated in three planes.
      checkAllocation(where, n * 3 * height * width, `${n} images of 3x${height}x${width}`);
      const rgb = new Uint8Array(n * 3 * height * width);
      const plane = height * width;
      for (let r = 0; r < i; r++) for (let k = 0; k < 3; k++) rgb.set(pixels.subarray(r * plane, (r + 1) * plane), (3 * r + k) * plane);
      pixels = rgb;
      channels = 3;
    }
    let planar = toPlanar(img, channels);
    if (opts.size) planar = resizeCenterCrop(planar, channels, img.height, img.width, height, width);
    pixels.set(planar, i * channels * height * width);
    opts.onProgress?.(i + 1, n, 'images');
  }
  const notes = alphaCount > 0 ? [`alpha channel dropped from ${alphaCount} image${alphaCount === 1 ? '' : 's'} (first: ${alphaFirst})`] : [];
  const classes = plan.classes;
  const labelled = classes.length > 0;
  const labelsOf = (list: Item[]): Labels | null => {
    if (!labelled) return null;
    const l = classes.length <= 256 ? new Uint8Array(list.length) : new Uint32Array(list.length);
    list.forEach((it, i) => (l[i] = it.label));
    return l;
  };
  const size = channels * height * width;
  const make = (name: string, list: Item[], start: number): AnyDataset => ({
    name,
    count: list.length,
    rows: height,
    cols: width,
    shape: [channels, height, width],
    images: pixels.subarray(start * size, (start + list.length) * size),
    labels: labelsOf(list),
    classNames: labelled ? classes : null,
    origin: Uint32Array.from(list, (_, i) => i),
  });
  const split = opts.split ?? 'default';
  if (plan.layout === 'train-test') {
    if (split === 'all') return { train: null, test: make(`${where} (train/ and test/, all images)`, items, 0), classes, layout: plan.layout, notes };
    return { train: make(`${where}/train`, plan.first, 0), test: make(`${where}/test`, plan.second, plan.first.length), classes, layout: plan.layout, notes };
  }
  const parts = splitSet(make(where, items, 0), split, opts.seed ?? 1);
  return { ...parts, classes, layout: plan.layout, notes };
}
