/**
 * The scheduler: the part of every model that does not depend on its layers. It owns the device
 * state of one model (every GPU buffer, made once), the parameter, gradient and Adam-moment
 * arenas laid out by one offset table, the per-step uniform, the loss readback, the named
 * segments a model defines, and the optimizer segment. A training step is one command encoder
 * and one submit; losses come back asynchronously.
 *
 * Models compose it (src/vae/vae.ts): they allocate their activations with `res`, define their
 * segments, write their inputs, and submit compositions of segments by name.
 */
import type { AdamConfig } from '../config.js';
import type { ParameterSet } from '../model/init.js';
import type { ArenaLayout, TensorSlot } from '../model/describe.js';
import { DeviceLostError } from './errors.js';
import { GpuResources, type BufferRange } from '../gpu/resources.js';
import { EVAL_RING, padRows, readBuffer, readBuffers } from '../gpu/buffers.js';
import { HISTORY_RECORD_BYTES, LossHistory, readRecord, type StepLoss } from '../gpu/history.js';
import { Segments } from '../gpu/segments.js';
import { adamDispatches } from '../kernels/adam.js';
import { STEP_UNIFORM_BYTES, encodeStepUniform } from '../kernels/step_uniforms.js';

export type { StepLoss } from '../gpu/history.js';

/** A copy of training state on the CPU: unpadded tensors by parameter name, and the step count. */
export interface TrainingState {
  step: number;
  params: ParameterSet;
  m: ParameterSet;
  v: ParameterSet;
}

/** Sums of an evaluation's loss records. */
export interface RecordSums {
  recon: number;
  kl: number;
  count: number;
}

/** The segment names of the optimizer: the gradient-norm summary, then Adam over the arena. */
export const OPTIMIZER = 'optimizer';

/** Device, arenas, uniforms, loss readback and segments of one model. */
export class Scheduler {
  readonly res: GpuResources;
  readonly segments = new Segments();
  /** Parameters, their gradients, and Adam's two moments: one arena each, laid out by `layout`. */
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  readonly m: GPUBuffer;
  readonly v: GPUBuffer;
  /** The step uniform of training steps, and that of evaluation passes with their loss ring. */
  readonly stepUniform: GPUBuffer;
  readonly evalUniform: GPUBuffer;
  readonly evalRing: GPUBuffer;
  readonly history: LossHistory;
  /** Steps submitted so far (Adam's t of the last step). */
  private t = 0;
  /** Evaluation passes so far: their noise counter starts at 2^31, apart from training's. */
  private evals = 0;
  private readonly stepBytes = new ArrayBuffer(STEP_UNIFORM_BYTES);
  private readonly slots = new Map<string, TensorSlot>();
  private error: Error | null = null;
  private destroyed = false;
  private deviceLost = false;
  private readonly onUncaptured = (e: Event) => {
    this.error ??= new Error(`GPU error: ${(e as GPUUncapturedErrorEvent).error.message}`);
  };

