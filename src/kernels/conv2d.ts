/**
 * Wrapper of shaders/conv2d.wgsl (register-blocked) and shaders/conv2d.tiled.wgsl (workgroup
 * tiles): the three products of a convolution, serving both PyTorch layers.
 *
 * The shaders compute in the convolution frame of src/layers/conv2d_geometry.ts (in side -> out side,
 * weight [co, ci, k, k]); a ConvTranspose2d is the same frame read the other way, so
 *
 *   Conv2d forward           = forward          (in = x, out = y)             bias, ReLU
 *   Conv2d backward input    = backward_input   (out = dy -> in = dx)         mask
 *   Conv2d backward weight   = backward_weight  (out = dy, in = x)            bias gradient of the out side
 *   ConvT2d forward          = backward_input   (out = x -> in = y)           bias, ReLU
 *   ConvT2d backward input   = forward          (in = dy -> out = dx)         mask
 *   ConvT2d backward weight  = backward_weight  (out = x, in = dy)            bias gradient of the in side
 *
 * Storage: an activation batch is a padded matrix of pad4(rows) rows by pad4(C H W) columns,
 * each row one image in (C, H, W) order; a weight is a padded matrix of pad4(frame co) rows by
 * pad4(frame ci k k) columns (PyTorch's layout flattened: Conv2d [cout, cin k k], ConvTranspose2d
 * [cin, cout k k]); a bias is one row of pad4(channels). Every output is written whole,
 * padding included: padded columns, the rows from `rows` to pad4(rows), and padded channels
 * of a weight or bias gradient are written as zeros. Rows below `rows` are computed alike
 * whether or not they hold live data, and only from their own row, so a ragged last batch
 * (live rows < rows) leaves the live rows exact; its weight gradient is exact when the dead
 * rows' gradients are zero, as the loss makes them.
 */
import registerSource from '../../shaders/conv2d.wgsl';
import tiledSource from '../../shaders/conv2d.tiled.wgsl';
import { convFrame, type Conv2dGeometry, type ConvFrame, type ConvLayerKind } from '../layers/conv2d_geometry.js';
import { pad4 } from '../gpu/pad.js';
import { packStruct, structOf } from '../gpu/layout.js';
import { ShaderPipelines } from '../gpu/shader.js';
import { grid2d, type BufferRange, type Dispatch, type GpuResources } from '../gpu/resources.js';
import { activationConstants, NO_ACTIVATION, type Activation } from '../layers/activation.js';
import type { ActivationMask } from './spmm.js';

export type { Conv2dGeometry } from '../layers/conv2d_geometry.js';

/** `register`: blocks of accumulators in registers, best on SwiftShader; `tiled`: workgroup-memory tiles, for GPUs. */
export type ConvVariant = 'register' | 'tiled';

/** The three entry points of the shaders. */
export type ConvEntry = 'forward' | 'backward_input' | 'backward_weight';

/** Pipeline constants and grid of one dispatch. */
export interface Launch {
  constants: Record<string, number>;
  workgroups: [number, number, number];
}

/**
 * Invocations per workgroup of the register variant (a 1-D grid, folded into 2-D when large):
 * 64, or fewer for small grids. SwiftShader runs each workgroup on one thread (in 16 batches of
 * workgroups taken round robin), so a grid of 3 to 5 workgroups, as the weight gradients' are at
 * batch 128, leaves a core idle for much of the dispatch. Small grids get at least 32
 * workgroups where they have the invocations, down to the SIMD width, 4. On the measured
 * kernels the workgroup size changed nothing else (CPU time within noise for 64, 16 and 4).
 */
export function registerWorkgroup(invocations: number): number {
  for (const wg of [64, 16]) if (invocations >= 32 * wg) return wg;
  return 4;
}

/**
 * The register variant's block for an entry whose output has `channels` channels (the out side
 * for forward, the in side for backward_input; for backward_weight, the weight's columns):
 * 4 rb4 batch rows x 4 cb4 channels, or for backward_weight 4 rb4 out channels x 4 cb4 weight
 * columns. Narrow outputs trade channels for rows. The measurements behind the choice are in
 * shaders/conv2d.wgsl.
 */
