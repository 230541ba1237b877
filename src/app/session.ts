/**
 * The worker's training session: one data set, at most one model, and the training loop.
 *
 * The loop submits a step, keeps at most PIPELINE_DEPTH steps queued on the GPU (so pause and
 * the page's requests wait for little work), and returns to the worker's event loop at least
 * every YIELD_MS so commands arrive while it runs. All GPU work (steps, views, saving) goes
 * through one queue (`serial`), so a request from the page runs between two steps.
 *
 * Views (image grids, latent scatter) are refreshed at the start, after each epoch, on pause,
 * and while training on a clock that keeps them under about a tenth of the time: on a fast GPU
 * they are live, on a software adapter they come every several seconds.
 *
 * Faults: a DivergenceGuard keeps the last good state (every 50 steps and at epoch ends) and
 * rolls back when a loss comes back non-finite or exploded, skipping those batches; after 3
 * rollbacks in a row training stops with its message until the learning rate is changed. When
 * the device is lost, a new one is requested and the model rebuilt from the guard's last good
 * state (losing the steps since), and training carries on; without a new adapter the page shows
 * the fatal banner.
 */
import { epochBatches, orderedBatches } from '../data/dataset.js';
import type { Split } from '../data/mnist.js';
import { parameterCount } from '../model.js';
import { Vae, type StepLoss, type TrainingState } from '../vae.js';
import { DivergenceGuard, type GuardEvent } from '../guard.js';
import { configName, extraFromMetadata, loadCheckpoint, saveCheckpoint } from '../checkpoint/checkpoint.js';
import type { FromWorker, ImageSet, RunState } from './protocol.js';
import { configOf, type Settings } from './settings.js';
import { MANIFOLD_RANGE } from '../latent_view.js';
import type { InterpolationPath } from '../toolkit.js';
import { imageViews, interpolation, pageLatentView } from './views.js';
import { nextTask, RateMeter, Serial } from './pace.js';
import { DeviceSlot, lostText } from './device.js';

/** Steps submitted but not finished on the GPU, at most. */
const PIPELINE_DEPTH = 2;
/** Longest stretch of training without returning to the event loop. */
const YIELD_MS = 30;
/** Shortest interval between progress messages. */
const PROGRESS_MS = 150;
/** Steps between loss readbacks: the curve and `#status` move every few steps. */
const READBACK_EVERY = 4;
/** Device losses a page survives before it gives up (a device that keeps getting lost is broken). */
const MAX_RECOVERIES = 5;

/** Sends a message to the page, moving the buffers of any arrays in it. */
export type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

const imageTransfer = (...sets: (ImageSet | null)[]) => sets.filter((s): s is ImageSet => s !== null).map((s) => s.pixels.buffer as ArrayBuffer);

/** One data set, at most one model, and the training loop. */
export class Session {
  private vae: Vae | null = null;
  /** Guards `vae`; its state is what rollbacks and device-loss recoveries resume from. */
  private guard: DivergenceGuard | null = null;
  private readonly gpu: DeviceSlot;
  private recoveries = 0;
  private settings: Settings | null = null;
  private readonly serial = new Serial();
  private running = false;
  private loop: Promise<void> | null = null;
  private state: RunState = 'idle';
  /** Steps taken before this Vae existed (from a loaded checkpoint). */
  private baseStep = 0;
  /** Epochs finished on the current data, the running epoch's batches and their position. */
  private epochsDone = 0;
  private batches: Generator<number> | null = null;
  private epochStep = 0;
  private x = new Float32Array(0);
  private lastLoss: number | null = null;
  private lastProgress = 0;
  private readonly rate = new RateMeter(PIPELINE_DEPTH + 2);
  private nextViews = { images: 0, latent: 0 };
  /** A fresh model shows its test loss and views before its first step. */
  private initialViews = false;
  private failed = false;

  constructor(
    device: GPUDevice,
    /** Requests a new adapter and device after a loss (throws when there is none). */
    openDevice: () => Promise<GPUDevice>,
    private data: Split,
    private dataName: string,
    private readonly post: Post,
    /** Shows the fatal banner (nothing more will run). */
    private readonly fatal: (message: string) => void,
  ) {
    // A loss while training reaches the loop as an error; otherwise recover at once.
    this.gpu = new DeviceSlot(device, openDevice, () => void this.serial.run(() => this.recover()).catch(() => undefined));
  }

  private get device(): GPUDevice {
    return this.gpu.device;
  }

