/**
 * Wrapper of shaders/spmm.wgsl: C = act(A B) * [M > 0] with A sparse (CSR) and B, C, M padded
 * row-major matrices; the graph VAE's propagation by Â, its product of sparse features and
 * weights, and (with the transposed CSR) the weight gradient X^T G.
 */
import source from '../../shaders/spmm.wgsl';
import type { CsrMatrix } from '../graph/graph.js';
import { pad4 } from '../gpu/pad.js';
import { packStruct, structOf } from '../gpu/layout.js';
import { ShaderPipelines } from '../gpu/shader.js';
import { grid2d, type BufferRange, type Dispatch, type GpuResources } from '../gpu/resources.js';

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

/** Operands of C[rows, cols] = act(A[rows, K] B[K, cols]) * [mask > 0]; cols is logical. */
export interface SpmmArgs {
  a: CsrBuffers;
  /** K x pad4(cols) floats. */
  b: BufferRange;
  /** pad4(rows) x pad4(cols) floats; padded rows and columns are written as zeros. */
  c: BufferRange;
  cols: number;
  relu?: boolean;
  /** Same shape as c: multiply by [mask > 0] after the product (and after the ReLU). */
  mask?: BufferRange | null;
}

const WG = 64;
const DIMS = structOf(source, 'Dims');

/** Compiled spmm pipelines for one device; makes dispatches bound once. */
export class SpmmKernels {
  private readonly shader: ShaderPipelines;

  constructor(private readonly res: GpuResources) {
    this.shader = new ShaderPipelines(res.device, source);
  }

  /** C = act(A B) * [mask > 0]. Throws when a buffer is smaller than its matrix. */
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
    need('mask', a.mask, rows4);
    const relu = a.relu ?? false;
    const masked = a.mask != null;
    const flags = `${relu ? '.relu' : ''}${masked ? '.mask' : ''}`;
    const pipeline = await this.shader.get('forward', { WG, RELU: relu ? 1 : 0, MASK: masked ? 1 : 0 }, `spmm.forward${flags}`);
    const dims = this.res.uniform(`${label}.dims`, packStruct(DIMS, { rows: a.a.rows, padded_rows: rows4, ld: ld / 4 }, undefined, 'spmm.wgsl struct Dims'));
    // Without a mask the binding is still declared; B stands in and is never read through it.
    const bindGroup = this.res.bindGroup(label, pipeline, [dims, a.a.rowPtr, a.a.colIdx, a.a.values, a.b, a.mask ?? a.b, a.c]);
    const groups = Math.ceil((rows4 * ld) / 4 / WG);
    return { label, pipeline, bindGroup, workgroups: grid2d(groups, this.res.device.limits.maxComputeWorkgroupsPerDimension) };
  }
}
