/**
 * Evaluation and inference of a VAE, composed from its network's segments on the buffers the
 * training step uses, in batch-sized chunks: the ELBO of a data set or of each row, the
 * importance-weighted bound, encode, decode and prior samples. No training state changes.
 */
import { philoxNormal } from '../runtime/philox.js';
import type { Scheduler } from '../runtime/scheduler.js';
import { EVAL_RING, padRows, readBuffer, whole } from '../gpu/buffers.js';
import { pad4 } from '../gpu/pad.js';
import { IWAE_CHUNK_BYTES, IwaeKernels, encodeChunk } from '../kernels/iwae.js';
import type { NoiseMode } from '../kernels/reparameterize.js';
import type { Corruption } from '../config.js';
import { EVALUATE, EVALUATE_DENOISING, SEGMENT, type VaeNetwork } from './vae_network.js';

/** Loss of an evaluated data set: sums over its images, and the per-image negative ELBO. */
export interface EvalResult {
  count: number;
  recon: number;
  kl: number;
  /** (recon + kl) / count, in nats. */
  loss: number;
}

/** How to evaluate: on corrupted inputs against the clean ones (the denoising figure), or on the inputs as given. */
export interface EvalOptions {
  corrupt?: Corruption | null;
}

/** The IWAE segment's name, and its two compositions: an image group's first pass, and the later ones. */
const IWAE = 'iwae';
const IWAE_FIRST = [SEGMENT.encoder, SEGMENT.evalSample, SEGMENT.decoder, SEGMENT.evalLoss, IWAE];
const IWAE_REST = [SEGMENT.evalSample, SEGMENT.decoder, SEGMENT.evalLoss, IWAE];

/** Evaluation and inference on a VAE's scheduler and network. */
export class VaeInference {
  /** The IWAE buffers, made on first use (see logLikelihood). */
  private iwae: { chunk: GPUBuffer; state: GPUBuffer; rows: Float32Array } | null = null;

  constructor(
    private readonly sched: Scheduler,
    private readonly net: VaeNetwork,
    private readonly noise: NoiseMode,
    /** Writes count rows of inputs into the network's input activation (or, `corrupted`, its clean input). */
    private readonly upload: (x: Float32Array, count: number, corrupted?: boolean) => void,
  ) {}

  /** The evaluation program for `opts`, with the corruption written when there is one. */
  private async program(opts: EvalOptions): Promise<{ names: readonly string[]; corrupted: boolean }> {
    if (!opts.corrupt) return { names: EVALUATE, corrupted: false };
    await this.net.enableCorruption();
    this.net.setCorruption('eval', opts.corrupt);
    return { names: EVALUATE_DENOISING, corrupted: true };
  }

  private get config() {
    return this.net.config;
  }

  /** n >= 1 whole rows of `width` values in `a` (named `name`, rows of `unit`s), or an Error naming `what`. */
  private checkRows(what: string, name: 'x' | 'z', a: Float32Array, n: number, width: number, unit: 'pixel' | 'dimensional'): void {
    if (!Number.isInteger(n) || n < 1 || a.length < n * width) throw new Error(`${what}: ${name} has ${a.length} values, not a whole number of ${width}-${unit} rows`);
  }

  /** See Vae.evaluate. */
  async evaluate(batches: Iterable<number>, x: Float32Array, opts: EvalOptions = {}): Promise<EvalResult> {
    this.sched.check();
    const { names, corrupted } = await this.program(opts);
    const { batch, inputSize } = this.config;
    const result: EvalResult = { count: 0, recon: 0, kl: 0, loss: 0 };
    let pending = 0;
    const flush = async () => {
      const sums = await this.sched.readEvalRing(pending);
      result.recon += sums.recon;
      result.kl += sums.kl;
      result.count += sums.count;
      pending = 0;
    };
    for (const count of batches) {
      if (!Number.isInteger(count) || count < 1 || count > batch) throw new Error(`evaluate: batch count=${count} must be in [1, ${batch}]`);
      if (x.length < count * inputSize) throw new Error(`evaluate: x has ${x.length} values, need ${count}*${inputSize}`);
      this.upload(x, count, corrupted);
      this.sched.submitEval(names, count, pending, 'evaluate');
      if (++pending === EVAL_RING) await flush();
    }
    if (pending > 0) await flush();
    this.sched.check();
    result.loss = result.count > 0 ? (result.recon + result.kl) / result.count : NaN;
    return result;
  }

