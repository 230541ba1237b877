/**
 * The per-step uniform shared by reparameterize, bce_kl and adam (`struct Step` in each of
 * their shaders, identical; a test checks they agree): written once per step with
 * queue.writeBuffer, ordered with the step's submit on the queue timeline.
 */
import type { AdamConfig } from '../config.js';

/** Bytes of `struct Step`: u32 t, seed, count, history_slot; f32 step_size, bc2_sqrt, kl_weight; 1 pad word. */
export const STEP_UNIFORM_BYTES = 32;

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
  const u = new Uint32Array(out);
  const f = new Float32Array(out);
  u[0] = v.t >>> 0;
  u[1] = v.seed >>> 0;
  u[2] = v.count;
  u[3] = v.historySlot;
  const t = Math.max(1, v.t);
  f[4] = adam.lr / (1 - adam.beta1 ** t);
  f[5] = Math.sqrt(1 - adam.beta2 ** t);
  f[6] = v.klWeight ?? 1;
  return out;
}
