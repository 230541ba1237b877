/**
 * Wrapper of shaders/corrupt.wgsl: the denoising objectives' input corruption on the GPU, keyed
 * by the step uniform's (seed, t) so that every step (and every evaluation pass) draws afresh.
 * The corruption itself sits in its own small uniform, rewritten when it changes.
 */
import source from '../../shaders/corrupt.wgsl';
import { CORRUPTIONS, type Corruption } from '../config.js';
import { packStruct, structOf } from '../gpu/layout.js';
import { pad4 } from '../gpu/pad.js';
import { ShaderPipelines } from '../gpu/shader.js';
import type { BufferRange, Dispatch, GpuResources } from '../gpu/resources.js';

const LAYOUT = structOf(source, 'Corruption');
const WG = 64;

/** Bytes of the corruption uniform. */
export const CORRUPTION_BYTES = LAYOUT.size;

/** The uniform's contents for a corruption (null: a plain copy) of rows x pixels. */
export function encodeCorruption(c: Corruption | null, rows: number, pixels: number, out?: ArrayBuffer): ArrayBuffer {
  return packStruct(LAYOUT, {
    mode: c ? CORRUPTIONS.indexOf(c.kind) + 1 : 0, amount: c?.amount ?? 0, pixels, ld: pad4(pixels), rows: pad4(rows),
  }, out, 'corrupt.wgsl struct Corruption');
}

/** Buffers of one corruption pass: clean -> out, both [rows, pad4(pixels)]. */
export interface CorruptArgs {
  /** The corruption uniform (see encodeCorruption). */
  corruption: GPUBuffer;
  step: GPUBuffer;
  clean: BufferRange;
  out: BufferRange;
  rows: number;
  pixels: number;
}

/** Compiled corruption pipeline for one device. */
export class CorruptKernels {
  private readonly shader: ShaderPipelines;

  constructor(private readonly res: GpuResources) {
    this.shader = new ShaderPipelines(res.device, source);
  }

  async forward(label: string, a: CorruptArgs): Promise<Dispatch> {
    const pipeline = await this.shader.get('forward');
    const bindGroup = this.res.bindGroup(label, pipeline, [a.corruption, a.step, a.clean, a.out]);
    return { label, pipeline, bindGroup, workgroups: [Math.ceil(a.pixels / WG), pad4(a.rows), 1] };
  }
}