export function registerBlock(entry: ConvEntry, channels: number): { rb4: number; cb4: number } {
  if (entry === 'backward_weight') return { rb4: 2, cb4: Math.min(4, Math.ceil(channels / 4)) };
  if (channels <= 4) return { rb4: 4, cb4: 1 };
  if (channels <= 8 || entry === 'backward_input') return { rb4: 4, cb4: 2 };
  return { rb4: 2, cb4: 4 };
}

/**
 * The tiled variant's workgroup: WG_X x WG_Y invocations of 4x4 outputs. Narrow outputs (few
 * channels) get tall tiles; backward_weight, whose output is only co x ci k k, gets 32x32 tiles
 * for more workgroups.
 */
export function tiledWorkgroup(entry: ConvEntry, channels: number): { wgX: number; wgY: number } {
  if (entry === 'backward_weight') return { wgX: 8, wgY: 8 };
  if (channels <= 8) return { wgX: 2, wgY: 32 };
  return { wgX: 16, wgY: 16 };
}

/** Operands of a layer's forward product y = act(layer(x, w) + b). */
export interface ConvForwardArgs {
  x: BufferRange;
  w: BufferRange;
  b: BufferRange;
  y: BufferRange;
  /** The output's activation. */
  act: Activation;
}

/** Operands of a layer's input gradient dx = layer^T(dy, w), times act'(mask) when a mask is given. */
export interface ConvBackwardInputArgs {
  dy: BufferRange;
  w: BufferRange;
  /** The previous layer's activation and its output (this layer's input), or null when none precedes. */
  mask: ActivationMask | null;
  dx: BufferRange;
}

/** Operands of a layer's weight gradient dw and bias gradient db (per-channel sums of dy). */
export interface ConvBackwardWeightArgs {
  dy: BufferRange;
  x: BufferRange;
  dw: BufferRange;
  db: BufferRange;
}

/** Compiled convolution pipelines for one device and variant; makes dispatches bound once. */
export class Conv2dKernels {
  private readonly shader: ShaderPipelines;

  constructor(
    private readonly res: GpuResources,
    readonly variant: ConvVariant,
  ) {
    this.shader = new ShaderPipelines(res.device, variant === 'register' ? registerSource : tiledSource);
  }

  /** Conv2d: y[rows, cout, ho, wo] = act(conv(x[rows, cin, h, w], w[cout, cin, k, k]) + b). */
  async conv2dForward(label: string, g: Conv2dGeometry, a: ConvForwardArgs): Promise<Dispatch> {
    const f = convFrame('conv2d', g);
    return this.product(label, 'conv2d', 'forward', f, { src: a.x, w: a.w, bias: a.b, mask: null, dst: a.y, act: a.act });
  }

  /** Conv2d: dx[rows, cin, h, w] = conv_transpose(dy, w) * act'(mask). */
  async conv2dBackwardInput(label: string, g: Conv2dGeometry, a: ConvBackwardInputArgs): Promise<Dispatch> {
    const f = convFrame('conv2d', g);
    return this.product(label, 'conv2d', 'backward_input', f, { src: a.dy, w: a.w, bias: null, mask: a.mask, dst: a.dx, act: NO_ACTIVATION });
  }

  /** Conv2d: dw[cout, cin, k, k] from dy and x; db[cout] = sums of dy per channel. */
  async conv2dBackwardWeight(label: string, g: Conv2dGeometry, a: ConvBackwardWeightArgs): Promise<Dispatch> {
    const f = convFrame('conv2d', g);
    return this.weight(label, 'conv2d', f, { out: a.dy, in: a.x, dw: a.dw, db: a.db, biasRight: false });
  }

  /** ConvTranspose2d: y[rows, cout, ho, wo] = act(conv_transpose(x[rows, cin, h, w], w[cin, cout, k, k]) + b). */
  async convTranspose2dForward(label: string, g: Conv2dGeometry, a: ConvForwardArgs): Promise<Dispatch> {
    const f = convFrame('conv_transpose2d', g);
    return this.product(label, 'conv_transpose2d', 'backward_input', f, { src: a.x, w: a.w, bias: a.b, mask: null, dst: a.y, act: a.act });
  }

