/**
 * A WebGPU device in Node through the `webgpu` package (Dawn). Not part of the library bundle:
 * the package is an optional peer that only Node callers (the CLI, tests, benchmarks) load.
 */
import { existsSync } from 'node:fs';
import { SWIFTSHADER_ICD } from './environment.js';
import { requestDeviceFor } from '../gpu/device.js';

export { requestDeviceFor };

/** What to tell a user who has no adapter. */
export const NO_ADAPTER_HELP =
  'no WebGPU adapter found: install a GPU driver with Vulkan support, or Chromium for its CPU ' +
  'fallback SwiftShader (Debian: apt-get install chromium libvulkan1)';

/** The adapter and device in use, with a one-line description for reports. */
export interface NodeGpu {
  /** Dawn's instance. It must stay referenced while its devices live: once collected, its
   *  pending-event loop touches freed memory and the process aborts. */
  gpu: GPU;
  adapter: GPUAdapter;
  device: GPUDevice;
  description: string;
}

/** Every instance handed out, kept for the life of the process (see NodeGpu.gpu). */
const instances = new Set<GPU>();

type WebGpuModule = { create: (flags: string[]) => GPU; globals: Record<string, unknown> };

async function loadWebGpu(): Promise<WebGpuModule> {
  let module: WebGpuModule;
  try {
    module = (await import('webgpu')) as unknown as WebGpuModule;
  } catch (e) {
    throw new Error(`the 'webgpu' package is needed to run on Node (npm install webgpu): ${(e as Error).message}`);
  }
  paceDawnEvents();
  return module;
}

/** Milliseconds between two of Dawn's event polls while it waits on the GPU. */
const DAWN_POLL_MS = 1;
let paced = false;

/**
 * Dawn's Node binding waits for the GPU (mapAsync, onSubmittedWorkDone, async pipelines) by
 * polling its events from a setImmediate callback that queues itself again at once: one CPU
 * core spins for as long as anything is pending, which in training is all the time (a loss
 * readback is always in flight). On a software adapter that core is one the GPU's own threads
 * need: measured on SwiftShader, the spin was a third of the process's CPU time and a conv VAE
 * step at batch 128 took 4.4 s of CPU instead of 2.9. This routes those callbacks, and only
 * those (native functions without a name or arguments, as the binding makes them; bound
 * functions are named `bound ...`), through setTimeout, so Dawn polls every millisecond and
 * the core sleeps between polls. Completions arrive at most a millisecond later; steps are
 * queued ahead, so the GPU never waits on that.
 */
function paceDawnEvents(): void {
  if (paced) return;
  paced = true;
  const immediate = globalThis.setImmediate;
  const native = (fn: unknown) => typeof fn === 'function' && fn.name === '' && Function.prototype.toString.call(fn).includes('[native code]');
  const pacedImmediate = ((fn: (...a: unknown[]) => void, ...args: unknown[]) => {
    if (args.length === 0 && native(fn)) return setTimeout(fn, DAWN_POLL_MS);
    return immediate(fn, ...args);
  }) as typeof setImmediate;
  globalThis.setImmediate = Object.assign(pacedImmediate, immediate);
}

/** Describes an adapter in one line: vendor, architecture, description, and whether it is a fallback. */
export function describeAdapter(adapter: GPUAdapter): string {
  const i = adapter.info;
  const parts = [i.vendor, i.architecture, i.description].filter((s) => s && s.length > 0);
  const fallback = (i as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? i.architecture === 'swiftshader';
  return `${parts.join(' / ') || 'unknown adapter'}${fallback ? ' (software fallback)' : ''}`;
}

/**
 * Requests an adapter and a device with the adapter's limits. When the default drivers give
 * none and Chromium's SwiftShader is installed, tries SwiftShader.
 */
export async function requestNodeGpu(): Promise<NodeGpu> {
  const webgpu = await loadWebGpu();
  Object.assign(globalThis, webgpu.globals);
  // On Linux only Vulkan: Dawn's OpenGL backend would start Mesa's EGL, which is no use here
  // and unstable on machines without a display.
  const flags = process.platform === 'linux' ? ['backend=vulkan'] : [];
  let gpu = webgpu.create(flags);
  let adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    gpu = webgpu.create(flags);
    adapter = await gpu.requestAdapter();
  }
  if (!adapter) throw new Error(NO_ADAPTER_HELP);
  instances.add(gpu);
  const device = await requestDeviceFor(adapter);
  return { gpu, adapter, device, description: describeAdapter(adapter) };
}
