/**
 * What every model family on the Scheduler exposes the same way (the image VAE, the graph VAE):
 * its device, optimizer and seed, the step count, loss listeners and readbacks, the parameter,
 * gradient and moment arenas, snapshots, and release. The model is still composed of its parts
 * (the scheduler, its network, its inference helpers); this base holds only these one-line
 * forwards to the scheduler, so that each family does not write them again. It is the one place
 * the runtime inherits; docs/ARCHITECTURE.md says why.
 */
import type { AdamConfig } from '../config.js';
import type { ParameterSet } from '../model/init.js';
import type { ArenaLayout } from '../model/describe.js';
import type { Scheduler, StepLoss, TrainingState } from './scheduler.js';

export abstract class ScheduledModel {
  private lossListener: (() => void) | null = null;

  protected constructor(protected readonly sched: Scheduler) {}

  /** Where each parameter lives in the arenas. */
  get layout(): ArenaLayout {
    return this.sched.layout;
  }

  get device(): GPUDevice {
    return this.sched.device;
  }

  get adam(): AdamConfig {
    return this.sched.adam;
  }

  get seed(): number {
    return this.sched.seed;
  }

  /** True once the device is lost: this model is unusable; recreate it from a snapshot. */
  get lost(): boolean {
    return this.sched.lost;
  }

  /** Steps trained so far. */
  get steps(): number {
    return this.sched.steps;
  }

  /** GPU buffers this model holds. */
  get liveBuffers(): number {
    return this.sched.liveBuffers;
  }

  /** Receives each step's loss as its readback completes, without waiting (for progress displays); returns a function that stops it. */
  listen(f: (losses: StepLoss[]) => void): () => void {
    return this.sched.listen(f);
  }

  /** One listener for progress displays (`listen` takes any number). */
  set onLosses(f: ((losses: StepLoss[]) => void) | null) {
    this.lossListener?.();
    this.lossListener = f ? this.sched.listen(f) : null;
  }

  /** The losses of every step since the last call, waiting for readbacks still in flight. */
  losses(): Promise<StepLoss[]> {
    return this.sched.losses();
  }

  /** Replaces parameters (unpadded, by name); Adam moments are kept. Missing names are an error. */
  writeParameters(p: ParameterSet): void {
    this.sched.writeArena(this.sched.params, p, 'writeParameters');
  }

  /** Current parameters, unpadded, by name. */
  readParameters(): Promise<ParameterSet> {
    return this.sched.readArena(this.sched.params);
  }

  /** Gradients of the last step, unpadded, by parameter name. */
  readGradients(): Promise<ParameterSet> {
    return this.sched.readArena(this.sched.grads);
  }

  /** Adam's first and second moments, unpadded, by parameter name. */
  async readMoments(): Promise<{ m: ParameterSet; v: ParameterSet }> {
    return { m: await this.sched.readArena(this.sched.m), v: await this.sched.readArena(this.sched.v) };
  }

  /**
   * Everything training needs to resume exactly: parameters, Adam moments and the step count
   * (which also keys the noise). Taken after every step submitted so far, on the CPU.
   */
  snapshot(): Promise<TrainingState> {
    return this.sched.snapshot();
  }

  /**
   * Puts a snapshot back (of this model or another with the same configuration). Readbacks still
   * in flight belong to the abandoned steps: they are awaited and their losses dropped.
   */
  restore(state: TrainingState): Promise<void> {
    return this.sched.restore(state);
  }

  /** Releases every GPU buffer and the device's error listener; the device too when this model requested it. */
  destroy(): void {
    this.sched.destroy();
  }
}
