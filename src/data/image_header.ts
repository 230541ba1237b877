/**
 * What a PNG or JPEG file declares before its pixels: format, size, colour channels and whether
 * it has an alpha channel. The CLI's decoders and the page's createImageBitmap both start here,
 * so they agree on how many channels an image has (a browser always hands back RGBA) and both
 * refuse a file that is not an image, or is too large, before decoding anything.
 *
 *   PNG: signature 89 50 4E 47 0D 0A 1A 0A, then the IHDR chunk: width, height (u32 BE), bit
 *        depth, colour type (0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA); a tRNS chunk
 *        before IDAT gives grey, RGB and palette images transparency.
 *   JPEG: FF D8, then marker segments up to a start of frame (SOF0 baseline, SOF1 extended,
 *        SOF2 progressive): precision, height, width (u16 BE), component count (1 grey, 3
 *        colour, 4 CMYK, which decoders turn into RGB).
 */
import { DataFileError } from './data_file.js';

/** Largest image accepted, in pixels: Pillow's MAX_IMAGE_PIXELS, its decompression-bomb limit. */
export const MAX_IMAGE_PIXELS = 89_478_485;

/** What an image file declares. */
export interface ImageHeader {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
  /** Colour channels after decoding without alpha: 1 (grey) or 3 (RGB; palette and CMYK images too). */
  channels: 1 | 3;
  /** True when the file has an alpha channel or a transparency chunk (dropped when read). */
  alpha: boolean;
  /** PNG bit depth per sample (8 for JPEG). */
  depth: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const u32be = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const u16be = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const hex = (b: Uint8Array, n: number) => Array.from(b.subarray(0, n), (x) => x.toString(16).padStart(2, '0')).join(' ');

/** True when the bytes start like a PNG. */
export function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && PNG_SIGNATURE.every((x, i) => b[i] === x);
}

/** True when the bytes start like a JPEG. */
export function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

function checkSize(file: string, width: number, height: number): void {
  if (width === 0 || height === 0) throw new DataFileError(file, null, `image size ${height}x${width} (HxW) is empty`);
  if (width * height > MAX_IMAGE_PIXELS) throw new DataFileError(file, null, `image is ${height}x${width} (HxW) = ${width * height} pixels, more than the ${MAX_IMAGE_PIXELS} accepted (Pillow's limit)`);
}

function pngHeader(b: Uint8Array, file: string): ImageHeader {
  if (b.length < 33 || String.fromCharCode(...b.subarray(12, 16)) !== 'IHDR') throw new DataFileError(file, null, `PNG of ${b.length} bytes has no complete IHDR chunk: truncated or damaged`);
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  const depth = b[24];
  const type = b[25];
  const depths: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
  if (!depths[type]?.includes(depth)) throw new DataFileError(file, null, `PNG colour type ${type} with bit depth ${depth} is not a valid combination`);
  checkSize(file, width, height);
  // A tRNS chunk (before the first IDAT) makes grey, RGB or palette pixels transparent.
  let trns = false;
  for (let o = 8; o + 8 <= b.length; ) {
    const len = u32be(b, o);
    const name = String.fromCharCode(...b.subarray(o + 4, o + 8));
    if (name === 'tRNS') trns = true;
    if (name === 'IDAT' || name === 'IEND') break;
    o += 12 + len;
  }
  return { format: 'png', width, height, channels: type === 0 || type === 4 ? 1 : 3, alpha: type === 4 || type === 6 || trns, depth };
}

function jpegHeader(b: Uint8Array, file: string): ImageHeader {
  let o = 2;
  while (o + 4 <= b.length) {
    if (b[o] !== 0xff) throw new DataFileError(file, null, `JPEG marker expected at byte ${o}, found 0x${b[o].toString(16).padStart(2, '0')}: damaged`);
    const marker = b[o + 1];
    if (marker === 0xff) {
      o++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      o += 2;
      continue;
    }
    const len = u16be(b, o + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (marker > 0xc2) throw new DataFileError(file, null, `JPEG coding SOF${marker - 0xc0} (lossless, hierarchical or arithmetic) is not supported; baseline and progressive are`);
      if (o + 10 > b.length) break;
      const height = u16be(b, o + 5);
      const width = u16be(b, o + 7);
      const components = b[o + 9];
      if (components !== 1 && components !== 3 && components !== 4) throw new DataFileError(file, null, `JPEG with ${components} colour components; 1 (grey), 3 (colour) or 4 (CMYK) are read`);
      checkSize(file, width, height);
      return { format: 'jpeg', width, height, channels: components === 1 ? 1 : 3, alpha: false, depth: 8 };
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image or scan data before any frame header
    o += 2 + len;
  }
  throw new DataFileError(file, null, `JPEG of ${b.length} bytes has no frame header (SOF): truncated or damaged`);
}

/** The header of a PNG or JPEG file; a one-line DataFileError for anything else. */
export function imageHeader(b: Uint8Array, file: string): ImageHeader {
  if (isPng(b)) return pngHeader(b, file);
  if (isJpeg(b)) return jpegHeader(b, file);
  const start = b.length === 0 ? 'the file is empty' : `it starts with ${hex(b, 8)}`;
  throw new DataFileError(file, null, `not a PNG or JPEG image: ${start}`);
}