  /** Runs GPU work after the work queued before it; rejects as soon as the device is lost. */
  private queued<T>(job: () => Promise<T>): Promise<T> {
    return this.serial.run(() => this.gpu.untilLost(job()));
  }

  /** Test hook (`?testhooks=1`): loses the device as a driver reset would. */
  loseDevice(): void {
    this.gpu.loseForTest();
  }

  /** Stops everything after a fatal error; later commands are ignored. */
  fail(): void {
    this.failed = true;
    this.running = false;
  }

  private setState(s: RunState): void {
    this.state = s;
    this.post({ type: 'state', state: s });
  }

  private get step(): number {
    return this.baseStep + (this.vae?.steps ?? 0);
  }

  private get stepsPerEpoch(): number {
    return Math.ceil(this.data.train.count / (this.vae?.config.batch ?? 1));
  }

  private planDone(): boolean {
    return this.settings !== null && this.epochsDone >= this.settings.epochs;
  }

  private postModel(): void {
    const v = this.vae;
    this.post({
      type: 'model', settings: this.settings, inputSize: this.data.train.rows * this.data.train.cols, parameters: v ? parameterCount(v.layers) : 0, step: this.step,
    });
  }

  private postDataset(): void {
    const { train, test } = this.data;
    this.post({ type: 'dataset', name: this.dataName, train: train.count, test: test.count, rows: train.rows, cols: train.cols, labels: train.labels !== null });
  }

  /** Announces the data set and state to a freshly loaded page. */
  hello(): void {
    this.postDataset();
    this.postModel();
    this.progress(true);
    this.setState(this.vae ? 'paused' : 'idle');
  }

  private async build(settings: Settings, parameters?: Map<string, Float32Array>): Promise<void> {
    this.vae?.destroy();
    this.vae = null;
    this.guard = null;
    const inputSize = this.data.train.rows * this.data.train.cols;
    const vae = await this.create(settings, { parameters });
    this.settings = { ...settings };
    this.x = new Float32Array(settings.batch * inputSize);
    this.batches = null;
    this.epochStep = 0;
    this.lastLoss = null;
    // A first good state at once: a device lost before the first 50 steps still has one to resume from.
    this.guard = new DivergenceGuard(vae);
    await this.guard.checkpoint();
    this.vae = vae;
  }

  /** A Vae for `settings` on the current device, from parameters or a training state. */
  private async create(settings: Settings, from: { parameters?: Map<string, Float32Array>; state?: TrainingState }): Promise<Vae> {
    const inputSize = this.data.train.rows * this.data.train.cols;
    const vae = await Vae.create({
      device: this.device, seed: settings.seed, adam: { lr: settings.lr }, readbackEvery: READBACK_EVERY, ...from,
      config: configOf(inputSize, settings),
    });
    vae.onLosses = (records) => this.onLosses(vae, records);
    return vae;
  }

  private onLosses(vae: Vae, records: StepLoss[]): void {
    // Losses from a diverged step on are about to be rolled back: keep them off the curve.
    const bad = vae.divergedAt ?? Infinity;
    const kept = records.filter((r) => r.step < bad);
    if (kept.length === 0) return;
    this.lastLoss = kept[kept.length - 1].loss;
    this.post({ type: 'losses', points: kept.map((r) => ({ step: this.baseStep + r.step, recon: r.recon / r.count, kl: r.kl / r.count })) });
  }

  /** Tells the page about a rollback (the guard restored its last good state). */
  private onGuard(e: GuardEvent | null): void {
    if (e?.kind !== 'rollback') return;
    const to = this.baseStep + e.toStep;
    this.post({
      type: 'notice', rewindTo: to,
      message: `step ${this.baseStep + e.badStep}: the loss exploded; rolled back to step ${to} and skipped those batches` +
        (e.failures > 1 ? ` (${e.failures} rollbacks in a row)` : ''),
    });
  }

