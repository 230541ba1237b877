/**
 * Divergence guard: keeps the last good training state on the CPU and, when a step's loss comes
 * back non-finite or exploded (see Vae.divergedAt), rolls parameters and Adam state back to it, so the bad batch and the few
 * after it (already queued) are skipped. Repeated failures stop training with a clear message.
 *
 * WGSL may assume values are finite, so detection happens on the CPU, on the losses the runtime
 * reads back anyway: a NaN or Inf anywhere in a step's gradients reaches the next step's loss.
 */
import type { TrainingState, Vae } from './vae.js';

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
}

export class DivergenceGuard {
  private good: TrainingState | null = null;
  private failures = 0;
  readonly every: number;
  readonly maxFailures: number;

  constructor(
    private vae: Vae,
    opts: GuardOptions = {},
  ) {
    this.every = opts.every ?? 50;
    this.maxFailures = opts.maxFailures ?? 3;
    if (!Number.isInteger(this.every) || this.every < 1) throw new Error(`guard: every=${this.every} must be a whole number >= 1`);
    if (!Number.isInteger(this.maxFailures) || this.maxFailures < 1) throw new Error(`guard: maxFailures=${this.maxFailures} must be a whole number >= 1`);
  }

  /** The last good state (what a rollback or a device-loss recovery resumes from). */
  get state(): TrainingState | null {
    return this.good;
  }

  /** Guards another Vae from now on (after recreating it on a new device), keeping the good state. */
  attach(vae: Vae): void {
    this.vae = vae;
  }

  /** Takes a snapshot now if every loss so far came back finite (call at epoch ends, before saving). */
  async checkpoint(): Promise<GuardEvent | null> {
    await this.vae.losses();
    if (this.vae.divergedAt !== null) return this.rollback();
    this.good = await this.vae.snapshot();
    this.failures = 0;
    return { kind: 'snapshot', step: this.good.step };
  }

  /** Call after each step: rolls back on a non-finite loss, snapshots every `every` steps. */
  async afterStep(): Promise<GuardEvent | null> {
    if (this.vae.divergedAt !== null) return this.rollback();
    if (!this.good || this.vae.steps - this.good.step >= this.every) return this.checkpoint();
    return null;
  }

  private async rollback(): Promise<GuardEvent> {
    const badStep = this.vae.divergedAt!;
    if (!this.good) throw new Error(`training diverged: the loss of step ${badStep} is not finite or exploded, and there is no earlier good state`);
    this.failures++;
    if (this.failures > this.maxFailures) {
      throw new Error(
        `training diverged: the loss of step ${badStep} is not finite or exploded after ${this.maxFailures} rollbacks to step ${this.good.step}; lower the learning rate (lr=${this.vae.adam.lr})`,
      );
    }
    await this.vae.restore(this.good);
    return { kind: 'rollback', badStep, toStep: this.good.step, failures: this.failures };
  }
}
