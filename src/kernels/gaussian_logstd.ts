/**
 * Wrapper of shaders/gaussian_logstd.wgsl: the graph VAE's z = mu + eps exp(log sigma) with eps
 * drawn on the GPU (Philox keyed by seed, step, element) or read from a buffer, the per-node
 * KL sums, and the backward pass that writes the whole gradient of [mu | log sigma].
 */
import source from '../../shaders/gaussian_logstd.wgsl';
import { pad4 } from '../gpu/pad.js';
import { packStruct, structOf } from '../gpu/layout.js';
import { encodeStepUniform } from './step_uniforms.js';
import { ShaderPipelines } from '../gpu/shader.js';
import type { BufferRange, Dispatch, GpuResources } from '../gpu/resources.js';

/** `gpu`: eps drawn on the GPU; `buffer`: eps read from the eps buffer (tests); `mean`: the GAE's z = mu. */
export type LogstdForwardMode = 'gpu' | 'buffer' | 'mean';

/** Buffers of the sampling step; head and dhead rows are [mu | log sigma] (N x pad4(2L)). */
export interface GaussianLogstdArgs {
  /** A uniform whose first two u32 are the step counter t and the seed (the noise key). */
  step: GPUBuffer;
  head: BufferRange;
  /** N x pad4(L) each. */
  eps: BufferRange;
  z: BufferRange;
  dz: BufferRange;
  /** N floats: sum_k (1 + 2 log sigma - mu^2 - sigma^2) per node. */
  klRows: BufferRange;
  dhead: BufferRange;
  rows: number;
  latent: number;
  /** false for the GAE: no KL rows, no KL gradient. */
  kl: boolean;
}

const WG = 64;

const DIMS = structOf(source, 'Dims');

/** A step uniform (shaders/common/step.wgsl) holding the noise key (t, seed), for tests and one-off passes. */
export function noiseUniform(res: GpuResources, label: string, t: number, seed: number): GPUBuffer {
  return res.uniform(label, encodeStepUniform({ t, seed, count: 0, historySlot: 0 }, { lr: 1, beta1: 0, beta2: 0, eps: 1 }));
}

/** Compiled gaussian_logstd pipelines for one device. */
export class GaussianLogstdKernels {
  private readonly shader: ShaderPipelines;

  constructor(private readonly res: GpuResources) {
    this.shader = new ShaderPipelines(res.device, source);
  }

  private dims(label: string, a: GaussianLogstdArgs): GPUBuffer {
    // The KL term is -(0.5 / N) mean_i kl_rows: its gradient weight is 1 / N^2.
    return this.res.uniform(`${label}.dims`, packStruct(DIMS, {
      rows: a.rows, latent: a.latent, ld_head: pad4(2 * a.latent), ld_z: pad4(a.latent), kl_scale: a.kl ? 1 / (a.rows * a.rows) : 0,
    }, undefined, 'gaussian_logstd.wgsl struct Dims'));
  }

  private pipeline(entry: string, kl: boolean): Promise<GPUComputePipeline> {
    return this.shader.get(entry, { WG, KL: kl ? 1 : 0 }, `gaussian_logstd.${entry}${kl ? '' : '[no KL]'}`);
  }

  // Bind groups list only what each entry point uses: layouts are derived from the shader
  // ('auto'), which leaves unused bindings out.

  /** Forward: z, eps (drawn, read, or zero for `mean`) and the KL rows (not for `mean`). */
  async forward(label: string, a: GaussianLogstdArgs, mode: LogstdForwardMode): Promise<Dispatch> {
    const entry = mode === 'gpu' ? 'forward_sample' : mode === 'buffer' ? 'forward_given' : 'forward_mean';
    const pipeline = await this.pipeline(entry, a.kl);
    const dims = this.dims(label, a);
    const r =
      mode === 'gpu'
        ? [dims, a.step, a.head, null, null, a.z, a.eps, a.klRows, null]
        : mode === 'buffer'
          ? [dims, null, a.head, a.eps, null, a.z, null, a.klRows, null]
          : [dims, null, a.head, null, null, a.z, a.eps, null, null];
    return { label, pipeline, bindGroup: this.res.bindGroup(label, pipeline, r), workgroups: [Math.ceil(a.rows / WG), 1, 1] };
  }

  /** Backward: dhead = [dz + c mu | dz eps sigma + c (sigma^2 - 1)], c = 1 / N^2 (0 without KL). */
  async backward(label: string, a: GaussianLogstdArgs): Promise<Dispatch> {
    const pipeline = await this.pipeline('backward', a.kl);
    const dims = this.dims(label, a);
    const r = [dims, null, a.head, a.eps, a.dz, null, null, null, a.dhead];
    return { label, pipeline, bindGroup: this.res.bindGroup(label, pipeline, r), workgroups: [Math.ceil(a.rows / WG), 1, 1] };
  }
}
