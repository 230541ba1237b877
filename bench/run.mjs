// Bundles a TypeScript benchmark with esbuild and runs it in a fresh Node process with the
// GPU environment set (see src/node/environment.ts). Usage: node bench/run.mjs step [--json]
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [name = 'step', ...args] = process.argv.slice(2);
const out = join(root, 'node_modules/.cache/webgpu-vae-bench', `${name}.mjs`);
mkdirSync(dirname(out), { recursive: true });
await esbuild.build({
  entryPoints: [join(root, 'bench', `${name}.ts`)], outfile: out, bundle: true, format: 'esm', platform: 'node',
  loader: { '.wgsl': 'text' }, external: ['webgpu'], logLevel: 'warning',
});
const env = join(dirname(out), 'environment.mjs');
await esbuild.build({ entryPoints: [join(root, 'src/node/environment.ts')], outfile: env, bundle: true, format: 'esm', platform: 'node', logLevel: 'warning' });
const { nodeGpuEnvironment } = await import(env);
const r = spawnSync(process.execPath, [out, ...args], { stdio: 'inherit', cwd: root, env: { ...process.env, ...nodeGpuEnvironment(process.env) } });
process.exit(r.status ?? 1);
