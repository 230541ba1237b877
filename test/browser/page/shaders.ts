/**
 * Every shader compiled in this browser (test/firefox/shaders.test.ts drives it): each file of
 * shaders/ as the build expands it, through the runtime's compileShader (errors as
 * `file: [error at file:line:col]`); then every pipeline the runtime makes, with the override
 * constants it gives them, by building the models the library, the CLI and the page offer at
 * their default sizes, in each kernel variant, and calling each once (a step, and every
 * inference path that compiles pipelines of its own), with the queue's submit left out: every
 * pipeline is created, every bind group made and every dispatch encoded as the runtime does it,
 * while the work itself (minutes for the tiled conv VAE on a CPU adapter) is not run; the kernel
 * tests check the numbers and the page tests train. Pipelines are recorded as the runtime asks
 * for them; errors carry the pipeline's label (`linear.forward[tiled]`) and the model. An entry
 * point no model builds (one only the tests use) is compiled with its default overrides. A module
 * the adapter cannot compile (the subgroup shaders without `subgroups`) is reported as such.
 */
import shaders from 'harness:shaders';
// Every layer type registered, as the CLI and the page do.
import '../../../src/layers/all.js';
import { requestDeviceFor } from '../../../src/gpu/device.js';
import { compileShader, ShaderPipelines } from '../../../src/gpu/shader.js';
import type { WgslSource } from '../../../src/gpu/layout.js';
import { GraphVae } from '../../../src/graph/graph_vae.js';
import { embeddedCora } from '../../../src/graph/cora.js';
import { prepareGraph } from '../../../src/graph/graph_task.js';
import type { LinearVariant } from '../../../src/kernels/linear.js';
import type { NoiseMode } from '../../../src/kernels/reparameterize.js';
import { Vae } from '../../../src/vae/vae.js';
import type { VaeConfig } from '../../../src/config.js';

/** A pipeline the runtime asked for. */
export interface PipelineRecord {
  label: string;
  module: string;
  entry: string;
  constants: Record<string, number>;
}

/** What the page found; `errors` in the order they came, each naming the module or pipeline. */
export interface CompileReport {
  modules: { name: string; entries: string[]; compiled: boolean; note?: string }[];
  pipelines: PipelineRecord[];
  /** `model [variant]: seconds`, in build order. */
  models: string[];
  errors: string[];
  /** Entry points of compiled modules that no model built, as `file:entry`: compiled with their default overrides. */
  unbuilt: string[];
  /** The check that a broken shader and a broken override set are reported (they must be). */
  selfCheck: { module: string; pipeline: string };
}

