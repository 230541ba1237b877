/**
 * Registers every layer type this runtime has (the CLI, the page and the library's main entry
 * import this). An application that builds only some models can register just their types
 * instead, and its bundle then holds only their kernels:
 *
 *   import { registerLayerTypes } from 'webgpu-vae/core';
 *   import { LINEAR } from 'webgpu-vae/layers/linear';
 *   registerLayerTypes(LINEAR);
 */
import { CONV2D, CONV_TRANSPOSE2D } from './conv2d.js';
import { GCN } from './gcn.js';
import { LINEAR } from './linear.js';
import { registerLayerTypes } from './registry.js';

registerLayerTypes(LINEAR, CONV2D, CONV_TRANSPOSE2D, GCN);

export { CONV2D, CONV_TRANSPOSE2D, GCN, LINEAR };
