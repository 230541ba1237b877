/**
 * Wrapper of shaders/iwae.wgsl: per-sample importance log-weights from the loss kernel's
 * per-image reconstruction term, then a running log-sum-exp per image across passes.
 */
import source from '../../shaders/iwae.wgsl';
import { pad4 } from '../gpu/pad.js';
import { packStruct, structOf } from '../gpu/layout.js';
import { ShaderPipelines } from '../gpu/shader.js';
import type { BufferRange, Dispatch, GpuResources } from '../gpu/resources.js';

const CHUNK = structOf(source, 'Chunk');
const DIMS = structOf(source, 'Dims');
/** Bytes of `struct Chunk`: u32 images, stride, take, first. */
export const IWAE_CHUNK_BYTES = CHUNK.size;

/** Buffers of the bound: rows are samples, `stride` consecutive rows per image. */
export interface IwaeArgs {
  /** struct Chunk, rewritten before each pass (see encodeChunk). */
  chunk: GPUBuffer;
  head: BufferRange;
  z: BufferRange;
  eps: BufferRange;
  /** The loss kernel's (recon, kl) per row. */
  perImage: BufferRange;
  /** One f32 per row. */
  logW: BufferRange;
  /** (max, scaled sum) per image: 8 bytes each. */
  state: BufferRange;
  /** Rows the buffers hold (the batch) and most images in one pass. */
  rows: number;
  maxImages: number;
  latent: number;
}

/** One pass's `struct Chunk`, into `out` when given. */
export function encodeChunk(images: number, stride: number, take: number, first: boolean, out = new ArrayBuffer(IWAE_CHUNK_BYTES)): ArrayBuffer {
  return packStruct(CHUNK, { images, stride, take, first: first ? 1 : 0 }, out, 'iwae.wgsl struct Chunk');
}

const WG = 64;

/** Compiled IWAE pipelines for one device. */
export class IwaeKernels {
  private readonly shader: ShaderPipelines;

  constructor(private readonly res: GpuResources) {
    this.shader = new ShaderPipelines(res.device, source);
  }

  /** log_weights over the rows, then fold over the images. */
  async dispatches(label: string, a: IwaeArgs): Promise<[Dispatch, Dispatch]> {
    const dims = this.res.uniform(`${label}.dims`, packStruct(DIMS, { latent: a.latent, ld_head: pad4(2 * a.latent), ld_z: pad4(a.latent) }, undefined, 'iwae.wgsl struct Dims'));
    const lw = await this.shader.get('log_weights');
    const fold = await this.shader.get('fold');
    return [
      {
        label: `${label}.log_weights`,
        pipeline: lw,
        bindGroup: this.res.bindGroup(`${label}.log_weights`, lw, [dims, a.chunk, a.head, a.z, a.eps, a.perImage, a.logW, null]),
        workgroups: [Math.ceil(a.rows / WG), 1, 1],
      },
      {
        label: `${label}.fold`,
        pipeline: fold,
        bindGroup: this.res.bindGroup(`${label}.fold`, fold, [null, a.chunk, null, null, null, null, a.logW, a.state]),
        workgroups: [Math.ceil(a.maxImages / WG), 1, 1],
      },
    ];
  }
}
