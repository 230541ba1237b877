/**
 * A VAE's network on the GPU: the activations of its layers (allocated once for the configured
 * batch) and the named segments of its step, built from the model description through the
 * layer registry.
 *
 *   encoder   every encoder layer's forward product, then the head's: rows [mu | logvar]
 *   sample    z = mu + exp(0.5 logvar) eps (the autoencoder: z = mu), training noise
 *   decoder   every decoder layer's forward product, from z to the output
 *   loss, loss.total        the loss kernel per row (with every output gradient), then the batch total
 *   backward  the layers' backward products in reverse, the reparameterization's in between
 *   optimizer the scheduler's: gradient norm, then Adam over the arena
 *   eval.sample, eval.loss, eval.loss.total   the same with the evaluation uniform and ring
 *
 * A training step is TRAIN_STEP; evaluation, encode and decode are other compositions.
 */
import { corruptionText, type Corruption, type VaeConfig } from '../config.js';
import { NO_ACTIVATION } from '../layers/activation.js';
import { KernelContext, layerType, type LayerSpec, type LayerTensors } from '../layers/registry.js';
import { modelLayers, type ModelDescription } from '../model/describe.js';
import { OPTIMIZER, type Scheduler } from '../runtime/scheduler.js';
import { matrix, whole } from '../gpu/buffers.js';
import type { BufferRange, Dispatch } from '../gpu/resources.js';
import type { LinearVariant } from '../kernels/linear.js';
import { CORRUPTION_BYTES, CorruptKernels, encodeCorruption } from '../kernels/corrupt.js';
import { LossKernels, type LossArgs } from '../kernels/loss.js';
import { ReparameterizeKernels, type NoiseMode } from '../kernels/reparameterize.js';

/** Segment names of a VAE. */
export const SEGMENT = {
  encoder: 'encoder',
  sample: 'sample',
  decoder: 'decoder',
  loss: 'loss',
  lossTotal: 'loss.total',
  backward: 'backward',
  optimizer: OPTIMIZER,
  evalSample: 'eval.sample',
  evalLoss: 'eval.loss',
  evalLossTotal: 'eval.loss.total',
  // Denoising (made on first use, see enableCorruption): the clean input corrupted into the
  // encoder's input, and the loss scored against the clean one.
  corrupt: 'corrupt',
  lossClean: 'loss.clean',
  evalCorrupt: 'eval.corrupt',
  evalLossClean: 'eval.loss.clean',
} as const;

/** One training step. */
export const TRAIN_STEP = [SEGMENT.encoder, SEGMENT.sample, SEGMENT.decoder, SEGMENT.loss, SEGMENT.lossTotal, SEGMENT.backward, SEGMENT.optimizer];
/** One evaluation pass: the loss of a batch under fresh evaluation noise, nothing trained. */
export const EVALUATE = [SEGMENT.encoder, SEGMENT.evalSample, SEGMENT.decoder, SEGMENT.evalLoss, SEGMENT.evalLossTotal];
/** A training step of the denoising objective: the corruption first, the loss against the clean input. */
export const TRAIN_STEP_DENOISING = [SEGMENT.corrupt, SEGMENT.encoder, SEGMENT.sample, SEGMENT.decoder, SEGMENT.lossClean, SEGMENT.lossTotal, SEGMENT.backward, SEGMENT.optimizer];
/** An evaluation pass on corrupted inputs against the clean ones. */
export const EVALUATE_DENOISING = [SEGMENT.evalCorrupt, SEGMENT.encoder, SEGMENT.evalSample, SEGMENT.decoder, SEGMENT.evalLossClean, SEGMENT.evalLossTotal];

/** The activations of the network: padded matrices of the configured batch's rows. */
export interface Activations {
  /** The input batch. */
  input: BufferRange;
  /** Each layer's output (after its activation), by layer name. */
  out: Map<string, BufferRange>;
  /** The loss gradient with respect to each layer's output, by layer name. */
  dout: Map<string, BufferRange>;
  z: BufferRange;
  dz: BufferRange;
  eps: BufferRange;
  /** The loss kernel's (recon, kl) per row. */
  perImage: BufferRange;
}

/** The denoising objective's buffers: the clean input, and the corruption uniforms of training and evaluation. */
interface Denoising {
  clean: BufferRange;
  train: GPUBuffer;
  eval: GPUBuffer;
  /** What each uniform holds now (the text of the corruption), to skip rewriting it. */
  written: { train: string | null; eval: string | null };
}

