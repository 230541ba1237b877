/**
 * The `latent` command's picture, drawn on the CPU: a square scatter of latent means coloured by
 * label (one colour without labels), with the data values at its edges, axis titles and a legend
 * of the ten label colours; for a 2-D latent space, the dashed square of the decoded manifold and
 * the manifold itself beside it, as on the page. Returns the PNG and where each part lies, so
 * that what the picture shows can be named in JSON and checked.
 */
import { LABEL_COLORS, plotWindow, UNLABELLED_COLOR, type PlotWindow } from '../views/latent_view.js';
import { layColorGrid } from '../views/image_grid.js';
import { GLYPH_HEIGHT, GLYPH_WIDTH, hexColor, Raster, textWidth, type Rgb } from './raster.js';

/** A rectangle of the picture in pixels: its top-left pixel and size. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What to draw. */
export interface LatentPlotInput {
  /** x0, y0, x1, y1, ... in data units. */
  points: Float32Array;
  /** One label per point (coloured by label mod 10), or null to draw every point in UNLABELLED_COLOR. */
  labels: ArrayLike<number> | null;
  /** Rows of the legend, labels 0 to classes - 1 (default 10: the digits); at most 10. */
  classes?: number;
  axes: [string, string];
  /** One scale for both axes (z itself) rather than each axis stretched to fill the square. */
  equal: boolean;
  /** side x side decoded images (rows x cols pixels each, values in [0, 1]; 3 channels RGB) over z in [-range, range]^2; null for none. */
  manifold: { images: Float32Array; side: number; range: number; rows: number; cols: number; channels?: 1 | 3 } | null;
}

/** The picture and its parts. */
export interface LatentPlot {
  png: Uint8Array;
  width: number;
  height: number;
  /** The scatter's square; `window` holds the data values at its edges. */
  scatter: Rect & { window: PlotWindow };
  /** The legend's swatches, label 0 at the top; null without labels. */
  legend: Rect | null;
  /** The manifold's image grid (2 px gaps), row 0 at the top; null when none is drawn. */
  manifold: Rect | null;
}

/** Side of the scatter's square in pixels, at least (as tall as the manifold beside it). */
const PLOT = 400;
const MARGIN = 8;
/** Room left of the scatter for the vertical title and the y values. */
const LEFT = MARGIN + GLYPH_HEIGHT + 4 + 44;
const TOP = MARGIN + 4;
/** Legend rows: a swatch and the label's digit. */
const LEGEND_ROW = 14;
const SWATCH = 8;
const TEXT: Rgb = [0x55, 0x55, 0x55];
const FRAME: Rgb = [0xcc, 0xcc, 0xcc];
const ZERO: Rgb = [0xdd, 0xdd, 0xdd];
const MANIFOLD_SQUARE: Rgb = [0x99, 0x99, 0x99];

/** A data value at an edge of the scatter, short enough for the margin. */
export function edgeValue(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 0.01 || a >= 1000)) return v.toExponential(1);
  return v.toFixed(a < 10 ? 2 : 1);
}

/** The pixel of the scatter `rect` that shows data point (x, y) under `w` (not rounded). */
export function toPixel(rect: Rect, w: PlotWindow, x: number, y: number): [number, number] {
  return [rect.x + ((x - w.x0) / (w.x1 - w.x0)) * (rect.width - 1), rect.y + ((w.y1 - y) / (w.y1 - w.y0)) * (rect.height - 1)];
}

