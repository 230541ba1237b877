/**
 * CIFAR-10's binary version (cifar-10-binary.tar.gz, unpacked into cifar-10-batches-bin/):
 * `data_batch_1.bin` .. `data_batch_5.bin` and `test_batch.bin`, each 10,000 records of
 *
 *   1 label byte (0-9), then 3,072 pixel bytes: the red plane (32 rows of 32), then green, then blue
 *
 * so a record's pixels are already in (C, H, W) order; and `batches.meta.txt`, the ten class
 * names one per line. Files may be gzipped (the caller gunzips). Any number of records per
 * file is read, as long as the length is a whole number of records.
 */
import { DataFileError } from './data_file.js';

/** Bytes of one record: a label and a 3x32x32 image. */
export const CIFAR_RECORD = 1 + 3 * 32 * 32;
/** The shape of one image. */
export const CIFAR_SHAPE = [3, 32, 32] as const;
/** The class names batches.meta.txt holds, used when it is absent. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

/** One batch file's images (count x 3072 bytes, (C, H, W) order) and labels. */
export interface CifarBatch {
  count: number;
  pixels: Uint8Array;
  labels: Uint8Array;
}

/** Parses one uncompressed batch file; refuses a partial record and labels above 9. */
export function parseCifarBatch(b: Uint8Array, file: string): CifarBatch {
  if (b.length === 0) throw new DataFileError(file, null, 'the file is empty');
  if (b.length % CIFAR_RECORD !== 0) {
    throw new DataFileError(file, null, `${b.length} bytes is not a whole number of ${CIFAR_RECORD}-byte records (1 label + 3x32x32 pixels): ${Math.floor(b.length / CIFAR_RECORD)} records and ${b.length % CIFAR_RECORD} bytes over`);
  }
  const count = b.length / CIFAR_RECORD;
  const pixels = new Uint8Array(count * (CIFAR_RECORD - 1));
  const labels = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const o = r * CIFAR_RECORD;
    if (b[o] > 9) {
      throw new DataFileError(file, `record ${r}`, `label byte is ${b[o]}, CIFAR-10 labels are 0-9 (CIFAR-100's binary records have two label bytes and are not this format)`);
    }
    labels[r] = b[o];
    pixels.set(b.subarray(o + 1, o + CIFAR_RECORD), r * (CIFAR_RECORD - 1));
  }
  return { count, pixels, labels };
}

/** The class names of batches.meta.txt: its non-blank lines, which must be ten. */
export function parseCifarMeta(b: Uint8Array, file: string): string[] {
  const names = new TextDecoder().decode(b).split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '');
  if (names.length !== 10) throw new DataFileError(file, null, `holds ${names.length} class names, CIFAR-10 has 10`);
  return names;
}

/** Batches one after the other. */
export function concatBatches(batches: readonly CifarBatch[]): CifarBatch {
  const count = batches.reduce((a, b) => a + b.count, 0);
  const pixels = new Uint8Array(count * (CIFAR_RECORD - 1));
  const labels = new Uint8Array(count);
  let r = 0;
  for (const b of batches) {
    pixels.set(b.pixels, r * (CIFAR_RECORD - 1));
    labels.set(b.labels, r);
    r += b.count;
  }
  return { count, pixels, labels };
}
