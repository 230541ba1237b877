/**
 * Buffer helpers shared by the models: padded matrices, binding ranges, uploads and one-off
 * readbacks. Every matrix is row-major with rows and columns padded to multiples of 4, padding
 * zero (see shaders/linear.wgsl).
 */
import { pad4 } from './pad.js';
import type { BufferRange, GpuResources } from './resources.js';

/** Evaluation batches whose totals are gathered on the GPU before one readback. */
export const EVAL_RING = 256;

/** A whole buffer as a binding range. */
export function whole(b: GPUBuffer): BufferRange {
  return { buffer: b, offset: 0, size: b.size };
}

/** A padded (pad4(rows) x pad4(cols)) f32 matrix, zero-initialised. */
export function matrix(res: GpuResources, label: string, rows: number, cols: number): BufferRange {
  return whole(res.storage(label, pad4(rows) * pad4(cols) * 4));
}

/** Copies a (rows x cols) matrix into padded layout (prow x pad4(cols)). */
export function padRows(a: Float32Array, rows: number, cols: number, prow = rows): Float32Array<ArrayBuffer> {
  const ld = pad4(cols);
  const out = new Float32Array(Math.max(prow, rows) * ld);
  for (let r = 0; r < rows; r++) out.set(a.subarray(r * cols, r * cols + cols), r * ld);
  return out;
}

/** One-off readback of a whole buffer (not used in the step loop). */
export async function readBuffer(device: GPUDevice, src: GPUBuffer): Promise<Float32Array> {
  return (await readBuffers(device, [src]))[0];
}

/** The contents of several buffers as f32, through one staging buffer: one copy each, one submit, one map. */
export async function readBuffers(device: GPUDevice, srcs: readonly GPUBuffer[]): Promise<Float32Array[]> {
  const size = srcs.reduce((n, b) => n + b.size, 0);
  const staging = device.createBuffer({ label: 'readback', size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  try {
    const enc = device.createCommandEncoder({ label: 'readback' });
    let at = 0;
    for (const src of srcs) {
      enc.copyBufferToBuffer(src, 0, staging, at, src.size);
      at += src.size;
    }
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const all = staging.getMappedRange();
    at = 0;
    return srcs.map((src) => {
      const out = new Float32Array(all.slice(at, at + src.size));
      at += src.size;
      return out;
    });
  } finally {
    staging.destroy();
  }
}

/**
 * Writes `count` rows of `n` values into a padded matrix buffer, through `staging` (a
 * pad4(n)-strided scratch of at least count rows) when n is not a multiple of 4.
 */
export function uploadRows(device: GPUDevice, target: GPUBuffer, x: Float32Array, count: number, n: number, staging: Float32Array | null): void {
  if (n % 4 === 0) {
    device.queue.writeBuffer(target, 0, x.buffer, x.byteOffset, count * n * 4);
    return;
  }
  if (!staging || staging.length < count * pad4(n)) throw new Error(`uploadRows: ${count} rows of ${n} values need a staging array of ${count * pad4(n)} floats`);
  const ld = pad4(n);
  for (let r = 0; r < count; r++) staging.set(x.subarray(r * n, r * n + n), r * ld);
  device.queue.writeBuffer(target, 0, staging.buffer, 0, count * ld * 4);
}
