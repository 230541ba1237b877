// The fused activations (shaders/common/activation.wgsl) in every kernel that fuses them, both
// variants, against the float64 reference: each activation on the output of linear.forward,
// linear.backward_input (the GCN layers' forward product), conv2d and conv_transpose2d forward
// and spmm; each activation's derivative as the mask of linear.backward_input, the
// convolutions' input gradients and spmm. Padded columns stay zero, sigmoid's 0.5 included.
import { describe, expect, it } from 'vitest';
import { denseToCsr } from '../../src/graph/adjacency.js';
import { GpuResources, type BufferRange } from '../../src/gpu/resources.js';
import { Conv2dKernels } from '../../src/kernels/conv2d.js';
import { LinearKernels } from '../../src/kernels/linear.js';
import { SpmmKernels, uploadCsr } from '../../src/kernels/spmm.js';
import { activate, ACTIVATIONS, NO_ACTIVATION, type Activation } from '../../src/layers/activation.js';
import type { Conv2dGeometry } from '../../src/layers/conv2d_geometry.js';
import { convOutputSize } from '../../src/layers/conv2d_geometry.js';
import * as conv from '../../src/reference/conv2d.js';
import { linearBackwardInput, linearForward } from '../../src/reference/linear.js';
import { spmm } from '../../src/reference/vgae.js';
import { expectClose, padMatrix, unpadMatrix } from '../util/compare.js';
import { seededUniform } from '../util/data.js';
import { readFloats, scoped, submitDispatches, testGpu } from '../util/gpu.js';

const CASES: Activation[] = [
  ...ACTIVATIONS.map((kind) => ({ kind, param: kind === 'leaky_relu' ? 0.01 : kind === 'elu' ? 1 : 0 })),
  { kind: 'leaky_relu', param: 0.2 },
  { kind: 'elu', param: 0.5 },
];
const text = (a: Activation) => `${a.kind}${a.param ? `(${a.param})` : ''}`;
const pad4 = (n: number) => (n + 3) & ~3;
const VARIANTS = ['register', 'tiled'] as const;

// A K-term f32 dot product errs by at most about K u sum|a b| (u = 2^-24); with inputs in
// [-1, 1] allow 4 K u. The activations add f32 rounding of exp / tanh: WGSL allows exp 3 + 2|x|
// ULP and tanh inherits sinh / cosh's error, under 1e-6 absolute for |x| <= 4 here; the
// derivatives are products of the uploaded (exact) outputs, 1e-6 relative. A wrong activation,
// parameter or code is off by O(0.01) at least and cannot pass.
const tol = (K: number) => ({ atol: 4 * K * 2 ** -24 + 2e-6, rtol: 2e-6 });

function upload(res: GpuResources, label: string, data: Float32Array<ArrayBuffer>): BufferRange {
  const b = res.storage(label, Math.max(16, data.byteLength));
  res.device.queue.writeBuffer(b, 0, data);
  return { buffer: b, offset: 0, size: b.size };
}

/** Outputs of an activation at seeded pre-activations: the mask tensor of an input gradient. */
const outputsOf = (a: Activation, n: number, seed: number) => Float32Array.from(seededUniform(n, seed, -3, 3), (v) => activate(a, v));

