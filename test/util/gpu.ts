// One device per test file, with every test's GPU work inside a validation error scope.
import { afterAll } from 'vitest';
import { encodeDispatches, type Dispatch } from '../../src/gpu/resources.js';
import { requestNodeGpu, type NodeGpu } from '../../src/node/gpu.js';

let gpu: Promise<NodeGpu> | undefined;

/** The shared device of this test file; destroyed after the file's tests. */
export function testGpu(): Promise<NodeGpu> {
  if (!gpu) {
    gpu = requestNodeGpu();
    afterAll(async () => (await gpu!).device.destroy());
  }
  return gpu;
}

/** Runs `f` inside validation and out-of-memory error scopes and fails on any error, with `label`. */
export async function scoped<T>(device: GPUDevice, label: string, f: () => Promise<T>): Promise<T> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  const out = await f();
  const validation = await device.popErrorScope();
  const oom = await device.popErrorScope();
  if (validation) throw new Error(`${label}: validation error: ${validation.message}`);
  if (oom) throw new Error(`${label}: out of memory: ${oom.message}`);
  return out;
}

/** Copies a storage buffer range back to the CPU as f32. */
export async function readFloats(device: GPUDevice, src: GPUBuffer, offset = 0, size = src.size - offset): Promise<Float32Array> {
  const staging = device.createBuffer({ label: 'test.readback', size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, offset, staging, 0, size);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}

/** Encodes prepared dispatches into one compute pass and submits it. */
export function submitDispatches(device: GPUDevice, dispatches: readonly Dispatch[]): void {
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  encodeDispatches(pass, dispatches);
  pass.end();
  device.queue.submit([enc.finish()]);
}
