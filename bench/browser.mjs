// The browser benchmark (npm run bench): builds the benchmark page (bench/page) with esbuild,
// serves it on 127.0.0.1 (a free port), opens it in Chromium (or Firefox: --browser firefox)
// through puppeteer-core and prints what it reports: a table, or with --json one JSON document
// on stdout (progress on stderr).
//
// Options: --browser chromium|firefox (or --browser=NAME; how each starts: scripts/browsers.mjs);
// --json; --out=FILE (also write the JSON document there); --serve (only build and serve, for opening the page in a browser with a GPU);
// --timeout=SECONDS for the whole page run (default 900); --baselines=jax,tfjs|none;
// --baseline-steps=WARMUP,TIMED; --no-dev-features (leave Chrome's timestamp quantization on);
// and the suite's own: --quick --batches=32,128,512 --variants=register,tiled --no-kernels
// --no-epoch --no-timestamps --model=784-400-20 --batch=128 (bench/lib/args.ts has them all).
// CHROME_PATH / FIREFOX_PATH pick the executables (default /usr/bin/chromium, /usr/bin/firefox-esr).
// The page's comparisons with the PyTorch scripts of bench/pytorch/ run them through this
// launcher (PYTHON, default /usr/bin/python3), which also reads the load average and the
// browser's CPU time for it.
import { copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { BROWSER_NAMES, browserTitle, launchOptions } from '../scripts/browsers.mjs';
import { buildEmbeddedMnist } from '../scripts/embedded-mnist.mjs';
import { wgslPlugin } from '../scripts/wgsl.mjs';
import { processTreeCpuSeconds, runPythonScript } from './lib/python.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--browser firefox` as npm passes it, folded into `--browser=firefox`.
const argv = process.argv.slice(2).flatMap((a, i, all) => (a === '--browser' ? [] : all[i - 1] === '--browser' ? [`--browser=${a}`] : [a]));
const has = (flag) => argv.includes(flag);
const value = (name, fallback) => {
  const a = argv.find((x) => x.startsWith(`${name}=`));
  return a ? a.slice(name.length + 1) : fallback;
};
const json = has('--json');
const browserName = value('--browser', 'chromium');
if (!BROWSER_NAMES.includes(browserName)) fail(`--browser must be one of ${BROWSER_NAMES.join(', ')}, got '${browserName}'`);
const serveOnly = has('--serve');
const timeoutS = Number(value('--timeout', '900'));
if (!(timeoutS > 0)) fail(`--timeout must be a number of seconds > 0, got ${value('--timeout')}`);
const outFile = value('--out');
const OWN = ['--json', '--out', '--serve', '--timeout', '--baselines', '--baseline-steps', '--no-dev-features', '--baseline-timeout', '--browser'];
const suiteArgs = argv.filter((a) => !OWN.includes(a.split('=')[0]));
const log = (s) => process.stderr.write(`${s}\n`);

function fail(message, code = 1) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(code);
}

/** Bounds a promise by a timeout; `what` names it in the error. */
function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------- build

