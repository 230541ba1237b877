/**
 * Wrapper of shaders/linear.wgsl (register-blocked) and shaders/linear.tiled.wgsl (workgroup
 * tiles): a dense layer's forward product with fused bias and ReLU, the input gradient with the
 * previous ReLU's mask fused, and the weight gradient with the bias gradient fused.
 *
 * All operands are padded row-major matrices (rows and columns multiples of 4, padding zero);
 * sizes given here are logical and padded internally.
 */
import registerSource from '../../shaders/linear.wgsl';
import tiledSource from '../../shaders/linear.tiled.wgsl';
import { pad4 } from '../gpu/pad.js';
import { packStruct, structOf } from '../gpu/layout.js';
import { ShaderPipelines } from '../gpu/shader.js';
import type { BufferRange, Dispatch, GpuResources } from '../gpu/resources.js';
import { activationConstants, NO_ACTIVATION, type Activation } from '../layers/activation.js';
import type { ActivationMask } from './spmm.js';

/** `register`: blocks of accumulators in registers, best on SwiftShader; `tiled`: workgroup-memory tiles, for GPUs. */
export type LinearVariant = 'register' | 'tiled';

/** Outputs per invocation along each axis and invocations per workgroup, per variant. */
const SHAPES: Record<LinearVariant, { wgX: number; wgY: number; blockM: number; blockN: number; blockMWeight: number; blockNWeight: number }> = {
  // 16x1 invocations, each a 16x4 block (8x8 in backward_weight); see linear.wgsl for the
  // measurements behind the shapes.
  register: { wgX: 16, wgY: 1, blockM: 16, blockN: 4, blockMWeight: 8, blockNWeight: 8 },
  // 16x16 invocations, each a 4x4 block: a 64x64 tile, staged through workgroup memory.
  tiled: { wgX: 16, wgY: 16, blockM: 4, blockN: 4, blockMWeight: 4, blockNWeight: 4 },
};

/** Operands of a forward product Y[rows,out] = act(X[rows,in] W[out,in]^T + b). */
export interface LinearForwardArgs {
  x: BufferRange;
  w: BufferRange;
  b: BufferRange;
  y: BufferRange;
  rows: number;
  inSize: number;
  outSize: number;
  /** The output's activation. */
  act: Activation;
}

/**
 * Operands of dX[rows,in] = act(dY[rows,out] W[out,in]) * act'(mask) (no mask: the plain
 * product; `act` defaults to none and serves the graph VAE, whose GCN layers use this product forward).
 */
export interface LinearBackwardInputArgs {
  dy: BufferRange;
  w: BufferRange;
  /** The previous layer's activation and its output (this layer's input), or null. */
  mask: ActivationMask | null;
  dx: BufferRange;
  rows: number;
  inSize: number;
  outSize: number;
  act?: Activation;
}

/** Operands of dW[out,in] = dY[rows,out]^T X[rows,in] and db = column sums of dY. */
export interface LinearBackwardWeightArgs {
  dy: BufferRange;
  x: BufferRange;
  dw: BufferRange;
  db: BufferRange;
  rows: number;
  inSize: number;
  outSize: number;
}

/** Compiled linear pipelines for one device and variant; makes dispatches bound once. */
export class LinearKernels {
  private readonly shader: ShaderPipelines;

  constructor(
    private readonly res: GpuResources,
    readonly variant: LinearVariant,
  ) {
    this.shader = new ShaderPipelines(res.device, variant === 'register' ? registerSource : tiledSource);
  }

  private pipeline(entry: string, act: Activation = NO_ACTIVATION, mask: Activation = NO_ACTIVATION): Promise<GPUComputePipeline> {
    const s = SHAPES[this.variant];
    const constants = { WG_X: s.wgX, WG_Y: s.wgY, ...activationConstants(this.shader.source, act, mask) };
    return this.shader.get(entry, constants, `linear.${entry}[${this.variant}]`);
  }

  private dims(label: string, M: number, N: number, K: number, lda: number, ldb: number, ldc: number, liveN = N): GPUBuffer {
    const layout = structOf(this.shader.source, 'Dims');
    return this.res.uniform(`${label}.dims`, packStruct(layout, { M, N, K, lda: lda / 4, ldb: ldb / 4, ldc: ldc / 4, live_n: liveN }, undefined, `${this.shader.name} struct Dims`));
  }

  private workgroups(M: number, N: number, weight = false): [number, number, number] {
    const s = SHAPES[this.variant];
    const [blockM, blockN] = weight ? [s.blockMWeight, s.blockNWeight] : [s.blockM, s.blockN];
    return [Math.ceil(N / (s.wgX * blockN)), Math.ceil(M / (s.wgY * blockM)), 1];
  }

  /** Y = act(X W^T + b): M = rows, N = out, K = in. */
  async forward(label: string, a: LinearForwardArgs): Promise<Dispatch> {
    const [M, N, K] = [pad4(a.rows), pad4(a.outSize), pad4(a.inSize)];
    const pipeline = await this.pipeline('forward', a.act);
    const dims = this.dims(label, M, N, K, K, K, N, a.outSize);
    const bindGroup = this.res.bindGroup(label, pipeline, [dims, a.x, a.w, a.b, null, a.y, null]);
    return { label, pipeline, bindGroup, workgroups: this.workgroups(M, N) };
  }

  /** dX = (dY W) * mask: M = rows, N = in, K = out. */
  async backwardInput(label: string, a: LinearBackwardInputArgs): Promise<Dispatch> {
    const [M, N, K] = [pad4(a.rows), pad4(a.inSize), pad4(a.outSize)];
    const pipeline = await this.pipeline('backward_input', a.act, a.mask?.act);
    const dims = this.dims(label, M, N, K, K, N, N, a.inSize);
    // Without a mask the binding is still declared; dY stands in and is never read through it.
    const bindGroup = this.res.bindGroup(label, pipeline, [dims, a.dy, a.w, null, a.mask?.y ?? a.dy, a.dx, null]);
    return { label, pipeline, bindGroup, workgroups: this.workgroups(M, N) };
  }

  /** dW = dY^T X, db = sum dY: M = out, N = in, K = rows. */
  async backwardWeight(label: string, a: LinearBackwardWeightArgs): Promise<Dispatch> {
    const [M, N, K] = [pad4(a.outSize), pad4(a.inSize), pad4(a.rows)];
    const pipeline = await this.pipeline('backward_weight');
    const dims = this.dims(label, M, N, K, M, N, N);
    const bindGroup = this.res.bindGroup(label, pipeline, [dims, a.dy, a.x, null, null, a.dw, a.db]);
    return { label, pipeline, bindGroup, workgroups: this.workgroups(M, N, true) };
  }
}
