/**
 * Seeded parameter initialisation, as each layer type declares it (PyTorch's defaults for the
 * layers PyTorch has): drawn from Philox so a seed gives the same model on every machine.
 */
import { layerParameters, type LayerSpec } from '../layers/registry.js';
import { philox4x32, STREAM_INIT } from '../runtime/philox.js';

/** Unpadded parameters by name (`enc1.weight` is (out, in) row-major, `enc1.bias` is (out)). */
export type ParameterSet = Map<string, Float32Array>;

/** Seeded initialisation of every layer's parameters. */
export function initParameters(layers: LayerSpec[], seed: number): ParameterSet {
  const out: ParameterSet = new Map();
  layers.forEach((l, li) => {
    layerParameters(l).forEach((p, which) => {
      const n = p.rows * p.cols;
      const t = new Float32Array(n);
      if (p.init.kind === 'uniform') {
        const bound = p.init.bound;
        for (let i = 0; i < n; i += 4) {
          // Counter (block, layer, tensor, 0): every tensor draws from its own sequence.
          const x = philox4x32([i / 4, li, which, 0], [seed, STREAM_INIT]);
          for (let j = 0; j < 4 && i + j < n; j++) t[i + j] = (((x[j] >>> 8) / 16777216) * 2 - 1) * bound;
        }
      }
      out.set(p.fullName, t);
    });
  });
  return out;
}