/** The entry points of a WGSL module. */
const entries = (code: string) => [...code.replace(/\/\/[^\n]*/g, '').matchAll(/@compute[^;{]*?fn\s+(\w+)\s*\(/g)].map((m) => m[1]);

const VARIANTS: LinearVariant[] = ['register', 'tiled'];

/** Seeded-looking inputs in [0, 1): the values do not matter, only that every path runs. */
const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => (i * 0.618) % 1);

/** Each image model the entry points offer (the page's and the CLI's settings), and what to run on it. */
const IMAGE_MODELS: { name: string; config: Partial<VaeConfig>; inference: boolean; noise?: NoiseMode }[] = [
  { name: 'MLP VAE 784-400-20, Bernoulli (the reference model)', config: {}, inference: true },
  { name: 'MLP autoencoder, Gaussian decoder', config: { kind: 'ae', likelihood: 'gaussian' }, inference: true },
  { name: 'MLP denoising VAE (gauss:0.3)', config: { corrupt: { kind: 'gauss', amount: 0.3 } }, inference: false },
  { name: 'MLP VAE with two hidden layers 256-64, latent 2', config: { hidden: [256, 64], latent: 2 }, inference: false },
  { name: 'MLP VAE with its noise given (noise: buffer)', config: {}, inference: false, noise: 'buffer' },
  { name: 'conv VAE (keras-io, 1x28x28-conv32-conv64-16-2)', config: { arch: 'conv' }, inference: true },
  { name: 'conv denoising VAE (mask:0.5)', config: { arch: 'conv', corrupt: { kind: 'mask', amount: 0.5 } }, inference: false },
];

async function exerciseImageModel(device: GPUDevice, variant: LinearVariant, m: (typeof IMAGE_MODELS)[number]): Promise<void> {
  const vae = await Vae.create({ device, config: m.config, linearVariant: variant, noise: m.noise });
  try {
    const { batch, inputSize, latent, kind } = vae.config;
    const x = ramp(batch * inputSize);
    await vae.step(x);
    await vae.losses();
    if (!m.inference) return;
    await vae.evaluate([batch], x);
    await vae.evaluate([batch], x, { corrupt: { kind: 'saltpepper', amount: 0.2 } });
    await vae.reconstruct(x.subarray(0, 2 * inputSize), 2);
    await vae.decode(ramp(2 * latent), 2);
    await vae.sample(2);
    await vae.denoise(x.subarray(0, 2 * inputSize), { kind: 'mask', amount: 0.5 }, 2);
    await vae.evaluateRows(x.subarray(0, 2 * inputSize), 2);
    if (kind === 'vae') await vae.logLikelihood(x.subarray(0, inputSize), 1, 2 * batch);
  } finally {
    vae.destroy();
  }
}

async function exerciseGraphModel(device: GPUDevice, variant: LinearVariant, kind: 'vgae' | 'gae', features: boolean, cora: Awaited<ReturnType<typeof embeddedCora>>): Promise<void> {
  const prepared = prepareGraph(cora, { seed: 1, valFraction: 0.05, testFraction: 0.1, features: features ? 'data' : 'none' });
  const model = await GraphVae.create({ device, graph: prepared.input, kind, variant });
  try {
    await model.step();
    await model.losses();
    await model.posterior();
    await model.embed();
    await model.linkScores(Uint32Array.from([0, 1, 2, 3]));
  } finally {
    model.destroy();
  }
}

/** A shader with a syntax error and a pipeline whose override makes it invalid: both must be reported. */
async function selfCheck(device: GPUDevice): Promise<CompileReport['selfCheck']> {
  const broken: WgslSource = { name: 'self_check_broken.wgsl', code: '@compute @workgroup_size(1) fn main() { let x: f32 = ; }\n', lineMap: [[1, 'self_check_broken.wgsl', 1]], structs: {} };
  const module = await compileShader(device, broken).then(() => 'compiled', (e: Error) => e.message);
  const good: WgslSource = {
    name: 'self_check_override.wgsl',
    code: 'override WG: u32;\n@compute @workgroup_size(WG) fn main() {}\n',
    lineMap: [[1, 'self_check_override.wgsl', 1]],
    structs: {},
  };
  const m = await compileShader(device, good);
  // A workgroup of 0 invocations is invalid at pipeline creation, where overrides are applied.
  const pipeline = await device
    .createComputePipelineAsync({ label: 'self_check.main[WG=0]', layout: 'auto', compute: { module: m, entryPoint: 'main', constants: { WG: 0 } } })
    .then(() => 'created', (e: Error) => `self_check.main[WG=0]: ${e.message}`);
  return { module, pipeline };
}

/** Compiles every module and builds every model on a fresh device of this page's adapter. */
export default async function compileAll(): Promise<CompileReport> {
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter');
  const device = await requestDeviceFor(adapter, 'shader check');
  const report: CompileReport = { modules: [], pipelines: [], models: [], errors: [], unbuilt: [], selfCheck: { module: '', pipeline: '' } };
  device.addEventListener('uncapturederror', (e) => report.errors.push(`uncaptured: ${(e as GPUUncapturedErrorEvent).error.message}`));

  for (const source of shaders as WgslSource[]) {
    const needs = /^\s*enable\s+subgroups\s*;/m.test(source.code) && !device.features.has('subgroups');
    const entry = { name: source.name, entries: entries(source.code), compiled: false, note: needs ? 'not compiled: the adapter has no subgroups' : undefined };
    report.modules.push(entry);
    if (needs) continue;
    try {
      await compileShader(device, source);
      entry.compiled = true;
    } catch (e) {
      report.errors.push((e as Error).message);
    }
  }

  // Record each pipeline as the runtime asks for it (src/gpu/shader.ts labels the module by file).
  const create = device.createComputePipelineAsync.bind(device);
  device.createComputePipelineAsync = (d: GPUComputePipelineDescriptor) => {
    report.pipelines.push({ label: d.label ?? '', module: d.compute.module.label, entry: d.compute.entryPoint ?? '', constants: { ...(d.compute.constants ?? {}) } as Record<string, number> });
    return create(d);
  };
  // Everything up to the queue: command buffers are encoded and finished (validated), not run.
  const submit = device.queue.submit.bind(device.queue);
  device.queue.submit = () => undefined;
  const fetchBytes = async (f: string) => new Uint8Array(await (await fetch(`/repo/data/cora/${f}`)).arrayBuffer());
  const cora = await embeddedCora(await fetchBytes('cora.content.gz'), await fetchBytes('cora.cites.gz'));
  const build = async (name: string, run: () => Promise<void>) => {
    const t0 = performance.now();
    device.pushErrorScope('internal');
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    try {
      await run();
    } catch (e) {
      report.errors.push(`${name}: ${(e as Error).message}`);
    }
    for (const what of ['validation', 'out of memory', 'internal']) {
      const err = await device.popErrorScope();
      if (err) report.errors.push(`${name}: ${what} error: ${err.message}`);
    }
    report.models.push(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  for (const variant of VARIANTS) {
    for (const m of IMAGE_MODELS) await build(`${m.name} [${variant}]`, () => exerciseImageModel(device, variant, m));
    await build(`graph VGAE on Cora [${variant}]`, () => exerciseGraphModel(device, variant, 'vgae', true, cora));
    await build(`graph GAE on Cora, identity features [${variant}]`, () => exerciseGraphModel(device, variant, 'gae', false, cora));
  }
  device.queue.submit = submit;

  const built = new Set(report.pipelines.map((p) => `${p.module}:${p.entry}`));
  for (const m of report.modules) if (m.compiled) for (const e of m.entries) if (!built.has(`${m.name}:${e}`)) report.unbuilt.push(`${m.name}:${e}`);
  const sources = new Map((shaders as WgslSource[]).map((s) => [s.name, s]));
  for (const entry of report.unbuilt) {
    const [name, fn] = entry.split(':');
    await build(`${entry} with its default overrides`, async () => {
      await new ShaderPipelines(device, sources.get(name)!).get(fn, {}, `${name.replace(/\.wgsl$/, '')}.${fn}[default overrides]`);
    });
  }
  device.createComputePipelineAsync = create;
  device.pushErrorScope('validation');
  report.selfCheck = await selfCheck(device);
  await device.popErrorScope();
  device.destroy();
  return report;
}
