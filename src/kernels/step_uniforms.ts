/**
 * The per-step uniform (`struct Step`, declared once in shaders/common/step.wgsl and included by
 * reparameterize, the loss kernels and adam): packed by member name against that declaration
 * and written once per step with queue.writeBuffer, ordered with the step's submit on the queue
 * timeline.
 */
import stepSource from '../../shaders/common/step.wgsl';
import type { AdamConfig } from '../config.js';
import { packStruct, structOf } from '../gpu/layout.js';

const STEP = structOf(stepSource, 'Step');

/** Bytes of `struct Step`: u32 t, seed, count, history_slot; f32 step_size, bc2_sqrt, kl_weight; 1 pad word. */
export const STEP_UNIFORM_BYTES = STEP.size;

/** Values of one step's uniform. */
export interface StepValues {
  /** 1-based step number: Adam's t and the noise counter. */
  t: number;
  seed: number;
  /** Live rows this step. */
  count: number;
  /** History ring slot where the loss totals of this step go. */
  historySlot: number;
  /** Weight of the KL term in the gradient this step (default 1). */
  klWeight?: number;
}

/** Encodes a step's uniform; Adam's bias corrections are computed here in float64. */
export function encodeStepUniform(v: StepValues, adam: AdamConfig, out = new ArrayBuffer(STEP_UNIFORM_BYTES)): ArrayBuffer {
  const t = Math.max(1, v.t);
  return packStruct(STEP, {
    t: v.t,
    seed: v.seed,
    count: v.count,
    history_slot: v.historySlot,
    step_size: adam.lr / (1 - adam.beta1 ** t),
    bc2_sqrt: Math.sqrt(1 - adam.beta2 ** t),
    kl_weight: v.klWeight ?? 1,
  }, out, 'struct Step');
}
