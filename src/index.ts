/**
 * webgpu-vae: train and run variational autoencoders with hand-written WebGPU compute shaders.
 * This bundle has no dependencies; bring a GPUDevice (or let it use navigator.gpu).
 *
 * The main entry is `webgpu-vae/core` with every layer type registered (linear, conv2d,
 * conv_transpose2d, gcn). An application that builds only some models imports `webgpu-vae/core`
 * and registers just their types (`webgpu-vae/layers/linear` and so on); the data readers are
 * `webgpu-vae/data` and the graph VAE `webgpu-vae/graph` (docs/embedding.md).
 */
export * from './core.js';
import './layers/all.js';
export { CONV2D, CONV_TRANSPOSE2D, GCN, LINEAR } from './layers/all.js';
