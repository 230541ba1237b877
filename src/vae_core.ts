/**
 * The scheduler's core: owns every GPU buffer of one MLP VAE and encodes a whole training step
 * (forward, loss, backward, Adam) into one command encoder and one submit. `Vae` (src/vae.ts)
 * adds evaluation and inference on the same buffers.
 *
 * Buffers are made once at construction: parameter, gradient and two Adam-moment arenas laid
 * out by `parameterLayout` (one offset table, offsets aligned for binding), and activations for
 * the configured batch. Every matrix is row-major with rows and columns padded to multiples of
 * 4 and zero padding (see shaders/linear.wgsl). Pipelines and bind groups are built once; a
 * step writes the batch and a 32-byte uniform, encodes the prepared dispatches and submits.
 */
import { resolveAdam, resolveConfig, type AdamConfig, type VaeConfig } from './config.js';
import { initParameters, type ParameterSet } from './init.js';
import { headIndex, layerSpecs, pad4, parameterLayout, type ArenaLayout, type LayerSpec, type TensorSlot } from './model.js';
import { GpuResources, encodeDispatches, type BufferRange, type Dispatch } from './gpu/resources.js';
import { allocate, padRows, readBuffer, whole, type ModelBuffers } from './gpu/buffers.js';
import { LossHistory, type StepLoss } from './gpu/history.js';
import { checkLimits } from './gpu/limits.js';
import { requestDeviceFor } from './gpu/device.js';
import { LinearKernels, type LinearVariant } from './kernels/linear.js';
import { ReparameterizeKernels, type NoiseMode } from './kernels/reparameterize.js';
import { LossKernels } from './kernels/loss.js';
import { adamDispatches } from './kernels/adam.js';
import { STEP_UNIFORM_BYTES, encodeStepUniform } from './kernels/step_uniforms.js';

export type { StepLoss } from './gpu/history.js';

/** A copy of training state on the CPU: unpadded tensors by parameter name, and the step count. */
export interface TrainingState {
  step: number;
  params: ParameterSet;
  m: ParameterSet;
  v: ParameterSet;
}

/** How to build a Vae. Everything is optional; the default is the reference model. */
export interface VaeOptions {
  config?: Partial<VaeConfig>;
  adam?: Partial<AdamConfig>;
  /** Seeds initialisation and the GPU noise. Default 1. */
  seed?: number;
  /** A device to share with the application; otherwise one is requested from navigator.gpu. */
  device?: GPUDevice;
  /** Noise drawn on the GPU (default) or taken from `setNoise` (for tests). */
  noise?: NoiseMode;
  /** GEMM variant; `auto` picks `register` on software adapters and `tiled` on GPUs. */
  linearVariant?: LinearVariant | 'auto';
  /** Starting parameters (unpadded, by name); otherwise PyTorch-style seeded initialisation. */
  parameters?: ParameterSet;
  /** A snapshot to resume from (parameters, Adam moments, step); overrides `parameters`. */
  state?: TrainingState;
  /** Weight of the KL term in the objective (beta-VAE); 1 is the plain VAE. Default 1. VAE only. */
  beta?: number;
  /** KL warm-up: the KL weight rises linearly from beta/N at step 1 to beta at step N. Default 0 (off). */
  klWarmup?: number;
  /**
   * Steps between loss readbacks. Default 16. It also bounds how far the host runs ahead of the
   * GPU (at most 3 * readbackEvery steps queued): lower it for prompter progress on slow adapters.
   */
  readbackEvery?: number;
}

/** Picks the GEMM variant for an adapter: SwiftShader runs barriers slowly, real GPUs tile well. */
export function pickLinearVariant(info: GPUAdapterInfo | undefined): LinearVariant {
  if (!info) return 'register';
  const soft = info.architecture === 'swiftshader' || /swiftshader|llvmpipe|lavapipe|software/i.test(`${info.description} ${info.device}`);
  return soft || (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ? 'register' : 'tiled';
}

async function defaultDevice(): Promise<GPUDevice> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) throw new Error('WebGPU is not available here: pass a GPUDevice in VaeOptions.device');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter found');
  return requestDeviceFor(adapter);
}

