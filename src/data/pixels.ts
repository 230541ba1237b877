/**
 * Decoded images as every reader hands them over, whatever decoded them (fast-png and jpeg-js
 * in the CLI, createImageBitmap in the page): 8-bit samples, grey or RGB, interleaved, alpha
 * already dropped. The conversions from what decoders give are here, once, so both agree:
 *
 *   - alpha is dropped, as Pillow's convert('RGB') / convert('L') does (colours kept as they are,
 *     not blended onto a background);
 *   - grey samples of 1, 2 or 4 bits are scaled to 0..255 (v * 255 / (2^bits - 1));
 *   - 16-bit samples keep their high byte (v >> 8), as browsers' PNG decoders do (Pillow's
 *     convert would clip them at 255 instead);
 *   - palette images become RGB through their palette.
 */

/** An 8-bit image: `channels` samples per pixel (1 grey, 3 RGB), rows top to bottom, interleaved. */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
  /** True when the file had alpha that was dropped. */
  droppedAlpha: boolean;
}

/**
 * An image from interleaved RGBA bytes (what a canvas gives), kept as grey (the red samples)
 * or RGB by `channels`, as the file's header declares.
 */
export function fromRgba(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: 1 | 3, hadAlpha: boolean): DecodedImage {
  const n = width * height;
  const data = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) for (let k = 0; k < channels; k++) data[i * channels + k] = rgba[4 * i + k];
  return { width, height, channels, data, droppedAlpha: hadAlpha };
}

/**
 * Samples (`channelsIn` per pixel, interleaved, `depth` bits each, rows padded to whole bytes
 * when depth < 8) as 8-bit samples with the first `keep` channels of each pixel.
 */
export function to8bit(src: ArrayLike<number>, width: number, height: number, channelsIn: number, depth: number, keep: number): Uint8Array {
  const out = new Uint8Array(width * height * keep);
  if (depth < 8) {
    // Only grey images (one channel) have sub-byte samples outside palettes.
    const perByte = 8 / depth;
    const rowBytes = Math.ceil(width / perByte);
    const max = (1 << depth) - 1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const byte = src[y * rowBytes + Math.floor(x / perByte)];
        const v = (byte >> (8 - depth * ((x % perByte) + 1))) & max;
        out[y * width + x] = Math.round((v * 255) / max);
      }
    }
    return out;
  }
  const shift = depth === 16 ? 8 : 0;
  for (let i = 0; i < width * height; i++) for (let k = 0; k < keep; k++) out[i * keep + k] = src[i * channelsIn + k] >> shift;
  return out;
}

/**
 * An image's samples in (C, H, W) order with `channels` planes: grey copied into three planes
 * for an RGB data set (as convert('RGB') does), RGB kept.
 */
export function toPlanar(img: DecodedImage, channels: 1 | 3): Uint8Array {
  const n = img.width * img.height;
  if (img.channels === 3 && channels === 1) throw new Error(`toPlanar: an RGB image cannot become grey`);
  const out = new Uint8Array(channels * n);
  for (let k = 0; k < channels; k++) {
    const from = img.channels === 1 ? 0 : k;
    for (let i = 0; i < n; i++) out[k * n + i] = img.data[i * img.channels + from];
  }
  return out;
}