  /** See Vae.evaluateRows. */
  async evaluateRows(x: Float32Array, n: number, opts: EvalOptions = {}): Promise<{ recon: Float32Array; kl: Float32Array }> {
    this.sched.check();
    const { batch, inputSize } = this.config;
    this.checkRows('evaluateRows', 'x', x, n, inputSize, 'pixel');
    const recon = new Float32Array(n);
    const kl = new Float32Array(n);
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      await this.evaluate([count], x.subarray(start * inputSize), opts);
      const rows = await readBuffer(this.sched.device, this.net.acts.perImage.buffer);
      for (let r = 0; r < count; r++) {
        recon[start + r] = rows[2 * r];
        kl[start + r] = rows[2 * r + 1];
      }
    }
    return { recon, kl };
  }

  /** See Vae.logLikelihood. */
  async logLikelihood(x: Float32Array, n: number, samples: number, onProgress?: (done: number, total: number) => void): Promise<Float64Array> {
    this.sched.check();
    const { batch, inputSize } = this.config;
    if (this.config.kind === 'ae') throw new Error('logLikelihood: the autoencoder (kind ae) has no posterior to sample; train a VAE');
    this.checkRows('logLikelihood', 'x', x, n, inputSize, 'pixel');
    if (!Number.isInteger(samples) || samples < 1 || samples > 1e6) throw new Error(`logLikelihood: samples=${samples} must be a whole number in [1, 1000000]`);
    // Every pass reads the same eps rows from the buffer: more draws than the batch would repeat them.
    if (this.noise === 'buffer' && samples > batch) throw new Error(`logLikelihood: samples=${samples} is more than the batch (${batch}), and noise: 'buffer' gives every pass the same eps rows`);
    const iw = await this.prepareIwae();
    // Each pass holds `stride` draws of each of `group` images (rows repeat their image).
    const stride = Math.min(samples, batch);
    const group = Math.floor(batch / stride);
    const passes = Math.ceil(samples / stride);
    const total = Math.ceil(n / group) * passes;
    const chunk = new ArrayBuffer(IWAE_CHUNK_BYTES);
    const out = new Float64Array(n);
    let done = 0;
    for (let start = 0; start < n; start += group) {
      const images = Math.min(group, n - start);
      for (let g = 0; g < images; g++) {
        const img = x.subarray((start + g) * inputSize, (start + g + 1) * inputSize);
        for (let i = 0; i < stride; i++) iw.rows.set(img, (g * stride + i) * inputSize);
      }
      this.upload(iw.rows, images * stride);
      for (let p = 0; p < passes; p++) {
        this.sched.device.queue.writeBuffer(iw.chunk, 0, encodeChunk(images, stride, Math.min(stride, samples - p * stride), p === 0, chunk));
        // The encoder runs once per image group; later passes only draw and decode. Each pass
        // draws fresh evaluation noise.
        this.sched.submitEval(p === 0 ? IWAE_FIRST : IWAE_REST, images * stride, 0, 'iwae');
        done++;
        // Waiting every few passes keeps the queue short and the progress honest.
        if (onProgress && (done % 8 === 0 || p === passes - 1)) {
          await this.sched.device.queue.onSubmittedWorkDone();
          this.sched.check();
          onProgress(done, total);
        }
      }
      const state = await readBuffer(this.sched.device, iw.state);
      for (let g = 0; g < images; g++) out[start + g] = state[2 * g] + Math.log(state[2 * g + 1]) - Math.log(samples);
    }
    this.sched.check();
    return out;
  }

  private async prepareIwae(): Promise<NonNullable<VaeInference['iwae']>> {
    if (this.iwae) return this.iwae;
    const { batch, latent, inputSize } = this.config;
    const res = this.sched.res;
    const a = this.net.acts;
    const chunk = res.buffer('iwae chunk', IWAE_CHUNK_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    const state = res.storage('iwae state', batch * 8);
    this.sched.device.pushErrorScope('validation');
    const ds = await new IwaeKernels(res).dispatches('iwae', {
      chunk, head: this.net.head, z: a.z, eps: a.eps, perImage: a.perImage, logW: whole(res.storage('iwae log weights', batch * 4)),
      state: whole(state), rows: batch, maxImages: batch, latent,
    });
    const err = await this.sched.device.popErrorScope();
    if (err) throw new Error(`iwae: ${err.message}`);
    // The loss kernel's per-row parts (its batch total is not needed), then the bound.
    this.sched.segments.define(IWAE, ds);
    this.iwae = { chunk, state, rows: new Float32Array(batch * inputSize) };
    return this.iwae;
  }

  /** See Vae.encode. */
  async encode(x: Float32Array, n: number): Promise<{ mu: Float32Array; logvar: Float32Array }> {
    this.sched.check();
    const { batch, inputSize, latent } = this.config;
    this.checkRows('encode', 'x', x, n, inputSize, 'pixel');
    const mu = new Float32Array(n * latent);
    const logvar = new Float32Array(n * latent);
    const ld = pad4(2 * latent);
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      this.upload(x.subarray(start * inputSize), count);
      this.sched.run([SEGMENT.encoder], 'encode');
      const head = await readBuffer(this.sched.device, this.net.head.buffer);
      for (let r = 0; r < count; r++) {
        mu.set(head.subarray(r * ld, r * ld + latent), (start + r) * latent);
        logvar.set(head.subarray(r * ld + latent, r * ld + 2 * latent), (start + r) * latent);
      }
    }
    this.sched.check();
    return { mu, logvar };
  }

  /** See Vae.decode. */
  async decode(z: Float32Array, n: number): Promise<Float32Array> {
    this.sched.check();
    const { batch, inputSize, latent } = this.config;
    this.checkRows('decode', 'z', z, n, latent, 'dimensional');
    const out = new Float32Array(n * inputSize);
    const ld = pad4(inputSize);
    const bernoulli = this.config.likelihood === 'bernoulli';
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      this.sched.device.queue.writeBuffer(this.net.acts.z.buffer, 0, padRows(z.subarray(start * latent, (start + count) * latent), count, latent));
      this.sched.run([SEGMENT.decoder], 'decode');
      const logits = await readBuffer(this.sched.device, this.net.output.buffer);
      for (let r = 0; r < count; r++) {
        for (let i = 0; i < inputSize; i++) {
          const v = logits[r * ld + i];
          out[(start + r) * inputSize + i] = bernoulli ? 1 / (1 + Math.exp(-v)) : v;
        }
      }
    }
    this.sched.check();
    return out;
  }

  /** See Vae.denoise. */
  async denoise(x: Float32Array, corrupt: Corruption, n: number): Promise<{ corrupted: Float32Array; reconstructions: Float32Array }> {
    this.sched.check();
    const { batch, inputSize, latent } = this.config;
    this.checkRows('denoise', 'x', x, n, inputSize, 'pixel');
    await this.net.enableCorruption();
    this.net.setCorruption('eval', corrupt);
    const corrupted = new Float32Array(n * inputSize);
    const mu = new Float32Array(n * latent);
    const ldIn = pad4(inputSize);
    const ldHead = pad4(2 * latent);
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      this.upload(x.subarray(start * inputSize), count, true);
      // Fresh evaluation noise for the corruption; the encoder then reads the corrupted rows.
      this.sched.submitEval([SEGMENT.evalCorrupt, SEGMENT.encoder], count, 0, 'denoise');
      const input = await readBuffer(this.sched.device, this.net.acts.input.buffer);
      const head = await readBuffer(this.sched.device, this.net.head.buffer);
      for (let r = 0; r < count; r++) {
        corrupted.set(input.subarray(r * ldIn, r * ldIn + inputSize), (start + r) * inputSize);
        mu.set(head.subarray(r * ldHead, r * ldHead + latent), (start + r) * latent);
      }
    }
    return { corrupted, reconstructions: await this.decode(mu, n) };
  }

  /** See Vae.sample. */
  async sample(n: number, seed: number): Promise<Float32Array> {
    if (!Number.isInteger(n) || n < 1) throw new Error(`sample: n=${n} must be a whole number >= 1`);
    const z = new Float32Array(n * this.config.latent);
    // Step counter 0xffffffff keeps prior draws apart from training (steps from 1) and evaluation.
    for (let i = 0; i < z.length; i++) z[i] = philoxNormal(seed, 0xffffffff, i);
    return this.decode(z, n);
  }
}
