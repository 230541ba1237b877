/**
 * Runs the repository's GPU test files, unchanged, in a browser's WebGPU (Firefox's wgpu and
 * Naga; Chromium's Dawn works too). Each file is bundled with esbuild into its own script, with
 * vitest replaced by test/browser/page/vitest.ts (vitest's own matchers), `node:fs` by reads
 * from this harness's server, `node:path` by pathe and src/node/gpu.ts by the page's
 * navigator.gpu (test/browser/page/). The server serves the bundles, and the repository
 * read-only under /repo/ (each file's `import.meta.url` is rewritten to its URL there, so the
 * tests find their data and shaders as they do in Node). The page runs one file at a time and
 * hands back a result per test.
 */
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { basename, extname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { browserTitle, launchOptions, type BrowserName } from '../../scripts/browsers.mjs';
import { wgslPlugin } from '../../scripts/wgsl.mjs';
import type { TestResult } from './page/vitest.js';

export type { TestResult };

const root = fileURLToPath(new URL('../..', import.meta.url));
const pageDir = join(root, 'test/browser/page');
/** What the server shows of the repository: what tests read, nothing else. */
const SERVED = ['data', 'shaders', 'test', 'src', 'scripts'];

/** The bundle name of a test file: its path with slashes as `__`, e.g. `test__kernels__adam.test.js`. */
export const bundleName = (file: string) => `${file.replace(/\.ts$/, '').split('/').join('__')}.js`;

/** Every .test.ts file under `dir` (relative to the repository). */
export function testFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).filter((f) => f.endsWith('.test.ts')).sort().map((f) => `${dir}/${f}`);
}

/** esbuild's stand-ins for what only Node has, and the per-file `import.meta.url`. */
function shims(): esbuild.Plugin {
  const require = createRequire(join(root, 'package.json'));
  return {
    name: 'browser-test-shims',
    setup(build) {
      build.onResolve({ filter: /^vitest$/ }, () => ({ path: join(pageDir, 'vitest.ts') }));
      build.onResolve({ filter: /^(node:)?fs$/ }, () => ({ path: join(pageDir, 'fs.ts') }));
      build.onResolve({ filter: /^(node:)?path$/ }, () => ({ path: require.resolve('pathe') }));
      build.onResolve({ filter: /\/node\/gpu\.js$/ }, () => ({ path: join(pageDir, 'gpu.ts') }));
      // Every shader of shaders/ (not common/, which they include), as the build expands them.
      build.onResolve({ filter: /^harness:shaders$/ }, () => ({ path: 'shaders', namespace: 'harness-shaders' }));
      build.onLoad({ filter: /.*/, namespace: 'harness-shaders' }, () => {
        const files = readdirSync(join(root, 'shaders')).filter((f) => f.endsWith('.wgsl')).sort();
        const imports = files.map((f, i) => `import s${i} from ${JSON.stringify(join(root, 'shaders', f))};`);
        return { contents: `${imports.join('\n')}\nexport default [${files.map((_, i) => `s${i}`).join(', ')}];\n`, resolveDir: root, loader: 'js' };
      });
      build.onResolve({ filter: /^harness-entry:/ }, (a) => ({ path: a.path.slice('harness-entry:'.length), namespace: 'harness-entry' }));
      // A test file's bundle: the shim's runner, vitest.config.ts's setup file (every layer type
      // registered), then the file itself (which registers its tests).
      build.onLoad({ filter: /.*/, namespace: 'harness-entry' }, (a) => ({
        contents: `export { run } from ${JSON.stringify(join(pageDir, 'vitest.ts'))};\nimport ${JSON.stringify(join(root, 'test/setup.ts'))};\nimport ${JSON.stringify(a.path)};\n`,
        resolveDir: root,
        loader: 'js',
      }));
      build.onLoad({ filter: /\.(ts|mjs)$/ }, (a) => {
        if (!a.path.startsWith(root) || a.path.includes(`${sep}node_modules${sep}`)) return null;
        const text = readFileSync(a.path, 'utf8');
        if (!text.includes('import.meta.url')) return null;
        const url = `/repo/${relative(root, a.path).split(sep).join('/')}`;
        return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(url)}, location.href).href`), loader: a.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
}

const INDEX = `<!doctype html>
<meta charset="utf-8">
<title>webgpu-vae: test files in this browser</title>
<link rel="icon" href="data:,">
<script type="module">
  // One bundled test file at a time; each result is also logged for the driver's progress.
  window.runTestFile = async (bundle) => {
    const { run } = await import('./' + bundle);
    return run((r) => console.log('[test] ' + r.state + ' ' + Math.round(r.ms) + ' ms ' + r.name + (r.error ? ' :: ' + r.error : '')));
  };
  window.runPage = async (bundle, arg) => (await import('./' + bundle)).default(arg);
</script>
`;

/**
 * Bundles `files` (test files, relative to the repository) for the page, and `pages` (modules
 * whose default export the driver calls with one argument), into `out`.
 */
export async function buildHarness(out: string, files: string[], pages: Record<string, string> = {}): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const entryPoints: Record<string, string> = {};
  for (const f of files) entryPoints[bundleName(f).replace(/\.js$/, '')] = `harness-entry:${join(root, f)}`;
  for (const [name, file] of Object.entries(pages)) entryPoints[name] = join(root, file);
  await esbuild.build({
    entryPoints,
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'inline',
    logLevel: 'warning',
    plugins: [shims(), wgslPlugin(join(root, 'shaders'))],
  });
  writeFileSync(join(out, 'index.html'), INDEX);
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json' };

/** The file a request path maps to: the harness's own files, or the repository's under /repo/. */
function servedFile(out: string, path: string): string | null {
  const [base, rest] = path.startsWith('/repo/') ? [root, path.slice('/repo/'.length)] : [out, path.slice(1) || 'index.html'];
  const file = normalize(join(base, rest));
  if (!file.startsWith(base)) return null;
  if (base === root && !SERVED.includes(relative(root, file).split(sep)[0])) return null;
  return file;
}

/** Serves `out` and the repository on a free loopback port (a secure context for WebGPU). */
export async function serveHarness(out: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const file = servedFile(out, decodeURIComponent(url.pathname));
    if (file && url.searchParams.has('list') && existsSync(file) && statSync(file).isDirectory()) {
      const entries = readdirSync(file, { withFileTypes: true }).map((e) => ({ name: e.name, directory: e.isDirectory() }));
      res.writeHead(200, { 'content-type': TYPES['.json'] }).end(JSON.stringify(entries));
      return;
    }
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${url.pathname}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the harness server has no port');
  return { url: `http://127.0.0.1:${address.port}/`, server };
}

/** The adapter a page gets: its info, features and the limits the runtime reads. */
export interface AdapterReport {
  userAgent: string;
  info: { vendor: string; architecture: string; device: string; description: string; fallback: boolean };
  features: string[];
  limits: Record<string, number>;
}

/** A browser on the harness page. */
export interface Harness {
  browser: Browser;
  page: Page;
  adapter: AdapterReport;
  /** Console lines of the page (the tests' progress and any errors), latest last. */
  console: string[];
  close(): Promise<void>;
}

/**
 * Builds, serves and opens the harness in `name` (headless, WebGPU on); fails with the page's
 * words when it has no WebGPU adapter.
 */
export async function openHarness(name: BrowserName, files: string[], pages: Record<string, string> = {}): Promise<Harness> {
  const out = join(root, 'node_modules/.cache/webgpu-vae-browser-tests', name);
  await buildHarness(out, files, pages);
  const { url, server } = await serveHarness(out);
  let browser: Browser | null = null;
  try {
    browser = await puppeteer.launch(launchOptions(name, { protocolTimeout: 900_000 }));
    const page = await browser.newPage();
    const lines: string[] = [];
    page.on('console', (m) => lines.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => lines.push(`[page error] ${(e as Error).message}`));
    await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    const adapter = await page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
      if (!gpu) return 'navigator.gpu is missing';
      const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!a) return 'requestAdapter() gave no adapter';
      const limits: Record<string, number> = {};
      for (const k in a.limits) limits[k] = Number((a.limits as unknown as Record<string, number>)[k]);
      const i = a.info;
      const fallback = Boolean((i as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter);
      return {
        userAgent: navigator.userAgent, features: [...a.features].map(String).sort(), limits,
        info: { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, fallback },
      };
    });
    if (typeof adapter === 'string') throw new Error(`${browserTitle(name)} has no WebGPU adapter for the test page: ${adapter}`);
    const b = browser;
    return {
      browser: b, page, adapter, console: lines,
      close: async () => {
        await Promise.race([b.close(), new Promise((r) => setTimeout(r, 20_000))]).catch(() => undefined);
        b.process()?.kill('SIGKILL');
        server.close();
      },
    };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    server.close();
    throw e;
  }
}

