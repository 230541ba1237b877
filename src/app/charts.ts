/**
 * Loss curves with uPlot: the negative ELBO per image (train per step, test after each epoch),
 * and its reconstruction and KL parts. Points are stored by step (sorted, one row per step);
 * drawing happens only when the page asks (once per animation frame at most).
 *
 * The y axes are arcsinh scales: logarithmic away from zero, linear within a nat of it, so they
 * read like log axes for Bernoulli losses and still draw a Gaussian decoder's, which go below zero.
 */
import uPlot from 'uplot';
import type { LossPoint } from './protocol.js';
import { paddedRange, symlogTicks, tickText } from './ticks.js';

const COLORS = { train: '#2563eb', test: '#dc2626', trainKl: '#16a34a', testKl: '#9333ea' };

type Column = (number | null)[];

/** The two loss charts and their data. */
export class LossCharts {
  private steps: number[] = [];
  /** trainLoss, testLoss, trainRecon, trainKl, testRecon, testKl */
  private cols: Column[] = [[], [], [], [], [], []];
  private readonly loss: uPlot;
  private readonly parts: uPlot;
  private dirty = false;

  constructor(lossEl: HTMLElement, partsEl: HTMLElement) {
    const line = (label: string, stroke: string) => ({ label, stroke, width: 1.25, points: { show: false } });
    const dots = (label: string, stroke: string) => ({ label, stroke, width: 2, spanGaps: true, points: { show: true, size: 6, fill: stroke } });
    const base = (el: HTMLElement): Omit<uPlot.Options, 'series'> => ({
      width: Math.max(200, el.clientWidth),
      height: 200,
      // Arcsinh y (log-like, and defined for zero and negative losses), ranged to the data.
      scales: { x: { time: false }, y: { distr: 4, asinh: 1, range: (_u, min, max) => paddedRange(min, max) } },
      legend: { live: false },
      axes: [
        { label: 'step', size: 36 },
        { size: 52, splits: (_u, _i, min, max) => symlogTicks(min, max), values: (_u, ticks) => ticks.map(tickText) },
      ],
      cursor: { drag: { x: true, y: false } },
    });
    this.loss = new uPlot({
      ...base(lossEl),
      series: [{ label: 'step' }, { ...line('train', COLORS.train)}, { ...dots('test', COLORS.test)}],
    }, this.data([0, 1]), lossEl);
    this.parts = new uPlot({
      ...base(partsEl),
      series: [
        { label: 'step' },
        { ...line('train recon', COLORS.train)},
        { ...line('train KL', COLORS.trainKl)},
        { ...dots('test recon', COLORS.test)},
        { ...dots('test KL', COLORS.testKl)},
      ],
    }, this.data([2, 3, 4, 5]), partsEl);
    const resize = () => {
      this.loss.setSize({ width: Math.max(200, lossEl.clientWidth), height: 200 });
      this.parts.setSize({ width: Math.max(200, partsEl.clientWidth), height: 200 });
    };
    new ResizeObserver(resize).observe(lossEl);
  }

  private data(which: number[]): uPlot.AlignedData {
    return [this.steps, ...which.map((i) => this.cols[i])] as uPlot.AlignedData;
  }

  /** Row of `step`, inserted in order when new (steps mostly arrive in order: O(1) then). */
  private row(step: number): number {
    let i = this.steps.length;
    while (i > 0 && this.steps[i - 1] > step) i--;
    if (i > 0 && this.steps[i - 1] === step) return i - 1;
    this.steps.splice(i, 0, step);
    for (const c of this.cols) c.splice(i, 0, null);
    return i;
  }

  /** Every finite value is drawn (the scale takes negatives); anything else is a gap. */
  private static value(v: number): number | null {
    return Number.isFinite(v) ? v : null;
  }

  addTrain(points: LossPoint[]): void {
    for (const p of points) {
      const r = this.row(p.step);
      this.cols[0][r] = LossCharts.value(p.recon + p.kl);
      this.cols[2][r] = LossCharts.value(p.recon);
      this.cols[3][r] = LossCharts.value(p.kl);
    }
    this.dirty = true;
  }

  addTest(p: LossPoint): void {
    const r = this.row(p.step);
    this.cols[1][r] = LossCharts.value(p.recon + p.kl);
    this.cols[4][r] = LossCharts.value(p.recon);
    this.cols[5][r] = LossCharts.value(p.kl);
    this.dirty = true;
  }

  /** Drops every point after `step` (training went back to it). */
  dropAfter(step: number): void {
    let n = this.steps.length;
    while (n > 0 && this.steps[n - 1] > step) n--;
    if (n === this.steps.length) return;
    this.steps.length = n;
    for (const c of this.cols) c.length = n;
    this.dirty = true;
  }

  clear(): void {
    this.steps = [];
    this.cols = [[], [], [], [], [], []];
    this.dirty = true;
  }

  /** Number of train points held (for tests and the status line). */
  get trainPoints(): number {
    return this.cols[0].filter((v) => v !== null).length;
  }

  /** The train loss points held, how many are below zero, and the lower end of the drawn y scale (test hook). */
  trainSummary(): { points: number; negative: number; yMin: number | null } {
    const values = this.cols[0].filter((v): v is number => v !== null);
    return { points: values.length, negative: values.filter((v) => v < 0).length, yMin: this.loss.scales.y.min ?? null };
  }

  /** Redraws when data changed since the last call. */
  render(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.loss.setData(this.data([0, 1]));
    this.parts.setData(this.data([2, 3, 4, 5]));
  }
}