  /** ConvTranspose2d: dx[rows, cin, h, w] = conv(dy, w) * act'(mask). */
  async convTranspose2dBackwardInput(label: string, g: Conv2dGeometry, a: ConvBackwardInputArgs): Promise<Dispatch> {
    const f = convFrame('conv_transpose2d', g);
    return this.product(label, 'conv_transpose2d', 'forward', f, { src: a.dy, w: a.w, bias: null, mask: a.mask, dst: a.dx, act: NO_ACTIVATION });
  }

  /** ConvTranspose2d: dw[cin, cout, k, k] from x and dy; db[cout] = sums of dy per channel. */
  async convTranspose2dBackwardWeight(label: string, g: Conv2dGeometry, a: ConvBackwardWeightArgs): Promise<Dispatch> {
    const f = convFrame('conv_transpose2d', g);
    return this.weight(label, 'conv_transpose2d', f, { out: a.x, in: a.dy, dw: a.dw, db: a.db, biasRight: true });
  }

  /** forward (in side -> out side) or backward_input (out side -> in side), with its epilogue. */
  private async product(
    label: string, kind: ConvLayerKind, entry: 'forward' | 'backward_input', f: ConvFrame,
    o: { src: BufferRange; w: BufferRange; bias: BufferRange | null; mask: ActivationMask | null; dst: BufferRange; act: Activation },
  ): Promise<Dispatch> {
    const toOut = entry === 'forward';
    const [srcSide, dstSide] = toOut ? (['in', 'out'] as const) : (['out', 'in'] as const);
    const names = argNames(kind, entry);
    checkRange(label, names.src, o.src, activationBytes(f, srcSide));
    checkRange(label, 'w', o.w, weightBytes(f));
    if (o.bias) checkRange(label, 'b', o.bias, pad4(toOut ? f.co : f.ci) * 4);
    if (o.mask) checkRange(label, 'mask', o.mask.y, activationBytes(f, dstSide));
    checkRange(label, names.dst, o.dst, activationBytes(f, dstSide));
    const launch = this.launch(label, entry, f);
    const flags = { HAS_BIAS: o.bias ? 1 : 0, ...activationConstants(this.shader.source, o.act, o.mask?.act) };
    const pipeline = await this.shader.get(entry, { ...launch.constants, ...flags }, `conv2d.${entry}[${this.variant}]`);
    // Unused bias and mask bindings are still declared; an input stands in and is never read.
    const bindGroup = this.res.bindGroup(label, pipeline, [this.uniform(label, f), o.src, o.w, o.bias ?? o.w, o.mask?.y ?? o.src, o.dst, null]);
    return { label, pipeline, bindGroup, workgroups: launch.workgroups };
  }

  /** backward_weight: dW[co, ci k k] and the bias gradient of one side. */
  private async weight(
    label: string, kind: ConvLayerKind, f: ConvFrame,
    o: { out: BufferRange; in: BufferRange; dw: BufferRange; db: BufferRange; biasRight: boolean },
  ): Promise<Dispatch> {
    const names = argNames(kind, 'backward_weight');
    checkRange(label, names.src, o.out, activationBytes(f, 'out'));
    checkRange(label, names.other, o.in, activationBytes(f, 'in'));
    checkRange(label, 'dw', o.dw, weightBytes(f));
    checkRange(label, 'db', o.db, pad4(o.biasRight ? f.ci : f.co) * 4);
    const launch = this.launch(label, 'backward_weight', f);
    const constants = { ...launch.constants, BIAS_RIGHT: o.biasRight ? 1 : 0 };
    const pipeline = await this.shader.get('backward_weight', constants, `conv2d.backward_weight[${this.variant}]`);
    const bindGroup = this.res.bindGroup(label, pipeline, [this.uniform(label, f), o.out, o.in, null, null, o.dw, o.db]);
    return { label, pipeline, bindGroup, workgroups: launch.workgroups };
  }

  /** The frame's sizes as struct Conv of the shaders. */
  private uniform(label: string, f: ConvFrame): GPUBuffer {
    return this.res.uniform(`${label}.conv`, packStruct(structOf(this.shader.source, 'Conv'), {
      rows: f.rows, ci: f.ci, h: f.h, w: f.w, co: f.co, ho: f.ho, wo: f.wo, k: f.k, stride: f.stride, pad: f.pad,
      ld_in: pad4(f.ci * f.h * f.w), ld_out: pad4(f.co * f.ho * f.wo), ld_w: pad4(f.ci * f.k * f.k),
    }, undefined, `${this.shader.name} struct Conv`));
  }

