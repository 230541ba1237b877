/**
 * PNG and JPEG decoding for the CLI, with pure-JavaScript decoders bundled into it (fast-png,
 * jpeg-js; the library bundle and the page do not use them: the page decodes with
 * createImageBitmap, src/app/image_decode.ts). Both hand back a DecodedImage (src/data/pixels.ts)
 * with the channels the file's header declares.
 */
import { decode as decodePng, convertIndexedToRgb } from 'fast-png';
import { decode as decodeJpeg } from 'jpeg-js';
import { DataFileError } from '../data/data_file.js';
import { imageHeader, MAX_IMAGE_PIXELS } from '../data/image_header.js';
import { to8bit, type DecodedImage } from '../data/pixels.js';

const reason = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0];

/** Decodes a PNG or JPEG file (recognised by its first bytes) to 8-bit grey or RGB. */
export function decodeImageFile(bytes: Uint8Array, file: string): DecodedImage {
  const h = imageHeader(bytes, file);
  if (h.format === 'png') {
    let png: ReturnType<typeof decodePng>;
    try {
      png = decodePng(bytes);
    } catch (e) {
      throw new DataFileError(file, null, `PNG could not be decoded (${reason(e)}): truncated or damaged`);
    }
    const expected = png.width * png.height * png.channels * (png.depth < 8 ? png.depth / 8 : 1);
    if (png.data.length < Math.floor(expected)) throw new DataFileError(file, null, `PNG holds ${png.data.length} samples, its ${png.height}x${png.width} header needs more: truncated`);
    if (png.palette) {
      const rgb = convertIndexedToRgb(png);
      const per = png.palette[0]?.length ?? 3;
      return { width: png.width, height: png.height, channels: 3, data: to8bit(rgb, png.width, png.height, per, 8, 3), droppedAlpha: h.alpha };
    }
    return { width: png.width, height: png.height, channels: h.channels, data: to8bit(png.data, png.width, png.height, png.channels, png.depth, h.channels), droppedAlpha: h.alpha };
  }
  let jpeg: { width: number; height: number; data: Uint8Array };
  try {
    jpeg = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: Math.ceil(MAX_IMAGE_PIXELS / 1e6), maxMemoryUsageInMB: 1024 });
  } catch (e) {
    throw new DataFileError(file, null, `JPEG could not be decoded (${reason(e)}): truncated or damaged`);
  }
  // jpeg-js gives RGB for every JPEG; a grey one has three equal samples per pixel.
  return { width: jpeg.width, height: jpeg.height, channels: h.channels, data: to8bit(jpeg.data, jpeg.width, jpeg.height, 3, 8, h.channels), droppedAlpha: false };
}