describe('fused activations: linear', () => {
  const [B, I, O] = [5, 7, 9];
  const x = seededUniform(B * I, 1, -1, 1).map(Math.fround);
  const w = seededUniform(O * I, 2, -1, 1).map(Math.fround);
  const bias = seededUniform(O, 3, -1, 1).map(Math.fround);
  const dy = seededUniform(B * O, 4, -1, 1).map(Math.fround);
  for (const variant of VARIANTS) {
    it(`[${variant}] forward with each activation, backward_input with each activation and each mask`, async () => {
      const { device } = await testGpu();
      const res = new GpuResources(device);
      const k = new LinearKernels(res, variant);
      for (const a of CASES) {
        await scoped(device, `linear[${variant}] ${text(a)}`, async () => {
          const y = res.storage('y', pad4(B) * pad4(O) * 4);
          const fwd = await k.forward('fwd', {
            x: upload(res, 'x', padMatrix(x, B, I)), w: upload(res, 'w', padMatrix(w, O, I)), b: upload(res, 'b', padMatrix(bias, 1, O, 1)),
            y: { buffer: y, offset: 0, size: y.size }, rows: B, inSize: I, outSize: O, act: a,
          });
          // backward_input as a forward product with the activation (dY W, no mask) ...
          const t = res.storage('t', pad4(B) * pad4(I) * 4);
          const prod = await k.backwardInput('prod', {
            dy: upload(res, 'dy', padMatrix(dy, B, O)), w: upload(res, 'w2', padMatrix(w, O, I)), mask: null,
            dx: { buffer: t, offset: 0, size: t.size }, rows: B, inSize: I, outSize: O, act: a,
          });
          // ... and as an input gradient through the activation that produced h.
          const h = outputsOf(a, B * I, 5);
          const dx = res.storage('dx', pad4(B) * pad4(I) * 4);
          const bwd = await k.backwardInput('bwi', {
            dy: upload(res, 'dy2', padMatrix(dy, B, O)), w: upload(res, 'w3', padMatrix(w, O, I)), mask: { y: upload(res, 'h', padMatrix(h, B, I)), act: a },
            dx: { buffer: dx, offset: 0, size: dx.size }, rows: B, inSize: I, outSize: O,
          });
          submitDispatches(device, [fwd, prod, bwd]);
          const wantY = new Float64Array(B * O);
          linearForward(wantY, x, w, bias, B, I, O, a);
          const gotY = await readFloats(device, y);
          expectClose(`linear.forward[${variant}] ${text(a)}`, unpadMatrix(gotY, B, O), wantY, tol(I).atol, tol(I).rtol);
          const wantT = new Float64Array(B * I);
          linearBackwardInput(wantT, dy, w, null, B, I, O);
          const gotT = await readFloats(device, t);
          expectClose(`linear.backward_input[${variant}] act ${text(a)}`, unpadMatrix(gotT, B, I), wantT.map((v) => activate(a, v)), tol(O).atol, tol(O).rtol);
          const wantDx = new Float64Array(B * I);
          linearBackwardInput(wantDx, dy, w, { y: h, act: a }, B, I, O);
          const gotDx = await readFloats(device, dx);
          expectClose(`linear.backward_input[${variant}] mask ${text(a)}`, unpadMatrix(gotDx, B, I), wantDx, tol(O).atol, tol(O).rtol);
          // Padded columns stay zero: O = 9 and I = 7 leave 3 and 1 padded columns per row.
          for (const [what, got, rows, cols] of [['y', gotY, B, O], ['act(dY W)', gotT, B, I]] as const) {
            for (let r = 0; r < rows; r++) for (let c = cols; c < pad4(cols); c++) expect(got[r * pad4(cols) + c], `${what} ${text(a)} padded column [${r}, ${c}]`).toBe(0);
          }
        });
      }
      res.destroy();
    });
  }
});

