/**
 * The class to use: a trainable VAE on one GPUDevice, composed of three parts:
 *
 *   Scheduler (src/runtime/scheduler.ts)      device, parameter/gradient/Adam arenas, the step uniform,
 *                                     loss readback, segments, snapshots
 *   VaeNetwork (src/vae/vae_network.ts)   the activations and the named segments of this model's layers
 *   VaeInference (src/vae/vae_inference.ts)  evaluation, the IWAE bound, encode/decode/sample,
 *                                     composed from segments on the same buffers
 *
 * Buffers are made once at creation; a training step writes the batch and a 32-byte uniform,
 * encodes the prepared segments into one command encoder and submits once.
 */
import { resolveAdam, resolveConfig, resolveKlWeighting, resolveSeed, checkSetting, type AdamConfig, type Corruption, type VaeConfig } from '../config.js';
import { initParameters, type ParameterSet } from '../model/init.js';
import { describeModel, modelLayers, parameterLayout, type LayerSpec, type ModelDescription } from '../model/describe.js';
import { parseSpec, type ModelSpec } from '../model/spec.js';
import { Scheduler, type TrainingState } from '../runtime/scheduler.js';
import { ScheduledModel } from '../runtime/scheduled_model.js';
import { defaultDevice } from '../gpu/device.js';
import { padRows, uploadRows } from '../gpu/buffers.js';
import { checkLimits } from '../model/limits.js';
import { pad4 } from '../gpu/pad.js';
import type { Dispatch } from '../gpu/resources.js';
import type { LinearVariant } from '../kernels/linear.js';
import type { NoiseMode } from '../kernels/reparameterize.js';
import { TRAIN_STEP, TRAIN_STEP_DENOISING, VaeNetwork } from './vae_network.js';
import { VaeInference, type EvalOptions, type EvalResult } from './vae_inference.js';

export type { StepLoss, TrainingState } from '../runtime/scheduler.js';
export type { EvalOptions, EvalResult } from './vae_inference.js';

/** How to build a Vae. Everything is optional; the default is the reference model. */
export interface VaeOptions {
  /**
   * The model as data (src/model/spec.ts; docs/spec.md): a spec object or its JSON text. It
   * replaces the architecture part of `config` (arch, hidden, channels, dense, latent, the input
   * and the objective), which may then hold only training settings (batch, corrupt).
   */
  spec?: ModelSpec | string;
  /** Training settings (batch, corrupt) and, without a spec, the architecture shorthand (arch, hidden, ...). */
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

/** A trainable VAE living on one GPUDevice. */
export class Vae extends ScheduledModel {
  private readonly inputStaging: Float32Array | null;
  private readonly inference: VaeInference;
  /** KL weight (beta-VAE) and warm-up length in steps; see VaeOptions. */
  beta = 1;
  klWarmup = 0;

  private constructor(
    sched: Scheduler,
    private readonly net: VaeNetwork,
    readonly noise: NoiseMode,
    readonly linearVariant: LinearVariant,
  ) {
    super(sched);
    const { batch, inputSize } = net.config;
    this.inputStaging = inputSize % 4 === 0 ? null : new Float32Array(batch * pad4(inputSize));
    this.inference = new VaeInference(sched, net, noise, (x, count, corrupted) => this.upload(x, count, corrupted));
  }

