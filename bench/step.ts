// First benchmark: ms per training step of the reference model and GFLOP/s of each GEMM shape,
// on whatever adapter Node's Dawn finds (SwiftShader on machines without a GPU).
// Run: npm run bench  (add -- --json for one JSON document)
import { requestNodeGpu } from '../src/node/gpu.js';
import { GpuResources, encodeDispatches, type Dispatch } from '../src/gpu/resources.js';
import { LinearKernels, type LinearVariant } from '../src/kernels/linear.js';
import { layerSpecs, pad4 } from '../src/model.js';
import { resolveConfig } from '../src/config.js';
import { Vae } from '../src/vae.js';

const json = process.argv.includes('--json');
const variants = (process.argv.find((a) => a.startsWith('--variants='))?.split('=')[1].split(',') ?? ['register', 'tiled']) as LinearVariant[];
const gpu = await requestNodeGpu();
const { device } = gpu;
const log = (s: string) => json || console.log(s);

async function time(dispatches: Dispatch[], reps: number): Promise<number> {
  const run = async (n: number) => {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (let i = 0; i < n; i++) encodeDispatches(pass, dispatches);
    pass.end();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  await run(1); // warm-up: pipeline compilation and first-touch costs
  const t0 = performance.now();
  await run(reps);
  return (performance.now() - t0) / reps;
}

const cfg = resolveConfig({});
const B = cfg.batch;
const gemms: Record<string, unknown>[] = [];
for (const variant of variants) {
  const res = new GpuResources(device);
  const k = new LinearKernels(res, variant);
  const buf = (rows: number, cols: number) => {
    const b = res.storage('bench', pad4(rows) * pad4(cols) * 4);
    return { buffer: b, offset: 0, size: b.size };
  };
  for (const l of layerSpecs(cfg)) {
    const [I, O] = [l.inSize, l.outSize];
    const x = buf(B, I);
    const w = buf(O, I);
    const cases: [string, Dispatch, number, number, number][] = [
      ['forward', await k.forward('f', { x, w, b: buf(1, O), y: buf(B, O), rows: B, inSize: I, outSize: O, relu: true }), B, O, I],
      ['backward_input', await k.backwardInput('bi', { dy: buf(B, O), w, mask: x, dx: buf(B, I), rows: B, inSize: I, outSize: O }), B, I, O],
      ['backward_weight', await k.backwardWeight('bw', { dy: buf(B, O), x, dw: buf(O, I), db: buf(1, O), rows: B, inSize: I, outSize: O }), O, I, B],
    ];
    for (const [entry, d, M, N, K] of cases) {
      const ms = await time([d], 10);
      const gflops = (2 * M * N * K) / (ms * 1e6);
      gemms.push({ variant, layer: l.name, entry, shape: `${M}x${N}x${K}`, ms: +ms.toFixed(3), gflops: +gflops.toFixed(3) });
      log(`${variant.padEnd(8)} ${l.name.padEnd(5)} ${entry.padEnd(16)} ${`${M}x${N}x${K}`.padEnd(12)} ${ms.toFixed(2).padStart(8)} ms ${gflops.toFixed(2).padStart(7)} GFLOP/s`);
    }
  }
  res.destroy();
}

const steps: Record<string, unknown>[] = [];
for (const variant of variants) {
  const vae = await Vae.create({ device, linearVariant: variant });
  const x = new Float32Array(B * cfg.inputSize).map((_, i) => (i % 7) / 7);
  for (let i = 0; i < 3; i++) await vae.step(x);
  await vae.losses();
  const n = 20;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await vae.step(x);
  await vae.losses();
  const ms = (performance.now() - t0) / n;
  steps.push({ variant, model: '784-400-20', batch: B, ms_per_step: +ms.toFixed(2), samples_per_s: Math.round((B / ms) * 1000), dispatches_per_step: vae.dispatchesPerStep, submits_per_step: 1 });
  log(`step ${variant}: ${ms.toFixed(1)} ms per step at batch ${B} (${Math.round((B / ms) * 1000)} samples/s, ${vae.dispatchesPerStep} dispatches, 1 submit)`);
  vae.destroy();
}

const report = { date: new Date().toISOString(), adapter: gpu.description, gemms, steps };
if (json) console.log(JSON.stringify(report, null, 2));
else console.log(`adapter: ${gpu.description}`);
device.destroy();
process.exit(0);
