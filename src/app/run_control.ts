/**
 * What the page's two sessions (images, graphs) share around the Trainer: one replaceable GPU
 * device and one queue for all GPU work, the running / stopped / failed state of the training
 * loop, recovery from a device loss while nothing runs, and a trainer run whose errors are
 * sorted by class (a divergence the user can act on, a device that cannot be replaced, anything
 * else). The sessions keep what differs: their messages, views and checkpoints.
 */
import { DeviceLostError, DivergedError } from '../runtime/errors.js';
import type { RunOptions } from '../runtime/trainer.js';
import { DeviceSlot, lostText } from './device.js';
import { Serial } from './pace.js';

/** What a session tells the control. */
export interface RunControlHooks {
  /** The session's trainer, if it has a model (recovered in place after an idle loss). */
  trainer(): { recoverIfLost(): Promise<unknown> } | null;
  /** A notice for the page (a device replaced while idle). */
  notice(message: string): void;
  /** The fatal banner: nothing more will run. */
  fatal(message: string): void;
  /** Added to the fatal message when no new device can be had. */
  advice?: string;
}

/** How a session reacts to the ways a trainer run can end early. */
export interface RunHandlers {
  /** The guard stopped training; the trainer has put the model back to its last good state. */
  diverged(e: DivergedError): Promise<void> | void;
  /** Any other error (not a lost device, not after a fatal one). */
  failed(message: string): void;
}

/** One session's device, work queue and loop state. */
export class RunControl {
  readonly gpu: DeviceSlot;
  private readonly serial = new Serial();
  private loop: Promise<void> | null = null;
  /** Whether the loop runs (cleared to stop it after the step in hand). */
  running = false;
  /** Set after a fatal error; later commands are ignored. */
  failed = false;

  constructor(device: GPUDevice, openDevice: () => Promise<GPUDevice>, private readonly hooks: RunControlHooks) {
    // A loss while training reaches the loop as an error; otherwise recover at once.
    this.gpu = new DeviceSlot(device, openDevice, (info) => void this.exclusive(() => this.recoverIdle(info)).catch(() => undefined));
  }

  /** Runs GPU work after the work queued before it; rejects as soon as the device is lost. */
  queued<T>(job: () => Promise<T>): Promise<T> {
    return this.serial.run(() => this.gpu.untilLost(job()));
  }

  /** Runs work after the work queued before it, whatever the device does (recovery). */
  exclusive<T>(job: () => Promise<T>): Promise<T> {
    return this.serial.run(job);
  }

  /** Whether a command may start a loop now. */
  get idle(): boolean {
    return !this.failed && !this.running;
  }

  /** Stops everything after a fatal error. */
  fail(): void {
    this.failed = true;
    this.running = false;
  }

  /**
   * Starts `loop` unless one runs or a fatal error happened: first waits for a loop still winding
   * down after a pause, then, in the queue of GPU work, runs `prepare` (build a model, check the
   * plan), which returns false to start nothing.
   */
  async start(prepare: () => Promise<boolean>, loop: () => Promise<void>): Promise<void> {
    if (!this.idle) return;
    await this.loop;
    await this.queued(async () => {
      if (!this.idle || !(await prepare())) return;
      this.running = true;
      this.loop = loop();
    });
  }

  /** Stops the loop after the step in hand and waits for it to end. */
  async pause(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.loop;
  }

  /**
   * The trainer's run options for this session: it stops when paused or failed, its GPU work
   * queued between the page's requests, its recoveries exclusive; `between` as given.
   */
  trainerOptions(between: RunOptions['between']): RunOptions {
    return {
      shouldStop: () => !this.running || this.failed,
      wrap: (job) => this.queued(job),
      exclusive: (job) => this.exclusive(job),
      between,
    };
  }

  /**
   * Runs the loop's `body` (a trainer run and the session's views around it). Never throws: a
   * divergence and other errors go to `handlers`, a device that could not be replaced to the
   * fatal banner. `running` is cleared when it ends, however it ends.
   */
  async guarded(body: () => Promise<unknown>, handlers: RunHandlers): Promise<void> {
    try {
      await body();
    } catch (e) {
      this.running = false;
      if (e instanceof DivergedError) await handlers.diverged(e);
      else if (e instanceof DeviceLostError) this.giveUp(e);
      else if (!this.failed) handlers.failed((e as Error).message);
    } finally {
      this.running = false;
    }
  }

  /** The device was lost while nothing ran: recover the model now, or just take a new device. */
  private async recoverIdle(info: GPUDeviceLostInfo): Promise<void> {
    if (this.failed || this.running) return;
    try {
      const trainer = this.hooks.trainer();
      if (trainer) {
        await trainer.recoverIfLost();
        return;
      }
      await this.gpu.replace();
      this.hooks.notice(`GPU device lost (${lostText(info)}); continuing on a new device`);
    } catch (e) {
      this.giveUp(e);
    }
  }

  /** No new device: the fatal banner. */
  private giveUp(e: unknown): void {
    this.running = false;
    this.hooks.fatal(`${(e as Error).message}, so training stopped. Reload the page to start again.${this.hooks.advice ? ` ${this.hooks.advice}` : ''}`);
  }
}