/** What the constructor takes; see VaeCore.build. */
type CoreParts = [
  device: GPUDevice, config: VaeConfig, adam: AdamConfig, seed: number, noise: NoiseMode, linearVariant: LinearVariant,
  layers: LayerSpec[], layout: ArenaLayout, res: GpuResources, ownsDevice: boolean, readbackEvery: number,
  buffers: ModelBuffers, history: LossHistory,
];

/** Training state and the step of a VAE on one GPUDevice; `Vae` is the class to use. */
export class VaeCore {
  /** Steps submitted so far (Adam's t of the last step). */
  protected t = 0;
  protected readonly stepBytes = new ArrayBuffer(STEP_UNIFORM_BYTES);
  private readonly inputStaging: Float32Array | null;
  protected readonly trainDispatches: Dispatch[] = [];
  protected readonly evalDispatches: Dispatch[] = [];
  /** Evaluation batches so far: their noise counter starts at 2^31, apart from training's. */
  protected evals = 0;
  private error: Error | null = null;
  private destroyed = false;
  private deviceLost = false;
  /** KL weight (beta-VAE) and warm-up length in steps; see VaeOptions. */
  beta = 1;
  klWarmup = 0;

  protected constructor(
    readonly device: GPUDevice,
    readonly config: VaeConfig,
    readonly adam: AdamConfig,
    readonly seed: number,
    readonly noise: NoiseMode,
    readonly linearVariant: LinearVariant,
    readonly layers: LayerSpec[],
    readonly layout: ArenaLayout,
    protected readonly res: GpuResources,
    private readonly ownsDevice: boolean,
    private readonly readbackEvery: number,
    protected readonly buffers: ModelBuffers,
    private readonly history: LossHistory,
  ) {
    const padded = pad4(config.inputSize);
    this.inputStaging = padded === config.inputSize ? null : new Float32Array(config.batch * padded);
    device.lost.then((info) => {
      this.deviceLost = true;
      if (!this.destroyed) this.error ??= new Error(`GPU device lost (${info.reason}): ${info.message}`);
    });
    device.addEventListener('uncapturederror', (e) => {
      this.error ??= new Error(`GPU error: ${(e as GPUUncapturedErrorEvent).error.message}`);
    });
  }

  /** Builds every buffer, pipeline and bind group (nothing is allocated later), then `make`s the object. */
  protected static async build<T extends VaeCore>(make: (...parts: CoreParts) => T, opts: VaeOptions): Promise<T> {
    const config = resolveConfig(opts.config);
    const adam = resolveAdam(opts.adam);
    const seed = opts.seed ?? 1;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`seed must be a whole number in [0, 2^32), got ${seed}`);
    const beta = opts.beta ?? 1;
    if (!(beta >= 0) || !Number.isFinite(beta)) throw new Error(`beta must be a finite number >= 0, got ${beta}`);
    const klWarmup = opts.klWarmup ?? 0;
    if (!Number.isInteger(klWarmup) || klWarmup < 0) throw new Error(`klWarmup must be a whole number of steps >= 0, got ${klWarmup}`);
    if (config.kind === 'ae' && (beta !== 1 || klWarmup !== 0)) {
      throw new Error(`beta=${beta} and klWarmup=${klWarmup} weight the KL term, which the autoencoder (kind 'ae') does not have`);
    }
    const readbackEvery = opts.readbackEvery ?? 16;
    if (!Number.isInteger(readbackEvery) || readbackEvery < 1 || readbackEvery > 1024) {
      throw new Error(`readbackEvery must be a whole number in [1, 1024], got ${readbackEvery}`);
    }
    const device = opts.device ?? (await defaultDevice());
    const variant =
      !opts.linearVariant || opts.linearVariant === 'auto' ? pickLinearVariant((device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo) : opts.linearVariant;
    const layers = layerSpecs(config);
    const layout = parameterLayout(layers, device.limits.minStorageBufferOffsetAlignment);
    try {
      checkLimits(config, layers, layout, device.limits);
    } catch (e) {
      if (!opts.device) device.destroy();
      throw e;
    }
    const res = new GpuResources(device);
    try {
      const buffers = allocate(res, config, layers, layout);
      // Three staging buffers in flight at most, so the host runs at most 3 * readbackEvery
      // steps ahead of the GPU; the ring holds more steps than they cover.
      const history = new LossHistory(res, readbackEvery * 6, 3);
      const vae = make(device, config, adam, seed, opts.noise ?? 'gpu', variant, layers, layout, res, !opts.device, readbackEvery, buffers, history);
      vae.writeParameters(opts.parameters ?? initParameters(layers, seed));
      vae.beta = beta;
      vae.klWarmup = klWarmup;
      if (opts.state) await vae.restore(opts.state);
      await vae.prepare();
      return vae;
    } catch (e) {
      res.destroy();
      if (!opts.device) device.destroy();
      throw e;
    }
  }

