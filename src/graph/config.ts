/**
 * The graph VAE's default configuration: the paper's (Kipf & Welling 2016) and its code's.
 */
import type { AdamConfig } from '../config.js';

/** Model and training settings of the graph VAE. */
export interface GraphVaeConfig {
  /** `vgae`: variational; `gae`: the plain graph autoencoder (z = mu, no KL). */
  kind: 'vgae' | 'gae';
  /** Width of the first GCN layer. */
  hidden: number;
  /** Latent size (mu and log sigma each). */
  latent: number;
  /** Full-graph training steps. */
  epochs: number;
  /** Shares of the edges held out for validation and test. */
  valFraction: number;
  testFraction: number;
  /** Node features from the data, or the identity ("featureless"). */
  features: 'data' | 'none';
  seed: number;
}

/** The paper's settings: hidden 32, latent 16, 200 epochs, 5% / 10% held out. */
export const GRAPH_VAE_DEFAULTS: Readonly<GraphVaeConfig> = Object.freeze({
  kind: 'vgae',
  hidden: 32,
  latent: 16,
  epochs: 200,
  valFraction: 0.05,
  testFraction: 0.1,
  features: 'data',
  seed: 1,
});

/**
 * Adam with learning rate 0.01, as the paper's code; betas and epsilon are TensorFlow's and
 * PyTorch's defaults. (TensorFlow adds epsilon to the uncorrected sqrt(v), PyTorch and
 * src/reference/vae.ts's adamUpdate to the bias-corrected one; the two differ only where
 * sqrt(v) is near 1e-8.)
 */
export const GRAPH_VAE_ADAM: Readonly<AdamConfig> = Object.freeze({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
