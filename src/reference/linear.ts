/**
 * The float64 reference of the linear (dense) layer, mirroring shaders/linear.wgsl: outputs
 * first, then inputs, then sizes; matrices row-major and unpadded.
 */
import { activateAll, maskAll, type Activation } from '../layers/activation.js';

/** An activation's outputs y: an input gradient is multiplied by the activation's derivative there. */
export interface RefMask {
  y: ArrayLike<number>;
  act: Activation;
}

/** y[B,O] = act(x[B,I] W[O,I]^T + b). */
export function linearForward(
  y: Float64Array, x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>,
  B: number, I: number, O: number, act: Activation,
): void {
  for (let r = 0; r < B; r++) {
    for (let o = 0; o < O; o++) {
      let s = b[o];
      for (let i = 0; i < I; i++) s += x[r * I + i] * w[o * I + i];
      y[r * O + o] = s;
    }
  }
  activateAll(act, y.subarray(0, B * O));
}

/**
 * dx[B,I] = dy[B,O] W[O,I], times act'(h) when `mask` is given: h is the layer's input as the
 * previous layer's activation produced it, so this also back-propagates through that activation.
 */
export function linearBackwardInput(
  dx: Float64Array, dy: ArrayLike<number>, w: ArrayLike<number>, mask: RefMask | null,
  B: number, I: number, O: number,
): void {
  for (let r = 0; r < B; r++) {
    for (let i = 0; i < I; i++) {
      let s = 0;
      for (let o = 0; o < O; o++) s += dy[r * O + o] * w[o * I + i];
      dx[r * I + i] = s;
    }
  }
  if (mask) maskAll(mask.act, dx.subarray(0, B * I), mask.y);
}

/** dW[O,I] = dy[B,O]^T x[B,I] and db[O] = sum over rows of dy. */
export function linearBackwardWeight(
  dw: Float64Array, db: Float64Array, dy: ArrayLike<number>, x: ArrayLike<number>,
  B: number, I: number, O: number,
): void {
  for (let o = 0; o < O; o++) {
    let sb = 0;
    for (let r = 0; r < B; r++) sb += dy[r * O + o];
    db[o] = sb;
    for (let i = 0; i < I; i++) {
      let s = 0;
      for (let r = 0; r < B; r++) s += dy[r * O + o] * x[r * I + i];
      dw[o * I + i] = s;
    }
  }
}
