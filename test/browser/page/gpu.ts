/**
 * The browser's stand-in for src/node/gpu.ts in bundled test files: the same `requestNodeGpu`
 * contract (an adapter, a device with the runtime's own request, a one-line description) from
 * navigator.gpu instead of Dawn's Node binding.
 */
import { requestDeviceFor } from '../../../src/gpu/device.js';

/** What src/node/gpu.ts returns. */
export interface NodeGpu {
  gpu: GPU;
  adapter: GPUAdapter;
  device: GPUDevice;
  description: string;
}

/** An adapter of this page's WebGPU and a device requested as every entry point requests it. */
export async function requestNodeGpu(): Promise<NodeGpu> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) throw new Error('this browser offers no WebGPU (navigator.gpu is missing)');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('WebGPU found no adapter in this browser');
  const device = await requestDeviceFor(adapter);
  const i = adapter.info;
  return { gpu, adapter, device, description: [i.vendor, i.architecture, i.description].filter((s) => s).join(' / ') || 'unnamed adapter' };
}
