// One whole forward and backward pass of the graph VAE composed from the GPU kernels (spmm,
// the linear GEMMs, gaussian_logstd, inner_product_loss), compared tensor by tensor with the
// float64 reference: VGAE and GAE, sparse and identity features, odd sizes, isolated nodes,
// both kernel variants. The dispatch list below is the one a training step runs (before Adam).
import { afterAll, describe, expect, it } from 'vitest';
import { denseToCsr, graphAdjacency, transposeCsr } from '../../src/graph/adjacency.js';
import { identityFeatures, type CsrMatrix } from '../../src/graph/graph.js';
import { initGraphVae } from '../../src/graph/init.js';
import { GpuResources, type BufferRange, type Dispatch } from '../../src/gpu/resources.js';
import { GaussianLogstdKernels, noiseUniform } from '../../src/kernels/gaussian_logstd.js';
import { InnerProductLossKernels, uploadLabels } from '../../src/kernels/inner_product_loss.js';
import { LinearKernels } from '../../src/kernels/linear.js';
import { SpmmKernels, uploadCsr } from '../../src/kernels/spmm.js';
import { vgaeBackward, vgaeForward, type GraphModelKind, type VgaeParams } from '../../src/reference/vgae.js';
import { expectClose, padMatrix, unpadMatrix } from '../util/compare.js';
import { seededUniform } from '../util/data.js';
import { readFloats, scoped, submitDispatches, testGpu } from '../util/gpu.js';
import { NO_ACTIVATION, RELU } from '../../src/layers/activation.js';

const pad4 = (n: number) => (n + 3) & ~3;
const whole = (b: GPUBuffer): BufferRange => ({ buffer: b, offset: 0, size: b.size });

/** A random graph on n nodes: the last 3 isolated. */
function edgesOf(n: number, seed: number, degree: number): Uint32Array {
  const u = seededUniform(n * n, seed, 0, 1);
  const pairs: number[] = [];
  for (let i = 0; i < n - 3; i++) for (let j = i + 1; j < n - 3; j++) if (u[i * n + j] < degree / n) pairs.push(i, j);
  return Uint32Array.from(pairs);
}

/** Rows [mu | logsigma] of the head from separate (rows x L) matrices. */
function joinHalves(a: ArrayLike<number>, b: ArrayLike<number>, rows: number, L: number): Float64Array {
  const out = new Float64Array(rows * 2 * L);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < L; k++) {
      out[r * 2 * L + k] = a[r * L + k];
      out[r * 2 * L + L + k] = b[r * L + k];
    }
  }
  return out;
}

interface Setup {
  kind: GraphModelKind;
  features: 'sparse' | 'identity';
  variant: 'register' | 'tiled';
}

const [N, F, H, L] = [61, 23, 9, 5];

/** The kernels of one variant, compiled once for the file (SwiftShader compiles slowly); released after it. */
interface Kernels {
  res: GpuResources;
  spmm: SpmmKernels;
  linear: LinearKernels;
  gauss: GaussianLogstdKernels;
  ipl: InnerProductLossKernels;
}
const compiled = new Map<Setup['variant'], Promise<Kernels>>();
function kernelsFor(variant: Setup['variant']): Promise<Kernels> {
  let k = compiled.get(variant);
  if (!k) {
    k = testGpu().then(({ device }) => {
      const res = new GpuResources(device);
      return { res, spmm: new SpmmKernels(res), linear: new LinearKernels(res, variant), gauss: new GaussianLogstdKernels(res), ipl: new InnerProductLossKernels(res, variant) };
    });
    compiled.set(variant, k);
  }
  return k;
}
afterAll(async () => {
  for (const k of compiled.values()) (await k).res.destroy();
});

