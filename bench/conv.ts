// Convolution kernels under Node on Dawn: each product of the keras-io conv VAE's convolution
// layers (src/kernels/conv2d.ts), validated against the float64 reference
// (src/reference/conv2d.ts) on the same inputs, then timed (bench/lib/timing.ts).
// Run: node bench/run.mjs conv [--batch=128] [--variants=register,tiled] [--layers=enc2,dec2]
//      [--products=forward,backwardWeight] [--samples=5] [--no-validate] [--quick]
// GFLOP/s count 2 rows (out-side pixels) co ci k k per product: the three products of a layer do
// the same multiply-adds, taps on the zero padding included. Two figures: by the median wall
// clock of the dispatch (bench/lib/timing.ts), and by the process's CPU time for one dispatch
// (SwiftShader runs in this process), which machine load from other processes inflates less.
import '../src/layers/all.js';
import { convFrame, convOutputSize, type Conv2dGeometry, type ConvLayerKind } from '../src/layers/conv2d_geometry.js';
import { GpuResources, type BufferRange, type Dispatch } from '../src/gpu/resources.js';
import { Conv2dKernels, type ConvVariant } from '../src/kernels/conv2d.js';
import { pad4 } from '../src/gpu/pad.js';
import { requestNodeGpu } from '../src/node/gpu.js';
import * as ref from '../src/reference/conv2d.js';
import { resolveConfig } from '../src/config.js';
import { padded, readBack, scoped, seeded, unpadded, validate } from './lib/check.js';
import { convLayerCases } from './lib/conv_kernels.js';
import { DispatchTimer } from './lib/timing.js';
import { RELU } from '../src/layers/activation.js';

interface Layer {
  name: string;
  kind: ConvLayerKind;
  g: Omit<Conv2dGeometry, 'rows'>;
}

// The keras-io architecture (REFERENCE.md, "Convolutional VAE"), as the model describes it.
const LAYERS: Layer[] = convLayerCases(resolveConfig({ arch: 'conv' })).map(({ name, kind, g: { rows: _, ...g } }) => ({ name, kind, g }));

type Product = 'forward' | 'backwardInput' | 'backwardWeight';
const PRODUCTS: Product[] = ['forward', 'backwardInput', 'backwardWeight'];
/** The shader entry each product runs on (see src/kernels/conv2d.ts). */
const ENTRY: Record<ConvLayerKind, Record<Product, string>> = {
  conv2d: { forward: 'forward', backwardInput: 'backward_input', backwardWeight: 'backward_weight' },
  conv_transpose2d: { forward: 'backward_input', backwardInput: 'forward', backwardWeight: 'backward_weight' },
};

const log = (s: string) => process.stderr.write(`${s}\n`);
const whole = (b: GPUBuffer): BufferRange => ({ buffer: b, offset: 0, size: b.size });

