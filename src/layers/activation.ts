/**
 * The activations a layer may fuse onto its output (a model spec's `activation` field), as
 * values, their float64 reference, and the pipeline constants that select them in the kernels
 * (shaders/common/activation.wgsl, whose ACT_* constants are the codes: read from the shader, so
 * they are written once).
 *
 * Back-propagation writes each derivative in terms of the activation's output y, which is what
 * the forward pass stores:
 *
 *   none        y = v                                 y' = 1
 *   relu        y = max(v, 0)                         y' = [y > 0]
 *   leaky_relu  y = v (v > 0), slope v                y' = 1 (y > 0), slope        slope >= 0 (PyTorch's default 0.01)
 *   elu         y = v (v > 0), alpha (e^v - 1)        y' = 1 (y > 0), y + alpha    alpha > 0 (PyTorch's default 1)
 *   tanh        y = tanh v                            y' = 1 - y^2
 *   sigmoid     y = 1 / (1 + e^-v)                    y' = y (1 - y)
 *
 * A negative leaky_relu slope would make y > 0 ambiguous (both signs of v give positive y), so
 * slopes are >= 0.
 */

/** The activation kinds, in the order of the spec format's documentation. */
export const ACTIVATIONS = ['none', 'relu', 'leaky_relu', 'elu', 'tanh', 'sigmoid'] as const;
/** One of ACTIVATIONS. */
export type ActivationKind = (typeof ACTIVATIONS)[number];

/** An activation and its parameter: leaky_relu's slope, elu's alpha, 0 for the others. */
export interface Activation {
  kind: ActivationKind;
  param: number;
}

/** No activation. */
export const NO_ACTIVATION: Readonly<Activation> = Object.freeze({ kind: 'none', param: 0 });
/** ReLU, the reference models' activation. */
export const RELU: Readonly<Activation> = Object.freeze({ kind: 'relu', param: 0 });
/** PyTorch's defaults: LeakyReLU(negative_slope=0.01), ELU(alpha=1.0). */
export const DEFAULT_PARAM: Partial<Record<ActivationKind, number>> = { leaky_relu: 0.01, elu: 1 };
/** The spec field that holds each activation's parameter. */
export const PARAM_FIELD: Partial<Record<ActivationKind, 'slope' | 'alpha'>> = { leaky_relu: 'slope', elu: 'alpha' };

/** ReLU or none, from the boolean of code that knows only those two. */
export function reluIf(relu: boolean): Activation {
  return relu ? RELU : NO_ACTIVATION;
}

/** `relu`, `leaky_relu(0.2)`, `elu(1)`: for tables and messages. */
export function activationText(a: Activation): string {
  return PARAM_FIELD[a.kind] ? `${a.kind}(${a.param})` : a.kind;
}

/** The activation's output at v, in float64. */
export function activate(a: Activation, v: number): number {
  switch (a.kind) {
    case 'none':
      return v;
    case 'relu':
      return v > 0 ? v : 0;
    case 'leaky_relu':
      return v > 0 ? v : a.param * v;
    case 'elu':
      return v > 0 ? v : a.param * Math.expm1(v);
    case 'tanh':
      return Math.tanh(v);
    case 'sigmoid':
      return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
  }
}

/** The derivative dy/dv at the point whose output is y (see the file comment). */
export function activationGrad(a: Activation, y: number): number {
  switch (a.kind) {
    case 'none':
      return 1;
    case 'relu':
      return y > 0 ? 1 : 0;
    case 'leaky_relu':
      return y > 0 ? 1 : a.param;
    case 'elu':
      return y > 0 ? 1 : y + a.param;
    case 'tanh':
      return 1 - y * y;
    case 'sigmoid':
      return y * (1 - y);
  }
}

/** Applies `a` to every value of `y` in place. */
export function activateAll(a: Activation, y: Float64Array): void {
  if (a.kind === 'none') return;
  for (let i = 0; i < y.length; i++) y[i] = activate(a, y[i]);
}

/**
 * g times the derivative of `a` read from its outputs `y`, in place: back-propagation through
 * the activation that produced y. ReLU zeroes where y <= 0 (as its kernels select, not multiply).
 */
export function maskAll(a: Activation, g: Float64Array, y: ArrayLike<number>): void {
  if (a.kind === 'none') return;
  for (let i = 0; i < g.length; i++) g[i] = a.kind === 'relu' ? (y[i] > 0 ? g[i] : 0) : g[i] * activationGrad(a, y[i]);
}

/** The WGSL constants a shader source declares (the `consts` of a `.wgsl` import, see scripts/wgsl.mjs). */
interface WithConsts {
  name: string;
  consts?: Record<string, number>;
}

/** The code of `a` in a shader that includes common/activation.wgsl. */
function code(shader: WithConsts, a: Activation): number {
  const c = shader.consts?.[`ACT_${a.kind.toUpperCase()}`];
  if (c === undefined) throw new Error(`${shader.name}: declares no ACT_${a.kind.toUpperCase()} (does it include common/activation.wgsl?)`);
  return c;
}

/**
 * Pipeline constants of common/activation.wgsl: the output's activation (ACT, ACT_PARAM) and
 * the activation whose derivative multiplies an input gradient (MASK_ACT, MASK_PARAM).
 */
export function activationConstants(shader: WithConsts, out: Activation, mask: Activation = NO_ACTIVATION): Record<string, number> {
  return { ACT: code(shader, out), ACT_PARAM: out.param, MASK_ACT: code(shader, mask), MASK_PARAM: mask.param };
}
