/**
 * Which kernel variants the runtime picks on a device, in words for the page's adapter line, so
 * a person sees why training is as fast as it is: the register variants on a software adapter
 * (SwiftShader, Firefox's fallback adapter), the workgroup-tiled ones on a GPU (pickLinearVariant),
 * and the graph decoder's plain register kernel where the device has no `subgroups` (Firefox has
 * none so far). The runtime uses no other optional feature: timestamp queries and shader-f16 are
 * requested when offered, for the benchmark and for later, and nothing depends on them.
 */
import { pickLinearVariant } from '../vae/vae.js';

/** `kernels: register variants (software adapter); graph decoder without subgroups (the device has none)`, or the like. */
export function kernelNote(device: GPUDevice): string {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const variant = pickLinearVariant(info);
  const parts = [variant === 'register' ? 'register variants (software adapter)' : 'workgroup-tiled variants (GPU)'];
  // Only the register variant of the graph decoder has a subgroup form (src/kernels/inner_product_loss.ts).
  if (variant === 'register') parts.push(device.features.has('subgroups') ? 'graph decoder with subgroups' : 'graph decoder without subgroups (the device has none)');
  return `kernels: ${parts.join('; ')}`;
}
