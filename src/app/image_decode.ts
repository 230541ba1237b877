/**
 * PNG and JPEG decoding in the page (main thread or worker): the browser's own decoders through
 * createImageBitmap, so the page bundles no decoder. Colour management and premultiplication
 * are turned off, so PNG samples come back as stored, equal to the CLI's (fast-png). A 2D
 * canvas keeps premultiplied colour, which would change translucent pixels, so images with
 * alpha are read through WebGL 2 with premultiplication off; the channels kept are those the
 * file's header declares (src/data/image_header.ts), as in the CLI. JPEG samples may differ
 * from the CLI's by the two decoders' rounding (jpeg-js against the browser's libjpeg-turbo).
 */
import { DataFileError } from '../data/data_file.js';
import { imageHeader } from '../data/image_header.js';
import { fromRgba, type DecodedImage } from '../data/pixels.js';

const BITMAP_OPTIONS: ImageBitmapOptions = { premultiplyAlpha: 'none', colorSpaceConversion: 'none' };

/** RGBA of a bitmap through a 2D canvas (exact for opaque pixels). */
function rgbaFrom2d(bitmap: ImageBitmap): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas context');
  ctx.drawImage(bitmap, 0, 0);
  return ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
}

/** RGBA of a bitmap through a WebGL 2 texture, unpremultiplied (exact for translucent pixels); null without WebGL 2. */
function rgbaFromWebgl(bitmap: ImageBitmap): Uint8Array | null {
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2', { premultipliedAlpha: false });
  if (!gl) return null;
  try {
    const tex = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.NONE);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, bitmap.width, bitmap.height, 0, gl.RGBA, gl.UNSIGNED_BYTE, bitmap);
    const fb = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
    if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) return null;
    const out = new Uint8Array(bitmap.width * bitmap.height * 4);
    gl.readPixels(0, 0, bitmap.width, bitmap.height, gl.RGBA, gl.UNSIGNED_BYTE, out);
    gl.deleteFramebuffer(fb);
    gl.deleteTexture(tex);
    return out;
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

/**
 * Decodes a PNG or JPEG file's bytes to 8-bit grey or RGB, as src/node/image_decode.ts does in
 * the CLI; the shared readers (src/data/image_folder.ts) take either.
 */
export async function decodeImageInPage(bytes: Uint8Array, file: string): Promise<DecodedImage> {
  const h = imageHeader(bytes, file);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: h.format === 'png' ? 'image/png' : 'image/jpeg' }), BITMAP_OPTIONS);
  } catch (e) {
    throw new DataFileError(file, null, `${h.format.toUpperCase()} could not be decoded (${(e as Error).message ?? String(e)}): truncated or damaged`);
  }
  try {
    if (bitmap.width !== h.width || bitmap.height !== h.height) {
      throw new DataFileError(file, null, `decoded as ${bitmap.height}x${bitmap.width} (HxW) but its header says ${h.height}x${h.width}`);
    }
    const rgba = (h.alpha ? rgbaFromWebgl(bitmap) : null) ?? rgbaFrom2d(bitmap);
    return fromRgba(rgba, h.width, h.height, h.channels, h.alpha);
  } finally {
    bitmap.close();
  }
}
