/**
 * Where Node finds a WebGPU adapter on a machine without a GPU driver.
 *
 * Dawn (the `webgpu` package) drives Vulkan. On a machine with no GPU it can still run on
 * SwiftShader, the CPU Vulkan that Debian's `chromium` package ships beside its own Vulkan
 * loader. This module only computes environment variables; the dynamic linker reads
 * `LD_LIBRARY_PATH` at process start, so callers apply the result before forking workers
 * (vitest) or re-executing themselves (the CLI).
 */
import { existsSync, readdirSync } from 'node:fs';

/** Chromium's install folder on Debian, holding `libvk_swiftshader.so` and its ICD file. */
export const CHROMIUM_LIB_DIR = '/usr/lib/chromium';
/** SwiftShader's Vulkan ICD manifest as Debian's chromium package installs it. */
export const SWIFTSHADER_ICD = `${CHROMIUM_LIB_DIR}/vk_swiftshader_icd.json`;

const SYSTEM_LOADERS = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
  '/usr/lib64/libvulkan.so.1',
  '/usr/lib/libvulkan.so.1',
];

/**
 * True when the kernel exposes a GPU (a DRM render node or an NVIDIA device). Without one, no
 * hardware Vulkan driver can start, and Mesa's software one is refused by Dawn.
 */
export function hasGpuDeviceNode(
  exists: (p: string) => boolean = existsSync,
  list: (dir: string) => string[] = safeList,
): boolean {
  return exists('/dev/nvidia0') || list('/dev/dri').some((n) => n.startsWith('renderD'));
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Variables to add so Dawn finds an adapter: Chromium's Vulkan loader when the system has none,
 * and SwiftShader's ICD when the machine exposes no GPU and the caller chose no driver. Variables the
 * caller already set are kept.
 */
export function nodeGpuEnvironment(
  env: Record<string, string | undefined>,
  exists: (p: string) => boolean = existsSync,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!exists(SWIFTSHADER_ICD)) return out;
  if (!SYSTEM_LOADERS.some((p) => exists(p)) && !(env.LD_LIBRARY_PATH ?? '').includes(CHROMIUM_LIB_DIR)) {
    out.LD_LIBRARY_PATH = env.LD_LIBRARY_PATH ? `${env.LD_LIBRARY_PATH}:${CHROMIUM_LIB_DIR}` : CHROMIUM_LIB_DIR;
  }
  const chosen = env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES;
  if (!chosen && !hasGpuDeviceNode(exists)) {
    out.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    // Mesa's implicit device-select layer only chooses among GPUs; with none it prints errors.
    if (!env.VK_LOADER_LAYERS_DISABLE) out.VK_LOADER_LAYERS_DISABLE = 'VK_LAYER_MESA_device_select';
  }
  return out;
}
