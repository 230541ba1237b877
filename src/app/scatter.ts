/**
 * The latent scatter: test digits' posterior means in 2-D (z itself when latent = 2, principal
 * components otherwise), coloured by label, drawn on a canvas at device resolution. A click
 * picks the nearest digit (for interpolation); the two picked digits are ringed and lettered.
 */
import { LABEL_COLORS, plotWindow, UNLABELLED_COLOR } from '../views/latent_view.js';

/** Data to CSS pixels: x = pad + (v - x0) * sx, y = pad + (y0 - v) * sy. */
interface Frame {
  x0: number;
  y0: number;
  sx: number;
  sy: number;
  pad: number;
}

/** The scatter canvas and what it shows. */
export class LatentScatter {
  private points: Float32Array = new Float32Array(0);
  private labels: Uint8Array | null = null;
  private axes: [string, string] = ['', ''];
  /** Side of the decoded manifold's square (z in [-r, r]^2), drawn as a frame; 0 when none. */
  private range = 0;
  private picked: [number, number] = [-1, -1];
  /** One scale for both axes (a 2-D latent space) or one per axis (principal components). */
  private equal = true;
  private frame: Frame | null = null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly legend: HTMLElement,
    onPick: (index: number) => void,
  ) {
    legend.replaceChildren(
      ...LABEL_COLORS.map((c, i) => {
        const s = document.createElement('span');
        s.innerHTML = `<i style="background:${c}"></i>${i}`;
        return s;
      }),
    );
    canvas.addEventListener('click', (e) => {
      const i = this.nearest(e.offsetX, e.offsetY);
      if (i >= 0) onPick(i);
    });
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  /**
   * New points (x0, y0, x1, y1, ...), labels, axis titles, manifold range (0 for none), and
   * whether both axes share a scale.
   */
  set(points: Float32Array, labels: Uint8Array | null, axes: [string, string], range: number, equal: boolean): void {
    this.points = points;
    this.equal = equal;
    this.labels = labels;
    this.axes = axes;
    this.range = range;
    this.legend.hidden = labels === null;
    this.draw();
  }

  /** Legend entries: one name per label colour (the graph mode's classes); null: the digits 0-9. */
  setLegend(names: readonly string[] | null): void {
    const shown = names ?? LABEL_COLORS.map((_, i) => String(i));
    this.legend.replaceChildren(
      ...shown.slice(0, LABEL_COLORS.length).map((name, i) => {
        const s = document.createElement('span');
        const swatch = document.createElement('i');
        swatch.style.background = LABEL_COLORS[i];
        s.append(swatch, name);
        return s;
      }),
    );
  }

  /** Marks the two digits being interpolated. */
  select(a: number, b: number): void {
    this.picked = [a, b];
    this.draw();
  }

  clear(): void {
    this.points = new Float32Array(0);
    this.range = 0;
    this.draw();
  }

  /** Index of the point nearest to CSS pixel (px, py), within 12 px, or -1. */
  private nearest(px: number, py: number): number {
    const f = this.frame;
    if (!f) return -1;
    let best = -1;
    let bestD = 144;
    const n = this.points.length / 2;
    for (let i = 0; i < n; i++) {
      const dx = f.pad + (this.points[2 * i] - f.x0) * f.sx - px;
      const dy = f.pad + (f.y0 - this.points[2 * i + 1]) * f.sy - py;
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  draw(): void {
    const c = this.canvas;
    const cssW = c.clientWidth || 360;
    const cssH = c.clientHeight || cssW;
    const dpr = globalThis.devicePixelRatio || 1;
    if (c.width !== Math.round(cssW * dpr) || c.height !== Math.round(cssH * dpr)) {
      c.width = Math.round(cssW * dpr);
      c.height = Math.round(cssH * dpr);
    }
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, cssW, cssH);
    const n = this.points.length / 2;
    if (n === 0) {
      this.frame = null;
      ctx.fillStyle = '#888';
      ctx.font = '13px system-ui, sans-serif';
      ctx.fillText('no model yet', 12, 22);
      return;
    }
    // z itself (latent = 2) is drawn to one scale in both directions, so distances and the
    // manifold's square are true; principal components are stretched to fill the square.
    const pad = 24;
    const side = Math.min(cssW, cssH) - 2 * pad;
    const w = plotWindow(this.points, this.range, this.equal);
    const f: Frame = { x0: w.x0, y0: w.y1, sx: side / (w.x1 - w.x0), sy: side / (w.y1 - w.y0), pad };
    this.frame = f;
    const X = (x: number) => f.pad + (x - f.x0) * f.sx;
    const Y = (y: number) => f.pad + (f.y0 - y) * f.sy;
    ctx.strokeStyle = '#ddd';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(X(0), pad);
    ctx.lineTo(X(0), pad + side);
    ctx.moveTo(pad, Y(0));
    ctx.lineTo(pad + side, Y(0));
    ctx.stroke();
    if (this.range) {
      ctx.setLineDash([4, 4]);
      ctx.strokeStyle = '#999';
      ctx.strokeRect(X(-this.range), Y(this.range), 2 * this.range * f.sx, 2 * this.range * f.sy);
      ctx.setLineDash([]);
    }
    ctx.globalAlpha = 0.7;
    for (let i = 0; i < n; i++) {
      ctx.fillStyle = this.labels ? LABEL_COLORS[this.labels[i] % 10] : UNLABELLED_COLOR;
      ctx.fillRect(X(this.points[2 * i]) - 1.5, Y(this.points[2 * i + 1]) - 1.5, 3, 3);
    }
    ctx.globalAlpha = 1;
    ctx.font = 'bold 13px system-ui, sans-serif';
    this.picked.forEach((i, k) => {
      if (i < 0 || i >= n) return;
      const px = X(this.points[2 * i]);
      const py = Y(this.points[2 * i + 1]);
      ctx.strokeStyle = '#111';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(px, py, 6, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.fillStyle = '#111';
      ctx.fillText(k === 0 ? 'A' : 'B', px + 8, py - 6);
    });
    ctx.fillStyle = '#555';
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillText(this.axes[0], pad, cssH - 6);
    ctx.save();
    ctx.translate(13, cssH - pad);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(this.axes[1], 0, 0);
    ctx.restore();
  }
}