const out = join(root, 'node_modules/.cache/webgpu-vae-bench/page');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'data'), { recursive: true });
const require = createRequire(join(root, 'package.json'));
const versionOf = (pkg) => {
  try {
    return JSON.parse(readFileSync(join(dirname(require.resolve(pkg)), '..', 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
};
const versions = { '@jax-js/jax': versionOf('@jax-js/jax'), '@tensorflow/tfjs': versionOf('@tensorflow/tfjs') };
await esbuild.build({
  entryPoints: { bench: join(root, 'bench/page/main.ts') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  plugins: [wgslPlugin(join(root, 'shaders'))],
  sourcemap: true,
  logLevel: 'warning',
  define: { BENCH_VERSIONS: JSON.stringify(versions) },
});
copyFileSync(join(root, 'bench/page/index.html'), join(out, 'index.html'));
buildEmbeddedMnist(root, join(out, 'data'));
// The embedded Cora for the graph VAE's part (CORA_FILES in src/graph/cora.ts).
for (const f of ['cora.content.gz', 'cora.cites.gz']) copyFileSync(join(root, 'data/cora', f), join(out, 'data', f));
// PubMed, for the sampled decoder against PyTorch.
mkdirSync(join(out, 'data/pubmed'));
for (const f of ['edges.csv.gz', 'nodes.csv.gz']) copyFileSync(join(root, 'data/pubmed', f), join(out, 'data/pubmed', f));

// ---------------------------------------------------------------- serve

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json', '.gz': 'application/octet-stream' };
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  const file = normalize(join(out, path === '/' ? 'index.html' : path));
  if (!file.startsWith(out + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`);
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
  createReadStream(file).pipe(res);
});
await within(new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve)), 10_000, 'starting the page server');
const url = new URL(`http://127.0.0.1:${server.address().port}/`);
for (const a of suiteArgs) url.searchParams.append('arg', a);
if (value('--baselines')) url.searchParams.set('baselines', value('--baselines'));
if (value('--baseline-steps')) url.searchParams.set('baseline-steps', value('--baseline-steps'));
if (value('--baseline-timeout')) url.searchParams.set('baseline-timeout', value('--baseline-timeout'));

if (serveOnly) {
  log(`benchmark page: ${url.href}  (Ctrl+C to stop)`);
  for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(0));
} else {
  await runInBrowser(browserName);
}

// ---------------------------------------------------------------- run in the browser

async function runInBrowser(name) {
  const title = browserTitle(name);
  let options;
  try {
    // Chromium: keep a hidden page's timers and GPU work at full speed, and (unless
    // --no-dev-features) unquantized timestamp queries (Chrome rounds them to 100 us otherwise).
    const args = ['--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'];
    if (!has('--no-dev-features')) args.push('--enable-webgpu-developer-features');
    options = launchOptions(name, { args, protocolTimeout: (timeoutS + 120) * 1000 });
  } catch (e) {
    fail(e.message);
  }
  const puppeteer = (await import('puppeteer-core')).default;
  const consoleLines = [];
  let browser;
  let exitCode = 0;
  try {
    browser = await within(puppeteer.launch(options), 60_000, `launching ${title}`);
    const page = await browser.newPage();
    page.on('console', (m) => {
      const line = `[page ${m.type()}] ${m.text()}`;
      consoleLines.push(line);
      if (m.type() === 'error' || m.type() === 'warn') log(line);
    });
    page.on('pageerror', (e) => {
      consoleLines.push(`[page exception] ${e.message}`);
      log(`[page exception] ${e.message}`);
    });
    page.on('requestfailed', (r) => consoleLines.push(`[request failed] ${r.url()}: ${r.failure()?.errorText}`));
    let settle;
    const done = new Promise((resolve, reject) => {
      settle = { resolve, reject };
    });
    await page.exposeFunction('benchProgress', (line) => log(line));
    await page.exposeFunction('benchDone', (text) => settle.resolve(text));
    await page.exposeFunction('benchFailed', (message) => settle.reject(new Error(`the benchmark page failed:\n${message}`)));
    // The PyTorch scripts (the page cannot start processes), the load average, and the CPU
    // seconds of every browser process (its GPU process runs the software adapter).
    await page.exposeFunction('benchPython', async (script, args, split) => JSON.stringify(await runPythonScript(root, script, args, split)));
    await page.exposeFunction('benchHost', () => JSON.stringify({ load: loadavg(), cpu: processTreeCpuSeconds(browser.process().pid) }));
    browser.on('disconnected', () => settle.reject(new Error(`${title} exited (crash or out of memory?)`)));
    log(`bench: ${url.href} in ${options.executablePath} (${await browser.version()})`);
    await within(page.goto(url.href, { waitUntil: 'load', timeout: 60_000 }), 70_000, 'loading the benchmark page');
    const { report, table } = JSON.parse(await within(done, timeoutS * 1000, 'the benchmark page'));
    process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${table}\n`);
    if (outFile) writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
    const failed = Object.entries(report.checks).filter(([, ok]) => !ok).map(([k]) => k);
    if (failed.length) log(`bench: step-loop checks failed: ${failed.join(', ')}`);
  } catch (e) {
    exitCode = 1;
    log(`bench: ${e.message}`);
    if (consoleLines.length) log(`page console (last 60 lines):\n${consoleLines.slice(-60).join('\n')}`);
  } finally {
    await within(browser?.close() ?? Promise.resolve(), 20_000, `closing ${title}`).catch((e) => {
      log(`bench: ${e.message}; killing it`);
      browser?.process()?.kill('SIGKILL');
    });
    server.close();
  }
  process.exit(exitCode);
}
