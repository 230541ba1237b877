/**
 * Wrapper of shaders/adam.wgsl: one bias-corrected Adam update over the whole parameter arena.
 */
import source from '../../shaders/adam.wgsl';
import type { AdamConfig } from '../config.js';
import { packStruct, structOf } from '../gpu/layout.js';
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
const HYPER = structOf(source, 'Hyper');

/**
 * Builds the Adam dispatch and the gradient-norm dispatch (which writes the squared norm of the
 * gradient into `history[step.history_slot]`).
 */
export async function adamDispatches(res: GpuResources, label: string, a: AdamArgs & { history: GPUBuffer }, hp: AdamConfig): Promise<[Dispatch, Dispatch]> {
  const shader = new ShaderPipelines(res.device, source);
  const update = await adamDispatch(res, label, a, hp, shader);
  const pipeline = await shader.get('grad_norm');
  const hyper = res.uniform(`${label}.grad_norm.hyper`, hyperBytes(a.floats / 4, 0, hp));
  const bindGroup = res.bindGroup(`${label}.grad_norm`, pipeline, [hyper, a.step, a.grads, null, null, null, a.history]);
  return [update, { label: `${label}.grad_norm`, pipeline, bindGroup, workgroups: [1, 1, 1] }];
}

/** The `Hyper` uniform: sizes, betas, eps, and 1 - beta rounded once from float64. */
function hyperBytes(n4: number, row4: number, hp: AdamConfig): ArrayBuffer {
  return packStruct(HYPER, {
    n4, row4, beta1: hp.beta1, beta2: hp.beta2, eps: hp.eps, one_minus_beta1: 1 - hp.beta1, one_minus_beta2: 1 - hp.beta2,
  }, undefined, 'adam.wgsl struct Hyper');
}

/** Builds the Adam update dispatch; beta1, beta2 and eps are fixed per model, lr enters per step. */
export async function adamDispatch(
  res: GpuResources, label: string, a: AdamArgs, hp: AdamConfig, shader = new ShaderPipelines(res.device, source),
): Promise<Dispatch> {
  const pipeline = await shader.get('update');
  const n4 = a.floats / 4;
  const workgroups = grid2d(Math.ceil(n4 / WG), res.device.limits.maxComputeWorkgroupsPerDimension);
  const hyper = res.uniform(`${label}.hyper`, hyperBytes(n4, workgroups[0] * WG, hp));
  const bindGroup = res.bindGroup(label, pipeline, [hyper, a.step, a.grads, a.params, a.m, a.v]);
  return { label, pipeline, bindGroup, workgroups };
}
