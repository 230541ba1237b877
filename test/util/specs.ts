// Model specs shared by the tests.
import type { ModelSpec } from '../../src/model/spec.js';

/** The example: RGB 32x32, kernel 4 / stride 2 / padding 1, LeakyReLU(0.2), a decoder of its own. */
export const RGB: ModelSpec = {
  input: [3, 32, 32], latent: 32,
  encoder: [
    { type: 'conv2d', name: 'enc1', out: 32, kernel: 4, stride: 2, padding: 1, activation: 'leaky_relu', slope: 0.2 },
    { type: 'flatten' }, { type: 'linear', name: 'fc1', out: 256, activation: 'relu' },
  ],
  decoder: [
    { type: 'linear', name: 'fc3', out: 2048, activation: 'relu' }, { type: 'reshape', shape: [32, 8, 8] },
    { type: 'conv_transpose2d', name: 'dec1', out: 32, kernel: 4, stride: 2, padding: 1, activation: 'relu' },
    { type: 'conv_transpose2d', name: 'dec2', out: 3, kernel: 4, stride: 2, padding: 1 },
  ],
};
