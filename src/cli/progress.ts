/**
 * A one-line progress bar for terminals: steps, loss, samples/s and ETA, redrawn in place.
 */

/** What the bar shows. */
export interface ProgressState {
  epoch: number;
  epochs: number;
  step: number;
  totalSteps: number;
  loss: number | null;
  samplesPerS: number;
  etaSeconds: number;
  /** What the rate counts (default `img/s`), and the loss's decimals (default 1). */
  rateUnit?: string;
  lossDigits?: number;
}

function clock(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m % 60)}:${two(Math.floor(s % 60))}` : `${two(m)}:${two(Math.floor(s % 60))}`;
}

/** The bar as one line, e.g. `epoch 2/10 [#####.....] 120/630 loss 153.2 410 img/s ETA 01:23`. */
export function formatProgress(p: ProgressState, width = 20): string {
  const frac = p.totalSteps > 0 ? Math.min(1, p.step / p.totalSteps) : 0;
  const filled = Math.round(frac * width);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  const loss = p.loss === null ? '  ...' : p.loss.toFixed(p.lossDigits ?? 1);
  const rate = p.samplesPerS >= 10 ? String(Math.round(p.samplesPerS)) : p.samplesPerS.toFixed(p.rateUnit ? 1 : 0);
  return `epoch ${p.epoch}/${p.epochs} [${bar}] ${p.step}/${p.totalSteps} loss ${loss} ${rate} ${p.rateUnit ?? 'img/s'} ETA ${clock(p.etaSeconds)}`;
}

/** Draws the bar on a TTY, at most ten times a second; does nothing elsewhere. */
export class ProgressBar {
  private last = 0;
  /** Whether the bar's line was drawn and not yet ended. */
  private open = false;
  constructor(private readonly out: NodeJS.WriteStream) {}

  get active(): boolean {
    return Boolean(this.out.isTTY);
  }

  update(p: ProgressState, force = false): void {
    if (!this.active) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    this.out.write(`\r${formatProgress(p)}\x1b[K`);
    this.open = true;
  }

  /** Ends the bar's line, when one is drawn, so that following output starts clean (no empty lines). */
  done(): void {
    if (this.open) this.out.write('\n');
    this.open = false;
  }
}

/**
 * Progress of a long job other than training (e.g. the IWAE bound): on a TTY one line redrawn
 * in place, `label [#####.....] done/total ETA mm:ss`; elsewhere a line at every tenth.
 */
export class TaskProgress {
  private readonly started = Date.now();
  private lastDraw = 0;
  private lastTenth = -1;
  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly label: string,
  ) {}

  update(done: number, total: number): void {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : NaN;
    const filled = Math.round(frac * 20);
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${done}/${total} ETA ${clock(eta)}`;
    if (this.out.isTTY) {
      const now = Date.now();
      if (now - this.lastDraw < 100 && done < total) return;
      this.lastDraw = now;
      this.out.write(`\r${line}\x1b[K${done >= total ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor(frac * 10);
    if (tenth > this.lastTenth) {
      this.lastTenth = tenth;
      this.out.write(`${line}\n`);
    }
  }
}

/** Files smaller than this read without a progress line (they take well under a second). */
export const READ_PROGRESS_MIN_BYTES = 4 << 20;

/**
 * Progress of reading graph files (the readers' ReadProgress callback): a TaskProgress per
 * file of at least READ_PROGRESS_MIN_BYTES, counting MiB, e.g. `reading edges.csv (MiB) [###...] 6/17`.
 */
export function readProgress(out: NodeJS.WriteStream): (p: { file: string; done: number; total: number }) => void {
  let file = '';
  let bar: TaskProgress | null = null;
  return (p) => {
    if (p.total < READ_PROGRESS_MIN_BYTES) return;
    if (p.file !== file) {
      file = p.file;
      bar = new TaskProgress(out, `reading ${p.file.replace(/^.*[\\/]/, '')} (MiB)`);
    }
    bar?.update(Math.floor(p.done / 2 ** 20), Math.ceil(p.total / 2 ** 20));
  };
}
