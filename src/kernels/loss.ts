/**
 * Wrapper of the loss kernels, one per decoder likelihood, both the common body
 * shaders/common/loss.wgsl with their own per-pixel term: shaders/bce_kl.wgsl (Bernoulli: BCE
 * with logits) and shaders/gaussian_kl.wgsl (Gaussian with fixed sigma: scaled squared error).
 * Per-row reconstruction and KL with their gradients in one pass, then the batch totals
 * appended to a history ring for asynchronous readback. The autoencoder compiles them without
 * the KL term.
 */
import bceSource from '../../shaders/bce_kl.wgsl';
import gaussianSource from '../../shaders/gaussian_kl.wgsl';
import type { VaeConfig } from '../config.js';
import { pad4 } from '../gpu/pad.js';
import { packStruct, structOf } from '../gpu/layout.js';
import { ShaderPipelines } from '../gpu/shader.js';
import type { BufferRange, Dispatch, GpuResources } from '../gpu/resources.js';

export { HISTORY_RECORD_BYTES } from '../gpu/history.js';

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
    this.shader = new ShaderPipelines(res.device, gaussian ? gaussianSource : bceSource);
  }

  /** The two dispatches of the loss: per row (loss parts and gradients), then the batch total. */
  async dispatches(label: string, a: LossArgs): Promise<[Dispatch, Dispatch]> {
    // inv_var and log_norm are the Gaussian's (rounded once from float64); Bernoulli ignores them.
    const sigma = this.objective.sigma;
    const gaussian = this.objective.likelihood === 'gaussian';
    const dims = this.res.uniform(`${label}.dims`, packStruct(structOf(this.shader.source, 'Dims'), {
      rows: pad4(a.rows), pixels: a.pixels, ld_x: pad4(a.pixels), latent: a.latent, ld_head: pad4(2 * a.latent),
      inv_var: gaussian ? 1 / (sigma * sigma) : 0,
      log_norm: gaussian ? a.pixels * (Math.log(sigma) + 0.5 * Math.log(2 * Math.PI)) : 0,
    }, undefined, `${this.shader.name} struct Dims`));
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
