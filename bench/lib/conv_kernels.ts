/**
 * Convolution kernel benchmarks: the three products of every convolution layer of a conv VAE
 * (src/model/describe.ts), built with the runtime's wrapper (src/kernels/conv2d.ts), validated against the
 * float64 reference (src/reference/conv2d.ts) on seeded inputs of the layer's real shape, then
 * timed (timing.ts). As in a step, input gradients carry the previous ReLU's mask and the first
 * layer has none.
 *
 * GFLOP/s count 2 x (out-side pixels) x co x ci x k x k per product, the frame's multiply-adds
 * (src/layers/conv2d_geometry.ts): the three products of a layer do the same work, taps on the zero
 * padding included, and a transposed convolution counts its real products, not those of a
 * convolution over its zero-dilated input.
 */
import type { VaeConfig } from '../../src/config.js';
import { convFrame, convOutputSize, type Conv2dGeometry, type ConvLayerKind } from '../../src/layers/conv2d_geometry.js';
import { GpuResources, type BufferRange, type Dispatch } from '../../src/gpu/resources.js';
import { Conv2dKernels, type ConvVariant } from '../../src/kernels/conv2d.js';
import type { Conv2dSpec, ConvTranspose2dSpec } from '../../src/layers/conv2d.js';
import { describeModel, modelLayers } from '../../src/model/describe.js';
import { pad4 } from '../../src/gpu/pad.js';
import * as ref from '../../src/reference/conv2d.js';
import { padded, readBack, scoped, seeded, unpadded, validate, type Validation } from './check.js';
import type { KernelRecord } from './report.js';
import { DispatchTimer, type TimingBudget } from './timing.js';
import { RELU } from '../../src/layers/activation.js';

/** A layer's products, by the names the layer types use. */
export type ConvProduct = 'forward' | 'backward_input' | 'backward_weight';
const PRODUCTS: ConvProduct[] = ['forward', 'backward_input', 'backward_weight'];

/** The shader entry each product runs on (the duality of src/kernels/conv2d.ts). */
export const CONV_ENTRY: Record<ConvLayerKind, Record<ConvProduct, string>> = {
  conv2d: { forward: 'forward', backward_input: 'backward_input', backward_weight: 'backward_weight' },
  conv_transpose2d: { forward: 'backward_input', backward_input: 'forward', backward_weight: 'backward_weight' },
};

/** One convolution layer of the model at the benchmark's batch. */
export interface ConvLayerCase {
  name: string;
  kind: ConvLayerKind;
  g: Conv2dGeometry;
  /** Whether a ReLU precedes the layer (its input gradient is masked), and whether that gradient is needed at all. */
  masked: boolean;
  needsDx: boolean;
}

/** The conv layers of `cfg`'s model, in execution order, at `cfg.batch` rows. */
export function convLayerCases(cfg: VaeConfig): ConvLayerCase[] {
  const layers = modelLayers(describeModel(cfg));
  const out: ConvLayerCase[] = [];
  layers.forEach((l, i) => {
    if (l.type !== 'conv2d' && l.type !== 'conv_transpose2d') return;
    const spec = l as unknown as Conv2dSpec | ConvTranspose2dSpec;
    out.push({ name: l.name, kind: l.type, g: { rows: cfg.batch, ...spec.geometry }, masked: i > 0 && layers[i - 1].relu, needsDx: i > 0 });
  });
  return out;
}

/** Multiply-adds x 2 of one product of a layer. */
export function convFlops(kind: ConvLayerKind, g: Conv2dGeometry): number {
  const f = convFrame(kind, g);
  return 2 * f.rows * f.ho * f.wo * f.co * f.ci * f.k * f.k;
}

/** A product's tolerance: a K-term f32 sum of products in [-1, 1] is off by far less than 4 K u (u = 2^-24); a wrong tap is off by O(1). */
function tolerance(kind: ConvLayerKind, product: ConvProduct, g: Conv2dGeometry): { atol: number; rtol: number } {
  const f = convFrame(kind, g);
  const entry = CONV_ENTRY[kind][product];
  const K = entry === 'backward_weight' ? f.rows * f.ho * f.wo : entry === 'forward' ? f.ci * f.k * f.k : f.co * f.k * f.k;
  return { atol: 4 * K * 2 ** -24, rtol: 1e-5 };
}

/** `128x64x7x7->64x14x14` for reports: rows x the layer's input -> its output. */
export function convShapeText(kind: ConvLayerKind, g: Conv2dGeometry): string {
  const { ho, wo } = convOutputSize(kind, g);
  return `${g.rows}x${g.cin}x${g.h}x${g.w}->${g.cout}x${ho}x${wo}`;
}

const whole = (b: GPUBuffer): BufferRange => ({ buffer: b, offset: 0, size: b.size });

