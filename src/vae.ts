/**
 * The class to use: a trainable MLP VAE on one GPUDevice. Training lives in VaeCore
 * (src/vae_core.ts); this adds evaluation (ELBO per data set or per image), the
 * importance-weighted bound, and inference (encode, decode, reconstruct, sample), all on the
 * buffers the step uses, in batch-sized chunks.
 */
import { headIndex, pad4 } from './model.js';
import { philoxNormal } from './philox.js';
import { encodeDispatches, type Dispatch } from './gpu/resources.js';
import { EVAL_RING, padRows, readBuffer, whole } from './gpu/buffers.js';
import { HISTORY_RECORD_BYTES } from './kernels/loss.js';
import { IWAE_CHUNK_BYTES, IwaeKernels, encodeChunk } from './kernels/iwae.js';
import { encodeStepUniform } from './kernels/step_uniforms.js';
import { VaeCore, type VaeOptions } from './vae_core.js';

export { pickLinearVariant, type StepLoss, type TrainingState, type VaeOptions } from './vae_core.js';

/** Loss of an evaluated data set: sums over its images, and the per-image negative ELBO. */
export interface EvalResult {
  count: number;
  recon: number;
  kl: number;
  /** (recon + kl) / count, in nats. */
  loss: number;
}

/** A trainable MLP VAE living on one GPUDevice. */
export class Vae extends VaeCore {
  /** The IWAE passes, built on first use (see logLikelihood). */
  private iwae: { first: Dispatch[]; rest: Dispatch[]; chunk: GPUBuffer; state: GPUBuffer; rows: Float32Array } | null = null;

  /** Builds every buffer, pipeline and bind group; nothing is allocated later. */
  static async create(opts: VaeOptions = {}): Promise<Vae> {
    return VaeCore.build((...parts) => new Vae(...parts), opts);
  }

  /**
   * Loss of a data set without training: `batches` fills `x` (count x inputSize) before yielding
   * each batch's row count (e.g. `orderedBatches`). Each batch draws fresh noise. One submit per
   * batch and one readback per 256 batches.
   */
  async evaluate(batches: Iterable<number>, x: Float32Array): Promise<EvalResult> {
    this.check();
    const { batch, inputSize } = this.config;
    const result: EvalResult = { count: 0, recon: 0, kl: 0, loss: 0 };
    let pending = 0;
    const flush = async () => {
      const all = await readBuffer(this.device, this.buffers.evalRing);
      const view = new DataView(all.buffer);
      for (let i = 0; i < pending; i++) {
        result.recon += view.getFloat32(i * HISTORY_RECORD_BYTES, true);
        result.kl += view.getFloat32(i * HISTORY_RECORD_BYTES + 4, true);
        result.count += view.getUint32(i * HISTORY_RECORD_BYTES + 8, true);
      }
      pending = 0;
    };
    for (const count of batches) {
      if (!Number.isInteger(count) || count < 1 || count > batch) throw new Error(`evaluate: batch count=${count} must be in [1, ${batch}]`);
      if (x.length < count * inputSize) throw new Error(`evaluate: x has ${x.length} values, need ${count}*${inputSize}`);
      this.uploadRows(this.buffers.acts[0].buffer, x, count);
      this.evals++;
      encodeStepUniform({ t: 0x80000000 + this.evals, seed: this.seed, count, historySlot: pending }, this.adam, this.stepBytes);
      this.device.queue.writeBuffer(this.buffers.evalStep, 0, this.stepBytes);
      const enc = this.device.createCommandEncoder({ label: 'evaluate' });
      const pass = enc.beginComputePass({ label: 'evaluate' });
      encodeDispatches(pass, this.evalDispatches);
      pass.end();
      this.device.queue.submit([enc.finish()]);
      if (++pending === EVAL_RING) await flush();
    }
    if (pending > 0) await flush();
    this.check();
    result.loss = result.count > 0 ? (result.recon + result.kl) / result.count : NaN;
    return result;
  }

