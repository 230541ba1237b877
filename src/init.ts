/**
 * Parameter initialisation as torch.nn.Linear does it: weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)),
 * drawn from Philox so a seed gives the same model on every machine.
 */
import type { LayerSpec } from './model.js';
import { philox4x32, STREAM_INIT } from './philox.js';

/** Unpadded parameters by name (`enc1.weight` is (out, in) row-major, `enc1.bias` is (out)). */
export type ParameterSet = Map<string, Float32Array>;

/** Seeded PyTorch-style initialisation of every layer's weight and bias. */
export function initParameters(layers: LayerSpec[], seed: number): ParameterSet {
  const out: ParameterSet = new Map();
  layers.forEach((l, li) => {
    const bound = 1 / Math.sqrt(l.inSize);
    const fill = (n: number, which: number) => {
      const t = new Float32Array(n);
      for (let i = 0; i < n; i += 4) {
        // Counter (block, layer, weight-or-bias, 0): every tensor draws from its own sequence.
        const x = philox4x32([i / 4, li, which, 0], [seed, STREAM_INIT]);
        for (let j = 0; j < 4 && i + j < n; j++) t[i + j] = (((x[j] >>> 8) / 16777216) * 2 - 1) * bound;
      }
      return t;
    };
    out.set(`${l.name}.weight`, fill(l.outSize * l.inSize, 0));
    out.set(`${l.name}.bias`, fill(l.outSize, 1));
  });
  return out;
}
