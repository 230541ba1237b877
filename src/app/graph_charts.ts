/**
 * The graph mode's curves with uPlot: the training loss per epoch, and the validation link
 * prediction (ROC AUC and average precision, in percent) after each epoch.
 */
import uPlot from 'uplot';

/** Series colours (the loss as the image mode's train curve). */
export const GRAPH_COLORS = { loss: '#2563eb', auc: '#dc2626', ap: '#16a34a' };

/** The two charts and their data, one row per epoch. */
export class GraphCharts {
  private epochs: number[] = [];
  private loss: (number | null)[] = [];
  private auc: (number | null)[] = [];
  private ap: (number | null)[] = [];
  private readonly lossChart: uPlot;
  private readonly metricChart: uPlot;
  private dirty = false;

  constructor(lossEl: HTMLElement, metricEl: HTMLElement) {
    const line = (label: string, stroke: string) => ({ label, stroke, width: 1.5, points: { show: false } });
    const base = (el: HTMLElement, yLabel: string): Omit<uPlot.Options, 'series'> => ({
      width: Math.max(200, el.clientWidth),
      height: 200,
      scales: { x: { time: false } },
      legend: { live: false },
      axes: [{ label: 'epoch', size: 36 }, { label: yLabel, size: 52 }],
      cursor: { drag: { x: true, y: false } },
    });
    this.lossChart = new uPlot({ ...base(lossEl, 'loss'), series: [{ label: 'epoch' }, line('training loss', GRAPH_COLORS.loss)] }, [[], []], lossEl);
    this.metricChart = new uPlot(
      { ...base(metricEl, '%'), series: [{ label: 'epoch' }, line('validation AUC', GRAPH_COLORS.auc), line('validation AP', GRAPH_COLORS.ap)] },
      [[], [], []],
      metricEl,
    );
    new ResizeObserver(() => {
      this.lossChart.setSize({ width: Math.max(200, lossEl.clientWidth), height: 200 });
      this.metricChart.setSize({ width: Math.max(200, metricEl.clientWidth), height: 200 });
    }).observe(lossEl);
  }

  /** One epoch's loss and validation metrics (fractions; null where there are no validation edges). */
  add(epoch: number, loss: number, auc: number | null, ap: number | null): void {
    // Epochs arrive in order; a rollback or a recovery rewinds first (dropAfter).
    const finite = (v: number | null, scale = 1) => (v !== null && Number.isFinite(v) ? v * scale : null);
    this.epochs.push(epoch);
    this.loss.push(finite(loss));
    this.auc.push(finite(auc, 100));
    this.ap.push(finite(ap, 100));
    this.dirty = true;
  }

  /** Drops every point after `epoch`. */
  dropAfter(epoch: number): void {
    let n = this.epochs.length;
    while (n > 0 && this.epochs[n - 1] > epoch) n--;
    for (const a of [this.epochs, this.loss, this.auc, this.ap]) a.length = n;
    this.dirty = true;
  }

  clear(): void {
    this.dropAfter(-Infinity);
  }

  /** Points held: epochs, and the last validation AUC in percent (for tests and the status). */
  get points(): number {
    return this.epochs.length;
  }

  /** Redraws when data changed since the last call. */
  render(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.lossChart.setData([this.epochs, this.loss] as uPlot.AlignedData);
    this.metricChart.setData([this.epochs, this.auc, this.ap] as uPlot.AlignedData);
  }
}
