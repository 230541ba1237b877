/**
 * Checks a configuration against the device's limits before anything is allocated, so an
 * absurd size fails with one line saying which size, how much it needs and what the device
 * allows, instead of a validation error deep in buffer or dispatch creation.
 */
import type { VaeConfig } from '../config.js';
import { layerType, type LayerSpec } from '../layers/registry.js';
import type { ArenaLayout } from './describe.js';
import { pad4 } from '../gpu/pad.js';

/** The device limits the runtime depends on. */
export type RuntimeLimits = Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize' | 'maxComputeWorkgroupsPerDimension'>;

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Throws an Error naming the first size that does not fit the device. */
export function checkLimits(cfg: VaeConfig, layers: LayerSpec[], layout: ArenaLayout, limits: RuntimeLimits): void {
  const maxBinding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const arena = layout.size * 4;
  if (arena > maxBinding) {
    const largest = layout.slots.reduce((a, s) => (s.size > a.size ? s : a));
    const layer = layers.find((l) => largest.name.startsWith(`${l.name}.`));
    const what = layer ? `largest layer ${layer.name} ${layer.inSize}x${layer.outSize}` : `largest tensor ${largest.name}`;
    throw new Error(`config: the parameters need ${mb(arena)} (${what}), more than this device's storage binding limit of ${mb(maxBinding)}`);
  }
  const rows = pad4(cfg.batch);
  const widths: [string, number][] = [['input', cfg.inputSize], ...layers.map((l): [string, number] => [`${l.name} output`, l.outSize])];
  for (const [what, cols] of widths) {
    const bytes = rows * pad4(cols) * 4;
    if (bytes > maxBinding) {
      throw new Error(`config: batch ${cfg.batch} x ${what} ${cols} needs ${mb(bytes)}, more than this device's storage binding limit of ${mb(maxBinding)}; lower the batch size`);
    }
  }
  // Each layer type knows its kernels' grids. Adam's grid is 2-D and never exceeds the limit.
  for (const l of layers) layerType(l).checkLimits(l, cfg.batch, limits as GPUSupportedLimits);
}