  /** Constants and grid of an entry on frame f, for this variant. */
  private launch(label: string, entry: ConvEntry, f: ConvFrame): Launch {
    return convLaunch(this.variant, entry, f, this.res.device.limits.maxComputeWorkgroupsPerDimension, label);
  }
}

/**
 * Constants and grid of an entry on frame f for a variant, on a device allowing `max`
 * workgroups per grid dimension; throws naming `label` when the grid does not fit.
 */
export function convLaunch(variant: ConvVariant, entry: ConvEntry, f: ConvFrame, max: number, label: string): Launch {
  const rows = pad4(f.rows);
  const ncol = pad4(f.ci * f.k * f.k);
  // backward_input walks each stride phase (pixels y = py + s qy, x = px + s qx) as its own
  // slice of ceil(h / s) x ceil(w / s) pixels, so that neighbouring invocations share taps.
  const phases = f.stride * f.stride;
  const phasePixels = Math.ceil(f.h / f.stride) * Math.ceil(f.w / f.stride);
  const channels = entry === 'forward' ? f.co : entry === 'backward_input' ? f.ci : ncol;
  let workgroups: [number, number, number];
  let constants: Record<string, number>;
  if (variant === 'register') {
    const { rb4, cb4 } = registerBlock(entry, channels);
    const invocations =
      entry === 'backward_weight'
        ? Math.ceil(f.co / (4 * rb4)) * Math.ceil(ncol / (4 * cb4))
        : (entry === 'forward' ? f.ho * f.wo : phases * phasePixels) * Math.ceil(channels / (4 * cb4)) * Math.ceil(rows / (4 * rb4));
    const wg = registerWorkgroup(invocations);
    constants = { WG: wg, RB4: rb4, CB4: cb4 };
    workgroups = grid2d(Math.ceil(invocations / wg), max);
  } else {
    const { wgX, wgY } = tiledWorkgroup(entry, channels);
    const [cols, m, z] =
      entry === 'forward' ? [f.co, rows * f.ho * f.wo, 1] : entry === 'backward_input' ? [f.ci, rows * phasePixels, phases] : [ncol, pad4(f.co), 1];
    constants = { WG_X: wgX, WG_Y: wgY };
    workgroups = [Math.ceil(cols / (4 * wgX)), Math.ceil(m / (4 * wgY)), z];
  }
  if (workgroups.some((n) => n > max)) throw new Error(`${label}: a grid of ${workgroups.join('x')} workgroups exceeds the device's ${max} per dimension`);
  return { constants, workgroups };
}

/** Bytes of one side's activation batch: pad4(rows) x pad4(C H W) floats. */
function activationBytes(f: ConvFrame, side: 'in' | 'out'): number {
  const n = side === 'in' ? f.ci * f.h * f.w : f.co * f.ho * f.wo;
  return pad4(f.rows) * pad4(n) * 4;
}

/** Bytes of the weight: pad4(co) x pad4(ci k k) floats. */
function weightBytes(f: ConvFrame): number {
  return pad4(f.co) * pad4(f.ci * f.k * f.k) * 4;
}

/** The layer's names for the operands an entry reads first and writes, for messages. */
function argNames(kind: ConvLayerKind, entry: ConvEntry): { src: string; other: string; dst: string } {
  if (entry === 'backward_weight') return kind === 'conv2d' ? { src: 'dy', other: 'x', dst: 'dw' } : { src: 'x', other: 'dy', dst: 'dw' };
  const layerForward = (kind === 'conv2d') === (entry === 'forward');
  return layerForward ? { src: 'x', other: 'w', dst: 'y' } : { src: 'dy', other: 'w', dst: 'dx' };
}

function checkRange(label: string, name: string, r: BufferRange, bytes: number): void {
  if (r.size < bytes) throw new Error(`${label}: ${name} range holds ${r.size} bytes, needs ${bytes}`);
}