  /** Builds the step's dispatch list, in execution order. */
  private async prepare(): Promise<void> {
    const { config: cfg, layers, buffers: b } = this;
    const linear = new LinearKernels(this.res, this.linearVariant);
    const reparam = new ReparameterizeKernels(this.res);
    const loss = new LossKernels(this.res, cfg);
    // The autoencoder decodes mu itself (eps = 0); the VAE samples.
    const mode = cfg.kind === 'ae' ? 'mean' : this.noise;
    const h = headIndex(cfg);
    const B = cfg.batch;
    const rep = {
      step: b.step, head: b.acts[h + 1], eps: b.eps, z: b.z, dz: b.dz, dhead: b.dacts[h + 1], rows: B, latent: cfg.latent,
    };
    const inputOf = (i: number) => (i === h + 1 ? b.z : b.acts[i]);
    const list: Dispatch[] = this.trainDispatches;
    // Each dispatch is built inside a validation scope so a mistake names its kernel.
    const device = this.device;
    const d = {
      async push(make: () => Promise<Dispatch | Dispatch[]>): Promise<void> {
        device.pushErrorScope('validation');
        const made = await make();
        const err = await device.popErrorScope();
        const all = Array.isArray(made) ? made : [made];
        if (err) throw new Error(`${all.map((x) => x.label).join(', ')}: ${err.message}`);
        list.push(...all);
      },
    };
    const lossArgs = {
      step: b.step, logits: b.acts[layers.length], target: b.acts[0], head: b.acts[h + 1], dlogits: b.dacts[layers.length],
      dhead: b.dacts[h + 1], perImage: b.perImage, history: whole(this.history.ring), rows: B, pixels: cfg.inputSize, latent: cfg.latent,
    };
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i];
      await d.push(() => linear.forward(`${l.name}.forward`, {
        x: inputOf(i), w: this.param(`${l.name}.weight`), b: this.param(`${l.name}.bias`), y: b.acts[i + 1],
        rows: B, inSize: l.inSize, outSize: l.outSize, relu: l.relu,
      }));
      if (i === h) await d.push(() => reparam.forward('reparameterize.forward', rep, mode));
    }
    // Evaluation reuses the forward products; noise and loss read their own step uniform and
    // write their own ring, so evaluating between training steps disturbs nothing.
    const evalList = list.slice();
    evalList[h + 1] = await reparam.forward('eval.reparameterize.forward', { ...rep, step: b.evalStep }, mode);
    evalList.push(...(await loss.dispatches(`eval.${loss.name}`, { ...lossArgs, step: b.evalStep, history: whole(b.evalRing) })));
    this.evalDispatches.push(...evalList);
    await d.push(() => loss.dispatches(loss.name, lossArgs));
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i];
      await d.push(() => linear.backwardWeight(`${l.name}.backward_weight`, {
        dy: b.dacts[i + 1], x: inputOf(i), dw: this.grad(`${l.name}.weight`), db: this.grad(`${l.name}.bias`),
        rows: B, inSize: l.inSize, outSize: l.outSize,
      }));
      if (i === 0) continue;
      // The input of layer i came through the previous layer's ReLU, except z after the head.
      const masked = i !== h + 1 && layers[i - 1].relu;
      await d.push(() => linear.backwardInput(`${l.name}.backward_input`, {
        dy: b.dacts[i + 1], w: this.param(`${l.name}.weight`), mask: masked ? b.acts[i] : null,
        dx: i === h + 1 ? b.dz : b.dacts[i], rows: B, inSize: l.inSize, outSize: l.outSize,
      }));
      if (i === h + 1) await d.push(() => reparam.backward('reparameterize.backward', rep));
    }
    // The gradient norm is taken before the update (which leaves the gradients unchanged anyway).
    const [update, norm] = await adamDispatches(this.res, 'adam', {
      step: b.step, params: b.params, grads: b.grads, m: b.m, v: b.v, floats: this.layout.size, history: this.history.ring,
    }, this.adam);
    await d.push(async () => norm);
    await d.push(async () => update);
  }

  private slot(name: string): TensorSlot {
    const s = this.layout.slots.find((x) => x.name === name);
    if (!s) throw new Error(`no parameter named ${name}`);
    return s;
  }

  private param(name: string): BufferRange {
    const s = this.slot(name);
    return { buffer: this.buffers.params, offset: s.offset * 4, size: s.size * 4 };
  }

  private grad(name: string): BufferRange {
    const s = this.slot(name);
    return { buffer: this.buffers.grads, offset: s.offset * 4, size: s.size * 4 };
  }

  /** The KL weight of step t: beta, ramped linearly over the warm-up steps (0 for the autoencoder). */
  klWeight(t: number): number {
    if (this.config.kind === 'ae') return 0;
    return this.klWarmup > 0 ? this.beta * Math.min(1, t / this.klWarmup) : this.beta;
  }

  /** True once the device is lost: this Vae is unusable; recreate it from a snapshot. */
  get lost(): boolean {
    return this.deviceLost;
  }

  /** Steps trained so far. */
  get steps(): number {
    return this.t;
  }

  /** Dispatches one training step encodes (for reports). */
  get dispatchesPerStep(): number {
    return this.trainDispatches.length;
  }

  /** GPU buffers this model holds. */
  get liveBuffers(): number {
    return this.res.liveBuffers;
  }

  protected check(): void {
    if (this.destroyed) throw new Error('this Vae was destroyed');
    if (this.error) throw this.error;
  }

  /**
   * One training step on rows x[count, inputSize] (pixels in [0, 1], row-major): one submit.
   * `count` may be below the batch size (the last partial batch); the loss sums its rows only.
   * Returns without waiting for the GPU; losses arrive through `losses()`.
   */
  async step(x: Float32Array, count = this.config.batch): Promise<void> {
    this.check();
    const { batch, inputSize } = this.config;
    if (!Number.isInteger(count) || count < 1 || count > batch) throw new Error(`step: count=${count} must be in [1, ${batch}]`);
    if (x.length < count * inputSize) throw new Error(`step: x has ${x.length} values, need count*inputSize = ${count}*${inputSize}`);
    const t = this.t + 1;
    const copyNow = t % this.readbackEvery === 0;
    const slot = copyNow ? await this.history.acquire() : null;
    this.uploadRows(this.buffers.acts[0].buffer, x, count);
    encodeStepUniform({ t, seed: this.seed, count, historySlot: this.history.slotOf(t), klWeight: this.klWeight(t) }, this.adam, this.stepBytes);
    this.device.queue.writeBuffer(this.buffers.step, 0, this.stepBytes);
    const enc = this.device.createCommandEncoder({ label: `step ${t}` });
    const pass = enc.beginComputePass({ label: `step ${t}` });
    encodeDispatches(pass, this.trainDispatches);
    pass.end();
    if (slot) this.history.encodeCopy(enc, slot, t);
    this.device.queue.submit([enc.finish()]);
    if (slot) this.history.startMap(slot);
    this.t = t;
  }

  protected uploadRows(target: GPUBuffer, x: Float32Array, count: number): void {
    const n = this.config.inputSize;
    if (!this.inputStaging) {
      this.device.queue.writeBuffer(target, 0, x.buffer, x.byteOffset, count * n * 4);
      return;
    }
    const ld = pad4(n);
    for (let r = 0; r < count; r++) this.inputStaging.set(x.subarray(r * n, r * n + n), r * ld);
    this.device.queue.writeBuffer(target, 0, this.inputStaging.buffer, 0, count * ld * 4);
  }

  /** Noise for `noise: 'buffer'` models: eps[batch, latent], used by every following step. */
  setNoise(eps: Float32Array): void {
    this.check();
    const { batch, latent } = this.config;
    if (this.noise !== 'buffer') throw new Error("setNoise: this model draws noise on the GPU (create it with noise: 'buffer')");
    if (this.config.kind === 'ae') throw new Error('setNoise: the autoencoder (kind ae) uses no noise');
    if (eps.length !== batch * latent) throw new Error(`setNoise: eps has ${eps.length} values, need batch*latent = ${batch}*${latent}`);
    this.device.queue.writeBuffer(this.buffers.eps.buffer, 0, padRows(eps, batch, latent));
  }

  /** Receives step losses as their readbacks complete, without waiting (for progress displays). */
  set onLosses(f: ((losses: StepLoss[]) => void) | null) {
    this.history.onRecords = f;
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

  /** Replaces parameters (unpadded, by name); Adam moments are kept. Missing names are an error. */
  writeParameters(p: ParameterSet): void {
    this.writeArena(this.buffers.params, p, 'writeParameters');
  }

  private writeArena(dst: GPUBuffer, p: ParameterSet, what: string): void {
    for (const s of this.layout.slots) {
      const v = p.get(s.name);
      if (!v) throw new Error(`${what}: missing tensor ${s.name}`);
      if (v.length !== s.rows * s.cols) throw new Error(`${what}: ${s.name} has ${v.length} values, expected ${s.rows}x${s.cols}`);
      this.device.queue.writeBuffer(dst, s.offset * 4, padRows(v, s.rows, s.cols, s.paddedRows));
    }
  }

  /**
   * Everything training needs to resume exactly: parameters, Adam moments and the step count
   * (which also keys the noise). Taken after every step submitted so far, on the CPU.
   */
  async snapshot(): Promise<TrainingState> {
    this.check();
    const step = this.t;
    const params = await this.readArena(this.buffers.params);
    const { m, v } = await this.readMoments();
    return { step, params, m, v };
  }

  /**
   * Puts a snapshot back (of this model or another with the same configuration). Readbacks still
   * in flight belong to the abandoned steps: they are awaited and their losses dropped.
   */
  async restore(state: TrainingState): Promise<void> {
    this.check();
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`restore: step=${state.step} must be a whole number >= 0`);
    await this.history.drain().catch(() => undefined);
    this.writeArena(this.buffers.params, state.params, 'restore params');
    this.writeArena(this.buffers.m, state.m, 'restore adam.m');
    this.writeArena(this.buffers.v, state.v, 'restore adam.v');
    this.t = state.step;
    this.history.resetTo(state.step);
  }

  /**
   * The first step since the last restore whose loss came back non-finite or above 100 times
   * the lowest loss seen (finite only because of the logvar clamp), or null.
   */
  get divergedAt(): number | null {
    return this.history.firstDiverged;
  }

  /** Current parameters, unpadded, by name. */
  readParameters(): Promise<ParameterSet> {
    return this.readArena(this.buffers.params);
  }

  /** Gradients of the last step, unpadded, by parameter name. */
  readGradients(): Promise<ParameterSet> {
    return this.readArena(this.buffers.grads);
  }

  /** Adam's first and second moments, unpadded, by parameter name. */
  async readMoments(): Promise<{ m: ParameterSet; v: ParameterSet }> {
    return { m: await this.readArena(this.buffers.m), v: await this.readArena(this.buffers.v) };
  }

  private async readArena(src: GPUBuffer): Promise<ParameterSet> {
    this.check();
    const all = await readBuffer(this.device, src);
    const out: ParameterSet = new Map();
    for (const s of this.layout.slots) {
      const t = new Float32Array(s.rows * s.cols);
      for (let r = 0; r < s.rows; r++) t.set(all.subarray(s.offset + r * s.ld, s.offset + r * s.ld + s.cols), r * s.cols);
      out.set(s.name, t);
    }
    return out;
  }

  /** Releases every GPU buffer; the device too when this Vae requested it. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.res.destroy();
    if (this.ownsDevice) this.device.destroy();
  }
}
