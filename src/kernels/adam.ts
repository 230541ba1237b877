/**
 * Wrapper of shaders/adam.wgsl: one bias-corrected Adam update over the whole parameter arena.
 */
import source from '../../shaders/adam.wgsl';
import type { AdamConfig } from '../config.js';
import { ShaderPipelines } from '../gpu/shader.js';
import { grid2d, type Dispatch, type GpuResources } from '../gpu/resources.js';

/** The four arenas Adam reads and writes, each `floats` long (a multiple of 4). */
export interface AdamArgs {
  step: GPUBuffer;
  params: GPUBuffer;
  grads: GPUBuffer;
  m: GPUBuffer;
  v: GPUBuffer;
  floats: number;
}

const WG = 64;

/** Builds the Adam dispatch; beta1, beta2 and eps are fixed per model, lr enters per step. */
export async function adamDispatch(res: GpuResources, label: string, a: AdamArgs, hp: AdamConfig): Promise<Dispatch> {
  const pipeline = await new ShaderPipelines(res.device, 'adam.wgsl', source).get('update');
  const n4 = a.floats / 4;
  const workgroups = grid2d(Math.ceil(n4 / WG), res.device.limits.maxComputeWorkgroupsPerDimension);
  const buf = new ArrayBuffer(32);
  new Uint32Array(buf, 0, 2).set([n4, workgroups[0] * WG]);
  new Float32Array(buf, 8, 5).set([hp.beta1, hp.beta2, hp.eps, 1 - hp.beta1, 1 - hp.beta2]);
  const hyper = res.uniform(`${label}.hyper`, buf);
  const bindGroup = res.bindGroup(label, pipeline, [hyper, a.step, a.grads, a.params, a.m, a.v]);
  return { label, pipeline, bindGroup, workgroups };
}
