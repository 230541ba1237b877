/**
 * What both training workers (images and graphs) need before their session exists: the GPU
 * device, requested the shared way and announced to the page, and the embedded data's bytes
 * from beside the bundle.
 */
import { requestDeviceFor } from '../gpu/device.js';
import type { AdapterText } from './protocol.js';

/** What to tell a person whose browser gives the worker no WebGPU. */
const NO_WEBGPU =
  'This browser does not offer WebGPU to web workers. Use a current Chrome or Edge (version 113 or later), ' +
  'or Safari 26 / Firefox 141 or later; on Linux, Chrome may need chrome://flags/#enable-unsafe-webgpu. ' +
  'WebGPU also needs a secure page: open it over https or from http://localhost.';

/** ... and whose WebGPU finds no adapter. */
const NO_ADAPTER =
  'WebGPU is present but found no adapter (no usable GPU, or it is blocked for this browser). ' +
  'Update the graphics driver and check chrome://gpu; on a machine without a GPU, Chrome started with ' +
  '--enable-unsafe-webgpu --enable-unsafe-swiftshader trains on the CPU (slowly).';

/**
 * A device from the worker's adapter: the shared request (the adapter's storage limits, its
 * timestamp and subgroup features when offered), the adapter announced before and with the
 * device's features after. A lost device is replaced by the session (DeviceSlot); an internal
 * error is fatal. Throws with what to do when there is no WebGPU or no adapter.
 */
export async function openWorkerDevice(label: string, announce: (adapter: AdapterText) => void, fail: (message: string) => void): Promise<GPUDevice> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) throw new Error(NO_WEBGPU);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error(NO_ADAPTER);
  const info = adapter.info;
  const text: AdapterText = {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    description: info?.description ?? '',
    fallback: Boolean((info as GPUAdapterInfo & { isFallbackAdapter?: boolean })?.isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter),
    features: [],
  };
  announce(text);
  const device = await requestDeviceFor(adapter, label);
  announce({ ...text, features: [...device.features].sort() });
  device.addEventListener('uncapturederror', (e) => {
    fail(`GPU error: ${(e as GPUUncapturedErrorEvent).error.message}. Reload the page to start again.`);
  });
  return device;
}

/** The bytes of `file` beside this bundle in dist/. */
export async function fetchBeside(file: string): Promise<Uint8Array> {
  const url = new URL(`./${file}`, import.meta.url);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url.pathname}: HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}