  /**
   * After a device loss: a new device, and the model rebuilt on it from the guard's last good
   * state. Does nothing when the device works (another caller recovered first). Without a new
   * device (or after MAX_RECOVERIES) it shows the fatal banner and throws.
   */
  private async recover(): Promise<void> {
    const info = this.gpu.lost;
    if (!info || this.failed) return;
    const what = lostText(info);
    const state = this.guard?.state ?? null;
    const lostStep = this.step;
    this.vae?.destroy();
    const giveUp = (why: string): never => {
      this.running = false;
      this.fatal(`The GPU device was lost (${what}) ${why}, so training stopped. ` +
        'Reload the page to start again. If this keeps happening, close other GPU-heavy tabs or update the graphics driver.');
      throw new Error(`GPU device lost (${what})`);
    };
    if (this.recoveries >= MAX_RECOVERIES) giveUp(`for the ${MAX_RECOVERIES + 1}th time`);
    this.recoveries++;
    try {
      await this.gpu.replace();
    } catch (e) {
      giveUp(`and no new one could be had (${(e as Error).message})`);
    }
    if (!this.vae || !this.settings || !state) {
      this.vae = null;
      this.guard = null;
      if (this.settings) {
        this.settings = null;
        this.baseStep = 0;
        this.postModel();
        this.setState('idle');
      }
      this.post({ type: 'notice', rewindTo: null, message: `GPU device lost (${what}); continuing on a new device` });
      return;
    }
    const vae = await this.create(this.settings, { state });
    this.vae = vae;
    this.guard!.attach(vae);
    this.nextViews = { images: 0, latent: 0 };
    const to = this.baseStep + state.step;
    this.post({
      type: 'notice', rewindTo: to,
      message: `GPU device lost (${what}); continuing on a new device from step ${to}` +
        (lostStep > to ? ` (the ${lostStep - to} steps after it were dropped)` : ''),
    });
  }

  private progress(force = false): void {
    const now = performance.now();
    if (!force && now - this.lastProgress < PROGRESS_MS) return;
    this.lastProgress = now;
    const vae = this.vae;
    const epochs = this.settings?.epochs ?? 0;
    const spe = vae ? this.stepsPerEpoch : 0;
    const samplesPerS = this.rate.perSecond;
    const total = epochs * spe;
    const remaining = Math.max(0, total - this.epochsDone * spe - this.epochStep);
    this.post({
      type: 'progress', epoch: Math.min(this.epochsDone + 1, epochs), epochs, step: this.step, totalSteps: total,
      epochStep: this.epochStep, stepsPerEpoch: spe, fraction: total > 0 ? 1 - remaining / total : 0, samplesPerS, loss: this.lastLoss,
      etaS: samplesPerS > 0 && vae ? (remaining * vae.config.batch) / samplesPerS : NaN,
    });
  }

  /** Starts or resumes training, building the model first when there is none. */
  async start(settings: Settings): Promise<void> {
    if (this.failed || this.running) return;
    // A loop still winding down after a pause must finish first (it ends by clearing `running`).
    await this.loop;
    await this.queued(async () => {
      if (this.running || this.failed) return;
      if (this.vae && this.settings && settings.lr !== this.settings.lr) {
        // A new learning rate (after a divergence): the same training state under it.
        const state = await this.vae.snapshot();
        const next = { ...this.settings, lr: settings.lr };
        const vae = await this.create(next, { state });
        this.vae.destroy();
        this.vae = vae;
        this.settings = next;
        this.guard = new DivergenceGuard(vae);
        await this.guard.checkpoint();
        this.post({ type: 'lr', lr: next.lr, step: this.step });
      }
      if (!this.vae) {
        try {
          await this.build(settings);
        } catch (e) {
          this.post({ type: 'error', where: 'settings', message: (e as Error).message });
          return;
        }
        this.epochsDone = 0;
        this.baseStep = 0;
        this.postModel();
        this.initialViews = true;
      }
      this.settings!.epochs = settings.epochs;
      if (this.planDone()) {
        this.post({ type: 'error', where: 'settings', message: `all ${this.settings!.epochs} epochs are done: raise epochs to train more, or reset` });
        return;
      }
      this.running = true;
      this.rate.reset();
      this.setState('running');
      this.loop = this.trainLoop();
    });
  }

  /** Stops after the step in progress; flushes losses and refreshes the views. */
  async pause(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.loop;
  }

  /** Drops the model. */
  async reset(): Promise<void> {
    await this.pause();
    await this.serial.run(async () => {
      this.vae?.destroy();
      this.vae = null;
      this.guard = null;
      this.settings = null;
      this.initialViews = false;
      this.baseStep = 0;
      this.epochsDone = 0;
      this.epochStep = 0;
      this.batches = null;
      this.lastLoss = null;
      this.postModel();
      this.progress(true);
      this.setState('idle');
    });
  }

  /** Epochs to train in all. */
  setEpochs(epochs: number): void {
    if (this.settings) this.settings.epochs = epochs;
    this.progress(true);
    if (this.state === 'done' && !this.planDone()) this.setState('paused');
  }

