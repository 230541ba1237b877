// Runs a TypeScript benchmark under Node (Dawn): bundles bench/<name>.ts with esbuild, writes
// the embedded MNIST digits and Cora beside it, and runs it in a fresh Node process with the GPU
// environment set (see src/node/environment.ts), so Dawn finds SwiftShader on machines without
// a GPU. Usage: node bench/run.mjs [step] [--json] [--quick] [--timeout=900] [...]  (npm run bench:node)
// The browser benchmark, with the baselines, is bench/browser.mjs (npm run bench).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { buildEmbeddedMnist } from '../scripts/embedded-mnist.mjs';
import { wgslPlugin } from '../scripts/wgsl.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const name = argv[0] && !argv[0].startsWith('-') ? argv.shift() : 'step';
if (!existsSync(join(root, 'bench', `${name}.ts`))) {
  console.error(`bench/run.mjs: no benchmark bench/${name}.ts`);
  process.exit(2);
}
const cache = join(root, 'node_modules/.cache/webgpu-vae-bench');
const out = join(cache, `${name}.mjs`);
mkdirSync(cache, { recursive: true });
await esbuild.build({
  entryPoints: [join(root, 'bench', `${name}.ts`)], outfile: out, bundle: true, format: 'esm', platform: 'node',
  plugins: [wgslPlugin(join(root, 'shaders'))], external: ['webgpu'], logLevel: 'warning', sourcemap: 'inline',
});
buildEmbeddedMnist(root, cache);
// The embedded Cora for the graph VAE's part (CORA_FILES in src/graph/cora.ts).
for (const f of ['cora.content.gz', 'cora.cites.gz']) copyFileSync(join(root, 'data/cora', f), join(cache, f));
const env = join(cache, 'environment.mjs');
await esbuild.build({ entryPoints: [join(root, 'src/node/environment.ts')], outfile: env, bundle: true, format: 'esm', platform: 'node', logLevel: 'warning' });
const { nodeGpuEnvironment } = await import(env);
// The whole run is bounded: --timeout=SECONDS (default 900).
const timeoutArg = argv.find((a) => a.startsWith('--timeout='));
const timeoutS = timeoutArg ? Number(timeoutArg.slice('--timeout='.length)) : 900;
if (!(timeoutS > 0)) {
  console.error(`bench/run.mjs: --timeout must be a number of seconds > 0, got ${timeoutArg}`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--enable-source-maps', out, ...argv.filter((a) => a !== timeoutArg)], {
  stdio: 'inherit', cwd: root, env: { ...process.env, BENCH_DATA_DIR: cache, ...nodeGpuEnvironment(process.env) },
  timeout: timeoutS * 1000, killSignal: 'SIGKILL',
});
if (r.error) console.error(`bench/run.mjs: ${r.error.code === 'ETIMEDOUT' ? `no result within ${timeoutS} s, stopped` : r.error.message}`);
process.exit(r.status ?? 1);
