/**
 * Device requests shared by every entry point (Node, the page's worker, the benchmarks).
 */

/** A device with the adapter's storage limits and its timestamp and subgroup features when offered. */
export async function requestDeviceFor(adapter: GPUAdapter, label = 'webgpu-vae'): Promise<GPUDevice> {
  const wanted: GPUFeatureName[] = ['timestamp-query', 'subgroups', 'shader-f16'];
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
  const l = adapter.limits;
  return adapter.requestDevice({
    label,
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
  });
}

/**
 * A device of the environment's WebGPU (navigator.gpu), for models created without one;
 * `options` names the options type whose `device` to pass where there is none.
 */
export async function defaultDevice(options: string): Promise<GPUDevice> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) throw new Error(`WebGPU is not available here: pass a GPUDevice in ${options}.device`);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter found');
  return requestDeviceFor(adapter);
}
