/**
 * The worker's training session: one data set, at most one model, and the page's commands. It is
 * a thin client of the Trainer (src/runtime/trainer.ts), which owns the loop, the divergence guard and
 * device-loss recovery; the session turns the trainer's events into messages for the page and
 * adds what only a page needs: pause and resume, views, checkpoints as downloads.
 *
 * The loop keeps at most PIPELINE_DEPTH steps queued on the GPU (so pause and the page's requests
 * wait for little work) and returns to the worker's event loop at least every YIELD_MS so
 * commands arrive while it runs. All GPU work (steps, views, saving) goes through one queue
 * (RunControl, src/app/run_control.ts), so a request from the page runs between two steps.
 *
 * Views (image grids, latent scatter) are refreshed at the start, after each epoch, on pause,
 * and while training on a clock that keeps them under about a tenth of the time: on a fast GPU
 * they are live, on a software adapter they come every several seconds.
 */
import { dataMetadata, dataFromMetadata, storageOf } from '../checkpoint/data_metadata.js';
import { shapeOf } from '../data/dataset.js';
import { isSeries } from '../views/data_view.js';
import { dataMismatch } from '../data/fit.js';
import { resolveConfig } from '../config.js';
import { parameterCount } from '../model/describe.js';
import { Vae, type TrainingState } from '../vae/vae.js';
import type { EvalResult } from '../vae/vae_inference.js';
import { Trainer, vaeTask, type TrainerNotice } from '../runtime/trainer.js';
import { configName, extraFromMetadata, loadCheckpoint, saveCheckpoint } from '../checkpoint/checkpoint.js';
import { decodeSafetensors } from '../checkpoint/safetensors.js';
import { isTrainState, loadTrainState, saveTrainState } from '../checkpoint/train_state.js';
import { fingerprint } from '../data/dataset.js';
import type { FromWorker, ImageSet, RunState } from './protocol.js';
import { configOf, settingsOf, type DataOptions, type Settings } from './settings.js';
import { displayOf, rescaled, type PageData } from './page_data.js';
import type { Scaling } from '../data/normalize.js';
import { MANIFOLD_RANGE } from '../views/latent_view.js';
import type { InterpolationPath } from '../vae/toolkit.js';
import { anomalyView, imageViews, interpolation, pageLatentView } from './views.js';
import { nextTask } from './pace.js';
import type { DeviceSlot } from './device.js';
import { RunControl } from './run_control.js';

/** Steps submitted but not finished on the GPU, at most. */
const PIPELINE_DEPTH = 2;
/** Longest stretch of training without returning to the event loop. */
const YIELD_MS = 30;
/** Shortest interval between progress messages. */
const PROGRESS_MS = 150;
/** Steps between loss readbacks: the curve and `#status` move every few steps. */
const READBACK_EVERY = 4;

/** Sends a message to the page, moving the buffers of any arrays in it. */
export type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

/** The buffers of the sets' arrays, each once (a buffer listed twice cannot be transferred). */
const imageTransfer = (...sets: (ImageSet | null)[]) =>
  [...new Set(sets.filter((s): s is ImageSet => s !== null).flatMap((s) => [s.pixels, s.overlay, s.reference]).filter((a) => a !== undefined).map((a) => a.buffer as ArrayBuffer))];

/** One data set, at most one model, and the page's commands. */
export class Session {
  private trainer: Trainer<Vae, EvalResult> | null = null;
  private settings: Settings | null = null;
  /** The device, the queue of GPU work and the loop's state (shared with the graph session). */
  private readonly control: RunControl;
  private state: RunState = 'idle';
  private lastProgress = 0;
  private nextViews = { images: 0, latent: 0 };
  /** A fresh model shows its test loss and views before its first step. */
  private initialViews = false;

