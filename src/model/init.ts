/**
 * Seeded parameter initialisation, as each layer type declares it (PyTorch's defaults for the
 * layers PyTorch has, Glorot for the graph VAE's as the paper's code): drawn from Philox so a
 * seed gives the same model on every machine.
 */
import { layerParameters, type LayerSpec, type ParameterSpec } from '../layers/registry.js';
import { philox4x32, STREAM_INIT } from '../runtime/philox.js';

/** Unpadded parameters by name (`enc1.weight` is (out, in) row-major, `enc1.bias` is (out)). */
export type ParameterSet = Map<string, Float32Array>;

/** n values U(-bound, bound) from Philox counter (block, a, b, 0): every tensor draws its own sequence. */
function uniform(n: number, bound: number, seed: number, a: number, b: number): Float32Array {
  const t = new Float32Array(n);
  for (let i = 0; i < n; i += 4) {
    const x = philox4x32([i / 4, a, b, 0], [seed, STREAM_INIT]);
    for (let j = 0; j < 4 && i + j < n; j++) t[i + j] = (((x[j] >>> 8) / 16777216) * 2 - 1) * bound;
  }
  return t;
}

/**
 * A (fanIn x fanOut) Glorot-uniform matrix, W ~ U(-r, r) with r = sqrt(6 / (fanIn + fanOut)), as
 * the graph VAE paper's code draws it; `tensor` numbers the Glorot tensors of a model, each its own
 * Philox sequence: counter (block, tensor, 1, 0) (the uniform init uses (block, layer, 0 or 1, 0)).
 */
export function glorotUniform(fanIn: number, fanOut: number, seed: number, tensor: number): Float32Array {
  return uniform(fanIn * fanOut, Math.sqrt(6 / (fanIn + fanOut)), seed, tensor, 1);
}

/** A Glorot parameter of `blocks` column blocks, each its own tensor numbered from `first`. */
function glorotBlocks(p: ParameterSpec, blocks: number, seed: number, first: number): Float32Array {
  const cols = p.cols / blocks;
  const out = new Float32Array(p.rows * p.cols);
  for (let k = 0; k < blocks; k++) {
    const block = glorotUniform(p.rows, cols, seed, first + k);
    for (let r = 0; r < p.rows; r++) out.set(block.subarray(r * cols, (r + 1) * cols), r * p.cols + k * cols);
  }
  return out;
}

/** Seeded initialisation of every layer's parameters, as their types declare it. */
export function initParameters(layers: LayerSpec[], seed: number): ParameterSet {
  const out: ParameterSet = new Map();
  let glorotTensors = 0;
  layers.forEach((l, li) => {
    layerParameters(l).forEach((p, which) => {
      const init = p.init;
      let t: Float32Array;
      if (init.kind === 'uniform') t = uniform(p.rows * p.cols, init.bound, seed, li, which);
      else if (init.kind === 'glorot') {
        t = glorotBlocks(p, init.blocks, seed, glorotTensors);
        glorotTensors += init.blocks;
      } else t = new Float32Array(p.rows * p.cols);
      out.set(p.fullName, t);
    });
  });
  return out;
}
