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
import type { KernelContext, LayerBase, LayerType } from '../layers/registry.js';
import { linearBackwardInput, linearBackwardWeight, linearForward } from '../reference/linear.js';

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
  relu: boolean;
}

/** Operands of dX[rows,in] = (dY[rows,out] W[out,in]) * [mask > 0] (no mask: plain product). */
export interface LinearBackwardInputArgs {
  dy: BufferRange;
  w: BufferRange;
  mask: BufferRange | null;
  dx: BufferRange;
  rows: number;
  inSize: number;
  outSize: number;
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

  private pipeline(entry: string, flags: { RELU?: boolean; MASK?: boolean }): Promise<GPUComputePipeline> {
    const s = SHAPES[this.variant];
    const constants = { WG_X: s.wgX, WG_Y: s.wgY, RELU: flags.RELU ? 1 : 0, MASK: flags.MASK ? 1 : 0 };
    return this.shader.get(entry, constants, `linear.${entry}[${this.variant}]`);
  }

  private dims(label: string, M: number, N: number, K: number, lda: number, ldb: number, ldc: number): GPUBuffer {
    const layout = structOf(this.shader.source, 'Dims');
    return this.res.uniform(`${label}.dims`, packStruct(layout, { M, N, K, lda: lda / 4, ldb: ldb / 4, ldc: ldc / 4 }, undefined, `${this.shader.name} struct Dims`));
  }

  private workgroups(M: number, N: number, weight = false): [number, number, number] {
    const s = SHAPES[this.variant];
    const [blockM, blockN] = weight ? [s.blockMWeight, s.blockNWeight] : [s.blockM, s.blockN];
    return [Math.ceil(N / (s.wgX * blockN)), Math.ceil(M / (s.wgY * blockM)), 1];
  }

  /** Y = act(X W^T + b): M = rows, N = out, K = in. */
  async forward(label: string, a: LinearForwardArgs): Promise<Dispatch> {
    const [M, N, K] = [pad4(a.rows), pad4(a.outSize), pad4(a.inSize)];
    const pipeline = await this.pipeline('forward', { RELU: a.relu });
    const dims = this.dims(label, M, N, K, K, K, N);
    const bindGroup = this.res.bindGroup(label, pipeline, [dims, a.x, a.w, a.b, null, a.y, null]);
    return { label, pipeline, bindGroup, workgroups: this.workgroups(M, N) };
  }

  /** dX = (dY W) * mask: M = rows, N = in, K = out. */
  async backwardInput(label: string, a: LinearBackwardInputArgs): Promise<Dispatch> {
    const [M, N, K] = [pad4(a.rows), pad4(a.inSize), pad4(a.outSize)];
    const pipeline = await this.pipeline('backward_input', { MASK: a.mask !== null });
    const dims = this.dims(label, M, N, K, K, N, N);
    // Without a mask the binding is still declared; dY stands in and is never read through it.
    const bindGroup = this.res.bindGroup(label, pipeline, [dims, a.dy, a.w, null, a.mask ?? a.dy, a.dx, null]);
    return { label, pipeline, bindGroup, workgroups: this.workgroups(M, N) };
  }

  /** dW = dY^T X, db = sum dY: M = out, N = in, K = rows. */
  async backwardWeight(label: string, a: LinearBackwardWeightArgs): Promise<Dispatch> {
    const [M, N, K] = [pad4(a.outSize), pad4(a.inSize), pad4(a.rows)];
    const pipeline = await this.pipeline('backward_weight', {});
    const dims = this.dims(label, M, N, K, M, N, N);
    const bindGroup = this.res.bindGroup(label, pipeline, [dims, a.dy, a.x, null, null, a.dw, a.db]);
    return { label, pipeline, bindGroup, workgroups: this.workgroups(M, N, true) };
  }
}

// ---------------------------------------------------------------------------------------------
// The linear layer type (registered in src/layers/registry.ts).

/** A dense layer: y = x W^T + b, then ReLU when `relu`. W is (outSize, inSize), row-major. */
export interface LinearSpec extends LayerBase {
  type: 'linear';
}

const linearKernels = (k: KernelContext) => k.kernels(`linear.${k.variant}`, () => new LinearKernels(k.res, k.variant));

/**
 * The linear layer: PyTorch's nn.Linear initialisation (weight and bias ~ U(-1/sqrt(in),
 * 1/sqrt(in))); forward with bias and ReLU fused; backward as the weight gradient (with the
 * bias gradient fused) and the input gradient (with the previous ReLU's mask fused).
 */
export const LINEAR: LayerType<LinearSpec> = {
  parameters(l) {
    const bound = 1 / Math.sqrt(l.inSize);
    return [
      { name: 'weight', rows: l.outSize, cols: l.inSize, bias: false, shape: [l.outSize, l.inSize], init: { kind: 'uniform', bound } },
      { name: 'bias', rows: 1, cols: l.outSize, bias: true, shape: [l.outSize], init: { kind: 'uniform', bound } },
    ];
  },

  async forward(k, label, l, io) {
    return [await linearKernels(k).forward(label, {
      x: io.x, w: io.tensors.param('weight'), b: io.tensors.param('bias'), y: io.y, rows: io.rows, inSize: l.inSize, outSize: l.outSize, relu: l.relu,
    })];
  },

  async backward(k, label, l, io) {
    const kernels = linearKernels(k);
    const out = [await kernels.backwardWeight(`${label}.backward_weight`, {
      dy: io.dy, x: io.x, dw: io.tensors.grad('weight'), db: io.tensors.grad('bias'), rows: io.rows, inSize: l.inSize, outSize: l.outSize,
    })];
    if (io.dx) {
      out.push(await kernels.backwardInput(`${label}.backward_input`, {
        dy: io.dy, w: io.tensors.param('weight'), mask: io.maskInput ? io.x : null, dx: io.dx, rows: io.rows, inSize: l.inSize, outSize: l.outSize,
      }));
    }
    return out;
  },

  checkLimits(l, rows, limits) {
    // GEMM grids: the largest are columns/64 by batch rows/16 and layer outputs/8 workgroups
    // (register variant; the tiled variant's 64x64 tiles need fewer).
    const maxGroups = limits.maxComputeWorkgroupsPerDimension;
    for (const [what, n] of [
      [`${l.name} width ${Math.max(l.inSize, l.outSize)}`, Math.ceil(pad4(Math.max(l.inSize, l.outSize)) / 64)],
      [`batch ${rows}`, Math.ceil(pad4(rows) / 16)],
      [`${l.name} output rows ${l.outSize}`, Math.ceil(pad4(l.outSize) / 8)],
    ] as [string, number][]) {
      if (n > maxGroups) throw new Error(`config: ${what} needs ${n} workgroups in one dimension, more than this device's limit of ${maxGroups}`);
    }
  },

  reference: {
    forward(l, p, x, B) {
      const y = new Float64Array(B * l.outSize);
      linearForward(y, x, p.get('weight')!, p.get('bias')!, B, l.inSize, l.outSize, l.relu);
      return y;
    },
    backward(l, p, x, dy, B, wantDx, maskInput) {
      const dw = new Float64Array(l.outSize * l.inSize);
      const db = new Float64Array(l.outSize);
      linearBackwardWeight(dw, db, dy, x, B, l.inSize, l.outSize);
      let dx: Float64Array | null = null;
      if (wantDx) {
        dx = new Float64Array(B * l.inSize);
        linearBackwardInput(dx, dy, p.get('weight')!, maskInput ? x : null, B, l.inSize, l.outSize);
      }
      return { dx, grads: new Map([['weight', dw], ['bias', db]]) };
    },
  },
};