  constructor(
    device: GPUDevice,
    /** Requests a new adapter and device after a loss (throws when there is none). */
    openDevice: () => Promise<GPUDevice>,
    private data: PageData,
    private readonly post: Post,
    /** Shows the fatal banner (nothing more will run). */
    private readonly fatal: (message: string) => void,
  ) {
    this.control = new RunControl(device, openDevice, {
      trainer: () => this.trainer,
      notice: (message) => this.post({ type: 'notice', rewindTo: null, message }),
      fatal: (message) => this.fatal(message),
      advice: 'If this keeps happening, close other GPU-heavy tabs or update the graphics driver.',
    });
  }

  private get gpu(): DeviceSlot {
    return this.control.gpu;
  }

  private get device(): GPUDevice {
    return this.gpu.device;
  }

  private get vae(): Vae | null {
    return this.trainer?.model ?? null;
  }

  /** Runs GPU work after the work queued before it; rejects as soon as the device is lost. */
  private queued<T>(job: () => Promise<T>): Promise<T> {
    return this.control.queued(job);
  }

  /** Test hook (`?testhooks=1`): loses the device as a driver reset would. */
  loseDevice(): void {
    this.gpu.loseForTest();
  }

  /** Stops everything after a fatal error; later commands are ignored. */
  fail(): void {
    this.control.fail();
  }

  private setState(s: RunState): void {
    this.state = s;
    this.post({ type: 'state', state: s });
  }

  private get step(): number {
    return this.trainer?.step ?? 0;
  }

  private planDone(): boolean {
    return this.trainer !== null && this.trainer.planDone;
  }

  private postModel(): void {
    const v = this.vae;
    this.post({
      type: 'model', settings: this.settings, inputShape: v?.config.inputShape ?? this.inputShape, parameters: v ? parameterCount(v.layers) : 0, step: this.trainer?.step ?? 0,
    });
  }

  private postDataset(): void {
    const { train, test, name, notice } = this.data;
    this.post({ type: 'dataset', name, train: train.count, test: test.count, rows: train.rows, cols: train.cols, shape: [...shapeOf(train)], labels: train.labels !== null, notice });
  }

  /** The scaling the model was trained with (its inputs'), kept when the data change; null without a model. */
  private modelScaling: Scaling | null = null;

  /** The data options of the page (the normal label of the anomaly view). */
  private options: DataOptions = {};

  /** Sets the data options the views use. */
  setOptions(options: DataOptions): void {
    this.options = options;
  }

  /** Announces the data set and state to a freshly loaded page. */
  hello(): void {
    this.postDataset();
    this.postModel();
    this.progress(true);
    this.setState(this.vae ? 'paused' : 'idle');
  }

  /** The shape of one row of the data: [C, H, W] images or [F] values. */
  private get inputShape(): number[] {
    return [...shapeOf(this.data.train)];
  }

  /** Whether a model of `config` takes the data's rows (src/data/fit.ts). */
  private fits(config: Vae['config']): boolean {
    return dataMismatch(config, this.data.train) === null;
  }

  /** A model builder for `settings`: from parameters, or (after a device loss or for a new lr) from a training state. */
  private builder(settings: Settings, parameters?: Map<string, Float32Array>, kl = { beta: 1, klWarmup: 0 }) {
    return (device: GPUDevice, state: TrainingState | null) => Vae.create({
      device, seed: settings.seed, adam: { lr: settings.lr }, readbackEvery: READBACK_EVERY, config: configOf(this.inputShape, settings), ...kl,
      ...(state ? { state } : parameters ? { parameters } : {}),
    });
  }

  /** A trainer of `vae` on the current data, its events wired to the page. */
  private async train(
    vae: Vae, settings: Settings, from: { baseStep?: number; epochsDone?: number; epochStep?: number; parameters?: Map<string, Float32Array> } = {},
  ): Promise<Trainer<Vae, EvalResult>> {
    const t = await Trainer.create(vae, vaeTask(this.data, vae.config.batch, vae.seed), {
      // Rebuilt after a device loss with this model's KL weighting (a resumed run may have one).
      build: this.builder(settings, from.parameters, { beta: vae.beta, klWarmup: vae.klWarmup }),
      newDevice: () => this.gpu.replace(),
      baseStep: from.baseStep,
      epochsDone: from.epochsDone,
      epochStep: from.epochStep,
      events: {
        losses: (records) => this.post({ type: 'losses', points: records.map((r) => ({ step: r.step, recon: r.recon / r.count, kl: r.kl / r.count })) }),
        epoch: (e) => {
          this.postTest(e.step, e.evaluation);
          return this.refreshViews(true);
        },
        notice: (n) => this.onNotice(n),
      },
    });
    t.epochs = Math.max(settings.epochs, t.epochsDone + 1);
    return t;
  }