async function composedStep(s: Setup) {
  const { device } = await testGpu();
  const { res, spmm, linear, gauss, ipl } = await kernelsFor(s.variant);
  const label = `vgae step ${s.kind} ${s.features} features [${s.variant}]`;
  const graph = graphAdjacency(N, edgesOf(N, 2, 5));
  const X: CsrMatrix =
    s.features === 'sparse' ? denseToCsr(seededUniform(N * F, 3, 0, 1).map((v) => (v < 0.25 ? 1 : 0)), N, F) : identityFeatures(N);
  const f = X.cols;
  // Glorot weights scaled by 1.5 so that logits reach the saturated range and log sigma the
  // KL's curved part (as in the reference's gradient test).
  const w = initGraphVae(f, H, L, 5);
  const params: VgaeParams = {
    w0: Float64Array.from(w.w0, (v) => Math.fround(1.5 * v)),
    wMu: Float64Array.from(w.wMu, (v) => Math.fround(1.5 * v)),
    wSigma: Float64Array.from(w.wSigma, (v) => Math.fround(1.5 * v)),
  };
  const wHead = joinHalves(params.wMu, params.wSigma, H, L); // H x 2L: [W_mu | W_sigma]

  return scoped(device, label, async () => {
    const upload = (name: string, data: Float32Array<ArrayBuffer>) => {
      const b = res.storage(name, data.byteLength);
      device.queue.writeBuffer(b, 0, data);
      return whole(b);
    };
    const matrix = (name: string, rows: number, cols: number) => whole(res.storage(name, pad4(rows) * pad4(cols) * 4));
    // Parameters and their gradients, (in, out) row-major, columns padded.
    const W0 = upload('W0', padMatrix(params.w0, f, H, pad4(f)));
    const Whead = upload('W_head', padMatrix(wHead, H, 2 * L));
    const dW0 = matrix('dW0', f, H);
    const dWhead = matrix('dW_head', H, 2 * L);
    // Graph, features, labels.
    const adj = uploadCsr(res, 'Â', graph.adj);
    const labels = uploadLabels(res, 'labels', graph.adj);
    const sparse = s.features === 'sparse';
    const x = sparse ? uploadCsr(res, 'X', X) : null;
    const xt = sparse ? uploadCsr(res, 'X^T', transposeCsr(X)) : null;
    // Activations (pad4(N) rows) and their gradients.
    const XW = sparse ? matrix('XW', N, H) : W0; // identity features: X W0 is W0 itself
    const Hh = matrix('H', N, H);
    const S = matrix('Â H', N, H);
    const head = matrix('head [mu | logsigma]', N, 2 * L);
    const z = matrix('z', N, L);
    const eps = matrix('eps', N, L);
    const klRows = whole(res.storage('kl rows', pad4(N) * 4));
    const dz = matrix('dz', N, L);
    const dHead = matrix('dhead', N, 2 * L);
    const dS = matrix('d(Â H)', N, H);
    const dP = matrix('dH masked', N, H);
    const dXW = sparse ? matrix('d(X W0)', N, H) : dW0; // identity features: d(X W0) is dW0
    const out = whole(res.storage('loss', 16));
    const zeroBias = whole(res.storage('zero bias', pad4(H) * 4));
    const dbScratch = whole(res.storage('unused column sums', pad4(H) * 4));

    const vgae = s.kind === 'vgae';
    const gArgs = { step: noiseUniform(res, 'step', 3, 17), head, eps, z, dz, klRows, dhead: dHead, rows: N, latent: L, kl: vgae };
    const loss = await ipl.build('decoder', {
      z, labels, klRows: vgae ? klRows : null, dz, out, n: N, latent: L, posWeight: graph.posWeight, norm: graph.norm,
    });

    const forward: Dispatch[] = [
      ...(sparse ? [await spmm.forward('X W0', { a: x!, b: W0, c: XW, cols: H })] : []),
      await spmm.forward('H = ReLU(Â X W0)', { a: adj, b: XW, c: Hh, cols: H, act: RELU }),
      await spmm.forward('Â H', { a: adj, b: Hh, c: S, cols: H }),
      // head = (Â H) W_head: the linear kernels' dX = dY W product, with W stored (in, out).
      await linear.backwardInput('(Â H) W_head', { dy: S, w: Whead, mask: null, dx: head, rows: N, inSize: 2 * L, outSize: H }),
      await gauss.forward('z', gArgs, vgae ? 'gpu' : 'mean'),
      ...loss.all,
    ];
    const backward: Dispatch[] = [
      await gauss.backward('dhead', gArgs),
      // dW_head = (Â H)^T dhead; the fused column sums are not needed.
      await linear.backwardWeight('dW_head', { dy: S, x: dHead, dw: dWhead, db: dbScratch, rows: N, inSize: 2 * L, outSize: H }),
      // d(Â H) = dhead W_head^T: the forward product with a zero bias.
      await linear.forward('d(Â H)', { x: dHead, w: Whead, b: zeroBias, y: dS, rows: N, inSize: 2 * L, outSize: H, act: NO_ACTIVATION }),
      // dH = Â^T d(Â H) = Â d(Â H), times ReLU'(H) = [H > 0].
      await spmm.forward('dH * [H > 0]', { a: adj, b: dS, c: dP, cols: H, mask: { y: Hh, act: RELU } }),
      await spmm.forward('d(X W0)', { a: adj, b: dP, c: dXW, cols: H }),
      ...(sparse ? [await spmm.forward('dW0 = X^T d(X W0)', { a: xt!, b: dXW, c: dW0, cols: H })] : []),
    ];
    submitDispatches(device, [...forward, ...backward]);

    const read = async (r: BufferRange, rows: number, cols: number) => unpadMatrix(await readFloats(device, r.buffer), rows, cols);
    const epsGot = await read(eps, N, L);
    return {
      graph, X, params, epsGot,
      dispatches: forward.length + backward.length,
      got: {
        loss: await readFloats(device, out.buffer),
        H: await read(Hh, N, H),
        head: await read(head, N, 2 * L),
        z: await read(z, N, L),
        dz: await read(dz, N, L),
        dHead: await read(dHead, N, 2 * L),
        dP: await read(dP, N, H),
        dWhead: await read(dWhead, H, 2 * L),
        dW0: await read(dW0, f, H),
      },
    };
  });
}

