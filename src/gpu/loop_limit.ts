/**
 * Whether the device ends long shader loops early (shaders/loop_limit.wgsl). Mesa's lavapipe,
 * the CPU Vulkan driver Firefox uses on Linux without a GPU, stops an invocation's loops after
 * about 65,535 iterations in all and reports nothing: a reduction that loops longer comes out
 * short. Among the runtime's kernels that is the conv VAE's weight and bias gradients at batch 64
 * and above on 28x28 images (each invocation sums over rows x pixels), and the graph decoder on
 * more than 65,535 nodes. GPUs, SwiftShader and Dawn have no such limit.
 */
import source from '../../shaders/loop_limit.wgsl';
import { structOf } from './layout.js';
import { compileShader, createPipeline } from './shader.js';

/** Iterations the probe asks for: twice lavapipe's limit. */
export const LOOP_PROBE_ITERATIONS = 1 << 17;

/** The iterations a shader loop gets on `device` at most, or null when all of the probe's ran (no limit seen). */
export async function shaderLoopLimit(device: GPUDevice): Promise<number | null> {
  const pipeline = await createPipeline(device, 'loop_limit.main', await compileShader(device, source), 'main');
  const uniform = device.createBuffer({ label: 'loop_limit.probe', size: structOf(source, 'Probe').size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const ones = device.createBuffer({ label: 'loop_limit.ones', size: 8, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const ran = device.createBuffer({ label: 'loop_limit.ran', size: 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const staging = device.createBuffer({ label: 'loop_limit.staging', size: 4, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  try {
    device.queue.writeBuffer(uniform, 0, Uint32Array.of(LOOP_PROBE_ITERATIONS));
    device.queue.writeBuffer(ones, 0, Uint32Array.of(1, 1));
    const bindGroup = device.createBindGroup({
      label: 'loop_limit',
      layout: pipeline.getBindGroupLayout(0),
      entries: [uniform, ones, ran].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const encoder = device.createCommandEncoder({ label: 'loop_limit' });
    const pass = encoder.beginComputePass({ label: 'loop_limit' });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(1);
    pass.end();
    encoder.copyBufferToBuffer(ran, 0, staging, 0, 4);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const count = new Uint32Array(staging.getMappedRange().slice(0))[0];
    staging.unmap();
    return count < LOOP_PROBE_ITERATIONS ? count : null;
  } finally {
    for (const b of [uniform, ones, ran, staging]) b.destroy();
  }
}
