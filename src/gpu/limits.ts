/**
 * Checks a configuration against the device's limits before anything is allocated, so an
 * absurd size fails with one line saying which size, how much it needs and what the device
 * allows, instead of a validation error deep in buffer or dispatch creation.
 */
import type { VaeConfig } from '../config.js';
import { pad4, type ArenaLayout, type LayerSpec } from '../model.js';

/** The device limits the runtime depends on. */
export type RuntimeLimits = Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize' | 'maxComputeWorkgroupsPerDimension'>;

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Throws an Error naming the first size that does not fit the device. */
export function checkLimits(cfg: VaeConfig, layers: LayerSpec[], layout: ArenaLayout, limits: RuntimeLimits): void {
  const maxBinding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const arena = layout.size * 4;
  if (arena > maxBinding) {
    const biggest = layers.reduce((a, l) => (l.inSize * l.outSize > a.inSize * a.outSize ? l : a));
    throw new Error(
      `config: the parameters need ${mb(arena)} (largest layer ${biggest.name} ${biggest.inSize}x${biggest.outSize}), more than this device's storage binding limit of ${mb(maxBinding)}`,
    );
  }
  const rows = pad4(cfg.batch);
  const widths: [string, number][] = [['input', cfg.inputSize], ...layers.map((l): [string, number] => [`${l.name} output`, l.outSize])];
  for (const [what, cols] of widths) {
    const bytes = rows * pad4(cols) * 4;
    if (bytes > maxBinding) {
      throw new Error(`config: batch ${cfg.batch} x ${what} ${cols} needs ${mb(bytes)}, more than this device's storage binding limit of ${mb(maxBinding)}; lower the batch size`);
    }
  }
  // GEMM grids: the largest are columns/64 by batch rows/16 and layer outputs/8 workgroups
  // (register variant; the tiled variant's 64x64 tiles need fewer). Adam's grid is 2-D and never exceeds the limit.
  const maxGroups = limits.maxComputeWorkgroupsPerDimension;
  for (const l of layers) {
    for (const [what, n] of [
      [`${l.name} width ${Math.max(l.inSize, l.outSize)}`, Math.ceil(pad4(Math.max(l.inSize, l.outSize)) / 64)],
      [`batch ${cfg.batch}`, Math.ceil(rows / 16)],
      [`${l.name} output rows ${l.outSize}`, Math.ceil(pad4(l.outSize) / 8)],
    ] as [string, number][]) {
      if (n > maxGroups) throw new Error(`config: ${what} needs ${n} workgroups in one dimension, more than this device's limit of ${maxGroups}`);
    }
  }
}