  private async trainLoop(): Promise<void> {
    for (;;) {
      const generation = this.gpu.generation;
      try {
        await this.runSteps();
        break;
      } catch (e) {
        if (this.failed) break;
        const diverged = (e as Error).message.startsWith('training diverged');
        // A device replaced meanwhile (recovered from the loss event) or lost now.
        if (!diverged && (this.gpu.generation !== generation || (await this.gpu.settle(500)))) {
          // The device is gone: rebuild on a new one and go on (recover shows the banner if it cannot).
          try {
            await this.serial.run(() => this.recover());
          } catch {
            break;
          }
          if (this.running) continue;
          break;
        }
        this.running = false;
        const message = (e as Error).message;
        if (diverged) {
          // The model goes back to its last good state, which Continue resumes under a new learning rate.
          await this.queued(async () => {
            if (this.vae && this.guard?.state) await this.vae.restore(this.guard.state);
            await this.refreshViews(true);
          }).catch(() => undefined);
          this.post({ type: 'diverged', lr: this.settings?.lr ?? NaN, message: `${message}, then press Continue` });
        } else {
          this.post({ type: 'error', where: 'model', message });
        }
        break;
      }
    }
    this.running = false;
    this.progress(true);
    if (!this.failed) this.setState(this.planDone() ? 'done' : 'paused');
  }

  /** Trains until paused or done; throws on a device loss or a divergence the guard gives up on. */
  private async runSteps(): Promise<void> {
    const inflight: Promise<undefined>[] = [];
    let yielded = performance.now();
    if (this.initialViews) {
      this.initialViews = false;
      await this.queued(async () => {
        await this.evaluateTest();
        await this.refreshViews(true);
      });
    }
    while (this.running && !this.failed) {
      if (this.planDone()) break;
      await this.queued(() => this.trainOne());
      inflight.push(this.device.queue.onSubmittedWorkDone());
      if (inflight.length > PIPELINE_DEPTH) await this.gpu.untilLost(inflight.shift()!);
      if (performance.now() - yielded > YIELD_MS) {
        await nextTask();
        yielded = performance.now();
      }
      this.progress();
      const now = performance.now();
      if (this.running && (now >= this.nextViews.images || now >= this.nextViews.latent)) await this.queued(() => this.refreshViews(false));
    }
    await this.gpu.untilLost(Promise.all(inflight));
    await this.queued(async () => {
      // Drains the losses and keeps a good state (or rolls back to the last one).
      if (this.guard) this.onGuard(await this.guard.checkpoint());
      if (!this.failed) await this.refreshViews(true);
    });
  }

  /** One step, or the end of an epoch (test loss, views). */
  private async trainOne(): Promise<void> {
    const vae = this.vae!;
    if (!this.batches) {
      this.batches = epochBatches(this.data.train, vae.config.batch, vae.seed, this.epochsDone + 1, this.x);
      this.epochStep = 0;
    }
    const next = this.batches.next();
    if (next.done) {
      this.batches = null;
      this.epochsDone++;
      this.epochStep = 0;
      // Drains the losses (they already reached the page through onLosses) and keeps a good state.
      this.onGuard(await this.guard!.checkpoint());
      await this.evaluateTest();
      await this.refreshViews(true);
      return;
    }
    await vae.step(this.x, next.value);
    this.epochStep++;
    this.rate.add(next.value);
    this.onGuard(await this.guard!.afterStep());
  }

  private async evaluateTest(): Promise<void> {
    const vae = this.vae!;
    const x = new Float32Array(vae.config.batch * vae.config.inputSize);
    const r = await vae.evaluate(orderedBatches(this.data.test, vae.config.batch, x), x);
    this.post({ type: 'test', step: this.step, recon: r.recon / r.count, kl: r.kl / r.count });
  }

  /** Refreshes the image grids and (when due or forced) the latent view. */
  private async refreshViews(force: boolean): Promise<void> {
    const vae = this.vae;
    if (!vae) return;
    const now = performance.now();
    const test = this.data.test;
    if (force || now >= this.nextViews.images) {
      const t0 = performance.now();
      const v = await imageViews(vae, test);
      this.post({ type: 'images', step: this.step, ...v }, imageTransfer(v.originals, v.reconstructions, v.samples));
      const spent = performance.now() - t0;
      this.nextViews.images = performance.now() + Math.max(1000, 9 * spent);
    }
    if (force || now >= this.nextViews.latent) {
      const t0 = performance.now();
      const v = await pageLatentView(vae, test);
      this.post(
        { type: 'latent', step: this.step, latent: vae.config.latent, ...v, manifoldRange: MANIFOLD_RANGE },
        [v.points.buffer as ArrayBuffer, ...imageTransfer(v.manifold)],
      );
      const spent = performance.now() - t0;
      this.nextViews.latent = performance.now() + Math.max(3000, 9 * spent);
    }
  }