  /** Drops the model and its trainer. */
  private drop(): void {
    this.trainer?.destroy();
    this.trainer = null;
    this.settings = null;
  }

  /** Builds a model from `settings` (and parameters), replacing any model; refuses data its input does not take, in one line. */
  private async build(settings: Settings, parameters?: Map<string, Float32Array>, from: { baseStep?: number; epochsDone?: number } = {}): Promise<void> {
    const problem = dataMismatch(resolveConfig(configOf(this.inputShape, settings)), this.data.train);
    if (problem) throw new Error(`${settings.specName ? `${settings.specName}: ` : ''}${problem}`);
    this.drop();
    const vae = await this.builder(settings, parameters)(this.device, null);
    try {
      this.trainer = await this.train(vae, settings, { ...from, parameters });
    } catch (e) {
      vae.destroy();
      throw e;
    }
    // A spec holds its own latent size and objective: the settings say what was built.
    const c = vae.config;
    this.settings = settings.spec ? { ...settings, latent: c.latent, kind: c.kind, likelihood: c.likelihood, sigma: c.sigma } : { ...settings };
    this.modelScaling = this.data.scaling;
  }

  private postTest(step: number, r: EvalResult): void {
    this.post({ type: 'test', step, recon: r.recon / r.count, kl: r.kl / r.count });
  }

  private onNotice(n: TrainerNotice): void {
    if (n.kind === 'rollback') {
      this.post({
        type: 'notice', rewindTo: n.toStep,
        message: `step ${n.badStep}: the loss exploded; rolled back to step ${n.toStep} and skipped those batches` + (n.failures > 1 ? ` (${n.failures} rollbacks in a row)` : ''),
      });
      return;
    }
    this.nextViews = { images: 0, latent: 0 };
    this.post({
      type: 'notice', rewindTo: n.toStep,
      message: `GPU device lost (${n.reason}${n.message ? `: ${n.message}` : ''}); continuing on a new device from step ${n.toStep}` +
        (n.lostSteps > 0 ? ` (the ${n.lostSteps} steps after it were dropped)` : ''),
    });
  }

  private progress(force = false): void {
    const now = performance.now();
    if (!force && now - this.lastProgress < PROGRESS_MS) return;
    this.lastProgress = now;
    const t = this.trainer;
    if (!t) {
      const epochs = this.settings?.epochs ?? 0;
      this.post({
        type: 'progress', epoch: 0, epochs, step: 0, totalSteps: 0, epochStep: 0, stepsPerEpoch: 0, fraction: 0, samplesPerS: 0, loss: null, etaS: NaN,
      });
      return;
    }
    const p = t.progress();
    this.post({
      type: 'progress', epoch: p.epoch, epochs: p.epochs, step: p.step, totalSteps: p.totalSteps - t.baseStep, epochStep: p.epochStep, stepsPerEpoch: p.stepsPerEpoch,
      fraction: p.fraction, samplesPerS: p.samplesPerS, loss: p.loss, etaS: p.etaS,
    });
  }

