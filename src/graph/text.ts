/**
 * Byte-level helpers for the graph text formats: capped gzip decompression (browser and Node,
 * DecompressionStream), a line scanner, field scanning and number parsing on bytes. Parsing
 * bytes directly keeps the readers linear in the file size and allocation-light: only ids and
 * class names become strings.
 */
import { gunzipBounded, gzipCap, mib, MAX_GZIP_RATIO, MAX_TEXT_BYTES, MIN_GZIP_CAP } from '../data/gunzip.js';
import { isGzip } from '../data/idx.js';

export { isGzip, gzipCap, MAX_GZIP_RATIO, MAX_TEXT_BYTES, MIN_GZIP_CAP };

/** A bad graph file: one line naming the file, the line (when there is one) and the problem. */
export class GraphFileError extends Error {
  constructor(
    /** The file's name as the caller gave it. */
    readonly file: string,
    /** 1-based line number, or null for problems of the whole file. */
    readonly line: number | null,
    /** The problem, without file and line. */
    readonly detail: string,
  ) {
    super(`${file}${line === null ? '' : ` line ${line}`}: ${detail}`);
    this.name = 'GraphFileError';
  }
}

/**
 * Decompresses gzip bytes, stopping as soon as the output passes `cap` bytes (so a gzip bomb
 * costs at most about that much memory). The default cap is gzipCap(gz.length).
 */
export function gunzipCapped(gz: Uint8Array, name: string, cap = gzipCap(gz.length)): Promise<Uint8Array> {
  return gunzipBounded(gz, {
    cap,
    tooLong: () =>
      new GraphFileError(
        name,
        null,
        `decompresses to more than ${mib(cap)}, the cap for a ${gz.length}-byte gzip file (${MAX_GZIP_RATIO}x its size, at least ${mib(MIN_GZIP_CAP)}, at most ${mib(MAX_TEXT_BYTES)}); decompress it yourself if it is genuine`,
      ),
    error: (detail) => new GraphFileError(name, null, detail),
  });
}

/** The plain bytes of a file given plain or gzipped (detected by its magic bytes). */
export async function plainBytes(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzipCapped(bytes, name) : bytes;
}

/** Walks the lines of a text file: [start, end) of each line without its CR LF or LF. */
export class Lines {
  /** 1-based number of the current line. */
  line = 0;
  start = 0;
  end = 0;
  private next = 0;

  constructor(private readonly b: Uint8Array) {
    // A UTF-8 byte order mark is not part of the first field.
    if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) this.next = 3;
  }

  /** Moves to the next line; false at the end of the file. */
  advance(): boolean {
    const b = this.b;
    if (this.next >= b.length) return false;
    let nl = b.indexOf(10, this.next);
    if (nl < 0) nl = b.length;
    this.start = this.next;
    this.end = nl > this.start && b[nl - 1] === 13 ? nl - 1 : nl;
    this.next = nl + 1;
    this.line++;
    return true;
  }
}

/** Field separators: space and tab always; with `comma`, commas too (CSV edge lists). */
export function isSeparator(c: number, comma: boolean): boolean {
  return c === 32 || c === 9 || c === 13 || c === 11 || c === 12 || (comma && c === 44);
}

/** First position at or after p in [p, end) that is not a separator. */
export function skipSeparators(b: Uint8Array, p: number, end: number, comma = false): number {
  while (p < end && isSeparator(b[p], comma)) p++;
  return p;
}

/** End of the field starting at p. */
export function fieldEnd(b: Uint8Array, p: number, end: number, comma = false): number {
  while (p < end && !isSeparator(b[p], comma)) p++;
  return p;
}

/** Number of fields in [p, end). */
export function countFields(b: Uint8Array, p: number, end: number, comma = false): number {
  let n = 0;
  for (p = skipSeparators(b, p, end, comma); p < end; p = skipSeparators(b, fieldEnd(b, p, end, comma), end, comma)) n++;
  return n;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** The field [s, e) as a string: ASCII directly, anything else decoded as UTF-8. */
export function fieldString(b: Uint8Array, s: number, e: number): string {
  if (e - s <= 32) {
    let str = '';
    for (let i = s; i < e; i++) {
      const c = b[i];
      if (c >= 128) return utf8.decode(b.subarray(s, e));
      str += String.fromCharCode(c);
    }
    return str;
  }
  return utf8.decode(b.subarray(s, e));
}

/** The field for a message: at most 24 characters, quoted. */
export function quoteField(b: Uint8Array, s: number, e: number): string {
  const t = fieldString(b, s, Math.min(e, s + 24));
  return JSON.stringify(e - s > 24 ? `${t}...` : t);
}

/**
 * The decimal number in [s, e), or NaN when it is not one. "0" and "1" (binary features) take
 * a fast path; anything else must be made of digits, sign, point and exponent and be finite
 * (so no hex, no Infinity).
 */
export function parseNumber(b: Uint8Array, s: number, e: number): number {
  if (e - s === 1) {
    const d = b[s] - 48;
    return d >= 0 && d <= 9 ? d : NaN;
  }
  let digits = false;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c >= 48 && c <= 57) digits = true;
    else if (c !== 43 && c !== 45 && c !== 46 && c !== 101 && c !== 69) return NaN;
  }
  if (!digits) return NaN;
  const v = Number(fieldString(b, s, e));
  return Number.isFinite(v) ? v : NaN;
}

/** A typed array that grows by doubling. */
export class GrowableU32 {
  data: Uint32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Uint32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Uint32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  /** The pushed values (a copy of exactly `length` elements). */
  take(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/** GrowableU32 for f32 values. */
export class GrowableF32 {
  data: Float32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Float32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  take(): Float32Array {
    return this.data.slice(0, this.length);
  }
}
