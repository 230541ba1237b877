/**
 * `export-data` for data of every format: the stored values (the data's own units, before any
 * scaling) of a train / test split as files another tool reads and `--data DIR` reads back:
 *
 *   - 8-bit images whose labels (if any) are 0-9: the four IDX files (src/data/export.ts); one
 *     channel as the MNIST files byte for byte, several as 4-dimensional files (count,
 *     channels, rows, cols; magic 0x00000804);
 *   - anything else (real values, feature rows, more than ten classes): train.npy and test.npy
 *     ([N, F] or [N, C, H, W]; uint8 or float32), with train_labels.npy and test_labels.npy
 *     (uint8, or uint32 beyond 255), and classes.txt (one class name a line) when the data name
 *     their classes.
 */
import { pixelsOf, shapeOf, type AnyDataset, type Dataset } from './dataset.js';
import { IDX_FILE_NAMES, splitToIdxFiles, type IdxFile } from './export.js';
import { encodeIdxImageStack, gzipBytes, writeIdxLabels, type IdxWriteOptions } from './idx_write.js';
import { encodeNpy } from './npy.js';

/** Which files `exportFiles` writes for a data set: 'idx' or 'npy'. */
export function exportKind(ds: AnyDataset): 'idx' | 'npy' {
  if (ds.values || shapeOf(ds).length !== 3) return 'npy';
  if (ds.labels) for (let i = 0; i < ds.labels.length; i++) if (ds.labels[i] > 9) return 'npy';
  return 'idx';
}

const isMnistLike = (ds: AnyDataset) => !ds.shape && !ds.values && !(ds.labels instanceof Uint32Array);

/** The files of a split (see the module comment), gzipped when `opts.gzip` (names then end in .gz). */
export async function exportFiles(train: AnyDataset, test: AnyDataset, opts: IdxWriteOptions = {}): Promise<IdxFile[]> {
  const ts = shapeOf(train).join('x');
  const es = shapeOf(test).join('x');
  if (ts !== es) throw new Error(`export: train rows are ${ts} but test rows are ${es}`);
  const kind = exportKind(train) === 'npy' || exportKind(test) === 'npy' ? 'npy' : 'idx';
  if (kind === 'idx' && isMnistLike(train) && isMnistLike(test)) return splitToIdxFiles({ train: train as Dataset, test: test as Dataset }, opts);
  const suffix = opts.gzip ? '.gz' : '';
  const pack = async (bytes: Uint8Array) => (opts.gzip ? gzipBytes(bytes) : bytes);
  const out: IdxFile[] = [];
  for (const [ds, part] of [[train, 'train'], [test, 'test']] as const) {
    const [c, h, w] = shapeOf(ds);
    if (kind === 'idx') {
      const names = part === 'train' ? [IDX_FILE_NAMES.trainImages, IDX_FILE_NAMES.trainLabels] : [IDX_FILE_NAMES.testImages, IDX_FILE_NAMES.testLabels];
      out.push({ name: names[0] + suffix, bytes: await pack(encodeIdxImageStack({ count: ds.count, channels: c, rows: h, cols: w, pixels: ds.images })) });
      if (ds.labels) out.push({ name: names[1] + suffix, bytes: await writeIdxLabels(Uint8Array.from(ds.labels), opts) });
      continue;
    }
    const data = ds.values ?? ds.images.subarray(0, ds.count * pixelsOf(ds));
    out.push({ name: `${part}.npy${suffix}`, bytes: await pack(encodeNpy(data, [ds.count, ...shapeOf(ds)])) });
    if (ds.labels) out.push({ name: `${part}_labels.npy${suffix}`, bytes: await pack(encodeNpy(ds.labels, [ds.count])) });
  }
  const names = train.classNames ?? test.classNames;
  if (kind === 'npy' && names) out.push({ name: 'classes.txt', bytes: new TextEncoder().encode(`${names.join('\n')}\n`) });
  return out;
}