  /** Starts or resumes training, building the model first when there is none. */
  async start(settings: Settings): Promise<void> {
    await this.control.start(async () => {
      if (this.trainer && this.settings && settings.lr !== this.settings.lr) {
        // A new learning rate (after a divergence): the same training state under it.
        const next = { ...this.settings, lr: settings.lr };
        await this.trainer.rebuild(this.builder(next));
        this.settings = next;
        this.post({ type: 'lr', lr: next.lr, step: this.step });
      }
      if (!this.trainer) {
        try {
          await this.build(settings);
        } catch (e) {
          this.post({ type: 'error', where: 'settings', message: (e as Error).message });
          return false;
        }
        this.postModel();
        this.initialViews = true;
      }
      this.settings!.epochs = settings.epochs;
      this.trainer!.epochs = settings.epochs;
      if (this.planDone()) {
        this.post({ type: 'error', where: 'settings', message: `all ${this.settings!.epochs} epochs are done: raise epochs to train more, or reset` });
        return false;
      }
      this.setState('running');
      return true;
    }, () => this.trainLoop());
  }

  /** Stops after the step in progress; flushes losses and refreshes the views. */
  async pause(): Promise<void> {
    await this.control.pause();
  }

  /** Drops the model. */
  async reset(): Promise<void> {
    await this.pause();
    await this.control.exclusive(async () => {
      this.drop();
      this.initialViews = false;
      this.postModel();
      this.progress(true);
      this.setState('idle');
    });
  }

  /** Epochs to train in all. */
  setEpochs(epochs: number): void {
    if (this.settings) this.settings.epochs = epochs;
    if (this.trainer) this.trainer.epochs = epochs;
    this.progress(true);
    if (this.state === 'done' && !this.planDone()) this.setState('paused');
  }

  private async trainLoop(): Promise<void> {
    const trainer = this.trainer!;
    // Work-done promises of the last steps, of the device they ran on (a recovery starts afresh).
    let inflight: Promise<undefined>[] = [];
    let inflightDevice = trainer.model.device;
    let yielded = performance.now();
    await this.control.guarded(async () => {
      if (this.initialViews) {
        this.initialViews = false;
        await this.queued(async () => {
          this.postTest(this.step, await trainer.evaluate());
          await this.refreshViews(true);
        });
      }
      await trainer.run(this.control.trainerOptions(async () => {
        if (trainer.model.device !== inflightDevice) {
          inflight = [];
          inflightDevice = trainer.model.device;
        }
        inflight.push(inflightDevice.queue.onSubmittedWorkDone());
        if (inflight.length > PIPELINE_DEPTH) await this.gpu.untilLost(inflight.shift()!).catch(() => undefined);
        if (performance.now() - yielded > YIELD_MS) {
          await nextTask();
          yielded = performance.now();
        }
        this.progress();
        const now = performance.now();
        if (this.control.running && (now >= this.nextViews.images || now >= this.nextViews.latent)) await this.queued(() => this.refreshViews(false));
      }));
      await this.queued(() => this.refreshViews(true));
    }, {
      diverged: async (e) => {
        // The trainer put the model back to its last good state, which Continue resumes under a new learning rate.
        await this.queued(() => this.refreshViews(true)).catch(() => undefined);
        this.post({ type: 'diverged', lr: this.settings?.lr ?? NaN, message: `${e.message}, then press Continue` });
      },
      failed: (message) => this.post({ type: 'error', where: 'model', message }),
    });
    this.progress(true);
    if (!this.control.failed) this.setState(this.planDone() ? 'done' : 'paused');
  }

  /** Refreshes the image grids and (when due or forced) the latent view. */
  private async refreshViews(force: boolean): Promise<void> {
    const vae = this.vae;
    if (!vae) return;
    const now = performance.now();
    const test = this.data.test;
    if (force || now >= this.nextViews.images) {
      const t0 = performance.now();
      const v = await imageViews(vae, test, displayOf(this.data));
      this.post({ type: 'images', step: this.step, ...v }, imageTransfer(v.originals, v.reconstructions, v.samples, v.denoising));
      const spent = performance.now() - t0;
      this.nextViews.images = performance.now() + Math.max(1000, 9 * spent);
    }
    if (force || now >= this.nextViews.latent) {
      const t0 = performance.now();
      const v = await pageLatentView(vae, test, displayOf(this.data));
      this.post(
        { type: 'latent', step: this.step, latent: vae.config.latent, ...v, manifoldRange: MANIFOLD_RANGE },
        [v.points.buffer as ArrayBuffer, ...imageTransfer(v.manifold)],
      );
      // Scoring every shown row decodes them all: done by itself for series and when a normal
      // label is set (an anomaly detector's data), else when the page asks (scoreAnomalies).
      if (force && (isSeries(this.inputShape) || this.options.normalLabel !== undefined)) await this.postAnomalies(vae);
      const spent = performance.now() - t0;
      this.nextViews.latent = performance.now() + Math.max(3000, 9 * spent);
    }
  }