/** Runs one bundled test file in the harness page and returns its results in order. */
export function runTestFile(h: Harness, file: string): Promise<TestResult[]> {
  return h.page.evaluate((bundle) => (window as unknown as { runTestFile(b: string): Promise<TestResult[]> }).runTestFile(bundle), bundleName(file));
}

/** Calls the default export of a bundled page module (`pages` of openHarness) with `arg`. */
export function runPageModule<T>(h: Harness, name: string, arg: unknown): Promise<T> {
  return h.page.evaluate((bundle, a) => (window as unknown as { runPage(b: string, a: unknown): Promise<T> }).runPage(bundle, a), `${name}.js`, arg as never) as Promise<T>;
}

/** One line per adapter: the user agent's browser, fallback or not, the limits that decide the kernels' variants. */
export function adapterLine(name: BrowserName, a: AdapterReport): string {
  const who = [a.info.vendor, a.info.architecture, a.info.description].filter((s) => s).join(' / ') || 'unnamed adapter';
  const version = /(Firefox|Chrome)\/[\d.]+/.exec(a.userAgent)?.[0] ?? a.userAgent;
  return `${browserTitle(name)} (${version}): ${who}${a.info.fallback ? ', fallback adapter' : ''}; features ${a.features.join(' ') || 'none'}; ` +
    `${a.limits.maxComputeInvocationsPerWorkgroup} invocations and ${a.limits.maxComputeWorkgroupStorageSize} bytes of workgroup memory per workgroup`;
}

/** A test file's results in a few lines: counts, then every failure and skip with its reason. */
export function summary(file: string, results: TestResult[]): string {
  const count = (s: TestResult['state']) => results.filter((r) => r.state === s).length;
  const ms = results.reduce((a, r) => a + r.ms, 0);
  const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 2).map((r) => `${r.name} ${(r.ms / 1000).toFixed(1)} s`);
  const lines = [`${basename(file)}: ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped (${(ms / 1000).toFixed(1)} s; slowest: ${slowest.join('; ')})`];
  for (const r of results.filter((x) => x.state !== 'pass')) lines.push(`  ${r.state}: ${r.name}: ${r.error ?? ''}`);
  return lines.join('\n');
}