// Tolerance: |g - r| <= 2e-5 max|r| + 1e-5 |r| per tensor. Each stage is a short f32 sum: a row
// of Â (at most 11 terms here), of X (at most 23), the hidden width (9), the decoder's row (61
// pairs, each through exp and log: WGSL's log is within 2^-21 absolute), each adding a few times
// (terms) u ~ 1e-6 relative to the sum of magnitudes; chained through at most eight stages (to
// dW0) that stays near 1e-6 of a tensor's scale (measured: at most 5e-7 on SwiftShader). Any
// indexing, transposition or mask error is O(1) of the scale and cannot pass.
function expectTensor(label: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  expect(scale, `${label}: all zero, the comparison would be empty`).toBeGreaterThan(0);
  expectClose(label, got, want, 2e-5 * scale, 1e-5);
}

const SETUPS: Setup[] = [
  { kind: 'vgae', features: 'sparse', variant: 'register' },
  { kind: 'gae', features: 'sparse', variant: 'register' },
  { kind: 'vgae', features: 'identity', variant: 'register' },
  { kind: 'vgae', features: 'sparse', variant: 'tiled' },
];

describe('graph VAE forward and backward from the GPU kernels vs the float64 reference', () => {
  for (const s of SETUPS) {
    it(`${s.kind}, ${s.features} features, ${s.variant} kernels: every activation, the loss and every gradient`, async () => {
      const { graph, X, params, epsGot, got, dispatches } = await composedStep(s);
      // 7 forward (X W0, Â, Â, W_head, z, loss rows and total) and 6 backward; identity features
      // skip X W0 and X^T; 61 nodes make one column chunk in either variant (no `finish`).
      expect(dispatches).toBe(s.features === 'sparse' ? 13 : 11);
      const g = { adj: graph.adj, labels: graph.adj, features: X, posWeight: graph.posWeight, norm: graph.norm };
      const sizes = { n: N, f: X.cols, hidden: H, latent: L };
      // The reference runs on the noise the GPU drew (f32 values).
      const fwd = vgaeForward(params, g, sizes, epsGot, s.kind);
      const grads = vgaeBackward(params, g, sizes, fwd, epsGot, s.kind);
      const tag = `${s.kind} ${s.features} [${s.variant}]`;
      if (s.kind === 'vgae') expect(epsGot.some((v) => v !== 0)).toBe(true);
      expectTensor(`${tag} H`, got.H, fwd.layer1.y);
      expectTensor(`${tag} head`, got.head, joinHalves(fwd.mu.y, fwd.logstd.y, N, L));
      expectTensor(`${tag} z`, got.z, fwd.z);
      expectClose(`${tag} (loss, recon, kl)`, got.loss.subarray(0, 3), [fwd.loss, fwd.recon, fwd.kl], 1e-6, 1e-5);
      expectTensor(`${tag} dz`, got.dz, fwd.dz);
      expectTensor(`${tag} dhead`, got.dHead, joinHalves(grads.dmu, grads.dlogstd, N, L));
      const dhMasked = grads.dh.map((v, i) => (fwd.layer1.y[i] > 0 ? v : 0));
      expectTensor(`${tag} dH * [H > 0]`, got.dP, dhMasked);
      expectTensor(`${tag} dW_head`, got.dWhead, joinHalves(grads.wMu, grads.wSigma, H, L));
      expectTensor(`${tag} dW0`, got.dW0, grads.w0);
      if (s.kind === 'gae') {
        // The GAE's log sigma gets no gradient, and its KL is zero.
        for (let r = 0; r < N; r++) for (let k = L; k < 2 * L; k++) expect(Math.abs(got.dHead[r * 2 * L + k])).toBe(0);
        expect(Math.abs(got.loss[2])).toBe(0);
      }
    });
  }
});