  /** The anomaly view of the test rows (src/app/views.ts anomalyView); a label that is not in the data is the page's error. */
  private async postAnomalies(vae: Vae): Promise<void> {
    try {
      this.post({ type: 'anomalies', step: this.step, ...(await anomalyView(vae, this.data.train, this.data.test, this.options.normalLabel)) });
    } catch (e) {
      this.post({ type: 'error', where: 'data', message: (e as Error).message });
    }
  }

  /** Scores the test rows for the anomaly view now. */
  async scoreAnomalies(): Promise<void> {
    await this.queued(async () => {
      if (this.vae) await this.postAnomalies(this.vae);
    });
  }

  /** New data: keeps the model when its input fits (scaled as the model was), and restarts the epoch count. */
  async setData(data: PageData): Promise<void> {
    await this.pause();
    await this.queued(async () => {
      // A model from a file keeps the scaling it was trained with.
      const keep = this.trainer && this.settings ? this.modelScaling : null;
      try {
        this.data = keep ? rescaled(data, keep) : data;
      } catch {
        this.data = data;
      }
      this.postDataset();
      const old = this.trainer;
      if (!old || !this.settings) return;
      if (!this.fits(old.model.config)) {
        this.drop();
        this.postModel();
        this.setState('idle');
        return;
      }
      // The same model on the new data, from its first epoch.
      this.trainer = await this.train(old.release(), this.settings, { baseStep: old.baseStep });
      this.progress(true);
      this.postTest(this.step, await this.trainer.evaluate());
      await this.refreshViews(true);
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
      const loss = this.trainer!.progress().loss;
      const bytes = saveCheckpoint(params, vae.config, {
        seed: vae.seed, step: this.step, loss: loss ?? undefined, epoch: this.trainer!.epochsDone, lr: vae.adam.lr, data: this.data.name,
        ...dataMetadata({ scaling: this.data.scaling, storage: storageOf(this.data.train), threshold: null, normalLabel: this.options.normalLabel ?? null }),
      });
      const name = `vae-${configName(vae.config)}-step${this.step}.safetensors`;
      this.post({ type: 'checkpoint', name, bytes }, [bytes.buffer as ArrayBuffer]);
    });
  }

  /** The resumable training state as a .state.safetensors file (see src/checkpoint/train_state.ts). */
  async saveState(): Promise<void> {
    await this.queued(async () => {
      const t = this.trainer;
      if (!t || !this.settings) {
        this.post({ type: 'error', where: 'checkpoint', message: 'no model to save yet: start training or load a checkpoint first' });
        return;
      }
      // The losses drained and a good state kept first, as training does before it saves.
      await t.settle();
      const vae = t.model;
      const bytes = saveTrainState({
        state: await vae.snapshot(), config: vae.config, adam: vae.adam, seed: vae.seed, beta: vae.beta, klWarmup: vae.klWarmup,
        epochsDone: t.epochsDone, epochStep: t.epochStep, data: fingerprint(this.data.train), dataName: this.data.name,
        dataMetadata: dataMetadata({ scaling: this.data.scaling, storage: storageOf(this.data.train), threshold: null, normalLabel: null }),
      });
      const name = `vae-${configName(vae.config)}-step${this.step}.state.safetensors`;
      this.post({ type: 'checkpoint', name, bytes }, [bytes.buffer as ArrayBuffer]);
    });
  }

