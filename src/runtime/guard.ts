/**
 * Divergence guard: the policy that decides when training has left the rails, and what to do.
 * It watches every step's loss record as the readback delivers it (src/gpu/history.ts only
 * transports them), keeps the last good training state on the CPU, and when a step's loss or
 * gradient comes back non-finite or exploded, rolls parameters and Adam state back to it, so the
 * bad batch and the few after it (already queued) are skipped. Repeated failures stop training
 * with a DivergedError.
 *
 * WGSL may assume values are finite, so detection happens on the CPU, on the losses the runtime
 * reads back anyway: a NaN or Inf anywhere in a step's gradients reaches the next step's loss.
 */
import type { AdamConfig } from '../config.js';
import { DivergedError } from './errors.js';
import type { StepLoss, TrainingState } from './scheduler.js';

/** What the guard did after a step. */
export type GuardEvent =
  | { kind: 'snapshot'; step: number }
  | { kind: 'rollback'; badStep: number; toStep: number; failures: number };

/** Options of a guard; the defaults suit MNIST-sized models. */
export interface GuardOptions {
  /** Steps between snapshots (each costs one drain of the readback queue). Default 50. */
  every?: number;
  /** Rollbacks in a row (without a good snapshot between) before giving up. Default 3. */
  maxFailures?: number;
  /** A loss this many times the lowest so far (in the sense of lossExploded) counts as diverged. Default 100. */
  divergenceFactor?: number;
}

/** What the guard needs of a model: its losses as they arrive, snapshots, and restore. */
export interface Guardable {
  readonly steps: number;
  readonly adam: AdamConfig;
  listen(f: (losses: StepLoss[]) => void): () => void;
  losses(): Promise<StepLoss[]>;
  snapshot(): Promise<TrainingState>;
  restore(state: TrainingState): Promise<void>;
}

/**
 * Whether `loss` has exploded against the lowest loss so far: above `factor` times it for
 * losses of 1 nat or more, and in general more than (factor - 1) max(|best|, 1) above it. The
 * general form matters for the Gaussian decoder, whose loss is a negative log density and goes
 * below zero as it fits (its normaliser P log(sigma sqrt(2 pi)) is -1085 nats at sigma 0.1).
 */
export function lossExploded(loss: number, best: number, factor: number): boolean {
  if (best === Infinity) return false;
  return loss > best + (factor - 1) * Math.max(Math.abs(best), 1);
}

export class DivergenceGuard {
  private model!: Guardable;
  private unlisten: (() => void) | null = null;
  private good: TrainingState | null = null;
  private failures = 0;
  /** Lowest per-image loss of a good step so far. */
  private best = Infinity;
  private firstBad: number | null = null;
  readonly every: number;
  readonly maxFailures: number;
  readonly divergenceFactor: number;

  constructor(model: Guardable, opts: GuardOptions = {}) {
    this.every = opts.every ?? 50;
    this.maxFailures = opts.maxFailures ?? 3;
    this.divergenceFactor = opts.divergenceFactor ?? 100;
    if (!Number.isInteger(this.every) || this.every < 1) throw new Error(`guard: every=${this.every} must be a whole number >= 1`);
    if (!Number.isInteger(this.maxFailures) || this.maxFailures < 1) throw new Error(`guard: maxFailures=${this.maxFailures} must be a whole number >= 1`);
    if (!(this.divergenceFactor > 1)) throw new Error(`guard: divergenceFactor=${this.divergenceFactor} must be a number > 1`);
    this.attach(model);
  }

  /** The last good state (what a rollback or a device-loss recovery resumes from). */
  get state(): TrainingState | null {
    return this.good;
  }

  /**
   * The first step since the last rollback whose loss or gradient norm came back non-finite, or
   * whose loss exploded (lossExploded), or null.
   */
  get divergedAt(): number | null {
    return this.firstBad;
  }

  /** Guards another model from now on (after recreating it on a new device), keeping the good state. */
  attach(model: Guardable): void {
    this.unlisten?.();
    this.model = model;
    this.unlisten = model.listen((records) => this.observe(records));
  }

  /** Stops watching the model's losses. */
  detach(): void {
    this.unlisten?.();
    this.unlisten = null;
  }

  private observe(records: StepLoss[]): void {
    for (const r of records) {
      // Non-finite loss or gradient, or a loss finite only thanks to the logvar clamp: either way
      // training has left the rails.
      const bad = !Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm) || lossExploded(r.loss, this.best, this.divergenceFactor);
      if (bad && this.firstBad === null) this.firstBad = r.step;
      if (!bad) this.best = Math.min(this.best, r.loss);
    }
  }

  /**
   * Takes a snapshot now if every loss so far came back finite (call at epoch ends, before saving).
   * The snapshot's copy is queued at once, behind the same steps the losses come from, so both
   * readbacks come back from one wait on the GPU rather than two in a row: a wait costs about
   * 100 ms in Firefox, which polls its GPU process. After a diverged loss the copy is dropped.
   */
  async checkpoint(): Promise<GuardEvent | null> {
    const snapshot = this.model.snapshot();
    // Awaited below, or dropped with a rollback (a device loss then surfaces through losses()).
    snapshot.catch(() => undefined);
    await this.model.losses();
    if (this.firstBad !== null) return this.rollback();
    this.good = await snapshot;
    this.failures = 0;
    return { kind: 'snapshot', step: this.good.step };
  }

  /** Call after each step: rolls back on a diverged loss, snapshots every `every` steps. */
  async afterStep(): Promise<GuardEvent | null> {
    if (this.firstBad !== null) return this.rollback();
    if (!this.good || this.model.steps - this.good.step >= this.every) return this.checkpoint();
    return null;
  }

  private async rollback(): Promise<GuardEvent> {
    const badStep = this.firstBad!;
    const lr = this.model.adam.lr;
    if (!this.good) throw new DivergedError(badStep, lr, `training diverged: the loss of step ${badStep} is not finite or exploded, and there is no earlier good state`);
    this.failures++;
    if (this.failures > this.maxFailures) {
      throw new DivergedError(badStep, lr,
        `training diverged: the loss of step ${badStep} is not finite or exploded after ${this.maxFailures} rollbacks to step ${this.good.step}; lower the learning rate (lr=${lr})`);
    }
    await this.model.restore(this.good);
    this.firstBad = null;
    return { kind: 'rollback', badStep, toStep: this.good.step, failures: this.failures };
  }

  /** Puts the model back to the last good state and clears the divergence (after giving up, before continuing under a new learning rate). */
  async restoreGood(): Promise<void> {
    if (this.good) await this.model.restore(this.good);
    this.firstBad = null;
  }
}
