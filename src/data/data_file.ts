/**
 * What every reader of user data shares: its error class (one line naming the file, where in
 * it, and the problem), the size limit of one array, and plain bytes from plain or gzipped
 * files with the gzip bounds of src/data/gunzip.ts.
 */
import { gunzipBounded, gzipCap, gzipDeclaredSize, isGzipBytes, mib, MAX_GZIP_RATIO } from './gunzip.js';
import { MAX_IDX_BYTES } from './idx.js';

/** A bad data file: `file[ place]: detail`, e.g. `train.csv line 4 column 2: "abc" is not a number`. */
export class DataFileError extends Error {
  constructor(
    /** The file (or folder) as the caller named it. */
    readonly file: string,
    /** Where in it (`line 4 column 2`, `row 17`), or null for the whole file. */
    readonly place: string | null,
    /** The problem. */
    readonly detail: string,
  ) {
    super(`${file}${place ? ` ${place}` : ''}: ${detail}`);
    this.name = 'DataFileError';
  }
}

/** Largest array any reader allocates, in bytes: the IDX reader's limit (2 GiB - 1, within typed-array limits everywhere). */
export const MAX_DATA_BYTES = MAX_IDX_BYTES;

/** Progress of a long read: units done of a total, and what is counted. */
export type ProgressCallback = (done: number, total: number, what: string) => void;

/** Refuses an allocation of `bytes` beyond MAX_DATA_BYTES, before it happens. */
export function checkAllocation(file: string, bytes: number, what: string): void {
  if (!(bytes <= MAX_DATA_BYTES)) {
    throw new DataFileError(file, null, `${what} would need ${bytes} bytes (${mib(bytes)}), more than the ${MAX_DATA_BYTES} accepted in one array`);
  }
}

/**
 * The plain bytes of a file given plain or gzipped (recognised by its magic bytes, whatever its
 * name). With `sizeFromHead` (formats whose header gives their size) a gzipped file may
 * decompress to exactly that; otherwise to at most gzipCap(compressed size), and a gzip
 * trailer that already declares more is refused before anything is decompressed.
 */
export async function plainBytes(
  bytes: Uint8Array,
  file: string,
  opts: { sizeFromHead?: (head: Uint8Array, ended: boolean) => number | null; onProgress?: ProgressCallback } = {},
): Promise<Uint8Array> {
  if (!isGzipBytes(bytes)) return bytes;
  const cap = gzipCap(bytes.length);
  const declared = gzipDeclaredSize(bytes);
  if (!opts.sizeFromHead && declared !== null && declared > cap) {
    throw new DataFileError(file, null, `its gzip trailer says it decompresses to ${mib(declared)}, more than the ${mib(cap)} accepted for a ${bytes.length}-byte gzip file (${MAX_GZIP_RATIO}x its size, at least 64 MiB, at most 1 GiB)`);
  }
  const progress = opts.onProgress;
  return gunzipBounded(bytes, {
    sizeFromHead: opts.sizeFromHead,
    cap,
    tooLong: (limit) =>
      new DataFileError(file, null, opts.sizeFromHead ? `decompresses to more than the ${limit} bytes its header implies` : `decompresses to more than ${mib(limit)}, the cap for a ${bytes.length}-byte gzip file; decompress it yourself if it is genuine`),
    error: (detail) => new DataFileError(file, null, detail),
    // Without a header size the trailer's size is the best guess of the total (the cap when it is already passed).
    onProgress: progress && ((done, total) => progress(done, !opts.sizeFromHead && declared !== null && declared >= done ? declared : total, 'bytes decompressed')),
  });
}

/** A file name without a trailing `.gz`, lower-case, without its folders. */
export function baseName(path: string): string {
  return path.replace(/^.*[\\/]/, '').replace(/\.gz$/i, '').toLowerCase();
}
