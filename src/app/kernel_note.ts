/**
 * Which kernel variants the runtime picks on a device, in words for the page's adapter line, so
 * a person sees why training is as fast as it is: the register variants on a software adapter
 * (SwiftShader, Firefox's fallback adapter), the workgroup-tiled ones on a GPU (pickLinearVariant),
 * and the graph decoder's plain register kernel where the device has no `subgroups` (Firefox has
 * none so far). The runtime uses no other optional feature: timestamp queries and shader-f16 are
 * requested when offered, for the benchmark and for later, and nothing depends on them. And a
 * warning where the adapter ends long shader loops early (src/gpu/loop_limit.ts).
 */
import { pickLinearVariant } from '../vae/vae.js';

/**
 * `kernels: register variants (software adapter); graph decoder without subgroups (the device has
 * none)`, or the like; `loopLimit` is what shaderLoopLimit found (null: no limit).
 */
export function kernelNote(device: GPUDevice, loopLimit: number | null = null): string {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const variant = pickLinearVariant(info);
  const parts = [variant === 'register' ? 'register variants (software adapter)' : 'workgroup-tiled variants (GPU)'];
  // Only the register variant of the graph decoder has a subgroup form (src/kernels/inner_product_loss.ts).
  if (variant === 'register') parts.push(device.features.has('subgroups') ? 'graph decoder with subgroups' : 'graph decoder without subgroups (the device has none)');
  if (loopLimit !== null) {
    parts.push(`this adapter ends shader loops after ${loopLimit.toLocaleString('en-US')} iterations (Mesa's lavapipe does): the conv VAE's gradients come out wrong at batch 64 and above, so train it at batch 32 or less here`);
  }
  return `kernels: ${parts.join('; ')}`;
}