  /** Builds every buffer, pipeline and bind group; nothing is allocated later. */
  static async create(opts: VaeOptions = {}): Promise<Vae> {
    const spec = typeof opts.spec === 'string' ? parseSpec(opts.spec) : opts.spec;
    const config = resolveConfig(spec === undefined ? opts.config : { ...opts.config, spec: spec as ModelSpec });
    const adam = resolveAdam(opts.adam);
    const seed = resolveSeed(opts.seed);
    const { beta, klWarmup } = resolveKlWeighting(config.kind, opts.beta, opts.klWarmup);
    const readbackEvery = checkSetting('readbackEvery', opts.readbackEvery ?? 16);
    const device = opts.device ?? (await defaultDevice('VaeOptions'));
    const variant =
      !opts.linearVariant || opts.linearVariant === 'auto' ? pickLinearVariant((device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo) : opts.linearVariant;
    const model = describeModel(config);
    const layers = modelLayers(model);
    const layout = parameterLayout(layers, device.limits.minStorageBufferOffsetAlignment);
    try {
      checkLimits(config, layers, layout, device.limits);
    } catch (e) {
      if (!opts.device) device.destroy();
      throw e;
    }
    const sched = new Scheduler(device, !opts.device, adam, seed, layout, readbackEvery);
    try {
      const net = new VaeNetwork(sched, config, model);
      const vae = new Vae(sched, net, opts.noise ?? 'gpu', variant);
      vae.writeParameters(opts.parameters ?? initParameters(net.layers, seed));
      vae.beta = beta;
      vae.klWarmup = klWarmup;
      if (opts.state) await vae.restore(opts.state);
      await net.build(variant, vae.noise);
      if (config.corrupt) {
        await net.enableCorruption();
        net.setCorruption('train', config.corrupt);
      }
      return vae;
    } catch (e) {
      sched.destroy();
      throw e;
    }
  }

  /** Sizes and objective. */
  get config(): VaeConfig {
    return this.net.config;
  }

  /** The model as typed layers (encoder, head, decoder). */
  get model(): ModelDescription {
    return this.net.model;
  }

  /** Every layer in execution order. */
  get layers(): LayerSpec[] {
    return this.net.layers;
  }

  /** The KL weight of step t: beta, ramped linearly over the warm-up steps (0 for the autoencoder). */
  klWeight(t: number): number {
    if (this.config.kind === 'ae') return 0;
    return this.klWarmup > 0 ? this.beta * Math.min(1, t / this.klWarmup) : this.beta;
  }

  /** The segments of a training step: with the corruption first for the denoising objective. */
  private get trainStep(): readonly string[] {
    return this.config.corrupt ? TRAIN_STEP_DENOISING : TRAIN_STEP;
  }

  /** Dispatches one training step encodes (for reports). */
  get dispatchesPerStep(): number {
    return this.sched.segments.program(this.trainStep).length;
  }

  /** The dispatches one training step encodes, in order (for reports and tests). */
  stepDispatches(): readonly Dispatch[] {
    return this.sched.segments.program(this.trainStep);
  }

  /** Labels of the dispatches one training step encodes, in order. */
  stepLabels(): string[] {
    return this.stepDispatches().map((d) => d.label);
  }

  /** Rows x[count, inputSize] into the input activation (padded), or into the clean input of a denoising pass. */
  private upload(x: Float32Array, count: number, corrupted = false): void {
    uploadRows(this.device, this.net.inputFor(corrupted).buffer, x, count, this.config.inputSize, this.inputStaging);
  }

  /**
   * One training step on rows x[count, inputSize] (pixels in [0, 1], row-major): one submit.
   * `count` may be below the batch size (the last partial batch); the loss sums its rows only.
   * Returns without waiting for the GPU; losses arrive through `losses()`.
   */
  async step(x: Float32Array, count = this.config.batch): Promise<void> {
    this.sched.check();
    const { batch, inputSize } = this.config;
    if (!Number.isInteger(count) || count < 1 || count > batch) throw new Error(`step: count=${count} must be in [1, ${batch}]`);
    if (x.length < count * inputSize) throw new Error(`step: x has ${x.length} values, need count*inputSize = ${count}*${inputSize}`);
    this.upload(x, count, this.config.corrupt !== null);
    await this.sched.submitStep(this.trainStep, count, this.klWeight(this.sched.steps + 1));
  }

  /** Noise for `noise: 'buffer'` models: eps[batch, latent], used by every following step. */
  setNoise(eps: Float32Array): void {
    this.sched.check();
    const { batch, latent } = this.config;
    if (this.noise !== 'buffer') throw new Error("setNoise: this model draws noise on the GPU (create it with noise: 'buffer')");
    if (this.config.kind === 'ae') throw new Error('setNoise: the autoencoder (kind ae) uses no noise');
    if (eps.length !== batch * latent) throw new Error(`setNoise: eps has ${eps.length} values, need batch*latent = ${batch}*${latent}`);
    this.device.queue.writeBuffer(this.net.acts.eps.buffer, 0, padRows(eps, batch, latent));
  }

  // ------------------------------------------------------------------ evaluation and inference

  /**
   * Loss of a data set without training: `batches` fills `x` (count x inputSize) before yielding
   * each batch's row count (e.g. `orderedBatches`). Each batch draws fresh noise. One submit per
   * batch and one readback per 256 batches. With `opts.corrupt`, the encoder sees corrupted
   * inputs and the loss scores the clean ones (the denoising figure); without, clean inputs.
   */
  evaluate(batches: Iterable<number>, x: Float32Array, opts: EvalOptions = {}): Promise<EvalResult> {
    return this.inference.evaluate(batches, x, opts);
  }

  /**
   * Per-image loss parts of n rows x[n, inputSize], one noise draw each: recon[i] and kl[i]
   * (their sum is image i's negative ELBO, its anomaly score). Runs in chunks of the batch size.
   */
  evaluateRows(x: Float32Array, n = x.length / this.config.inputSize, opts: EvalOptions = {}): Promise<{ recon: Float32Array; kl: Float32Array }> {
    return this.inference.evaluateRows(x, n, opts);
  }

  /**
   * Denoising of n rows x[n, inputSize]: each corrupted by `corrupt` (fresh evaluation noise),
   * then reconstructed from the posterior mean of the corrupted input. Returns both, n x
   * inputSize each; the reconstructions are the decoder's means, as `decode` gives them.
   */
  denoise(x: Float32Array, corrupt: Corruption, n = x.length / this.config.inputSize): Promise<{ corrupted: Float32Array; reconstructions: Float32Array }> {
    return this.inference.denoise(x, corrupt, n);
  }

  /**
   * The importance-weighted bound L_k on log p(x) (Burda et al. 2016) of n rows x[n, inputSize],
   * in nats per image, from `samples` posterior draws each (k; 5,000 is the figure papers
   * report). L_1 is a one-sample ELBO estimate and L_k rises towards log p(x) with k. Runs on
   * the GPU in passes of the batch size: each pass decodes min(k, batch) draws of one or more
   * images and folds their log-weights into a running log-sum-exp; `onProgress(done, total)`
   * counts passes. VAE only; with `noise: 'buffer'` (tests) k is at most the batch size.
   */
  logLikelihood(x: Float32Array, n = x.length / this.config.inputSize, samples = 5000, onProgress?: (done: number, total: number) => void): Promise<Float64Array> {
    return this.inference.logLikelihood(x, n, samples, onProgress);
  }

  /**
   * Posterior parameters of n rows x[n, inputSize]: mu[n, latent] and logvar[n, latent].
   * Runs the encoder in chunks of the batch size (no training state is touched).
   */
  encode(x: Float32Array, n = x.length / this.config.inputSize): Promise<{ mu: Float32Array; logvar: Float32Array }> {
    return this.inference.encode(x, n);
  }

  /**
   * Pixel means of n latent rows z[n, latent], decoded in chunks of the batch size: sigmoid of
   * the logits for the Bernoulli decoder, the output itself for the Gaussian one (not clipped).
   */
  decode(z: Float32Array, n = z.length / this.config.latent): Promise<Float32Array> {
    return this.inference.decode(z, n);
  }

  /** Reconstructions of n rows: decode(mu(x)), the posterior mean (no sampling). */
  async reconstruct(x: Float32Array, n = x.length / this.config.inputSize): Promise<Float32Array> {
    const { mu } = await this.encode(x, n);
    return this.decode(mu, n);
  }

  /** n images decoded from prior draws z ~ N(0, I), reproducible for a seed (Philox on the CPU). */
  sample(n: number, seed = this.seed): Promise<Float32Array> {
    return this.inference.sample(n, seed);
  }

}