  /** Resumes a training state exactly: the model, Adam moments, step and the position in the data. */
  private async resume(bytes: Uint8Array, file: File, settings: Settings): Promise<void> {
    let s;
    let data = this.data;
    try {
      s = loadTrainState(bytes, file.name);
      const here = fingerprint(this.data.train);
      if (here !== s.data) throw new Error(`${file.name}: the run trained on other data (${s.dataName || 'unnamed'}); load that data first`);
      const scaling = dataFromMetadata(s.dataMetadata ?? {}, file.name).scaling;
      if (scaling) data = rescaled(data, scaling);
    } catch (e) {
      this.post({ type: 'error', where: 'checkpoint', message: (e as Error).message });
      return;
    }
    this.data = data;
    this.modelScaling = data.scaling;
    const next = settingsOf(s.config, { epochs: Math.max(settings.epochs, s.epochsDone + 1), lr: s.adam.lr, seed: s.seed }, `${file.name}'s spec`);
    this.drop();
    try {
      const vae = await Vae.create({
        device: this.device, config: s.config, adam: s.adam, seed: s.seed, beta: s.beta, klWarmup: s.klWarmup, readbackEvery: READBACK_EVERY, state: s.state,
      });
      this.trainer = await this.train(vae, next, { epochsDone: s.epochsDone, epochStep: s.epochStep });
      this.settings = next;
    } catch (e) {
      return this.loadFailed(file, e);
    }
    await this.loaded();
  }

  /** A model that could not be built from a file: the error, and no model. */
  private loadFailed(file: File, e: unknown): void {
    this.post({ type: 'error', where: 'checkpoint', message: `${file.name}: ${(e as Error).message}` });
    this.postModel();
    this.setState('idle');
  }

  /** After a model came from a file: announced, evaluated, drawn, and paused. */
  private async loaded(): Promise<void> {
    this.initialViews = false;
    this.settings!.epochs = this.trainer!.epochs;
    this.postModel();
    this.progress(true);
    this.postTest(this.step, await this.trainer!.evaluate());
    await this.refreshViews(true);
    this.setState('paused');
  }

  /** Replaces the model with a checkpoint's (training continues from its parameters), or resumes a training state. */
  async load(file: File, settings: Settings): Promise<void> {
    await this.pause();
    await this.queued(async () => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      try {
        if (isTrainState(decodeSafetensors(bytes, file.name).metadata)) return this.resume(bytes, file, settings);
      } catch {
        // Not readable as safetensors: loadCheckpoint below says why.
      }
      let loaded;
      let data = this.data;
      try {
        loaded = loadCheckpoint(bytes, file.name);
        const problem = dataMismatch(loaded.config, data.train);
        if (problem) throw new Error(`${file.name}: ${problem}: load matching data first`);
        // The model's inputs are the data scaled as its training data were.
        const scaling = dataFromMetadata(loaded.metadata, file.name).scaling;
        if (scaling) data = rescaled(data, scaling);
      } catch (e) {
        this.post({ type: 'error', where: 'checkpoint', message: (e as Error).message });
        return;
      }
      this.data = data;
      const { config, metadata, params } = loaded;
      const extra = extraFromMetadata(metadata, file.name);
      const lr = Number(metadata.lr);
      const epoch = Number(metadata.epoch);
      const next = settingsOf(config, { epochs: settings.epochs, lr: lr > 0 ? lr : settings.lr, seed: extra.seed }, `${file.name}'s spec`);
      try {
        await this.build(next, params, { baseStep: extra.step, epochsDone: Number.isInteger(epoch) && epoch >= 0 ? epoch : 0 });
      } catch (e) {
        return this.loadFailed(file, e);
      }
      await this.loaded();
    });
  }

  /** Decodes the path (linear or spherical) between two test digits' means. */
  async interpolate(a: number, b: number, path: InterpolationPath): Promise<void> {
    await this.queued(async () => {
      if (!this.vae) return;
      try {
        const frames = await interpolation(this.vae, this.data.test, displayOf(this.data), a, b, path);
        this.post({ type: 'interpolation', a, b, path, frames }, imageTransfer(frames));
      } catch (e) {
        this.post({ type: 'error', where: 'model', message: (e as Error).message });
      }
    });
  }
}
