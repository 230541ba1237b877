/**
 * Wrapper of shaders/bce_kl.wgsl: per-row BCE-with-logits and KL with their gradients in one
 * pass, then the batch totals appended to a history ring for asynchronous readback.
 */
import source from '../../shaders/bce_kl.wgsl';
import { pad4 } from '../model.js';
import { ShaderPipelines } from '../gpu/shader.js';
import type { BufferRange, Dispatch, GpuResources } from '../gpu/resources.js';

/** Bytes of one history record: f32 recon, f32 kl, u32 count, u32 t, f32 grad_sq, 3 pad words. */
export const HISTORY_RECORD_BYTES = 32;

/** Buffers of the loss. */
export interface BceKlArgs {
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

/** Compiled loss pipelines for one device. */
export class BceKlKernels {
  private readonly shader: ShaderPipelines;

  constructor(private readonly res: GpuResources) {
    this.shader = new ShaderPipelines(res.device, 'bce_kl.wgsl', source);
  }

  /** The two dispatches of the loss: per row (loss parts and gradients), then the batch total. */
  async dispatches(label: string, a: BceKlArgs): Promise<[Dispatch, Dispatch]> {
    const dims = this.res.uniform(
      `${label}.dims`,
      new Uint32Array([pad4(a.rows), a.pixels, pad4(a.pixels), a.latent, pad4(2 * a.latent), 0, 0, 0]),
    );
    const perRow = await this.shader.get('per_row');
    const total = await this.shader.get('total');
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