function option(name: string): string | undefined {
  const a = process.argv.slice(2).find((s) => s.startsWith(`--${name}=`));
  return a?.slice(name.length + 3);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const batch = Number(option('batch') ?? 128);
  const variants = (option('variants') ?? 'register,tiled').split(',') as ConvVariant[];
  const layerNames = (option('layers') ?? LAYERS.map((l) => l.name).join(',')).split(',');
  const products = (option('products') ?? PRODUCTS.join(',')).split(',') as Product[];
  const check = !argv.includes('--no-validate');
  const quick = argv.includes('--quick');
  const gpu = await requestNodeGpu();
  const device = gpu.device;
  log(`conv kernels on ${gpu.description}, batch ${batch}`);
  const timer = new DispatchTimer(device, true);
  const samples = Number(option('samples') ?? (quick ? 2 : 5));
  const budget = { sampleMs: quick ? 50 : 300, samples, maxReps: quick ? 20 : 50 };
  const rows: string[] = [];
  for (const layer of LAYERS.filter((l) => layerNames.includes(l.name))) {
    const g: Conv2dGeometry = { rows: batch, ...layer.g };
    const f = convFrame(layer.kind, g);
    const { ho, wo } = convOutputSize(layer.kind, g);
    const nx = batch * g.cin * g.h * g.w;
    const ny = batch * g.cout * ho * wo;
    const x = seeded(nx, 1, -1, 1);
    const w = seeded(g.cin * g.cout * g.k * g.k, 2, -1, 1);
    const bias = seeded(g.cout, 3, -1, 1);
    const dy = seeded(ny, 4, -1, 1);
    const mask = seeded(nx, 5, -1, 1).map((v) => Math.max(0, v));
    const L = layer.kind === 'conv2d'
      ? { forward: ref.conv2dForward, backwardInput: ref.conv2dBackwardInput, backwardWeight: ref.conv2dBackwardWeight }
      : { forward: ref.convTranspose2dForward, backwardInput: ref.convTranspose2dBackwardInput, backwardWeight: ref.convTranspose2dBackwardWeight };
    const wRows = layer.kind === 'conv2d' ? g.cout : g.cin;
    const wCols = (layer.kind === 'conv2d' ? g.cin : g.cout) * g.k * g.k;
    const perImage = { x: g.cin * g.h * g.w, y: g.cout * ho * wo };
    // The reference outputs, computed once for all variants.
    const want = new Map<Product, Float64Array[]>();
    const flops = 2 * batch * f.ho * f.wo * f.co * f.ci * f.k * f.k;
    for (const variant of variants) {
      const res = new GpuResources(device);
      const kernels = new Conv2dKernels(res, variant);
      const up = (label: string, a: Float64Array, r: number, c: number) => {
        const b = res.storage(label, pad4(r) * pad4(c) * 4);
        device.queue.writeBuffer(b, 0, padded(a, r, c));
        return whole(b);
      };
      const out = (label: string, r: number, c: number) => whole(res.storage(label, pad4(r) * pad4(c) * 4));
      try {
        for (const product of products) {
          const label = `${layer.name}.${product}[${variant}]`;
          const made = await scoped(device, label, async (): Promise<{ d: Dispatch; outs: [BufferRange, number, number][] }> => {
            if (product === 'forward') {
              const y = out('y', batch, perImage.y);
              const a = { x: up('x', x, batch, perImage.x), w: up('w', w, wRows, wCols), b: up('b', bias, 1, g.cout), y, act: RELU };
              const d = layer.kind === 'conv2d' ? await kernels.conv2dForward(label, g, a) : await kernels.convTranspose2dForward(label, g, a);
              return { d, outs: [[y, batch, perImage.y]] };
            }
            if (product === 'backwardInput') {
              const dx = out('dx', batch, perImage.x);
              const a = { dy: up('dy', dy, batch, perImage.y), w: up('w', w, wRows, wCols), mask: { y: up('mask', mask, batch, perImage.x), act: RELU }, dx };
              const d = layer.kind === 'conv2d' ? await kernels.conv2dBackwardInput(label, g, a) : await kernels.convTranspose2dBackwardInput(label, g, a);
              return { d, outs: [[dx, batch, perImage.x]] };
            }
            const dw = out('dw', wRows, wCols);
            const db = out('db', 1, g.cout);
            const a = { dy: up('dy', dy, batch, perImage.y), x: up('x', x, batch, perImage.x), dw, db };
            const d = layer.kind === 'conv2d' ? await kernels.conv2dBackwardWeight(label, g, a) : await kernels.convTranspose2dBackwardWeight(label, g, a);
            return { d, outs: [[dw, wRows, wCols], [db, 1, g.cout]] };
          });
          let err = NaN;
          if (check) {
            if (!want.has(product)) {
              if (product === 'forward') {
                const y = new Float64Array(ny);
                L.forward(y, x, w, bias, g, RELU);
                want.set(product, [y]);
              } else if (product === 'backwardInput') {
                const dx = new Float64Array(nx);
                L.backwardInput(dx, dy, w, { y: mask, act: RELU }, g);
                want.set(product, [dx]);
              } else {
                const dw = new Float64Array(g.cin * g.cout * g.k * g.k);
                const db = new Float64Array(g.cout);
                L.backwardWeight(dw, db, dy, x, g);
                want.set(product, [dw, db]);
              }
            }
            await scoped(device, label, () => timer.run([made.d], 1));
            // A K-term f32 sum of products in [-1, 1]: 4 K u (u = 2^-24) plus 1e-5 relative. K is
            // the frame's reduction: ci k k (forward entry), co k k (backward_input), rows x
            // out-side pixels (backward_weight).
            const entry = ENTRY[layer.kind][product];
            const K = entry === 'backward_weight' ? batch * f.ho * f.wo : entry === 'forward' ? f.ci * f.k * f.k : f.co * f.k * f.k;
            err = 0;
            for (let i = 0; i < made.outs.length; i++) {
              const [buf, r, c] = made.outs[i];
              const got = unpadded(await readBack(device, buf.buffer), r, c);
              const v = validate(`${label} output ${i}`, got, want.get(product)![i], 4 * K * 2 ** -24, 1e-5);
              err = Math.max(err, v.max_abs_err);
            }
          }
          const t = await scoped(device, label, () => timer.time([made.d], budget));
          const gflops = flops / (t.ms * 1e6);
          let cpuMs = Infinity;
          for (let i = 0; i < 2; i++) {
            await device.queue.onSubmittedWorkDone();
            const c0 = process.cpuUsage();
            await timer.run([made.d], 1);
            const c = process.cpuUsage(c0);
            cpuMs = Math.min(cpuMs, (c.user + c.system) / 1000);
          }
          const line =
            `${layer.name.padEnd(5)} ${product.padEnd(15)} ${ENTRY[layer.kind][product].padEnd(16)} ${variant.padEnd(9)} ` +
            `${t.ms.toFixed(1).padStart(8)} ms ${gflops.toFixed(2).padStart(6)} GFLOP/s   cpu ${cpuMs.toFixed(0).padStart(6)} ms ${(flops / (cpuMs * 1e6)).toFixed(2).padStart(6)} GFLOP/cpu-s  err ${err.toExponential(1)}`;
          log(line);
          rows.push(line);
        }
      } finally {
        res.destroy();
      }
    }
  }
  process.stdout.write(`${rows.join('\n')}\n`);
  timer.destroy();
  device.destroy();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log(`bench failed: ${(e as Error).stack ?? String(e)}`);
    process.exit(1);
  },
);
