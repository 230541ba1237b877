/**
 * The rasteriser of src/views/raster.ts with PNG output for the CLI's plots (fast-png, bundled
 * into the CLI; the library bundle does not use it).
 */
import { encode } from 'fast-png';
import { RgbRaster } from '../views/raster.js';

export { GLYPH_HEIGHT, GLYPH_WIDTH, hexColor, textWidth, type Rgb } from '../views/raster.js';

/** An RGB image that can be written as PNG. */
export class Raster extends RgbRaster {
  /** PNG bytes (8-bit RGB). */
  png(): Uint8Array {
    return encode({ width: this.width, height: this.height, data: this.data, channels: 3, depth: 8 });
  }
}
