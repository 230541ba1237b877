/**
 * The benchmark page: runs the suite (bench/lib/suite.ts) with the runtime's own classes on
 * this browser's WebGPU adapter, then the baselines in the same page, and hands the report to
 * the launcher (bench/browser.mjs) through the functions it exposes, or shows it as a table.
 *
 * Query: `arg=` (repeatable) suite options as on the command line; `baselines=jax,tfjs` (or
 * `none`); `baseline-steps=warmup,timed`.
 */
import '../../src/layers/all.js';
import { EMBEDDED_FILES, embeddedMnist } from '../../src/data/mnist.js';
import { CORA_FILES, embeddedCora } from '../../src/graph/cora.js';
import { readGraphFiles } from '../../src/graph/files.js';
import type { HostProbe, PythonRunner } from '../lib/graph_pytorch.js';
import { adapterRecord, benchDevice, deviceAdapterInfo } from '../lib/adapter.js';
import { parseSuiteArgs } from '../lib/args.js';
import { formatTable, type BenchReport } from '../lib/report.js';
import { runSuite, type BaselineRunner } from '../lib/suite.js';
import type { BaselineBudget } from '../baselines/model.js';

/** Set by the launcher with page.exposeFunction; absent when a person opens the page. */
interface Hooks {
  benchProgress?: (line: string) => Promise<void>;
  /** Called once with JSON `{ report, table }`. */
  benchDone?: (json: string) => Promise<void>;
  benchFailed?: (message: string) => Promise<void>;
  benchReport?: BenchReport;
  /** Runs a PyTorch script of bench/pytorch/ (graph_pytorch.ts's PythonRunner); resolves to its JSON lines as JSON. */
  benchPython?: (script: string, args: string[], split: string) => Promise<string>;
  /** JSON `{ load: [1, 5, 15 min], cpu: CPU seconds of Chromium's processes or null }`. */
  benchHost?: () => Promise<string>;
}
const hooks = window as unknown as Hooks;

const logEl = document.getElementById('log')!;
const statusEl = document.getElementById('status')!;

function log(line: string): void {
  logEl.textContent += `${line}\n`;
  void hooks.benchProgress?.(line);
}

async function fetchBytes(name: string): Promise<Uint8Array> {
  const res = await fetch(`./data/${name}`);
  if (!res.ok) throw new Error(`data/${name}: HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

function bounded<T>(p: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: did not finish within ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const opts = parseSuiteArgs(q.getAll('arg'));
  const wanted = (q.get('baselines') ?? 'jax,tfjs').split(',').filter((s) => s && s !== 'none');
  const [warmupSteps, timedSteps] = (q.get('baseline-steps') ?? (opts.quick ? '1,1' : '2,3')).split(',').map(Number);
  const budget: BaselineBudget = { warmupSteps, timedSteps };
  const baselineTimeoutS = Number(q.get('baseline-timeout') ?? 300);

  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) throw new Error('this browser offers no WebGPU (navigator.gpu is missing); on Linux, Chromium needs --enable-unsafe-webgpu and Firefox dom.webgpu.enabled');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('WebGPU found no adapter; without a GPU, start Chromium with --enable-unsafe-swiftshader, or set Firefox\'s gfx.webgpu.ignore-blocklist');
  const device = await benchDevice(adapter);
  let lost: string | null = null;
  device.lost.then((info) => {
    if (info.reason !== 'destroyed') lost = `GPU device lost (${info.reason}): ${info.message}`;
  });
  device.addEventListener('uncapturederror', (e) => log(`GPU error: ${(e as GPUUncapturedErrorEvent).error.message}`));
  const { train } = await embeddedMnist(await fetchBytes(EMBEDDED_FILES.images), await fetchBytes(EMBEDDED_FILES.labels));
  const cora = await embeddedCora(await fetchBytes(CORA_FILES.content), await fetchBytes(CORA_FILES.cites));
  const pubmedFiles = await Promise.all(['edges.csv.gz', 'nodes.csv.gz'].map(async (name) => ({ name, bytes: await fetchBytes(`pubmed/${name}`) })));
  const pubmed = (await readGraphFiles(pubmedFiles, 'data/pubmed')).graph;
  // The launcher runs PyTorch and reads the host for us; a person's browser has neither.
  const python: PythonRunner | undefined = hooks.benchPython && (async (script, args, split) => JSON.parse(await hooks.benchPython!(script, args, split)));
  const hostNow = async () => JSON.parse(await hooks.benchHost!()) as { load: number[]; cpu: number | null };
  const host: HostProbe | undefined = hooks.benchHost && (await hostNow()).cpu !== null
    ? { loadAverage: async () => (await hostNow()).load, cpuSeconds: async () => (await hostNow()).cpu!, cpuScope: 'every Chromium process (its GPU process runs SwiftShader)' }
    : hooks.benchHost && { loadAverage: async () => (await hostNow()).load };

  // Each baseline is loaded only when it runs (its own chunk) and uses its own device. One
  // that hangs is reported as an error after baseline-timeout seconds and the run goes on.
  const load: Record<string, BaselineRunner> = {
    jax: async (ctx) => (await import('../baselines/jax.js')).jaxBaseline({ ...ctx, budget }),
    tfjs: async (ctx) => (await import('../baselines/tfjs.js')).tfjsBaseline({ ...ctx, budget }),
  };
  // The same conv VAE in each framework.
  const loadConv: Record<string, BaselineRunner> = {
    jax: async (ctx) => (await import('../baselines/jax_conv.js')).jaxConvBaseline({ ...ctx, budget }),
    tfjs: async (ctx) => (await import('../baselines/tfjs_conv.js')).tfjsConvBaseline({ ...ctx, budget }),
  };
  const runners: Record<string, BaselineRunner> = {};
  const convRunners: Record<string, BaselineRunner> = {};
  for (const name of wanted) {
    if (!load[name]) throw new Error(`unknown baseline '${name}' (known: ${Object.keys(load).join(', ')})`);
    runners[name] = (ctx) => bounded(load[name](ctx), baselineTimeoutS, `${name} baseline`);
    convRunners[name] = (ctx) => bounded(loadConv[name](ctx), baselineTimeoutS, `${name} conv baseline`);
  }
  statusEl.textContent = 'running…';
  const report = await runSuite(
    { runner: 'browser', runtime: navigator.userAgent, device, adapter: adapterRecord(adapter, device), adapterInfo: deviceAdapterInfo(device), train, cora, baselines: runners,
      convBaselines: convRunners, log, pubmed, ...(python ? { python } : {}), ...(host ? { host } : {}) },
    opts,
  );
  if (lost) throw new Error(lost);
  device.destroy();
  hooks.benchReport = report;
  const table = formatTable(report);
  document.getElementById('table')!.textContent = table;
  statusEl.textContent = 'done';
  await hooks.benchDone?.(JSON.stringify({ report, table }));
}

main().catch(async (e: unknown) => {
  // Firefox's stack has no message line (Chromium's starts with one): give both.
  const err = e as Error;
  const message = err?.stack ? (err.stack.includes(err.message) ? err.stack : `${err.message}\n${err.stack}`) : String(e);
  statusEl.textContent = `failed: ${(e as Error).message ?? String(e)}`;
  statusEl.className = 'failed';
  console.error(message);
  await hooks.benchFailed?.(message);
});
