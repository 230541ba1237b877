/**
 * Bounded gzip decompression for every reader (IDX, NumPy, CSV, CIFAR-10, images, the graph
 * text formats): DecompressionStream in browsers and Node, stopping as soon as the output
 * passes what the file may hold, so a gzip bomb costs at most that much memory. Two bounds:
 *
 *   - from the file's own header (IDX, .npy): `sizeFromHead` reads the first decompressed
 *     bytes and returns the exact size; the output is allocated once, at that size;
 *   - a cap (text, where no header says the size): the output grows by doubling up to it.
 *
 * Callers give their own one-line errors (`tooLong`, `error`), so each format keeps its
 * wording and error class.
 */

/** How a gzip stream is bounded and reported. */
export interface GunzipBounds {
  /**
   * The exact decompressed size, from the first `head.length` decompressed bytes (`ended`: the
   * stream has no more); null asks for more bytes. Throws for a bad header.
   */
  sizeFromHead?: (head: Uint8Array, ended: boolean) => number | null;
  /** Without `sizeFromHead`: the most bytes accepted. */
  cap?: number;
  /** The error for output beyond `limit` bytes. */
  tooLong: (limit: number) => Error;
  /** The error for any other problem (`gzip data is corrupt (...)`, no DecompressionStream), given its one-line detail. */
  error: (detail: string) => Error;
  /** Decompressed bytes so far and the total expected (the exact size, else the cap). */
  onProgress?: (done: number, total: number) => void;
}

/** Decompressed size never accepted, whatever the compressed size: 1 GiB. */
export const MAX_TEXT_BYTES = 2 ** 30;
/** Decompressed size always accepted (below MAX_TEXT_BYTES): 64 MiB. */
export const MIN_GZIP_CAP = 64 * 2 ** 20;
/**
 * Decompressed bytes allowed per compressed byte above MIN_GZIP_CAP. Real text files
 * (LINQS graphs, CSV) compress 20-400 times (Cora 70x; a 10,000-column file with 20 ones per row about 350x);
 * deflate cannot exceed about 1032x, so this halves what a bomb of a given size can claim.
 */
export const MAX_GZIP_RATIO = 512;

/** The most bytes a gzip file of `compressedBytes` may decompress to. */
export function gzipCap(compressedBytes: number): number {
  return Math.min(MAX_TEXT_BYTES, Math.max(MIN_GZIP_CAP, MAX_GZIP_RATIO * compressedBytes));
}

/** A byte count in MiB for messages: `64 MiB`, `0.1 MiB`. */
export const mib = (n: number): string => `${(n / 2 ** 20).toFixed(n % 2 ** 20 === 0 ? 0 : 1)} MiB`;

/** True when the bytes start with the gzip magic number. */
export function isGzipBytes(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * The size a gzip file's trailer declares (ISIZE: the last member's size modulo 2^32). Honest
 * files say their size; a liar is still stopped by the bound while decompressing.
 */
export function gzipDeclaredSize(gz: Uint8Array): number | null {
  if (gz.length < 18) return null;
  const o = gz.length - 4;
  return (gz[o] | (gz[o + 1] << 8) | (gz[o + 2] << 16) | (gz[o + 3] << 24)) >>> 0;
}

/** Decompresses `gz` within `bounds`; returns the plain bytes (a view of exactly their length). */
export async function gunzipBounded(gz: Uint8Array, bounds: GunzipBounds): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') throw bounds.error('this runtime has no DecompressionStream to read .gz files');
  const reader = new Blob([gz as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const cap = bounds.cap ?? Infinity;
  // Until the size is known (header mode), chunks gather in `head`.
  let head: Uint8Array | null = bounds.sizeFromHead ? new Uint8Array(0) : null;
  let limit = bounds.sizeFromHead ? Infinity : cap;
  let out = bounds.sizeFromHead ? new Uint8Array(0) : new Uint8Array(Math.min(cap, Math.max(4096, gz.length * 8)));
  let len = 0;
  const take = (chunk: Uint8Array) => {
    if (len + chunk.length > limit) throw bounds.tooLong(limit);
    if (len + chunk.length > out.length) {
      const grown = new Uint8Array(Math.min(limit, Math.max(out.length * 2, len + chunk.length)));
      grown.set(out.subarray(0, len));
      out = grown;
    }
    out.set(chunk, len);
    len += chunk.length;
    bounds.onProgress?.(len, limit);
  };
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (e) {
        throw bounds.error(`gzip data is corrupt (${(e as Error).message ?? String(e)})`);
      }
      if (step.done) break;
      if (!head) {
        take(step.value);
        continue;
      }
      const joined = new Uint8Array(head.length + step.value.length);
      joined.set(head);
      joined.set(step.value, head.length);
      head = joined;
      const size = bounds.sizeFromHead!(head, false);
      if (size === null) continue;
      limit = size;
      if (head.length > limit) throw bounds.tooLong(limit);
      out = new Uint8Array(limit);
      const first = head;
      head = null;
      take(first);
    }
  } catch (e) {
    await reader.cancel().catch(() => undefined);
    throw e;
  }
  if (head) {
    // The stream ended before the header was complete: the callback names the problem (a
    // short payload is left to the parser, which reports it as truncated).
    bounds.sizeFromHead!(head, true);
    return head;
  }
  return out.subarray(0, len);
}
