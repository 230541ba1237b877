/**
 * Wrapper of the loss kernels, one per decoder likelihood with the same bindings and entries:
 * shaders/bce_kl.wgsl (Bernoulli: BCE with logits) and shaders/gaussian_kl.wgsl (Gaussian with
 * fixed sigma: scaled squared error). Per-row reconstruction and KL with their gradients in one
 * pass, then the batch totals appended to a history ring for asynchronous readback. The
 * autoencoder compiles them without the KL term.
 */
import bceSource from '../../shaders/bce_kl.wgsl';
import gaussianSource from '../../shaders/gaussian_kl.wgsl';
import type { VaeConfig } from '../config.js';
import { pad4 } from '../model.js';
import { ShaderPipelines } from '../gpu/shader.js';
import type { BufferRange, Dispatch, GpuResources } from '../gpu/resources.js';

/** Bytes of one history record: f32 recon, f32 kl, u32 count, u32 t, f32 grad_sq, 3 pad words. */
export const HISTORY_RECORD_BYTES = 32;

/** Buffers of the loss; `logits` is the decoder output (the Gaussian's mean). */
export interface LossArgs {
  step: GPUBuffer;
  logits: BufferRange;
  target: BufferRange;
  head: BufferRange;
  dlogits: BufferRange;
  dhead: BufferRange;
  /** (recon, kl) per row, 8 bytes a row. */
  perImage: BufferRange;
  history: BufferRange;
  rows: number;
  pixels: number;
  latent: number;
}

/** The objective part of a configuration that picks and parameterizes the loss kernel. */
export type LossObjective = Pick<VaeConfig, 'kind' | 'likelihood' | 'sigma'>;

/** Compiled loss pipelines for one device and objective. */
export class LossKernels {
  private readonly shader: ShaderPipelines;
  /** The kernel's name (`bce_kl` or `gaussian_kl`), for labels. */
  readonly name: string;

  constructor(
    private readonly res: GpuResources,
    private readonly objective: LossObjective,
  ) {
    const gaussian = objective.likelihood === 'gaussian';
    this.name = gaussian ? 'gaussian_kl' : 'bce_kl';
    this.shader = new ShaderPipelines(res.device, `${this.name}.wgsl`, gaussian ? gaussianSource : bceSource);
  }

  /** The two dispatches of the loss: per row (loss parts and gradients), then the batch total. */
  async dispatches(label: string, a: LossArgs): Promise<[Dispatch, Dispatch]> {
    const words = new Uint32Array([pad4(a.rows), a.pixels, pad4(a.pixels), a.latent, pad4(2 * a.latent), 0, 0, 0]);
    if (this.objective.likelihood === 'gaussian') {
      // inv_var and log_norm (struct Dims of gaussian_kl.wgsl), rounded once from float64.
      const sigma = this.objective.sigma;
      const f = new Float32Array(words.buffer);
      f[5] = 1 / (sigma * sigma);
      f[6] = a.pixels * (Math.log(sigma) + 0.5 * Math.log(2 * Math.PI));
    }
    const dims = this.res.uniform(`${label}.dims`, words);
    const constants = { KL: this.objective.kind === 'vae' ? 1 : 0 };
    const perRow = await this.shader.get('per_row', constants, `${this.name}.per_row`);
    const total = await this.shader.get('total', constants, `${this.name}.total`);
    const rows: Dispatch = {
      label: `${label}.per_row`,
      pipeline: perRow,
      bindGroup: this.res.bindGroup(`${label}.per_row`, perRow, [dims, a.step, a.logits, a.target, a.head, null, a.dlogits, a.dhead, a.perImage, null]),
      workgroups: [pad4(a.rows), 1, 1],
    };
    const sum: Dispatch = {
      label: `${label}.total`,
      pipeline: total,
      bindGroup: this.res.bindGroup(`${label}.total`, total, [null, a.step, null, null, null, a.perImage, null, null, null, a.history]),
      workgroups: [1, 1, 1],
    };
    return [rows, sum];
  }
}
