/**
 * Writing MNIST IDX files (images and labels), plain or gzipped, as bytes that `readIdxImages`
 * and `readIdxLabels` (idx.ts) read back exactly. Big-endian header, then the payload:
 *
 *   images: magic 0x00000803, count, rows, cols (u32 each), then count*rows*cols bytes
 *   labels: magic 0x00000801, count (u32 each), then count bytes 0..9
 *
 * Everything the reader would reject is refused here with one line naming the numbers, so a
 * written file always loads. Works in browsers and Node (CompressionStream for gzip).
 */
import { MAX_IDX_BYTES, type IdxImages, type IdxImageStack } from './idx.js';

/** Magic numbers of the two IDX kinds (unsigned byte data; 3 and 1 dimensions). */
export const IDX_MAGIC = { images: 0x00000803, labels: 0x00000801, imageStack: 0x00000804 } as const;

/** How to write a file: gzipped (`.gz` content) or plain. */
export interface IdxWriteOptions {
  gzip?: boolean;
}

/** A u32 header field, or an Error naming it and the value. */
function u32Field(what: string, v: number, min: number): number {
  if (!Number.isSafeInteger(v) || v < min || v > 0xffffffff) {
    throw new Error(`IDX writer: ${what} is ${v}, must be a whole number in [${min}, ${0xffffffff}]`);
  }
  return v;
}

/** The uncompressed IDX images file of `images` (pixels are count*rows*cols bytes, row-major). */
export function encodeIdxImages(images: IdxImages): Uint8Array {
  const count = u32Field('count', images.count, 0);
  const rows = u32Field('rows', images.rows, 1);
  const cols = u32Field('cols', images.cols, 1);
  const payload = count * rows * cols;
  if (payload > MAX_IDX_BYTES) throw new Error(`IDX writer: ${count}x${rows}x${cols} = ${payload} bytes is more than the ${MAX_IDX_BYTES} a reader accepts`);
  if (images.pixels.length !== payload) {
    throw new Error(`IDX writer: ${count} images of ${rows}x${cols} need ${payload} pixel bytes, got ${images.pixels.length}`);
  }
  const out = new Uint8Array(16 + payload);
  const view = new DataView(out.buffer);
  view.setUint32(0, IDX_MAGIC.images);
  view.setUint32(4, count);
  view.setUint32(8, rows);
  view.setUint32(12, cols);
  out.set(images.pixels, 16);
  return out;
}

/**
 * The uncompressed 4-dimensional IDX file of multi-channel images: magic 0x00000804, count,
 * channels, rows, cols (u32 BE), then the pixels in (C, H, W) order per image, as
 * readIdxImageStack (idx.ts) reads them. One channel writes the MNIST file (encodeIdxImages).
 */
export function encodeIdxImageStack(images: IdxImageStack): Uint8Array {
  if (images.channels === 1) return encodeIdxImages(images);
  const count = u32Field('count', images.count, 0);
  const channels = u32Field('channels', images.channels, 1);
  const rows = u32Field('rows', images.rows, 1);
  const cols = u32Field('cols', images.cols, 1);
  const payload = count * channels * rows * cols;
  if (payload > MAX_IDX_BYTES) throw new Error(`IDX writer: ${count}x${channels}x${rows}x${cols} = ${payload} bytes is more than the ${MAX_IDX_BYTES} a reader accepts`);
  if (images.pixels.length !== payload) {
    throw new Error(`IDX writer: ${count} images of ${channels}x${rows}x${cols} need ${payload} pixel bytes, got ${images.pixels.length}`);
  }
  const out = new Uint8Array(20 + payload);
  const view = new DataView(out.buffer);
  [IDX_MAGIC.imageStack, count, channels, rows, cols].forEach((v, i) => view.setUint32(4 * i, v));
  out.set(images.pixels, 20);
  return out;
}

/** The uncompressed IDX labels file of `labels` (each 0..9). */
export function encodeIdxLabels(labels: Uint8Array): Uint8Array {
  if (labels.length > MAX_IDX_BYTES) throw new Error(`IDX writer: ${labels.length} labels is more than the ${MAX_IDX_BYTES} a reader accepts`);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 9) throw new Error(`IDX writer: label ${i} is ${labels[i]}, labels must be 0-9`);
  }
  const out = new Uint8Array(8 + labels.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, IDX_MAGIC.labels);
  view.setUint32(4, labels.length);
  out.set(labels, 8);
  return out;
}

/** Gzips bytes with CompressionStream (browsers, Node >= 18). */
export async function gzipBytes(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof CompressionStream === 'undefined') throw new Error('IDX writer: this runtime has no CompressionStream to write .gz files');
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** An IDX images file, gzipped when `opts.gzip`. */
export async function writeIdxImages(images: IdxImages, opts: IdxWriteOptions = {}): Promise<Uint8Array> {
  const plain = encodeIdxImages(images);
  return opts.gzip ? gzipBytes(plain) : plain;
}

/** An IDX labels file, gzipped when `opts.gzip`. */
export async function writeIdxLabels(labels: Uint8Array, opts: IdxWriteOptions = {}): Promise<Uint8Array> {
  const plain = encodeIdxLabels(labels);
  return opts.gzip ? gzipBytes(plain) : plain;
}
