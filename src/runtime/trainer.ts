/**
 * The one training loop, driven by the CLI (src/cli/train.ts) and by the page's worker
 * (src/app/session.ts), which are thin clients of it: epochs and batching, the divergence guard
 * and its rollbacks, recovery from a lost device, the evaluation after each epoch, and the
 * progress and loss events a display needs.
 *
 * What is trained comes from a TrainingTask (the batches of an epoch, how a step is submitted,
 * what is evaluated after an epoch): `vaeTask` for a VAE on an image data set. The model is built
 * by the client's `build`, which the trainer calls again after a device loss (from the guard's
 * last good state, on a new device) or for a new learning rate.
 */
import type { AdamConfig } from '../config.js';
import { epochBatches, orderedBatches, pixelsOf, type AnyDataset } from '../data/dataset.js';
import { DeviceLostError, DivergedError } from './errors.js';
import { DivergenceGuard, type GuardEvent, type GuardOptions, type Guardable } from './guard.js';
import type { StepLoss, TrainingState } from './scheduler.js';
import type { EvalResult, Vae } from '../vae/vae.js';

/** What the trainer needs of a model. */
export interface TrainableModel extends Guardable {
  readonly device: GPUDevice;
  readonly lost: boolean;
  readonly adam: AdamConfig;
  destroy(): void;
}

/** What to train on: the steps of an epoch, and the evaluation after each epoch. */
export interface TrainingTask<M extends TrainableModel, E> {
  /** Steps in one epoch. */
  readonly stepsPerEpoch: number;
  /** Rows of a full step (for rates and the time left). */
  readonly batch: number;
  /** The steps of epoch `epoch` (1-based): each value is a step's row count, its inputs filled. */
  batches(epoch: number): Iterator<number>;
  /** Submits one step on the filled inputs. */
  step(model: M, count: number): Promise<void>;
  /** The evaluation after each epoch (a test-set loss for a VAE). */
  evaluate(model: M): Promise<E>;
}

/** An epoch's end: its training loss and the evaluation. */
export interface EpochEnd<E> {
  /** 1-based. */
  epoch: number;
  /** Steps trained so far (baseStep included). */
  step: number;
  /** Steps and rows of this epoch whose losses came back, and their mean loss per row. */
  steps: number;
  samples: number;
  trainLoss: number;
  /** Milliseconds of training in this epoch (the evaluation not counted). */
  ms: number;
  evaluation: E;
}

/** Something training survived, for the display. */
export type TrainerNotice =
  /** A loss came back non-finite or exploded: back to `toStep`, the batches since skipped. */
  | { kind: 'rollback'; badStep: number; toStep: number; failures: number }
  /**
   * The device was lost (GPUDeviceLostInfo's `reason` and `message`): a new one, the model
   * rebuilt from `toStep` (`lostSteps` after it were dropped).
   */
  | { kind: 'recovered'; reason: string; message: string; toStep: number; lostSteps: number; recoveries: number };

/** Where training is, for progress displays. */
export interface TrainerProgress {
  /** The epoch in progress (1-based), at most `epochs`. */
  epoch: number;
  epochs: number;
  /** Steps submitted (baseStep included) and the plan's total. */
  step: number;
  totalSteps: number;
  epochStep: number;
  stepsPerEpoch: number;
  /** Share of the planned steps done, 0 to 1. */
  fraction: number;
  /** The last step's loss per row that came back, or null. */
  loss: number | null;
  /** Rows per second over the last seconds of training, 0 while unknown. */
  samplesPerS: number;
  /** Seconds left at that rate, NaN while unknown. */
  etaS: number;
}

/** Events of a trainer; all optional. */
export interface TrainerEvents<E> {
  /** Step losses as their readbacks arrive (never those of a step the guard is about to roll back); steps include baseStep. */
  losses?(records: StepLoss[]): void;
  /** An epoch ended; training waits for a returned promise (the page refreshes its views). */
  epoch?(end: EpochEnd<E>): void | Promise<void>;
  notice?(n: TrainerNotice): void;
}