/** Activations and segments of one VAE on one scheduler. */
export class VaeNetwork {
  readonly acts: Activations;
  readonly layers: LayerSpec[];
  private lossKernels: LossKernels | null = null;
  private lossArgs: LossArgs | null = null;
  private denoising: Denoising | null = null;

  constructor(
    private readonly sched: Scheduler,
    readonly config: VaeConfig,
    readonly model: ModelDescription,
  ) {
    this.layers = modelLayers(model);
    const res = sched.res;
    const B = config.batch;
    const out = new Map<string, BufferRange>();
    const dout = new Map<string, BufferRange>();
    this.layers.forEach((l, i) => {
      out.set(l.name, matrix(res, `act${i + 1} (${l.name} out)`, B, l.outSize));
      dout.set(l.name, matrix(res, `dact${i + 1} (${l.name} out grad)`, B, l.outSize));
    });
    this.acts = {
      input: matrix(res, 'act0 (input)', B, config.inputSize),
      out,
      dout,
      z: matrix(res, 'z', B, config.latent),
      dz: matrix(res, 'dz', B, config.latent),
      eps: matrix(res, 'eps', B, config.latent),
      perImage: whole(res.storage('loss per image', ((B + 3) & ~3) * 8)),
    };
  }

  /** The head's output rows [mu | logvar]. */
  get head(): BufferRange {
    return this.acts.out.get(this.model.head.name)!;
  }

  /** The decoder's output (logits or means). */
  get output(): BufferRange {
    return this.acts.out.get(this.model.decoder[this.model.decoder.length - 1].name)!;
  }

  private tensors(l: LayerSpec): LayerTensors {
    return { param: (p) => this.sched.param(`${l.name}.${p}`), grad: (p) => this.sched.grad(`${l.name}.${p}`) };
  }

  /** Builds every segment; each dispatch inside a validation scope so a mistake names its kernel. */
  async build(variant: LinearVariant, noise: NoiseMode): Promise<void> {
    const { config: cfg, model, acts } = this;
    const sched = this.sched;
    const device = sched.device;
    const k = new KernelContext(sched.res, variant);
    const reparam = new ReparameterizeKernels(sched.res);
    const loss = new LossKernels(sched.res, cfg);
    const B = cfg.batch;
    const scoped = async (make: () => Promise<Dispatch[]>): Promise<Dispatch[]> => {
      device.pushErrorScope('validation');
      const made = await make();
      const err = await device.popErrorScope();
      if (err) throw new Error(`${made.map((x) => x.label).join(', ')}: ${err.message}`);
      return made;
    };
    // Layer inputs: the data, each layer's output, and z for the decoder's first layer.
    const inputOf = (chain: LayerSpec[], i: number, first: BufferRange) => (i === 0 ? first : acts.out.get(chain[i - 1].name)!);
    const forward = async (chain: LayerSpec[], first: BufferRange) => {
      const list: Dispatch[] = [];
      for (let i = 0; i < chain.length; i++) {
        const l = chain[i];
        list.push(...(await scoped(() => layerType(l).forward(k, `${l.name}.forward`, l, { x: inputOf(chain, i, first), y: acts.out.get(l.name)!, rows: B, tensors: this.tensors(l) }))));
      }
      return list;
    };
    /** Backward products of `chain` in reverse; the first layer's dx goes to `firstDx` (null: not needed). */
    const backward = async (chain: LayerSpec[], first: BufferRange, firstDx: BufferRange | null) => {
      const list: Dispatch[] = [];
      for (let i = chain.length - 1; i >= 0; i--) {
        const l = chain[i];
        const dx = i === 0 ? firstDx : acts.dout.get(chain[i - 1].name)!;
        // The first layer's input (the data, or z) came through no activation.
        const maskAct = i === 0 ? NO_ACTIVATION : chain[i - 1].activation;
        list.push(...(await scoped(() => layerType(l).backward(k, l.name, l, {
          x: inputOf(chain, i, first), y: acts.out.get(l.name)!, dy: acts.dout.get(l.name)!, dx, maskAct, rows: B, tensors: this.tensors(l),
        }))));
      }
      return list;
    };
    const encoderChain = [...model.encoder, model.head];
    const rep = {
      step: sched.stepUniform, head: this.head, eps: acts.eps, z: acts.z, dz: acts.dz, dhead: acts.dout.get(model.head.name)!, rows: B, latent: cfg.latent,
    };
    // The autoencoder decodes mu itself (eps = 0); the VAE samples.
    const mode = cfg.kind === 'ae' ? 'mean' : noise;
    const lossArgs = {
      step: sched.stepUniform, logits: this.output, target: acts.input, head: this.head, dlogits: acts.dout.get(model.decoder[model.decoder.length - 1].name)!,
      dhead: rep.dhead, perImage: acts.perImage, history: whole(sched.history.ring), rows: B, pixels: cfg.inputSize, latent: cfg.latent,
    };
    this.lossKernels = loss;
    this.lossArgs = lossArgs;
    const s = sched.segments;
    s.define(SEGMENT.encoder, await forward(encoderChain, acts.input));
    s.define(SEGMENT.sample, await scoped(async () => [await reparam.forward('reparameterize.forward', rep, mode)]));
    s.define(SEGMENT.decoder, await forward(model.decoder, acts.z));
    const [perRow, total] = await scoped(() => loss.dispatches(loss.name, lossArgs));
    s.define(SEGMENT.loss, [perRow]);
    s.define(SEGMENT.lossTotal, [total]);
    // Evaluation: its own step uniform and loss ring, so evaluating between training steps disturbs nothing.
    s.define(SEGMENT.evalSample, await scoped(async () => [await reparam.forward('eval.reparameterize.forward', { ...rep, step: sched.evalUniform }, mode)]));
    const [evalRows, evalTotal] = await scoped(() => loss.dispatches(`eval.${loss.name}`, { ...lossArgs, step: sched.evalUniform, history: whole(sched.evalRing) }));
    s.define(SEGMENT.evalLoss, [evalRows]);
    s.define(SEGMENT.evalLossTotal, [evalTotal]);
    // Backward: the decoder (its first layer's input gradient is dz), the path through z into
    // the head's gradient (which the loss kernel filled with the KL part), then the encoder.
    s.define(SEGMENT.backward, [
      ...(await backward(model.decoder, acts.z, acts.dz)),
      ...(await scoped(async () => [await reparam.backward('reparameterize.backward', rep)])),
      ...(await backward(encoderChain, acts.input, null)),
    ]);
    await sched.defineOptimizer();
  }