/** Draws the latent picture; see LatentPlotInput. */
export function latentPlot(input: LatentPlotInput): LatentPlot {
  const { points, labels, axes, equal, manifold } = input;
  const grid = manifold ? layColorGrid(manifold.images, manifold.side * manifold.side, manifold.channels ?? 1, manifold.rows, manifold.cols, manifold.side, 2, 40) : null;
  const side = Math.max(PLOT, grid ? grid.height : 0);
  const scatter: Rect = { x: LEFT, y: TOP, width: side, height: side };
  const legendX = scatter.x + side + 12;
  const classes = Math.min(LABEL_COLORS.length, input.classes ?? LABEL_COLORS.length);
  const legend: Rect | null = labels ? { x: legendX, y: TOP, width: SWATCH + 3 + GLYPH_WIDTH, height: classes * LEGEND_ROW - (LEGEND_ROW - SWATCH) } : null;
  const gridRect: Rect | null = grid ? { x: legendX + 20 + GLYPH_HEIGHT + 8, y: TOP, width: grid.width, height: grid.height } : null;
  const belowScatter = scatter.y + side + 4 + GLYPH_HEIGHT + 4 + GLYPH_HEIGHT + MARGIN;
  const belowGrid = gridRect ? gridRect.y + gridRect.height + 4 + GLYPH_HEIGHT + MARGIN : 0;
  const width = (gridRect ? gridRect.x + gridRect.width : legendX + 20) + MARGIN;
  const height = Math.max(belowScatter, belowGrid);
  const r = new Raster(width, height);

  const range = manifold ? manifold.range : 0;
  const w = plotWindow(points, range, equal);
  const px = (x: number, y: number) => toPixel(scatter, w, x, y);
  const [zx, zy] = px(0, 0);
  if (w.x0 < 0 && w.x1 > 0) r.line(zx, scatter.y, zx, scatter.y + side - 1, ZERO);
  if (w.y0 < 0 && w.y1 > 0) r.line(scatter.x, zy, scatter.x + side - 1, zy, ZERO);
  r.strokeRect(scatter.x - 1, scatter.y - 1, side + 2, side + 2, FRAME);
  if (range > 0) {
    const [x0, y0] = px(-range, range);
    const [x1, y1] = px(range, -range);
    r.strokeRect(Math.round(x0), Math.round(y0), Math.round(x1) - Math.round(x0) + 1, Math.round(y1) - Math.round(y0) + 1, MANIFOLD_SQUARE, 4);
  }
  const colors = LABEL_COLORS.map(hexColor);
  const single = hexColor(UNLABELLED_COLOR);
  for (let i = 0; i < points.length / 2; i++) {
    const [x, y] = px(points[2 * i], points[2 * i + 1]);
    if (Number.isFinite(x) && Number.isFinite(y)) r.dot(x, y, labels ? colors[labels[i] % 10] : single);
  }

  // Data values at the edges, and the axis titles (the y title read upwards, as on the page).
  const below = scatter.y + side + 4;
  r.text(scatter.x, below, edgeValue(w.x0), TEXT);
  r.text(scatter.x + side - textWidth(edgeValue(w.x1)), below, edgeValue(w.x1), TEXT);
  r.text(scatter.x - 4 - textWidth(edgeValue(w.y1)), scatter.y, edgeValue(w.y1), TEXT);
  r.text(scatter.x - 4 - textWidth(edgeValue(w.y0)), scatter.y + side - GLYPH_HEIGHT, edgeValue(w.y0), TEXT);
  r.text(scatter.x + (side - textWidth(axes[0])) / 2, below + GLYPH_HEIGHT + 4, axes[0], TEXT);
  r.text(MARGIN, scatter.y + (side + textWidth(axes[1])) / 2, axes[1], TEXT, true);

  if (legend) {
    colors.slice(0, classes).forEach((c, label) => {
      const y = legend.y + label * LEGEND_ROW;
      r.fillRect(legend.x, y, SWATCH, SWATCH, c);
      r.text(legend.x + SWATCH + 3, y, String(label), TEXT);
    });
  }
  if (grid && gridRect) {
    r.rgb(gridRect.x, gridRect.y, grid);
    r.text(gridRect.x + (gridRect.width - textWidth('z1')) / 2, gridRect.y + gridRect.height + 4, 'z1', TEXT);
    r.text(gridRect.x - 4 - GLYPH_HEIGHT, gridRect.y + (gridRect.height + textWidth('z2')) / 2, 'z2', TEXT, true);
  }
  return { png: r.png(), width, height, scatter: { ...scatter, window: w }, legend, manifold: gridRect };
}
