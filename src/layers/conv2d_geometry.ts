/**
 * Geometry of the convolution layers (PyTorch's Conv2d and ConvTranspose2d, square kernels,
 * no dilation, no groups): output sizes, validation with errors that name the numbers, and the
 * "convolution frame" in which the GPU kernels (shaders/conv2d.wgsl) express both layer types.
 *
 * The frame: a convolution maps an in side (ci channels, h x w) to an out side (co channels,
 * ho x wo) by iy = oy s - p + ky, ix = ox s - p + kx, with a weight stored [co, ci, k, k]. A
 * Conv2d is that frame as it stands. A ConvTranspose2d is its transpose: the layer's input is
 * the frame's out side, the layer's output is the frame's in side, and its weight, stored
 * [in, out, k, k] by PyTorch, is the frame's [co, ci, k, k] as it stands.
 */

/** Sizes of one convolution layer, as PyTorch's constructor and input shape give them. */
export interface Conv2dGeometry {
  /** Batch rows B: an activation batch is stored as pad4(B) rows of pad4(C H W) floats. */
  rows: number;
  /** Input channels, height, width. */
  cin: number;
  h: number;
  w: number;
  /** Output channels. */
  cout: number;
  /** Kernel size (k x k), stride and zero padding, the same along both axes. */
  k: number;
  stride: number;
  padding: number;
  /** ConvTranspose2d only: extra rows and columns at the end of the output, below the stride. */
  outputPadding?: number;
}

/** Which PyTorch layer a geometry describes. */
export type ConvLayerKind = 'conv2d' | 'conv_transpose2d';

/** A convolution in the kernels' terms: iy = oy stride - pad + ky, weight [co, ci, k, k]. */
export interface ConvFrame {
  rows: number;
  /** The in side: channels, height, width. */
  ci: number;
  h: number;
  w: number;
  /** The out side. */
  co: number;
  ho: number;
  wo: number;
  k: number;
  stride: number;
  pad: number;
}

/** Output height and width of a layer: Conv2d floor((h + 2p - k) / s) + 1, ConvTranspose2d (h - 1) s - 2p + k + op. */
export function convOutputSize(kind: ConvLayerKind, g: Conv2dGeometry): { ho: number; wo: number } {
  const op = g.outputPadding ?? 0;
  const size =
    kind === 'conv2d'
      ? (n: number) => Math.floor((n + 2 * g.padding - g.k) / g.stride) + 1
      : (n: number) => (n - 1) * g.stride - 2 * g.padding + g.k + op;
  return { ho: size(g.h), wo: size(g.w) };
}

/** Throws an Error naming the numbers when `g` is not a layer PyTorch would accept. */
export function validateConvGeometry(kind: ConvLayerKind, g: Conv2dGeometry): void {
  const positive: (keyof Conv2dGeometry)[] = ['rows', 'cin', 'h', 'w', 'cout', 'k', 'stride'];
  for (const key of positive) {
    const v = g[key];
    if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`${kind}: ${key}=${v} must be a positive integer`);
  }
  const op = g.outputPadding ?? 0;
  if (!Number.isInteger(g.padding) || g.padding < 0) throw new Error(`${kind}: padding=${g.padding} must be a non-negative integer`);
  if (!Number.isInteger(op) || op < 0) throw new Error(`${kind}: outputPadding=${op} must be a non-negative integer`);
  if (kind === 'conv2d') {
    if (op !== 0) throw new Error(`conv2d: outputPadding=${op} is for conv_transpose2d only; conv2d has none`);
    if (g.h + 2 * g.padding < g.k || g.w + 2 * g.padding < g.k) {
      throw new Error(`conv2d: kernel ${g.k} with padding ${g.padding} does not fit a ${g.h}x${g.w} input`);
    }
  } else {
    if (op >= g.stride) throw new Error(`conv_transpose2d: output padding ${op} must be smaller than stride ${g.stride}`);
    const { ho, wo } = convOutputSize(kind, g);
    if (ho < 1 || wo < 1) {
      throw new Error(`conv_transpose2d: kernel ${g.k} with padding ${g.padding} gives a ${ho}x${wo} output from a ${g.h}x${g.w} input`);
    }
  }
}

/** The convolution frame of a validated layer (see the module comment). */
export function convFrame(kind: ConvLayerKind, g: Conv2dGeometry): ConvFrame {
  validateConvGeometry(kind, g);
  const { ho, wo } = convOutputSize(kind, g);
  const common = { rows: g.rows, k: g.k, stride: g.stride, pad: g.padding };
  return kind === 'conv2d'
    ? { ...common, ci: g.cin, h: g.h, w: g.w, co: g.cout, ho, wo }
    : { ...common, ci: g.cout, h: ho, w: wo, co: g.cin, ho: g.h, wo: g.w };
}