/** How a trainer builds its models and survives faults. */
export interface TrainerOptions<M extends TrainableModel, E> {
  /** Builds the model on a device: from a training state (after a device loss, or for a new learning rate), or afresh when null. */
  build(device: GPUDevice, state: TrainingState | null): Promise<M>;
  /** A new device in place of a lost one; throws when there is none. */
  newDevice(): Promise<GPUDevice>;
  guard?: GuardOptions;
  /** Device losses survived before giving up (a device that keeps getting lost is broken). Default 5. */
  maxRecoveries?: number;
  /** Steps taken before this model existed (a loaded checkpoint), added to reported steps. */
  baseStep?: number;
  /** Epochs finished before (a loaded checkpoint): training continues with the next. */
  epochsDone?: number;
  /**
   * Steps of the next epoch already trained (a run resumed mid-epoch): its first batches are
   * drawn and skipped, so the data order continues exactly where it stopped.
   */
  epochStep?: number;
  events?: TrainerEvents<E>;
}

/** How `run` is driven. */
export interface RunOptions {
  /** Stop after this many steps of this run (the epoch in progress is then ended and evaluated). */
  maxSteps?: number;
  /** Polled after every step (a pause, Ctrl-C): true stops at once, without evaluating. */
  shouldStop?: () => boolean;
  /** Runs after every step and epoch end (progress displays, the page's views, yielding). */
  between?: () => Promise<void>;
  /** Wraps each unit of GPU work (the page queues it between its own requests, and races it against a device loss). */
  wrap?: Wrap;
  /** Runs a recovery from a lost device exclusively (the page queues it; it must not race the lost device). */
  exclusive?: Wrap;
}

/** Runs a unit of work, e.g. in a queue. */
export type Wrap = <T>(f: () => Promise<T>) => Promise<T>;
const direct: Wrap = (f) => f();

/** Rows per second over a sliding window of arrivals. */
class RateMeter {
  private marks: { t: number; n: number }[] = [];

  constructor(private readonly windowMs = 8000) {}

  reset(): void {
    this.marks = [];
  }

  add(n: number, now = performance.now()): void {
    this.marks.push({ t: now, n });
    while (this.marks.length > 2 && now - this.marks[0].t > this.windowMs) this.marks.shift();
  }

  /** Rows per second, or 0 while fewer than a second's arrivals are known. */
  get perSecond(): number {
    const m = this.marks;
    if (m.length < 2) return 0;
    const span = m[m.length - 1].t - m[0].t;
    if (span < 1000) return 0;
    let n = 0;
    for (let i = 1; i < m.length; i++) n += m[i].n;
    return (n / span) * 1000;
  }
}

/** How long an error waits for the device's loss to be reported before it counts as an error of its own (see wasLost). */
const LOSS_REPORT_MS = 3000;

/** The training loop of one model on one task. */
export class Trainer<M extends TrainableModel, E> {
  private current: M;
  private readonly guard: DivergenceGuard;
  private unlisten: () => void;
  private build: (device: GPUDevice, state: TrainingState | null) => Promise<M>;
  private readonly newDevice: () => Promise<GPUDevice>;
  private readonly maxRecoveries: number;
  /** Where events go; may be replaced at any time. */
  events: TrainerEvents<E>;
  private recoveries = 0;
  /** Planned epochs in all; may change while running. */
  epochs = 1;
  private done: number;
  readonly baseStep: number;
  private batches: Iterator<number> | null = null;
  private stepInEpoch = 0;
  /** Batches of the next epoch to skip (see TrainerOptions.epochStep). */
  private skip: number;
  private epochRecords: StepLoss[] = [];
  private epochStarted = 0;
  private epochMs = 0;
  private lastLoss: number | null = null;
  private readonly rate = new RateMeter();

  private constructor(model: M, readonly task: TrainingTask<M, E>, opts: TrainerOptions<M, E>) {
    this.current = model;
    this.build = opts.build;
    this.newDevice = opts.newDevice;
    this.maxRecoveries = opts.maxRecoveries ?? 5;
    this.events = opts.events ?? {};
    this.baseStep = opts.baseStep ?? 0;
    this.done = opts.epochsDone ?? 0;
    this.skip = opts.epochStep ?? 0;
    // The guard listens first, so the losses passed on below already know whether they diverged.
    this.guard = new DivergenceGuard(model, opts.guard);
    this.unlisten = this.listenTo(model);
  }

