/**
 * The graph VAE paper's weights as three tensors (W0, W_mu, W_sigma), Glorot-uniform as its code
 * draws them (src/model/init.ts glorotUniform: W ~ U(-r, r), r = sqrt(6 / (fan_in + fan_out))),
 * for tests and benchmarks that compose the model by hand. A model's own initialisation goes
 * through its layer types (src/model/init.ts initParameters); for the paper's spec it gives the
 * same numbers: W0 is Glorot tensor 0, the head's halves tensors 1 and 2.
 */
import { glorotUniform } from '../model/init.js';

export { glorotUniform } from '../model/init.js';

/** Unpadded f32 weights, (in, out) row-major: W0 F x H, W_mu and W_sigma H x L. */
export interface GraphVaeWeights {
  w0: Float32Array;
  wMu: Float32Array;
  wSigma: Float32Array;
}

/** Seeded weights of a graph VAE with F features, H hidden units and L latent dimensions. */
export function initGraphVae(f: number, hidden: number, latent: number, seed: number): GraphVaeWeights {
  return {
    w0: glorotUniform(f, hidden, seed, 0),
    wMu: glorotUniform(hidden, latent, seed, 1),
    wSigma: glorotUniform(hidden, latent, seed, 2),
  };
}