  /**
   * Per-image loss parts of n rows x[n, inputSize], one noise draw each: recon[i] and kl[i]
   * (their sum is image i's negative ELBO, its anomaly score). Runs in chunks of the batch size.
   */
  async evaluateRows(x: Float32Array, n = x.length / this.config.inputSize): Promise<{ recon: Float32Array; kl: Float32Array }> {
    this.check();
    const { batch, inputSize } = this.config;
    if (!Number.isInteger(n) || n < 1 || x.length < n * inputSize) throw new Error(`evaluateRows: x has ${x.length} values, not a whole number of ${inputSize}-pixel rows`);
    const recon = new Float32Array(n);
    const kl = new Float32Array(n);
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      await this.evaluate([count], x.subarray(start * inputSize));
      const rows = await readBuffer(this.device, this.buffers.perImage.buffer);
      for (let r = 0; r < count; r++) {
        recon[start + r] = rows[2 * r];
        kl[start + r] = rows[2 * r + 1];
      }
    }
    return { recon, kl };
  }

  /**
   * The importance-weighted bound L_k on log p(x) (Burda et al. 2016) of n rows x[n, inputSize],
   * in nats per image, from `samples` posterior draws each (k; 5,000 is the figure papers
   * report). L_1 is a one-sample ELBO estimate and L_k rises towards log p(x) with k. Runs on
   * the GPU in passes of the batch size: each pass decodes min(k, batch) draws of one or more
   * images and folds their log-weights into a running log-sum-exp; `onProgress(done, total)`
   * counts passes. VAE only; with `noise: 'buffer'` (tests) k is at most the batch size.
   */
  async logLikelihood(x: Float32Array, n = x.length / this.config.inputSize, samples = 5000, onProgress?: (done: number, total: number) => void): Promise<Float64Array> {
    this.check();
    const { batch, inputSize } = this.config;
    if (this.config.kind === 'ae') throw new Error('logLikelihood: the autoencoder (kind ae) has no posterior to sample; train a VAE');
    if (!Number.isInteger(n) || n < 1 || x.length < n * inputSize) throw new Error(`logLikelihood: x has ${x.length} values, not a whole number of ${inputSize}-pixel rows`);
    if (!Number.isInteger(samples) || samples < 1 || samples > 1e6) throw new Error(`logLikelihood: samples=${samples} must be a whole number in [1, 1000000]`);
    // Every pass reads the same eps rows from the buffer: more draws than the batch would repeat them.
    if (this.noise === 'buffer' && samples > batch) throw new Error(`logLikelihood: samples=${samples} is more than the batch (${batch}), and noise: 'buffer' gives every pass the same eps rows`);
    const iw = await this.prepareIwae();
    // Each pass holds `stride` draws of each of `group` images (rows repeat their image).
    const stride = Math.min(samples, batch);
    const group = Math.floor(batch / stride);
    const passes = Math.ceil(samples / stride);
    const total = Math.ceil(n / group) * passes;
    const chunk = new Uint32Array(4);
    const out = new Float64Array(n);
    let done = 0;
    for (let start = 0; start < n; start += group) {
      const images = Math.min(group, n - start);
      for (let g = 0; g < images; g++) {
        const img = x.subarray((start + g) * inputSize, (start + g + 1) * inputSize);
        for (let i = 0; i < stride; i++) iw.rows.set(img, (g * stride + i) * inputSize);
      }
      this.uploadRows(this.buffers.acts[0].buffer, iw.rows, images * stride);
      for (let p = 0; p < passes; p++) {
        // Evaluation noise: its own counter range, a fresh draw every pass.
        this.evals++;
        encodeStepUniform({ t: 0x80000000 + this.evals, seed: this.seed, count: images * stride, historySlot: 0 }, this.adam, this.stepBytes);
        this.device.queue.writeBuffer(this.buffers.evalStep, 0, this.stepBytes);
        this.device.queue.writeBuffer(iw.chunk, 0, encodeChunk(images, stride, Math.min(stride, samples - p * stride), p === 0, chunk));
        const enc = this.device.createCommandEncoder({ label: 'iwae' });
        const pass = enc.beginComputePass({ label: 'iwae' });
        // The encoder runs once per image group; later passes only draw and decode.
        encodeDispatches(pass, p === 0 ? iw.first : iw.rest);
        pass.end();
        this.device.queue.submit([enc.finish()]);
        done++;
        // Waiting every few passes keeps the queue short and the progress honest.
        if (onProgress && (done % 8 === 0 || p === passes - 1)) {
          await this.device.queue.onSubmittedWorkDone();
          this.check();
          onProgress(done, total);
        }
      }
      const state = await readBuffer(this.device, iw.state);
      for (let g = 0; g < images; g++) out[start + g] = state[2 * g] + Math.log(state[2 * g + 1]) - Math.log(samples);
    }
    this.check();
    return out;
  }

  private async prepareIwae(): Promise<NonNullable<Vae['iwae']>> {
    if (this.iwae) return this.iwae;
    const { batch, latent, inputSize } = this.config;
    const b = this.buffers;
    const h = headIndex(this.config);
    const chunk = this.res.buffer('iwae chunk', IWAE_CHUNK_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    const state = this.res.storage('iwae state', batch * 8);
    this.device.pushErrorScope('validation');
    const ds = await new IwaeKernels(this.res).dispatches('iwae', {
      chunk, head: b.acts[h + 1], z: b.z, eps: b.eps, perImage: b.perImage, logW: whole(this.res.storage('iwae log weights', batch * 4)),
      state: whole(state), rows: batch, maxImages: batch, latent,
    });
    const err = await this.device.popErrorScope();
    if (err) throw new Error(`iwae: ${err.message}`);
    // The evaluation list up to the loss's per_row (its batch total is not needed), then the bound.
    const ev = this.evalDispatches;
    const first = [...ev.slice(0, ev.length - 1), ...ds];
    this.iwae = { first, rest: first.slice(h + 1), chunk, state, rows: new Float32Array(batch * inputSize) };
    return this.iwae;
  }

  /** Runs prepared dispatches [from, to) of the training list in one submit (inference helpers). */
  private runSegment(from: number, to: number, label: string): void {
    const enc = this.device.createCommandEncoder({ label });
    const pass = enc.beginComputePass({ label });
    encodeDispatches(pass, this.trainDispatches.slice(from, to));
    pass.end();
    this.device.queue.submit([enc.finish()]);
  }

  /**
   * Posterior parameters of n rows x[n, inputSize]: mu[n, latent] and logvar[n, latent].
   * Runs the encoder in chunks of the batch size (no training state is touched).
   */
  async encode(x: Float32Array, n = x.length / this.config.inputSize): Promise<{ mu: Float32Array; logvar: Float32Array }> {
    this.check();
    const { batch, inputSize, latent } = this.config;
    if (!Number.isInteger(n) || n < 1 || x.length < n * inputSize) throw new Error(`encode: x has ${x.length} values, not a whole number of ${inputSize}-pixel rows`);
    const h = headIndex(this.config);
    const mu = new Float32Array(n * latent);
    const logvar = new Float32Array(n * latent);
    const ld = pad4(2 * latent);
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      this.uploadRows(this.buffers.acts[0].buffer, x.subarray(start * inputSize), count);
      this.runSegment(0, h + 1, 'encode');
      const head = await readBuffer(this.device, this.buffers.acts[h + 1].buffer);
      for (let r = 0; r < count; r++) {
        mu.set(head.subarray(r * ld, r * ld + latent), (start + r) * latent);
        logvar.set(head.subarray(r * ld + latent, r * ld + 2 * latent), (start + r) * latent);
      }
    }
    this.check();
    return { mu, logvar };
  }

  /**
   * Pixel means of n latent rows z[n, latent], decoded in chunks of the batch size: sigmoid of
   * the logits for the Bernoulli decoder, the output itself for the Gaussian one (not clipped).
   */
  async decode(z: Float32Array, n = z.length / this.config.latent): Promise<Float32Array> {
    this.check();
    const { batch, inputSize, latent } = this.config;
    if (!Number.isInteger(n) || n < 1 || z.length < n * latent) throw new Error(`decode: z has ${z.length} values, not a whole number of ${latent}-dimensional rows`);
    const h = headIndex(this.config);
    const out = new Float32Array(n * inputSize);
    const ld = pad4(inputSize);
    const last = this.layers.length;
    // Decoder dispatches: the forward products after the head and the reparameterization.
    const from = h + 2;
    const to = from + (last - h - 1);
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      this.device.queue.writeBuffer(this.buffers.z.buffer, 0, padRows(z.subarray(start * latent, (start + count) * latent), count, latent));
      this.runSegment(from, to, 'decode');
      const logits = await readBuffer(this.device, this.buffers.acts[last].buffer);
      const bernoulli = this.config.likelihood === 'bernoulli';
      for (let r = 0; r < count; r++) {
        for (let i = 0; i < inputSize; i++) {
          const v = logits[r * ld + i];
          out[(start + r) * inputSize + i] = bernoulli ? 1 / (1 + Math.exp(-v)) : v;
        }
      }
    }
    this.check();
    return out;
  }

  /** Reconstructions of n rows: decode(mu(x)), the posterior mean (no sampling). */
  async reconstruct(x: Float32Array, n = x.length / this.config.inputSize): Promise<Float32Array> {
    const { mu } = await this.encode(x, n);
    return this.decode(mu, n);
  }

  /** n images decoded from prior draws z ~ N(0, I), reproducible for a seed (Philox on the CPU). */
  async sample(n: number, seed = this.seed): Promise<Float32Array> {
    if (!Number.isInteger(n) || n < 1) throw new Error(`sample: n=${n} must be a whole number >= 1`);
    const z = new Float32Array(n * this.config.latent);
    // Step counter 0xffffffff keeps prior draws apart from training (steps from 1) and evaluation.
    for (let i = 0; i < z.length; i++) z[i] = philoxNormal(seed, 0xffffffff, i);
    return this.decode(z, n);
  }

}
