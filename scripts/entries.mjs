// The library's package entries: `webgpu-vae` and its subpaths, each a source file built to one
// file under dist/ (package.json `exports` names them; test/build/size.test.ts checks the two agree).
// They are built together with code splitting, so modules two entries share (the layer registry
// above all) live once, in dist/chunks/, and an application that imports `webgpu-vae/core` and
// one layer type loads neither the other types' kernels nor the data readers or the graph VAE.
import { join } from 'node:path';

/** Subpath (as package.json `exports` writes it) -> [source under src/, output under dist/ without .js]. */
export const LIBRARY_ENTRIES = {
  '.': ['index.ts', 'index'],
  './core': ['core.ts', 'core'],
  './data': ['data.ts', 'data'],
  './graph': ['graph.ts', 'graph'],
  './layers/all': ['layers/all.ts', 'layers/all'],
  './layers/linear': ['layers/linear.ts', 'layers/linear'],
  './layers/conv2d': ['layers/conv2d.ts', 'layers/conv2d'],
  './layers/gcn': ['layers/gcn.ts', 'layers/gcn'],
};

/** esbuild options of the library build (outdir, plugins and the rest are the caller's). */
export function libraryBuildOptions(root) {
  const entryPoints = Object.fromEntries(Object.values(LIBRARY_ENTRIES).map(([src, out]) => [out, join(root, 'src', src)]));
  return { entryPoints, splitting: true, chunkNames: 'chunks/[name]-[hash]', platform: 'neutral' };
}
