/**
 * The float64 reference of a GCN layer (src/layers/gcn.ts), composed of the references of the
 * products its kernels run (src/reference/spmm.ts and src/reference/linear.ts), in the same order:
 *
 *   a first layer, on the node features X (sparse, dense, or the identity):  t = X W,  y = act(Â t)
 *   a later layer, on a dense activation x:                                  s = Â x,  y = act(s W)
 *
 * W is stored (in, out), row-major. Backward, given dy (the gradient at the pre-activation output,
 * the next layer having applied this one's activation derivative):
 *
 *   first:  dt = Â dy,  dW = X^T dt  (the identity: dW = dt; no input gradient)
 *   later:  dW = s^T dy,  ds = dy W^T,  dx = (Â ds) act'(x)  (act: the activation that produced x)
 *
 * Â is symmetric, so Â^T = Â. Aggregating first on a dense input keeps the sparse product on the
 * input's width and lets the activation derivative of x fuse into it, as the kernels do.
 */
import { activateAll, NO_ACTIVATION, type Activation } from '../layers/activation.js';
import { linearBackwardInput, linearBackwardWeight, linearForward } from './linear.js';
import { isDense, spmm, spmmTransposed, type FeatureMatrix, type SparseRows } from './spmm.js';

/** The input of a GCN layer: the node features (null: the identity), or a dense activation of N x F. */
export type GcnInput = { features: FeatureMatrix | null } | { dense: ArrayLike<number> };

/** t = X W for sparse, dense or identity features: N x D. */
function featuresTimes(x: FeatureMatrix | null, w: ArrayLike<number>, N: number, F: number, D: number): Float64Array {
  if (x === null) return Float64Array.from(w);
  const t = new Float64Array(N * D);
  if (isDense(x)) linearBackwardInput(t, x.data, w, null, N, D, F);
  else spmm(t, x, w, D);
  return t;
}

/** y = act(Â (X W)) or act((Â x) W): N x D from an input of width F. */
export function gcnForward(adj: SparseRows, input: GcnInput, w: ArrayLike<number>, F: number, D: number, act: Activation): Float64Array {
  const N = adj.rows;
  const y = new Float64Array(N * D);
  if ('features' in input) {
    spmm(y, adj, featuresTimes(input.features, w, N, F, D), D, act);
    return y;
  }
  const s = new Float64Array(N * F);
  spmm(s, adj, input.dense, F);
  linearBackwardInput(y, s, w, null, N, D, F);
  activateAll(act, y);
  return y;
}

/** dW (F x D) and, for a dense input when wanted, dx (N x F) times act'(x) of `maskAct`. */
export function gcnBackward(
  adj: SparseRows, input: GcnInput, w: ArrayLike<number>, F: number, D: number, dy: ArrayLike<number>, wantDx: boolean, maskAct: Activation = NO_ACTIVATION,
): { dw: Float64Array; dx: Float64Array | null } {
  const N = adj.rows;
  const dw = new Float64Array(F * D);
  if ('features' in input) {
    const dt = new Float64Array(N * D);
    spmm(dt, adj, dy, D);
    const x = input.features;
    if (x === null) dw.set(dt);
    else if (isDense(x)) linearBackwardWeight(dw, new Float64Array(F), x.data, dt, N, D, F);
    else spmmTransposed(dw, x, dt, D);
    return { dw, dx: null };
  }
  const s = new Float64Array(N * F);
  spmm(s, adj, input.dense, F);
  linearBackwardWeight(dw, new Float64Array(F), s, dy, N, D, F);
  if (!wantDx) return { dw, dx: null };
  const ds = new Float64Array(N * F);
  linearForward(ds, dy, w, new Float64Array(F), N, D, F, NO_ACTIVATION);
  const dx = new Float64Array(N * F);
  spmm(dx, adj, ds, F, NO_ACTIVATION, maskAct.kind === 'none' ? null : { y: input.dense, act: maskAct });
  return { dw, dx };
}