  /** Whether the denoising buffers and segments exist. */
  get denoisingReady(): boolean {
    return this.denoising !== null;
  }

  /** Where inputs are uploaded: the clean input of a denoising pass, or the encoder's input. */
  inputFor(corrupted: boolean): BufferRange {
    return corrupted ? this.denoising!.clean : this.acts.input;
  }

  /**
   * Makes the denoising objective's buffers and segments (once; on first use, so a model that
   * never corrupts its inputs has none): the clean input, the corruption of training steps and of
   * evaluation passes (each keyed by its own step uniform, so fresh noise every pass), and the
   * loss kernel scored against the clean input.
   */
  async enableCorruption(): Promise<void> {
    if (this.denoising) return;
    const sched = this.sched;
    const { batch: B, inputSize } = this.config;
    const res = sched.res;
    const clean = matrix(res, 'clean input (denoising target)', B, inputSize);
    const uniform = (label: string) => res.buffer(label, CORRUPTION_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    const d: Denoising = { clean, train: uniform('corruption (training)'), eval: uniform('corruption (evaluation)'), written: { train: null, eval: null } };
    const kernels = new CorruptKernels(res);
    const corrupt = (label: string, step: GPUBuffer, corruption: GPUBuffer) =>
      kernels.forward(label, { corruption, step, clean, out: this.acts.input, rows: B, pixels: inputSize });
    const loss = this.lossKernels!;
    const args = this.lossArgs!;
    const s = sched.segments;
    s.define(SEGMENT.corrupt, [await corrupt('corrupt.forward', sched.stepUniform, d.train)]);
    s.define(SEGMENT.evalCorrupt, [await corrupt('eval.corrupt.forward', sched.evalUniform, d.eval)]);
    s.define(SEGMENT.lossClean, [(await loss.dispatches(`${loss.name}.clean`, { ...args, target: clean }))[0]]);
    s.define(SEGMENT.evalLossClean, [(await loss.dispatches(`eval.${loss.name}.clean`, { ...args, target: clean, step: sched.evalUniform, history: whole(sched.evalRing) }))[0]]);
    this.denoising = d;
  }

  /** Sets the corruption of training steps or of evaluation passes (enableCorruption first). */
  setCorruption(which: 'train' | 'eval', c: Corruption | null): void {
    const d = this.denoising;
    if (!d) throw new Error('setCorruption: the denoising buffers do not exist yet (enableCorruption)');
    const text = corruptionText(c);
    if (d.written[which] === text) return;
    this.sched.device.queue.writeBuffer(d[which], 0, encodeCorruption(c, this.config.batch, this.config.inputSize));
    d.written[which] = text;
  }
}
