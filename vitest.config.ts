import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { nodeGpuEnvironment } from './src/node/environment.js';

// Workers are forked after this runs, so they inherit the Vulkan loader path and the
// SwiftShader ICD when the machine has no GPU driver of its own.
Object.assign(process.env, nodeGpuEnvironment(process.env));

export default defineConfig({
  plugins: [
    {
      name: 'wgsl-text',
      enforce: 'pre',
      load(id) {
        if (id.endsWith('.wgsl')) return `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`;
        return null;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // SwiftShader runs shaders on two CPU cores; real-shape kernels take seconds.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