  /**
   * A trainer of `model` (already built on its device) on `task`. It takes a first good state at
   * once, so that a device lost before the first snapshot still has one to resume from.
   */
  static async create<M extends TrainableModel, E>(model: M, task: TrainingTask<M, E>, opts: TrainerOptions<M, E>): Promise<Trainer<M, E>> {
    const t = new Trainer(model, task, opts);
    await t.guard.checkpoint();
    return t;
  }

  /** The model being trained (another object after a device loss or a new learning rate). */
  get model(): M {
    return this.current;
  }

  /** The last good training state (what rollbacks and recoveries resume from). */
  get goodState(): TrainingState | null {
    return this.guard.state;
  }

  /** Epochs finished. */
  get epochsDone(): number {
    return this.done;
  }

  /** Steps of the epoch in progress submitted so far (of a resumed one: those trained before too). */
  get epochStep(): number {
    return this.batches ? this.stepInEpoch : this.skip;
  }

  /** Steps trained in all (baseStep included). */
  get step(): number {
    return this.baseStep + this.current.steps;
  }

  /** Whether the planned epochs are done. */
  get planDone(): boolean {
    return this.done >= this.epochs;
  }

  private listenTo(model: M): () => void {
    return model.listen((records) => {
      // Losses from a diverged step on are about to be rolled back: keep them out.
      const bad = this.guard.divergedAt ?? Infinity;
      const kept = records.filter((r) => r.step < bad);
      if (kept.length === 0) return;
      this.epochRecords.push(...kept);
      for (const r of kept) this.rate.add(r.count);
      this.lastLoss = kept[kept.length - 1].loss;
      this.events.losses?.(this.baseStep === 0 ? kept : kept.map((r) => ({ ...r, step: this.baseStep + r.step })));
    });
  }

  /** Where training is. */
  progress(): TrainerProgress {
    const spe = this.task.stepsPerEpoch;
    const total = this.epochs * spe;
    const remaining = Math.max(0, total - this.done * spe - this.epochStep);
    const samplesPerS = this.rate.perSecond;
    return {
      epoch: Math.min(this.done + 1, this.epochs), epochs: this.epochs, step: this.step, totalSteps: this.baseStep + total, epochStep: this.epochStep,
      stepsPerEpoch: spe, fraction: total > 0 ? 1 - remaining / total : 0, loss: this.lastLoss, samplesPerS,
      etaS: samplesPerS > 0 ? (remaining * this.task.batch) / samplesPerS : NaN,
    };
  }

  private onGuard(e: GuardEvent | null): void {
    if (e?.kind !== 'rollback') return;
    this.epochRecords = this.epochRecords.filter((r) => r.step <= e.toStep);
    this.events.notice?.({ kind: 'rollback', badStep: this.baseStep + e.badStep, toStep: this.baseStep + e.toStep, failures: e.failures });
  }

  /**
   * Trains until the planned epochs are done, `maxSteps` steps were taken, or `shouldStop` says
   * so. A lost device is replaced and training goes on from the last good state; a divergence
   * the guard gives up on puts the model back to its last good state and throws DivergedError.
   * Returns 'stopped' when `shouldStop` ended it, 'done' otherwise.
   */
  async run(opts: RunOptions = {}): Promise<'done' | 'stopped'> {
    const how = { wrap: opts.wrap ?? direct, exclusive: opts.exclusive ?? direct };
    let taken = 0;
    this.rate.reset();
    this.epochStarted = performance.now();
    for (;;) {
      const capped = opts.maxSteps !== undefined && taken >= opts.maxSteps;
      if (this.planDone || (capped && this.batches === null)) return 'done';
      if (opts.shouldStop?.()) {
        await this.guarded(how, () => this.settle());
        this.epochMs += performance.now() - this.epochStarted;
        return 'stopped';
      }
      const stepped = await this.guarded(how, () => (capped ? this.endEpoch(true).then(() => false) : this.advance()));
      if (stepped) taken++;
      await opts.between?.();
    }
  }