  constructor(
    readonly device: GPUDevice,
    /** Destroy the device with the model (it was requested for it). */
    private readonly ownsDevice: boolean,
    readonly adam: AdamConfig,
    readonly seed: number,
    readonly layout: ArenaLayout,
    /** Steps between loss readbacks; it also bounds how far the host runs ahead (3 copies in flight). */
    readonly readbackEvery: number,
  ) {
    for (const s of layout.slots) this.slots.set(s.name, s);
    this.res = new GpuResources(device);
    device.lost.then((info) => {
      this.deviceLost = true;
      if (!this.destroyed) this.error ??= new DeviceLostError(info.reason ?? 'unknown', `GPU device lost (${info.reason}): ${info.message}`);
    });
    device.addEventListener('uncapturederror', this.onUncaptured);
    const arena = (label: string) => this.res.storage(label, layout.size * 4);
    this.params = arena('parameters');
    this.grads = arena('gradients');
    this.m = arena('adam.m');
    this.v = arena('adam.v');
    const uniform = (label: string) => this.res.buffer(label, STEP_UNIFORM_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.stepUniform = uniform('step uniforms');
    this.evalUniform = uniform('eval step uniforms');
    this.evalRing = this.res.storage('eval loss ring', EVAL_RING * HISTORY_RECORD_BYTES);
    // Three staging buffers in flight at most, so the host runs at most 3 * readbackEvery steps
    // ahead of the GPU; the ring holds more steps than they cover.
    this.history = new LossHistory(this.res, readbackEvery * 6, 3);
  }

  /** Steps trained so far. */
  get steps(): number {
    return this.t;
  }

  /** True once the device is lost: the model is unusable; recreate it from a snapshot. */
  get lost(): boolean {
    return this.deviceLost;
  }

  /** Throws when the model was destroyed or its device failed. */
  check(): void {
    if (this.destroyed) throw new Error('this model was destroyed');
    if (this.error) throw this.error;
  }

  private slot(name: string): TensorSlot {
    const s = this.slots.get(name);
    if (!s) throw new Error(`no parameter named ${name}`);
    return s;
  }

  /** Parameter `name` (e.g. `enc1.weight`) as a binding range of the parameter arena. */
  param(name: string): BufferRange {
    const s = this.slot(name);
    return { buffer: this.params, offset: s.offset * 4, size: s.size * 4 };
  }

  /** The gradient of parameter `name` in the gradient arena. */
  grad(name: string): BufferRange {
    const s = this.slot(name);
    return { buffer: this.grads, offset: s.offset * 4, size: s.size * 4 };
  }

  /** Defines the `optimizer` segment: the gradient's squared norm into the step's record, then Adam. */
  async defineOptimizer(): Promise<void> {
    // The gradient norm is taken before the update (which leaves the gradients unchanged anyway).
    const [update, norm] = await adamDispatches(this.res, 'adam', {
      step: this.stepUniform, params: this.params, grads: this.grads, m: this.m, v: this.v, floats: this.layout.size, history: this.history.ring,
    }, this.adam);
    this.segments.define(OPTIMIZER, [norm, update]);
  }

  /**
   * Submits training step t + 1: the segments `names` in one compute pass and one submit, with
   * the step uniform written first. The caller has written the step's inputs. Returns without
   * waiting for the GPU; losses arrive through `losses()` and the history's listeners.
   */
  async submitStep(names: readonly string[], count: number, klWeight: number): Promise<void> {
    const t = this.t + 1;
    const copyNow = t % this.readbackEvery === 0;
    const slot = copyNow ? await this.history.acquire() : null;
    encodeStepUniform({ t, seed: this.seed, count, historySlot: this.history.slotOf(t), klWeight }, this.adam, this.stepBytes);
    this.device.queue.writeBuffer(this.stepUniform, 0, this.stepBytes);
    const enc = this.device.createCommandEncoder({ label: `step ${t}` });
    this.segments.encode(enc, names, `step ${t}`);
    if (slot) this.history.encodeCopy(enc, slot, t);
    this.device.queue.submit([enc.finish()]);
    if (slot) this.history.startMap(slot);
    this.t = t;
  }

  /**
   * Submits one evaluation pass of the segments `names` with fresh evaluation noise; its loss
   * record goes to slot `ringSlot` of the evaluation ring.
   */
  submitEval(names: readonly string[], count: number, ringSlot: number, label: string): void {
    this.evals++;
    encodeStepUniform({ t: 0x80000000 + this.evals, seed: this.seed, count, historySlot: ringSlot }, this.adam, this.stepBytes);
    this.device.queue.writeBuffer(this.evalUniform, 0, this.stepBytes);
    this.run(names, label);
  }

  /** Runs the segments `names` in one submit (inference: nothing of the training state changes). */
  run(names: readonly string[], label: string): void {
    const enc = this.device.createCommandEncoder({ label });
    this.segments.encode(enc, names, label);
    this.device.queue.submit([enc.finish()]);
  }

  /** Sums of the first `n` records of the evaluation ring. */
  async readEvalRing(n: number): Promise<RecordSums> {
    const all = await readBuffer(this.device, this.evalRing);
    const view = new DataView(all.buffer);
    const out: RecordSums = { recon: 0, kl: 0, count: 0 };
    for (let i = 0; i < n; i++) {
      const r = readRecord(view, i);
      out.recon += r.recon;
      out.kl += r.kl;
      out.count += r.count;
    }
    return out;
  }

  /** Receives step losses as their readbacks complete; returns a function that stops it. */
  listen(f: (losses: StepLoss[]) => void): () => void {
    return this.history.listen(f);
  }

  /** The losses of every step since the last call, waiting for readbacks still in flight. */
  async losses(): Promise<StepLoss[]> {
    this.check();
    if (this.history.uncopied(this.t) > 0) {
      const slot = await this.history.acquire();
      const enc = this.device.createCommandEncoder({ label: 'loss flush' });
      this.history.encodeCopy(enc, slot, this.t);
      this.device.queue.submit([enc.finish()]);
      this.history.startMap(slot);
    }
    let out: StepLoss[];
    try {
      out = await this.history.drain();
    } catch (e) {
      // A readback fails when the device is lost: report the loss, which says what happened.
      await Promise.race([this.device.lost, new Promise((r) => setTimeout(r, 0))]);
      this.check();
      throw e;
    }
    this.check();
    return out;
  }

  /** Writes unpadded tensors by name into an arena; every slot must be given, with its size. */
  writeArena(dst: GPUBuffer, p: ParameterSet, what: string): void {
    for (const s of this.layout.slots) {
      const v = p.get(s.name);
      if (!v) throw new Error(`${what}: missing tensor ${s.name}`);
      if (v.length !== s.rows * s.cols) throw new Error(`${what}: ${s.name} has ${v.length} values, expected ${s.rows}x${s.cols}`);
      this.device.queue.writeBuffer(dst, s.offset * 4, padRows(v, s.rows, s.cols, s.paddedRows));
    }
  }

  /** An arena's tensors, unpadded, by name. */
  async readArena(src: GPUBuffer): Promise<ParameterSet> {
    this.check();
    return this.unpack(await readBuffer(this.device, src));
  }

  /** An arena's contents (padded, as laid out) as unpadded tensors by name. */
  private unpack(all: Float32Array): ParameterSet {
    const out: ParameterSet = new Map();
    for (const s of this.layout.slots) {
      const t = new Float32Array(s.rows * s.cols);
      for (let r = 0; r < s.rows; r++) t.set(all.subarray(s.offset + r * s.ld, s.offset + r * s.ld + s.cols), r * s.cols);
      out.set(s.name, t);
    }
    return out;
  }

  /**
   * Parameters, Adam moments and the step count, on the CPU, after every step submitted so far.
   * The trainer's guard takes one after every epoch (after every step, for the graph VAE), so the
   * three arenas come back in one copy and one map rather than three.
   */
  async snapshot(): Promise<TrainingState> {
    this.check();
    const step = this.t;
    const [params, m, v] = await readBuffers(this.device, [this.params, this.m, this.v]);
    this.check();
    return { step, params: this.unpack(params), m: this.unpack(m), v: this.unpack(v) };
  }

  /**
   * Puts a snapshot back (of this model or another with the same configuration). Readbacks still
   * in flight belong to the abandoned steps: they are awaited and their losses dropped.
   */
  async restore(state: TrainingState): Promise<void> {
    this.check();
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`restore: step=${state.step} must be a whole number >= 0`);
    await this.history.drain().catch(() => undefined);
    this.writeArena(this.params, state.params, 'restore params');
    this.writeArena(this.m, state.m, 'restore adam.m');
    this.writeArena(this.v, state.v, 'restore adam.v');
    this.t = state.step;
    this.history.resetTo(state.step);
  }

  /** How many buffers are alive. */
  get liveBuffers(): number {
    return this.res.liveBuffers;
  }

  /** Releases every GPU buffer and the error listener; the device too when it was requested for this model. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.device.removeEventListener('uncapturederror', this.onUncaptured);
    this.res.destroy();
    if (this.ownsDevice) this.device.destroy();
  }
}
