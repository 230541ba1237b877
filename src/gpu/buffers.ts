/**
 * The buffers of one model, allocated once: parameter, gradient and Adam arenas, activations
 * for the configured batch (padded matrices of pad4(batch) rows), uniforms and loss rings.
 */
import type { VaeConfig } from '../config.js';
import { pad4, type ArenaLayout, type LayerSpec } from '../model.js';
import { HISTORY_RECORD_BYTES } from '../kernels/loss.js';
import { STEP_UNIFORM_BYTES } from '../kernels/step_uniforms.js';
import type { BufferRange, GpuResources } from './resources.js';

/** Every buffer of a model. Activations are padded matrices of pad4(batch) rows. */
export interface ModelBuffers {
  params: GPUBuffer;
  grads: GPUBuffer;
  m: GPUBuffer;
  v: GPUBuffer;
  step: GPUBuffer;
  /** The step uniform and loss ring of evaluation batches. */
  evalStep: GPUBuffer;
  evalRing: GPUBuffer;
  /** acts[0] is the input batch; acts[i+1] the output of layer i. */
  acts: BufferRange[];
  /** dacts[i+1] is the gradient of the loss with respect to acts[i+1]. */
  dacts: BufferRange[];
  z: BufferRange;
  dz: BufferRange;
  eps: BufferRange;
  perImage: BufferRange;
}

/** Evaluation batches whose totals are gathered on the GPU before one readback. */
export const EVAL_RING = 256;

/** A whole buffer as a binding range. */
export function whole(b: GPUBuffer): BufferRange {
  return { buffer: b, offset: 0, size: b.size };
}

/** Creates every buffer of a model. */
export function allocate(res: GpuResources, cfg: VaeConfig, layers: LayerSpec[], layout: ArenaLayout): ModelBuffers {
  const rows = pad4(cfg.batch);
  const matrix = (label: string, cols: number) => whole(res.storage(label, rows * pad4(cols) * 4));
  const arena = (label: string) => res.storage(label, layout.size * 4);
  const acts = [matrix('act0 (input)', cfg.inputSize), ...layers.map((l, i) => matrix(`act${i + 1} (${l.name} out)`, l.outSize))];
  const dacts = [matrix('dact0 (unused)', 4), ...layers.map((l, i) => matrix(`dact${i + 1} (${l.name} out grad)`, l.outSize))];
  return {
    params: arena('parameters'),
    grads: arena('gradients'),
    m: arena('adam.m'),
    v: arena('adam.v'),
    step: res.buffer('step uniforms', STEP_UNIFORM_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
    evalStep: res.buffer('eval step uniforms', STEP_UNIFORM_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
    evalRing: res.storage('eval loss ring', EVAL_RING * HISTORY_RECORD_BYTES),
    acts,
    dacts,
    z: matrix('z', cfg.latent),
    dz: matrix('dz', cfg.latent),
    eps: matrix('eps', cfg.latent),
    perImage: whole(res.storage('loss per image', rows * 8)),
  };
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
  const staging = device.createBuffer({ label: 'readback', size: src.size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  try {
    const enc = device.createCommandEncoder({ label: 'readback' });
    enc.copyBufferToBuffer(src, 0, staging, 0, src.size);
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    return new Float32Array(staging.getMappedRange().slice(0));
  } finally {
    staging.destroy();
  }
}