  /** One step (true), or the end of the epoch when its batches are used up (false). */
  private async advance(): Promise<boolean> {
    if (!this.batches) {
      this.batches = this.task.batches(this.done + 1);
      this.stepInEpoch = 0;
      // A resumed epoch: the batches already trained are drawn again and skipped.
      for (; this.skip > 0; this.skip--, this.stepInEpoch++) this.batches.next();
      this.epochRecords = [];
      this.epochMs = 0;
      this.epochStarted = performance.now();
    }
    const next = this.batches.next();
    if (next.done) {
      await this.endEpoch();
      return false;
    }
    await this.task.step(this.current, next.value);
    this.stepInEpoch++;
    this.onGuard(await this.guard.afterStep());
    return true;
  }

  /**
   * Ends the epoch in progress: drains its losses, keeps a good state, evaluates, and reports.
   * An epoch `cut` short by a step cap is reported too, but stays unfinished: a later run goes
   * on with its remaining batches (the data order continues, as after a resume).
   */
  private async endEpoch(cut = false): Promise<void> {
    // The evaluation's GPU work is queued with the guard's checkpoint, so that their readbacks
    // come back from one wait (in Firefox each wait is about 100 ms: three a graph epoch
    // otherwise). It reads the model as the epoch left it; after a rollback it runs again.
    const early = this.task.evaluate(this.current);
    early.catch(() => undefined);
    const event = await this.guard.checkpoint();
    this.onGuard(event);
    const ms = this.epochMs + performance.now() - this.epochStarted;
    const records = this.epochRecords;
    const epoch = this.done + 1;
    if (cut) this.skip = this.stepInEpoch;
    else this.done++;
    this.batches = null;
    this.stepInEpoch = 0;
    this.epochRecords = [];
    const samples = records.reduce((s, r) => s + r.count, 0);
    const sum = records.reduce((s, r) => s + r.recon + r.kl, 0);
    // An epoch whose every loss was lost (a device loss right after it began) has nothing to report.
    if (samples === 0) return;
    const evaluation = event?.kind === 'rollback' ? await this.task.evaluate(this.current) : await early;
    await this.events.epoch?.({ epoch, step: this.step, steps: records.length, samples, trainLoss: sum / samples, ms, evaluation });
  }

  /** Drains the losses and keeps a good state, or rolls back (before a pause, a save, or the end). */
  async settle(): Promise<void> {
    this.onGuard(await this.guard.checkpoint());
  }

  /** The task's evaluation of the current model, surviving a device loss (then it runs again on the rebuilt model). */
  evaluate(opts: Pick<RunOptions, 'wrap' | 'exclusive'> = {}): Promise<E> {
    return this.guarded({ wrap: opts.wrap ?? direct, exclusive: opts.exclusive ?? direct }, () => this.task.evaluate(this.current), true);
  }

  /** The model's training state now (after every step submitted), surviving a device loss. */
  snapshot(opts: Pick<RunOptions, 'wrap' | 'exclusive'> = {}): Promise<TrainingState> {
    return this.guarded({ wrap: opts.wrap ?? direct, exclusive: opts.exclusive ?? direct }, () => this.current.snapshot(), true);
  }

  /**
   * Runs `f`; on a lost device recovers (and, with `retry`, runs `f` again on the new model; a
   * training step is not retried: its batch is skipped). A DivergedError puts the model back to
   * its last good state and is rethrown, as is anything else.
   */
  private async guarded<T>(how: { wrap: Wrap; exclusive: Wrap }, f: () => Promise<T>, retry = false): Promise<T> {
    try {
      return await how.wrap(f);
    } catch (e) {
      if (e instanceof DivergedError) {
        await how.wrap(() => this.guard.restoreGood()).catch(() => undefined);
        throw e;
      }
      if (!(await this.wasLost(e))) throw e;
      await how.exclusive(() => this.recoverIfLost());
      if (retry) return how.wrap(f);
      return undefined as T;
    }
  }

  /** Recovers when the current model's device is lost; nothing otherwise (another caller recovered first). */
  async recoverIfLost(): Promise<void> {
    if (this.current.lost) await this.recover();
  }