/** Builds, runs once and validates one product of one layer; returns its dispatch and the worst error. */
async function prepare(
  device: GPUDevice, res: GpuResources, kernels: Conv2dKernels, c: ConvLayerCase, product: ConvProduct, label: string,
): Promise<{ dispatch: Dispatch; validation: Validation }> {
  const { kind, g } = c;
  const B = g.rows;
  const { ho, wo } = convOutputSize(kind, g);
  const nx = g.cin * g.h * g.w;
  const ny = g.cout * ho * wo;
  const [wRows, wCols] = kind === 'conv2d' ? [g.cout, g.cin * g.k * g.k] : [g.cin, g.cout * g.k * g.k];
  const up = (name: string, a: Float64Array, r: number, cols: number) => {
    const b = res.storage(name, pad4(r) * pad4(cols) * 4);
    device.queue.writeBuffer(b, 0, padded(a, r, cols));
    return whole(b);
  };
  const out = (name: string, r: number, cols: number) => whole(res.storage(name, pad4(r) * pad4(cols) * 4));
  const L = kind === 'conv2d'
    ? { forward: ref.conv2dForward, backwardInput: ref.conv2dBackwardInput, backwardWeight: ref.conv2dBackwardWeight }
    : { forward: ref.convTranspose2dForward, backwardInput: ref.convTranspose2dBackwardInput, backwardWeight: ref.convTranspose2dBackwardWeight };
  const x = seeded(B * nx, 1, -1, 1);
  const w = seeded(wRows * wCols, 2, -1, 1);
  const t = tolerance(kind, product, g);
  return scoped(device, label, async () => {
    if (product === 'forward') {
      const bias = seeded(g.cout, 3, -1, 1);
      const y = out('y', B, ny);
      const a = { x: up('x', x, B, nx), w: up('w', w, wRows, wCols), b: up('b', bias, 1, g.cout), y, act: RELU };
      const dispatch = kind === 'conv2d' ? await kernels.conv2dForward(label, g, a) : await kernels.convTranspose2dForward(label, g, a);
      submit(device, dispatch);
      const want = new Float64Array(B * ny);
      L.forward(want, x, w, bias, g, RELU);
      return { dispatch, validation: validate(`${label} y`, unpadded(await readBack(device, y.buffer), B, ny), want, t.atol, t.rtol) };
    }
    const dy = seeded(B * ny, 4, -1, 1);
    if (product === 'backward_input') {
      // A ReLU output as the mask: about half zeros.
      const mask = c.masked ? seeded(B * nx, 5, -1, 1).map((v) => Math.max(0, v)) : null;
      const dx = out('dx', B, nx);
      const a = { dy: up('dy', dy, B, ny), w: up('w', w, wRows, wCols), mask: mask && { y: up('mask', mask, B, nx), act: RELU }, dx };
      const dispatch = kind === 'conv2d' ? await kernels.conv2dBackwardInput(label, g, a) : await kernels.convTranspose2dBackwardInput(label, g, a);
      submit(device, dispatch);
      const want = new Float64Array(B * nx);
      L.backwardInput(want, dy, w, mask && { y: mask, act: RELU }, g);
      return { dispatch, validation: validate(`${label} dx`, unpadded(await readBack(device, dx.buffer), B, nx), want, t.atol, t.rtol) };
    }
    const dw = out('dw', wRows, wCols);
    const db = out('db', 1, g.cout);
    const a = { dy: up('dy', dy, B, ny), x: up('x', x, B, nx), dw, db };
    const dispatch = kind === 'conv2d' ? await kernels.conv2dBackwardWeight(label, g, a) : await kernels.convTranspose2dBackwardWeight(label, g, a);
    submit(device, dispatch);
    const dwWant = new Float64Array(wRows * wCols);
    const dbWant = new Float64Array(g.cout);
    L.backwardWeight(dwWant, dbWant, dy, x, g);
    const v = validate(`${label} dw`, unpadded(await readBack(device, dw.buffer), wRows, wCols), dwWant, t.atol, t.rtol);
    // The bias gradient sums rows x output pixels.
    const vb = validate(`${label} db`, unpadded(await readBack(device, db.buffer), 1, g.cout), dbWant, 4 * B * ho * wo * 2 ** -24, 1e-5);
    return { dispatch, validation: vb.max_abs_err > v.max_abs_err ? vb : v };
  });
}

function submit(device: GPUDevice, d: Dispatch): void {
  const enc = device.createCommandEncoder({ label: 'bench.validate' });
  const pass = enc.beginComputePass({ label: 'bench.validate' });
  pass.setPipeline(d.pipeline);
  pass.setBindGroup(0, d.bindGroup);
  pass.dispatchWorkgroups(...d.workgroups);
  pass.end();
  device.queue.submit([enc.finish()]);
}

/** Validates then times every product of every conv layer of `cfg` with one variant. */
export async function benchConvKernels(
  device: GPUDevice, cfg: VaeConfig, variant: ConvVariant, picked: boolean, timer: DispatchTimer, budget: TimingBudget, log: (s: string) => void,
): Promise<KernelRecord[]> {
  const records: KernelRecord[] = [];
  for (const c of convLayerCases(cfg)) {
    for (const product of PRODUCTS) {
      if (product === 'backward_input' && !c.needsDx) continue;
      // Buffers per product (the big layers' inputs are megabytes); pipelines are the device's.
      const res = new GpuResources(device);
      try {
        const kernels = new Conv2dKernels(res, variant);
        const label = `${c.kind}.${product}[${variant}] ${c.name}`;
        const { dispatch, validation } = await prepare(device, res, kernels, c, product, label);
        const timing = await scoped(device, label, () => timer.time([dispatch], budget));
        const flops = convFlops(c.kind, c.g);
        const rec: KernelRecord = {
          kernel: `${c.kind}.${product}`, layer: c.name, variant, picked, shape: convShapeText(c.kind, c.g), entry: CONV_ENTRY[c.kind][product],
          ms: timing.ms, gflops: flops / (timing.ms * 1e6), timing: timing.method, reps: timing.reps, samples: timing.samples, max_abs_err: validation.max_abs_err,
        };
        if (timing.quantized !== undefined) rec.quantized = timing.quantized;
        records.push(rec);
        log(`  ${rec.kernel.padEnd(32)} ${c.name.padEnd(5)} ${variant.padEnd(8)} ${rec.shape.padEnd(26)} ${rec.ms.toFixed(2).padStart(9)} ms ${rec.gflops!.toFixed(2).padStart(7)} GFLOP/s  (ok, max err ${rec.max_abs_err.toExponential(1)})`);
      } finally {
        res.destroy();
      }
    }
  }
  return records;
}