describe('fused activations: conv2d and conv_transpose2d', () => {
  const g: Conv2dGeometry = { rows: 3, cin: 2, h: 5, w: 5, cout: 3, k: 3, stride: 2, padding: 1 };
  const gt: Conv2dGeometry = { ...g, outputPadding: 1 };
  for (const variant of VARIANTS) {
    it(`[${variant}] forward with each activation, input gradient with each mask`, async () => {
      const { device } = await testGpu();
      const res = new GpuResources(device);
      const k = new Conv2dKernels(res, variant);
      for (const a of CASES) {
        for (const [kind, geo] of [['conv2d', g], ['conv_transpose2d', gt]] as const) {
          await scoped(device, `${kind}[${variant}] ${text(a)}`, async () => {
            const { ho, wo } = convOutputSize(kind, geo);
            const [nx, ny] = [geo.cin * geo.h * geo.w, geo.cout * ho * wo];
            const nw = geo.cin * geo.cout * geo.k * geo.k;
            const x = seededUniform(geo.rows * nx, 1, -1, 1).map(Math.fround);
            const w = seededUniform(nw, 2, -1, 1).map(Math.fround);
            const bias = seededUniform(geo.cout, 3, -1, 1).map(Math.fround);
            const dy = seededUniform(geo.rows * ny, 4, -1, 1).map(Math.fround);
            const mask = outputsOf(a, geo.rows * nx, 6);
            const [wRows, wCols] = kind === 'conv2d' ? [geo.cout, geo.cin * geo.k * geo.k] : [geo.cin, geo.cout * geo.k * geo.k];
            const y = res.storage('y', pad4(geo.rows) * pad4(ny) * 4);
            const dx = res.storage('dx', pad4(geo.rows) * pad4(nx) * 4);
            const fa = { x: upload(res, 'x', padMatrix(x, geo.rows, nx)), w: upload(res, 'w', padMatrix(w, wRows, wCols)), b: upload(res, 'b', padMatrix(bias, 1, geo.cout, 1)), y: { buffer: y, offset: 0, size: y.size }, act: a };
            const ba = { dy: upload(res, 'dy', padMatrix(dy, geo.rows, ny)), w: fa.w, mask: { y: upload(res, 'm', padMatrix(mask, geo.rows, nx)), act: a }, dx: { buffer: dx, offset: 0, size: dx.size } };
            const conv2d = kind === 'conv2d';
            const fwd = conv2d ? await k.conv2dForward('fwd', geo, fa) : await k.convTranspose2dForward('fwd', geo, fa);
            const bwd = conv2d ? await k.conv2dBackwardInput('bwi', geo, ba) : await k.convTranspose2dBackwardInput('bwi', geo, ba);
            submitDispatches(device, [fwd, bwd]);
            const R = conv2d ? { f: conv.conv2dForward, b: conv.conv2dBackwardInput } : { f: conv.convTranspose2dForward, b: conv.convTranspose2dBackwardInput };
            const wantY = new Float64Array(geo.rows * ny);
            R.f(wantY, x, w, bias, geo, a);
            const wantDx = new Float64Array(geo.rows * nx);
            R.b(wantDx, dy, w, { y: mask, act: a }, geo);
            const t = tol(geo.cin * geo.cout * geo.k * geo.k);
            expectClose(`${kind}.forward[${variant}] ${text(a)}`, unpadMatrix(await readFloats(device, y), geo.rows, ny), wantY, t.atol, t.rtol);
            expectClose(`${kind}.backward_input[${variant}] mask ${text(a)}`, unpadMatrix(await readFloats(device, dx), geo.rows, nx), wantDx, t.atol, t.rtol);
          });
        }
      }
      res.destroy();
    });
  }
});

describe('fused activations: spmm', () => {
  it('each activation on the product, each mask, padded columns zero', async () => {
    const { device } = await testGpu();
    const res = new GpuResources(device);
    const k = new SpmmKernels(res);
    const [R, K, D] = [6, 5, 7];
    const a = denseToCsr(seededUniform(R * K, 8, -1, 1).map((v) => (Math.abs(v) < 0.4 ? 0 : v)), R, K);
    const b = seededUniform(K * D, 9, -1, 1).map(Math.fround);
    for (const act of CASES) {
      await scoped(device, `spmm ${text(act)}`, async () => {
        const mask = outputsOf(act, R * D, 10);
        const c1 = res.storage('c1', pad4(R) * pad4(D) * 4);
        const c2 = res.storage('c2', pad4(R) * pad4(D) * 4);
        const csr = uploadCsr(res, 'a', a);
        const bb = upload(res, 'b', padMatrix(b, K, D, K));
        const d1 = await k.forward('act', { a: csr, b: bb, c: { buffer: c1, offset: 0, size: c1.size }, cols: D, act });
        const d2 = await k.forward('mask', { a: csr, b: bb, c: { buffer: c2, offset: 0, size: c2.size }, cols: D, mask: { y: upload(res, 'm', padMatrix(mask, R, D)), act } });
        submitDispatches(device, [d1, d2]);
        const want1 = new Float64Array(R * D);
        spmm(want1, a, b, D, act);
        const want2 = new Float64Array(R * D);
        spmm(want2, a, b, D, NO_ACTIVATION, { y: mask, act });
        const got1 = await readFloats(device, c1);
        expectClose(`spmm ${text(act)}`, unpadMatrix(got1, R, D), want1, tol(K).atol, tol(K).rtol);
        expectClose(`spmm mask ${text(act)}`, unpadMatrix(await readFloats(device, c2), R, D), want2, tol(K).atol, tol(K).rtol);
        for (let r = 0; r < pad4(R); r++) expect(got1[r * pad4(D) + D], `spmm ${text(act)} padded column of row ${r}`).toBe(0);
      });
    }
    res.destroy();
  });
});
