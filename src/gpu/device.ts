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
