/**
 * Wrapper of shaders/spmm.wgsl: C = act(A B) * act'(M) with A sparse (CSR) and B, C, M padded
 * row-major matrices; the graph VAE's propagation by Â, its product of sparse features and
 * weights, and (with the transposed CSR) the weight gradient X^T G.
 */
import source from '../../shaders/spmm.wgsl';
import type { CsrMatrix } from '../graph/graph.js';
import { pad4 } from '../gpu/pad.js';
import { packStruct, structOf } from '../gpu/layout.js';
import { ShaderPipelines } from '../gpu/shader.js';
import { grid2d, type BufferRange, type Dispatch, type GpuResources } from '../gpu/resources.js';
import { activationConstants, activationText, NO_ACTIVATION, type Activation } from '../layers/activation.js';

/** A CSR matrix on the GPU: row offsets, column indices and values, each its own buffer. */
export interface CsrBuffers {
  rows: number;
  cols: number;
  nnz: number;
  rowPtr: BufferRange;
  colIdx: BufferRange;
  values: BufferRange;
}

const whole = (b: GPUBuffer): BufferRange => ({ buffer: b, offset: 0, size: b.size });

/** Uploads a CSR matrix into three storage buffers labelled `label.rowPtr` etc. */
export function uploadCsr(res: GpuResources, label: string, m: CsrMatrix): CsrBuffers {
  const put = (what: string, data: Uint32Array | Float32Array) => {
    const b = res.storage(`${label}.${what}`, Math.max(4, data.byteLength));
    if (data.byteLength > 0) res.device.queue.writeBuffer(b, 0, data as Uint32Array<ArrayBuffer>);
    return whole(b);
  };
  const nnz = m.rowPtr[m.rows];
  return { rows: m.rows, cols: m.cols, nnz, rowPtr: put('rowPtr', m.rowPtr), colIdx: put('colIdx', m.colIdx.subarray(0, nnz)), values: put('values', m.values.subarray(0, nnz)) };
}

/** The derivative of an activation, read from its output y: back-propagation through it, fused. */
export interface ActivationMask {
  /** The activation's output, shaped as the product's output. */
  y: BufferRange;
  act: Activation;
}

/** Operands of C[rows, cols] = act(A[rows, K] B[K, cols]) * act'(mask); cols is logical. */
export interface SpmmArgs {
  a: CsrBuffers;
  /** K x pad4(cols) floats. */
  b: BufferRange;
  /** pad4(rows) x pad4(cols) floats; padded rows and columns are written as zeros. */
  c: BufferRange;
  cols: number;
  /** The product's activation; default none. */
  act?: Activation;
  /** Multiply by the derivative of `mask.act` at its output `mask.y` (after the product and its activation). */
  mask?: ActivationMask | null;
}

const WG = 64;
const DIMS = structOf(source, 'Dims');

/** Compiled spmm pipelines for one device; makes dispatches bound once. */
export class SpmmKernels {
  private readonly shader: ShaderPipelines;

  constructor(private readonly res: GpuResources) {
    this.shader = new ShaderPipelines(res.device, source);
  }

  /** C = act(A B) * act'(mask). Throws when a buffer is smaller than its matrix. */
  async forward(label: string, a: SpmmArgs): Promise<Dispatch> {
    const ld = pad4(a.cols);
    const rows4 = pad4(a.a.rows);
    const need = (what: string, r: BufferRange | null | undefined, rows: number) => {
      if (r && r.size < rows * ld * 4) {
        throw new Error(`${label}: ${what} holds ${r.size} bytes, a ${rows} x ${ld} (padded) matrix needs ${rows * ld * 4}`);
      }
    };
    need('b', a.b, a.a.cols);
    need('c', a.c, rows4);
    need('mask', a.mask?.y, rows4);
    const act = a.act ?? NO_ACTIVATION;
    const maskAct = a.mask?.act ?? NO_ACTIVATION;
    const flags = `${act.kind === 'none' ? '' : `.${activationText(act)}`}${a.mask ? `.mask(${activationText(maskAct)})` : ''}`;
    const pipeline = await this.shader.get('forward', { WG, ...activationConstants(source, act, maskAct) }, `spmm.forward${flags}`);
    const dims = this.res.uniform(`${label}.dims`, packStruct(DIMS, { rows: a.a.rows, padded_rows: rows4, ld: ld / 4, live: a.cols }, undefined, 'spmm.wgsl struct Dims'));
    // Without a mask the binding is still declared; B stands in and is never read through it.
    const bindGroup = this.res.bindGroup(label, pipeline, [dims, a.a.rowPtr, a.a.colIdx, a.a.values, a.b, a.mask?.y ?? a.b, a.c]);
    const groups = Math.ceil((rows4 * ld) / 4 / WG);
    return { label, pipeline, bindGroup, workgroups: grid2d(groups, this.res.device.limits.maxComputeWorkgroupsPerDimension) };
  }
}
