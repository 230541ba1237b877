// Builds dist/: the library's entries (ESM, WGSL inlined and stripped, no dependencies; see
// LIBRARY_ENTRIES in scripts/entries.mjs), their .d.ts files, the
// Node CLI, the training page's bundles, the embedded MNIST digits as gzipped IDX files, and the
// embedded Cora graph (data/cora, its two gzipped LINQS files as they are).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { buildEmbeddedMnist } from './embedded-mnist.mjs';
import { libraryBuildOptions } from './entries.mjs';
import { wgslPlugin } from './wgsl.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });
// Chunk names carry a content hash: last build's would otherwise stay beside the new ones (and in the package).
rmSync(join(dist, 'chunks'), { recursive: true, force: true });

const common = { bundle: true, format: 'esm', plugins: [wgslPlugin(join(root, 'shaders'))], sourcemap: true, logLevel: 'warning', target: 'es2022' };

await esbuild.build({ ...common, ...libraryBuildOptions(root), outdir: dist });
await esbuild.build({
  ...common,
  entryPoints: [join(root, 'src/cli.ts')],
  outfile: join(dist, 'cli.js'),
  platform: 'node',
  // Dawn is loaded at run time from the user's node_modules; it is never bundled.
  external: ['webgpu'],
  banner: { js: '#!/usr/bin/env node' },
});
// The training page: its main-thread bundle (with uPlot and the page's CSS as dist/app.css), the
// module worker that owns the GPU device, and the graph mode's own worker. Both load from dist/ beside the embedded data.
await esbuild.build({
  ...common,
  entryPoints: { app: join(root, 'src/app/main.ts'), worker: join(root, 'src/app/worker.ts'), graph_worker: join(root, 'src/app/graph_worker.ts') },
  outdir: dist,
  platform: 'browser',
  minify: true,
});
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
const asset = buildEmbeddedMnist(root, dist);
// CORA_FILES in src/graph/cora.ts.
for (const f of ['cora.content.gz', 'cora.cites.gz']) copyFileSync(join(root, 'data/cora', f), join(dist, f));
console.log(`built dist/ (library, cli, page, types; ${asset}; embedded Cora)`);
