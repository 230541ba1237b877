// linear kernels (both variants) against the float64 reference, on odd and real shapes.
import { describe, it } from 'vitest';
import { LinearKernels, type LinearVariant } from '../../src/kernels/linear.js';
import { GpuResources } from '../../src/gpu/resources.js';
import { linearBackwardInput, linearBackwardWeight, linearForward } from '../../src/reference/vae.js';
import { expectClose, padMatrix, unpadMatrix } from '../util/compare.js';
import { seededUniform } from '../util/data.js';
import { readFloats, scoped, testGpu, submitDispatches } from '../util/gpu.js';
import { RELU, reluIf } from '../../src/layers/activation.js';

// [rows, in, out]: odd sizes hit every padding edge; the rest are the reference model's layers.
const SHAPES: [number, number, number][] = [
  [3, 5, 7],
  [33, 47, 65],
  [1, 1, 1],
  [128, 784, 400],
  [128, 400, 40],
  [128, 20, 400],
  [128, 400, 784],
];

// Error of a K-term f32 dot product: each partial sum rounds with unit u = 2^-24, so the error is
// at most about K u sum|a_k b_k|. With inputs in [-1, 1], sum|a_k b_k| <= K; random signs make the
// realised error far smaller, so allow 4 K u max|a| max|b| (about 1.9e-4 at K = 784) plus a 1e-6
// relative term. An error in indexing produces O(1) differences and cannot pass.
const tol = (K: number) => ({ atol: 4 * K * 2 ** -24, rtol: 1e-6 });

function upload(res: GpuResources, label: string, data: Float32Array<ArrayBuffer>): GPUBuffer {
  const b = res.storage(label, data.byteLength);
  res.device.queue.writeBuffer(b, 0, data);
  return b;
}

const whole = (b: GPUBuffer) => ({ buffer: b, offset: 0, size: b.size });

for (const variant of ['register', 'tiled'] as LinearVariant[]) {
  describe(`linear [${variant}]`, () => {
    for (const [B, I, O] of SHAPES) {
      const shape = `${B}x${I}x${O}`;
      const x = seededUniform(B * I, 1, -1, 1).map(Math.fround);
      const w = seededUniform(O * I, 2, -1, 1).map(Math.fround);
      const bias = seededUniform(O, 3, -1, 1).map(Math.fround);
      const dy = seededUniform(B * O, 4, -1, 1).map(Math.fround);
      // A ReLU output: about half zeros, so the mask matters.
      const h = seededUniform(B * I, 5, -1, 1).map((v) => Math.max(0, Math.fround(v)));

      it(`forward ${shape}, bias + ReLU and bias only`, async () => {
        const { device } = await testGpu();
        const res = new GpuResources(device);
        const k = new LinearKernels(res, variant);
        for (const relu of [true, false]) {
          await scoped(device, `linear.forward ${shape}`, async () => {
            const y = res.storage('y', ((B + 3) & ~3) * ((O + 3) & ~3) * 4);
            const d = await k.forward('fwd', {
              x: whole(upload(res, 'x', padMatrix(x, B, I))), w: whole(upload(res, 'w', padMatrix(w, O, I))),
              b: whole(upload(res, 'b', padMatrix(bias, 1, O, 1))), y: whole(y), rows: B, inSize: I, outSize: O, act: reluIf(relu),
            });
            submitDispatches(device, [d]);
            const want = new Float64Array(B * O);
            linearForward(want, x, w, bias, B, I, O, reluIf(relu));
            const got = await readFloats(device, y);
            const t = tol(I);
            expectClose(`linear.forward[${variant}] ${shape} relu=${relu}`, unpadMatrix(got, B, O), want, t.atol, t.rtol);
            // Padded columns must stay zero (the next layer reduces over them); padded rows of a
            // forward output hold bias values and are never read as anything but zero-weighted.
            const cols = paddingOf(got, B, O, false);
            expectClose(`linear.forward[${variant}] ${shape} padding`, cols, new Float64Array(cols.length), 0, 0);
          });
        }
        res.destroy();
      });

      it(`backward_input ${shape}, with and without the ReLU mask`, async () => {
        const { device } = await testGpu();
        const res = new GpuResources(device);
        const k = new LinearKernels(res, variant);
        for (const masked of [true, false]) {
          await scoped(device, `linear.backward_input ${shape}`, async () => {
            const dx = res.storage('dx', ((B + 3) & ~3) * ((I + 3) & ~3) * 4);
            const d = await k.backwardInput('bwi', {
              dy: whole(upload(res, 'dy', padMatrix(dy, B, O))), w: whole(upload(res, 'w', padMatrix(w, O, I))),
              mask: masked ? { y: whole(upload(res, 'h', padMatrix(h, B, I))), act: RELU } : null, dx: whole(dx), rows: B, inSize: I, outSize: O,
            });
            submitDispatches(device, [d]);
            const want = new Float64Array(B * I);
            linearBackwardInput(want, dy, w, masked ? { y: h, act: RELU } : null, B, I, O);
            const got = await readFloats(device, dx);
            const t = tol(O);
            expectClose(`linear.backward_input[${variant}] ${shape} mask=${masked}`, unpadMatrix(got, B, I), want, t.atol, t.rtol);
            expectClose(`linear.backward_input[${variant}] ${shape} padding`, paddingOf(got, B, I), new Float64Array(paddingOf(got, B, I).length), 0, 0);
          });
        }
        res.destroy();
      });

      it(`backward_weight ${shape}, with the fused bias gradient`, async () => {
        const { device } = await testGpu();
        const res = new GpuResources(device);
        const k = new LinearKernels(res, variant);
        await scoped(device, `linear.backward_weight ${shape}`, async () => {
          const dw = res.storage('dw', ((O + 3) & ~3) * ((I + 3) & ~3) * 4);
          const db = res.storage('db', ((O + 3) & ~3) * 4);
          const d = await k.backwardWeight('bww', {
            dy: whole(upload(res, 'dy', padMatrix(dy, B, O))), x: whole(upload(res, 'x', padMatrix(x, B, I))),
            dw: whole(dw), db: whole(db), rows: B, inSize: I, outSize: O,
          });
          submitDispatches(device, [d]);
          const wantW = new Float64Array(O * I);
          const wantB = new Float64Array(O);
          linearBackwardWeight(wantW, wantB, dy, x, B, I, O);
          const got = await readFloats(device, dw);
          const t = tol(B);
          expectClose(`linear.backward_weight[${variant}] ${shape} dW`, unpadMatrix(got, O, I), wantW, t.atol, t.rtol);
          expectClose(`linear.backward_weight[${variant}] ${shape} padding`, paddingOf(got, O, I), new Float64Array(paddingOf(got, O, I).length), 0, 0);
          expectClose(`linear.backward_weight[${variant}] ${shape} db`, (await readFloats(device, db)).slice(0, O), wantB, t.atol, t.rtol);
        });
        res.destroy();
      });
    }
  });
}

/** The padded cells (columns, and rows unless `withRows` is false) of a (rows x cols) matrix stored as (rows4 x cols4). */
function paddingOf(a: Float32Array, rows: number, cols: number, withRows = true): Float64Array {
  const ld = (cols + 3) & ~3;
  const prow = (rows + 3) & ~3;
  const out: number[] = [];
  for (let r = 0; r < prow; r++) for (let c = 0; c < ld; c++) if ((withRows && r >= rows) || c >= cols) out.push(a[r * ld + c]);
  return Float64Array.from(out);
}
