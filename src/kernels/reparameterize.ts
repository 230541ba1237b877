/**
 * Wrapper of shaders/reparameterize.wgsl: z = mu + exp(0.5 logvar) eps with eps drawn on the GPU
 * (Philox keyed by seed, step, element) or taken from a buffer, and the backward pass.
 */
import source from '../../shaders/reparameterize.wgsl';
import { pad4 } from '../gpu/pad.js';
import { packStruct, structOf } from '../gpu/layout.js';
import { ShaderPipelines } from '../gpu/shader.js';
import type { BufferRange, Dispatch, GpuResources } from '../gpu/resources.js';

/** Where eps comes from: drawn on the GPU each step, or read from the eps buffer (for tests). */
export type NoiseMode = 'gpu' | 'buffer';
/** A forward pass: a noise mode, or `mean` (z = mu, eps = 0: the autoencoder). */
export type ForwardMode = NoiseMode | 'mean';

/** Buffers of the reparameterization; head and dhead rows are [mu | logvar]. */
export interface ReparameterizeArgs {
  step: GPUBuffer;
  head: BufferRange;
  eps: BufferRange;
  z: BufferRange;
  dz: BufferRange;
  dhead: BufferRange;
  rows: number;
  latent: number;
}

const WG = 64;
const DIMS = structOf(source, 'Dims');

/** Compiled reparameterize pipelines for one device. */
export class ReparameterizeKernels {
  private readonly shader: ShaderPipelines;

  constructor(private readonly res: GpuResources) {
    this.shader = new ShaderPipelines(res.device, source);
  }

  private dims(label: string, a: ReparameterizeArgs): GPUBuffer {
    return this.res.uniform(`${label}.dims`, packStruct(DIMS, { rows: pad4(a.rows), latent: a.latent, ld_head: pad4(2 * a.latent), ld_z: pad4(a.latent) }, undefined, 'reparameterize.wgsl struct Dims'));
  }

  private grid(a: ReparameterizeArgs): [number, number, number] {
    return [Math.ceil(a.latent / WG), pad4(a.rows), 1];
  }

  // Bind groups list only what each entry point uses: layouts are derived from the shader
  // ('auto'), which leaves unused bindings out.

  /** Forward: `gpu` draws eps into the eps buffer, `buffer` reads it, `mean` zeroes it and copies mu. */
  async forward(label: string, a: ReparameterizeArgs, mode: ForwardMode): Promise<Dispatch> {
    const entry = mode === 'gpu' ? 'forward_sample' : mode === 'buffer' ? 'forward_given' : 'forward_mean';
    const pipeline = await this.shader.get(entry);
    const dims = this.dims(label, a);
    const r =
      mode === 'gpu'
        ? [dims, a.step, a.head, null, null, a.z, a.eps, null]
        : mode === 'buffer'
          ? [dims, null, a.head, a.eps, null, a.z, null, null]
          : [dims, null, a.head, null, null, a.z, a.eps, null];
    return { label, pipeline, bindGroup: this.res.bindGroup(label, pipeline, r), workgroups: this.grid(a) };
  }

  /** Backward: adds dz's contribution to dhead (which already holds the KL gradient). */
  async backward(label: string, a: ReparameterizeArgs): Promise<Dispatch> {
    const pipeline = await this.shader.get('backward');
    const dims = this.dims(label, a);
    const r = [dims, null, a.head, a.eps, a.dz, null, null, a.dhead];
    return { label, pipeline, bindGroup: this.res.bindGroup(label, pipeline, r), workgroups: this.grid(a) };
  }
}
