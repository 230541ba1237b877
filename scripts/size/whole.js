// "The whole library": everything the main entry exports, every layer type registered.
export * from 'webgpu-vae';
