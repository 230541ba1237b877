/**
 * The float64 reference of the linear (dense) layer, mirroring shaders/linear.wgsl: outputs
 * first, then inputs, then sizes; matrices row-major and unpadded.
 */

/** y[B,O] = x[B,I] W[O,I]^T + b, then ReLU when `relu`. */
export function linearForward(
  y: Float64Array, x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>,
  B: number, I: number, O: number, relu: boolean,
): void {
  for (let r = 0; r < B; r++) {
    for (let o = 0; o < O; o++) {
      let s = b[o];
      for (let i = 0; i < I; i++) s += x[r * I + i] * w[o * I + i];
      y[r * O + o] = relu && s < 0 ? 0 : s;
    }
  }
}

/**
 * dx[B,I] = dy[B,O] W[O,I], times [h > 0] when `mask` is given: h is the layer's input as the
 * previous ReLU produced it, so this also back-propagates through that ReLU.
 */
export function linearBackwardInput(
  dx: Float64Array, dy: ArrayLike<number>, w: ArrayLike<number>, mask: ArrayLike<number> | null,
  B: number, I: number, O: number,
): void {
  for (let r = 0; r < B; r++) {
    for (let i = 0; i < I; i++) {
      let s = 0;
      for (let o = 0; o < O; o++) s += dy[r * O + o] * w[o * I + i];
      dx[r * I + i] = mask && !(mask[r * I + i] > 0) ? 0 : s;
    }
  }
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
