/**
 * The float64 reference of shaders/spmm.wgsl: a sparse matrix (CSR) times a dense one, with the
 * activation and the activation-derivative mask the kernel fuses; and the transposed product
 * (the kernel gets it from the transposed CSR). Also the sparse and dense matrix types the graph
 * references share. Outputs first, then inputs, then sizes; matrices row-major and unpadded.
 */
import { activateAll, maskAll, NO_ACTIVATION, type Activation } from '../layers/activation.js';
import type { RefMask } from './linear.js';

/** A sparse matrix's rows (CSR) with values of any precision. */
export interface SparseRows {
  rows: number;
  cols: number;
  rowPtr: ArrayLike<number>;
  colIdx: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** A dense row-major matrix. */
export interface DenseMatrix {
  rows: number;
  cols: number;
  data: ArrayLike<number>;
}

/** Node features: sparse (CSR, e.g. Cora's binary words or the identity) or dense. */
export type FeatureMatrix = SparseRows | DenseMatrix;

/** Whether node features are dense. */
export const isDense = (x: FeatureMatrix): x is DenseMatrix => 'data' in x;

/** y[N, D] = act(A[N, K] b[K, D]), then times act'(mask) when a mask (an activation's output, [N, D]) is given. */
export function spmm(
  y: Float64Array, a: SparseRows, b: ArrayLike<number>, D: number, act: Activation = NO_ACTIVATION, mask: RefMask | null = null,
): void {
  for (let r = 0; r < a.rows; r++) {
    for (let d = 0; d < D; d++) {
      let s = 0;
      for (let p = a.rowPtr[r]; p < a.rowPtr[r + 1]; p++) s += a.values[p] * b[a.colIdx[p] * D + d];
      y[r * D + d] = s;
    }
  }
  activateAll(act, y.subarray(0, a.rows * D));
  if (mask) maskAll(mask.act, y.subarray(0, a.rows * D), mask.y);
}

/** y[K, D] = A[N, K]^T b[N, D], from A's rows (no symmetry assumed). */
export function spmmTransposed(y: Float64Array, a: SparseRows, b: ArrayLike<number>, D: number): void {
  y.fill(0, 0, a.cols * D);
  for (let r = 0; r < a.rows; r++) {
    for (let p = a.rowPtr[r]; p < a.rowPtr[r + 1]; p++) {
      const c = a.colIdx[p];
      const v = a.values[p];
      for (let d = 0; d < D; d++) y[c * D + d] += v * b[r * D + d];
    }
  }
}