  /**
   * After an error: whether the device is gone. A failed readback can come back before
   * `device.lost` resolves: at once in Chromium, while Firefox reports the loss on its next poll
   * of the GPU process (70-110 ms after a destroy() measured, and past 500 ms on a loaded
   * machine). Only errors wait here, so the wait is generous.
   */
  private async wasLost(e: unknown): Promise<boolean> {
    if (e instanceof DeviceLostError || this.current.lost) return true;
    await Promise.race([this.current.device.lost, new Promise((r) => setTimeout(r, LOSS_REPORT_MS))]);
    await Promise.resolve();
    return this.current.lost;
  }

  /**
   * Rebuilds the model on a new device from the guard's last good state (losing the steps since).
   * Call it also when the device is lost while nothing runs. Throws DeviceLostError when no new
   * device can be had or after `maxRecoveries` recoveries.
   */
  async recover(): Promise<void> {
    const old = this.current;
    const state = this.guard.state;
    const lostStep = this.step;
    // The lost device's own account; a device that is not lost (a failed start) has none.
    const info = await Promise.race([old.device.lost, Promise.resolve(null)]);
    const reason = info?.reason ?? 'unknown';
    const message = info?.message.trim().replace(/\.$/, '') ?? '';
    const what = `${reason}${message ? `: ${message}` : ''}`;
    old.destroy();
    if (this.recoveries >= this.maxRecoveries) throw new DeviceLostError(reason, `GPU device lost (${what}) for the ${this.maxRecoveries + 1}th time`);
    this.recoveries++;
    let device: GPUDevice;
    try {
      device = await this.newDevice();
    } catch (e) {
      throw new DeviceLostError(reason, `GPU device lost (${what}) and no new one could be had (${(e as Error).message})`);
    }
    await this.replace(await this.build(device, state));
    const toStep = this.baseStep + (state?.step ?? 0);
    this.epochRecords = this.epochRecords.filter((r) => r.step <= (state?.step ?? 0));
    this.events.notice?.({ kind: 'recovered', reason, message, toStep, lostSteps: Math.max(0, lostStep - toStep), recoveries: this.recoveries });
  }

  private async replace(model: M): Promise<void> {
    this.unlisten();
    this.current = model;
    this.guard.attach(model);
    this.unlisten = this.listenTo(model);
  }

  /**
   * Continues from the current state with another model built by `build` (a new learning rate
   * after a divergence): the old model is destroyed, and `build` is used from now on.
   */
  async rebuild(build: (device: GPUDevice, state: TrainingState | null) => Promise<M>): Promise<void> {
    const state = await this.current.snapshot();
    const next = await build(this.current.device, state);
    this.current.destroy();
    this.build = build;
    await this.replace(next);
    await this.guard.checkpoint();
  }

  /** Stops listening to the model and hands it back (to train it on another task). */
  release(): M {
    this.unlisten();
    this.guard.detach();
    return this.current;
  }

  /** Stops listening and destroys the model. */
  destroy(): void {
    this.release().destroy();
  }
}

/** The evaluation of a VAE after an epoch: the test loss, and for the denoising objective also that of corrupted inputs. */
export interface VaeEvaluation extends EvalResult {
  /** The test loss of inputs corrupted as in training, scored against the clean ones; null without corruption. */
  corrupted: EvalResult | null;
}

/**
 * A VAE task: epochs of seeded shuffled batches of the training images; after each, the test
 * loss (and, for a denoising model, the test loss of inputs corrupted as in training).
 */
export function vaeTask(data: { train: AnyDataset; test: AnyDataset }, batch: number, seed: number): TrainingTask<Vae, VaeEvaluation> {
  const pixels = pixelsOf(data.train);
  const x = new Float32Array(batch * pixels);
  const tx = new Float32Array(batch * pixels);
  return {
    stepsPerEpoch: Math.ceil(data.train.count / batch),
    batch,
    batches: (epoch) => epochBatches(data.train, batch, seed, epoch, x),
    step: (vae, count) => vae.step(x, count),
    evaluate: async (vae) => {
      const clean = await vae.evaluate(orderedBatches(data.test, batch, tx), tx);
      const c = vae.config.corrupt;
      return { ...clean, corrupted: c ? await vae.evaluate(orderedBatches(data.test, batch, tx), tx, { corrupt: c }) : null };
    },
  };
}
