/**
 * Glorot-uniform initialisation of the graph VAE's weights, as the paper's code does it:
 * W ~ U(-r, r), r = sqrt(6 / (fan_in + fan_out)), drawn from Philox so that a seed gives the
 * same model on every machine.
 */
import { philox4x32, STREAM_INIT } from '../runtime/philox.js';

/** Unpadded f32 weights, (in, out) row-major: W0 F x H, W_mu and W_sigma H x L. */
export interface GraphVaeWeights {
  w0: Float32Array;
  wMu: Float32Array;
  wSigma: Float32Array;
}

/**
 * A (fanIn x fanOut) Glorot-uniform matrix; `tensor` numbers the tensor so each draws its own
 * Philox sequence: counter (block, tensor, 1, 0); the MLP's initialisation uses (block, layer,
 * 0 or 1, 0) with layer numbers of its own, and never shares a model with this one.
 */
export function glorotUniform(fanIn: number, fanOut: number, seed: number, tensor: number): Float32Array {
  const r = Math.sqrt(6 / (fanIn + fanOut));
  const n = fanIn * fanOut;
  const t = new Float32Array(n);
  for (let i = 0; i < n; i += 4) {
    const x = philox4x32([i / 4, tensor, 1, 0], [seed, STREAM_INIT]);
    for (let j = 0; j < 4 && i + j < n; j++) t[i + j] = (((x[j] >>> 8) / 16777216) * 2 - 1) * r;
  }
  return t;
}

/** Seeded weights of a graph VAE with F features, H hidden units and L latent dimensions. */
export function initGraphVae(f: number, hidden: number, latent: number, seed: number): GraphVaeWeights {
  return {
    w0: glorotUniform(f, hidden, seed, 0),
    wMu: glorotUniform(hidden, latent, seed, 1),
    wSigma: glorotUniform(hidden, latent, seed, 2),
  };
}