  /** New data: keeps the model when its input size fits, and restarts the epoch count. */
  async setData(data: Split, name: string): Promise<void> {
    await this.pause();
    await this.queued(async () => {
      this.data = data;
      this.dataName = name;
      this.batches = null;
      this.epochsDone = 0;
      this.epochStep = 0;
      this.postDataset();
      const pixels = data.train.rows * data.train.cols;
      if (this.vae && this.vae.config.inputSize !== pixels) {
        this.vae.destroy();
        this.vae = null;
        this.guard = null;
        this.settings = null;
        this.baseStep = 0;
        this.postModel();
        this.setState('idle');
      } else if (this.vae) {
        this.progress(true);
        await this.evaluateTest();
        await this.refreshViews(true);
      }
    });
  }

  /** The model as a .safetensors file. */
  async save(): Promise<void> {
    await this.queued(async () => {
      const vae = this.vae;
      if (!vae || !this.settings) {
        this.post({ type: 'error', where: 'checkpoint', message: 'no model to save yet: start training or load a checkpoint first' });
        return;
      }
      const params = await vae.readParameters();
      const bytes = saveCheckpoint(params, vae.config, {
        seed: vae.seed, step: this.step, loss: this.lastLoss ?? undefined, epoch: this.epochsDone, lr: vae.adam.lr, data: this.dataName,
      });
      const name = `vae-${configName(vae.config)}-step${this.step}.safetensors`;
      this.post({ type: 'checkpoint', name, bytes }, [bytes.buffer as ArrayBuffer]);
    });
  }

  /** Replaces the model with a checkpoint's; training continues from its parameters. */
  async load(file: File, settings: Settings): Promise<void> {
    await this.pause();
    await this.queued(async () => {
      let loaded;
      try {
        loaded = loadCheckpoint(new Uint8Array(await file.arrayBuffer()), file.name);
        const pixels = this.data.train.rows * this.data.train.cols;
        if (loaded.config.inputSize !== pixels) {
          throw new Error(`${file.name}: the model takes ${loaded.config.inputSize}-pixel images but the data has ${this.data.train.rows}x${this.data.train.cols} = ${pixels}: load matching data first`);
        }
      } catch (e) {
        this.post({ type: 'error', where: 'checkpoint', message: (e as Error).message });
        return;
      }
      const { config, metadata, params } = loaded;
      const extra = extraFromMetadata(metadata, file.name);
      const lr = Number(metadata.lr);
      const epoch = Number(metadata.epoch);
      const next: Settings = {
        epochs: settings.epochs, lr: lr > 0 ? lr : settings.lr, batch: config.batch, hidden: config.hidden, latent: config.latent, seed: extra.seed,
        kind: config.kind, likelihood: config.likelihood, sigma: config.sigma,
      };
      try {
        await this.build(next, params);
      } catch (e) {
        this.post({ type: 'error', where: 'checkpoint', message: `${file.name}: ${(e as Error).message}` });
        this.postModel();
        this.setState('idle');
        return;
      }
      this.initialViews = false;
      this.baseStep = extra.step;
      this.epochsDone = Number.isInteger(epoch) && epoch >= 0 ? epoch : 0;
      if (this.settings!.epochs <= this.epochsDone) this.settings!.epochs = this.epochsDone + 1;
      this.lastLoss = extra.loss ?? null;
      this.postModel();
      this.progress(true);
      await this.evaluateTest();
      await this.refreshViews(true);
      this.setState('paused');
    });
  }

  /** Decodes the path (linear or spherical) between two test digits' means. */
  async interpolate(a: number, b: number, path: InterpolationPath): Promise<void> {
    await this.queued(async () => {
      if (!this.vae) return;
      try {
        const frames = await interpolation(this.vae, this.data.test, a, b, path);
        this.post({ type: 'interpolation', a, b, path, frames }, imageTransfer(frames));
      } catch (e) {
        this.post({ type: 'error', where: 'model', message: (e as Error).message });
      }
    });
  }
}
