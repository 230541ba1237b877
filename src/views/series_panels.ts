/**
 * Rows of real values ([N, F] data: time series, sensor readings, table rows) drawn as line
 * plots, one small panel per row, the input and its reconstruction overlaid: what a
 * time-series user looks at where image data get an image grid. Pure: the CLI writes the
 * result as PNG, the page puts it on a canvas.
 *
 * Every panel shares one vertical range (the smallest and largest value over all rows drawn,
 * inputs and reconstructions, 5% margin), so amplitudes compare across panels; value i of F
 * lies at x = i (w - 1) / (F - 1) of the panel's plot area.
 */
import type { RgbImage } from './image_grid.js';
import { GLYPH_HEIGHT, RgbRaster, type Rgb } from './raster.js';

/** Colours: inputs, reconstructions, references (a denoised row's clean input), panel frame, background. */
export const SERIES_COLORS = {
  input: [31, 119, 180] as Rgb, reconstruction: [255, 127, 14] as Rgb, reference: [170, 170, 170] as Rgb, frame: [200, 200, 200] as Rgb, background: [255, 255, 255] as Rgb,
};

/** What to draw. */
export interface SeriesPanels {
  /** n rows of `features` values (data units), one after the other. */
  inputs: ArrayLike<number>;
  /** The reconstructions of the same rows, or null to draw the inputs alone. */
  reconstructions?: ArrayLike<number> | null;
  /** Rows drawn underneath in grey (the clean rows beside corrupted inputs), or null. */
  references?: ArrayLike<number> | null;
  n: number;
  features: number;
  /** Panels per grid row (default ceil(sqrt(n))). */
  columns?: number;
  /** One panel's size in pixels (default 160 x 80). */
  panelWidth?: number;
  panelHeight?: number;
  /** A caption per panel (digits, '.', '-', '+', '%' and a few letters of the bitmap font), e.g. scores. */
  captions?: readonly string[] | null;
}

/** Gap between panels and around the grid, pixels. */
const GAP = 4;
/** Inner margin of a panel's plot area, pixels. */
const PAD = 3;

/** The panels as one RGB image. */
export function seriesPanels(p: SeriesPanels): RgbImage {
  const { n, features } = p;
  if (n < 1 || features < 1) throw new Error(`series panels: ${n} rows of ${features} values: nothing to draw`);
  const columns = p.columns ?? Math.ceil(Math.sqrt(n));
  const pw = p.panelWidth ?? 160;
  const ph = p.panelHeight ?? 80;
  const gridRows = Math.ceil(n / columns);
  const r = new RgbRaster(GAP + columns * (pw + GAP), GAP + gridRows * (ph + GAP), SERIES_COLORS.background);
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of [p.inputs, p.reconstructions ?? [], p.references ?? []]) {
    for (let i = 0; i < Math.min(a.length, n * features); i++) {
      if (a[i] < lo) lo = a[i];
      if (a[i] > hi) hi = a[i];
    }
  }
  if (!(hi > lo)) {
    // A flat signal (or none): a unit range around it, the line in the middle.
    const mid = Number.isFinite(lo) ? lo : 0;
    lo = mid - 0.5;
    hi = mid + 0.5;
  }
  const margin = 0.05 * (hi - lo);
  lo -= margin;
  hi += margin;
  const top = (p.captions ? GLYPH_HEIGHT + 2 : 0) + PAD;
  const plotW = pw - 2 * PAD;
  const plotH = ph - top - PAD;
  for (let k = 0; k < n; k++) {
    const ox = GAP + (k % columns) * (pw + GAP);
    const oy = GAP + Math.floor(k / columns) * (ph + GAP);
    r.strokeRect(ox, oy, pw, ph, SERIES_COLORS.frame);
    if (p.captions?.[k]) r.text(ox + PAD, oy + PAD, p.captions[k], [0, 0, 0]);
    const x = (i: number) => ox + PAD + (features === 1 ? plotW / 2 : (i * (plotW - 1)) / (features - 1));
    const y = (v: number) => oy + top + (plotH - 1) * (1 - (v - lo) / (hi - lo));
    const draw = (a: ArrayLike<number>, c: Rgb) => {
      for (let i = 0; i < features; i++) {
        const v = a[k * features + i];
        if (i === 0) r.set(x(0), y(v), c);
        else r.line(x(i - 1), y(a[k * features + i - 1]), x(i), y(v), c);
      }
    };
    if (p.references) draw(p.references, SERIES_COLORS.reference);
    draw(p.inputs, SERIES_COLORS.input);
    if (p.reconstructions) draw(p.reconstructions, SERIES_COLORS.reconstruction);
  }
  return { width: r.width, height: r.height, data: r.data };
}
