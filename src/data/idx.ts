/**
 * MNIST IDX files (images and labels, plain or gzipped), validated so that a broken or hostile
 * file fails with one line naming the file and the problem, and a gzip bomb cannot make us
 * allocate more than the header implies. Works in browsers and Node (DecompressionStream).
 */
import { gunzipBounded, isGzipBytes } from './gunzip.js';

/** Images as stored: `count` rows of rows*cols bytes (0..255). */
export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  pixels: Uint8Array;
}

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;
const IMAGES4_MAGIC = 0x00000804;
/** Largest payload accepted: 2 GiB, beyond any MNIST-like set and within typed-array limits. */
export const MAX_IDX_BYTES = 2 ** 31 - 1;

function fail(name: string, msg: string): never {
  throw new Error(`${name}: ${msg}`);
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/**
 * Header size and payload size an IDX header declares; validates magic and dimensions. Images
 * have 3 dimensions (count, rows, cols) unless `ndims` is 4 (count, channels, rows, cols: the
 * multi-channel files export-data writes, magic 0x00000804).
 */
export function idxHeader(b: Uint8Array, name: string, kind: 'images' | 'labels', ndims = kind === 'images' ? 3 : 1): { headerBytes: number; dims: number[]; payload: number } {
  const magic = kind === 'labels' ? LABELS_MAGIC : ndims === 4 ? IMAGES4_MAGIC : IMAGES_MAGIC;
  if (b.length < 4) fail(name, `file is ${b.length} bytes, shorter than an IDX magic number`);
  const got = u32(b, 0);
  if (got !== magic) {
    if (got >>> 8 === 0x000008) fail(name, `IDX ${kind} file must have ${ndims} dimension(s), header says ${got & 0xff}`);
    fail(name, `not an IDX ${kind} file: magic 0x${got.toString(16).padStart(8, '0')}, expected 0x${magic.toString(16).padStart(8, '0')}`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (b.length < headerBytes) fail(name, `file is ${b.length} bytes, shorter than its ${headerBytes}-byte header`);
  const dims: number[] = [];
  let payload = 1;
  for (let i = 0; i < ndims; i++) {
    const d = u32(b, 4 + 4 * i);
    dims.push(d);
    payload *= d;
  }
  if (kind === 'images' && dims.slice(1).some((d) => d === 0)) fail(name, `image size ${dims.slice(1).join('x')} is empty`);
  if (payload > MAX_IDX_BYTES) fail(name, `header declares ${dims.join('x')} = ${payload} bytes, more than the ${MAX_IDX_BYTES} accepted`);
  return { headerBytes, dims, payload };
}

/** Parses an uncompressed IDX images file; its length must equal header plus payload exactly. */
export function parseIdxImages(b: Uint8Array, name: string): IdxImages {
  const { headerBytes, dims, payload } = idxHeader(b, name, 'images');
  checkLength(b, name, headerBytes, payload);
  return { count: dims[0], rows: dims[1], cols: dims[2], pixels: b.subarray(headerBytes) };
}

/** Parses an uncompressed IDX labels file; every label must be 0..9. */
export function parseIdxLabels(b: Uint8Array, name: string): Uint8Array {
  const { headerBytes, payload } = idxHeader(b, name, 'labels');
  checkLength(b, name, headerBytes, payload);
  const labels = b.subarray(headerBytes);
  for (let i = 0; i < labels.length; i++) if (labels[i] > 9) fail(name, `label ${i} is ${labels[i]}, labels must be 0-9`);
  return labels;
}

function checkLength(b: Uint8Array, name: string, header: number, payload: number): void {
  const want = header + payload;
  if (b.length < want) fail(name, `file is ${b.length} bytes, header implies ${want}: truncated`);
  if (b.length > want) fail(name, `file is ${b.length} bytes, header implies ${want}: ${b.length - want} trailing bytes`);
}

/** True when the bytes start with the gzip magic number. */
export const isGzip = isGzipBytes;

/**
 * Decompresses a gzipped IDX file, stopping as soon as the output exceeds what its own header
 * implies (so a bomb costs at most that much memory). Returns the plain bytes. `ndims` 'auto'
 * (images only) takes the dimension count from the magic's last byte: 4, else 3.
 */
export function gunzipIdx(gz: Uint8Array, name: string, kind: 'images' | 'labels', ndims: number | 'auto' = kind === 'images' ? 3 : 1): Promise<Uint8Array> {
  return gunzipBounded(gz, {
    // A header too short when the stream ends is reported by idxHeader itself.
    sizeFromHead: (head, ended) => {
      const n = ndims === 'auto' ? (head.length < 4 && !ended ? null : imageDims(head)) : ndims;
      if (n === null) return null;
      const need = 4 + 4 * n;
      if (head.length < need && !ended) return null;
      const h = idxHeader(head.subarray(0, need), name, kind, n);
      return h.headerBytes + h.payload;
    },
    tooLong: (limit) => new Error(`${name}: decompresses to more than the ${limit} bytes its header implies`),
    error: (detail) => new Error(`${name}: ${detail}`),
  });
}

/** Dimensions of an images file by its magic: 4 for 0x00000804, 3 otherwise (idxHeader then names a wrong magic). */
function imageDims(b: Uint8Array): 3 | 4 {
  return b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 8 && b[3] === 4 ? 4 : 3;
}

/** Reads images from plain or gzipped bytes. */
export async function readIdxImages(bytes: Uint8Array, name: string): Promise<IdxImages> {
  return parseIdxImages(isGzip(bytes) ? await gunzipIdx(bytes, name, 'images') : bytes, name);
}

/** Reads labels from plain or gzipped bytes. */
export async function readIdxLabels(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  return parseIdxLabels(isGzip(bytes) ? await gunzipIdx(bytes, name, 'labels') : bytes, name);
}

/** Images of one or more channels: `channels` planes of rows x cols per image, (C, H, W) order. */
export interface IdxImageStack extends IdxImages {
  channels: number;
}

/**
 * Reads images from plain or gzipped bytes of either kind: the 3-dimensional MNIST file (one
 * channel) or the 4-dimensional (count, channels, rows, cols) file, told apart by the magic.
 */
export async function readIdxImageStack(bytes: Uint8Array, name: string): Promise<IdxImageStack> {
  const b = isGzip(bytes) ? await gunzipIdx(bytes, name, 'images', 'auto') : bytes;
  if (imageDims(b) === 3) return { ...parseIdxImages(b, name), channels: 1 };
  const { headerBytes, dims, payload } = idxHeader(b, name, 'images', 4);
  checkLength(b, name, headerBytes, payload);
  return { count: dims[0], channels: dims[1], rows: dims[2], cols: dims[3], pixels: b.subarray(headerBytes) };
}
