import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { nodeGpuEnvironment } from './src/node/environment.js';
import { wgslModule } from './scripts/wgsl.mjs';

// Workers are forked after this runs, so they inherit the Vulkan loader path and the
// SwiftShader ICD when the machine has no GPU driver of its own.
Object.assign(process.env, nodeGpuEnvironment(process.env));

const shaders = join(import.meta.dirname, 'shaders');

export default defineConfig({
  plugins: [
    {
      // The same expansion of `.wgsl` imports as the esbuild builds (scripts/wgsl.mjs).
      name: 'wgsl',
      enforce: 'pre',
      load(id) {
        if (!id.endsWith('.wgsl')) return null;
        const { contents, files } = wgslModule(id, shaders);
        for (const f of files) this.addWatchFile(f);
        return contents;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    // SwiftShader runs shaders on two CPU cores; real-shape kernels take seconds.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
