// One whole forward and backward pass of the graph VAE composed by hand from the GPU kernels
// (spmm, the linear GEMMs, gaussian_logstd and a decoder the caller builds), for the tests that
// compare every tensor with the float64 reference (test/graph/vgae_gpu.test.ts for the exact
// decoder, test/graph/sampled_vgae_gpu.test.ts for the sampled one).
import { afterAll, expect } from 'vitest';
import { denseToCsr, graphAdjacency, transposeCsr, type GraphAdjacency } from '../../src/graph/adjacency.js';
import { identityFeatures, type CsrMatrix } from '../../src/graph/graph.js';
import { initGraphVae } from '../../src/graph/init.js';
import { GpuResources, type BufferRange, type Dispatch } from '../../src/gpu/resources.js';
import { GaussianLogstdKernels, noiseUniform } from '../../src/kernels/gaussian_logstd.js';
import { uploadLabels, type LabelBuffers } from '../../src/kernels/inner_product_loss.js';
import { LinearKernels } from '../../src/kernels/linear.js';
import { SpmmKernels, uploadCsr } from '../../src/kernels/spmm.js';
import type { GraphModelKind, VgaeForward, VgaeGradients, VgaeParams } from '../../src/reference/vgae.js';
import { expectClose, padMatrix, unpadMatrix } from './compare.js';
import { seededUniform } from './data.js';
import { readFloats, scoped, submitDispatches, testGpu } from './gpu.js';
import { NO_ACTIVATION, RELU } from '../../src/layers/activation.js';

const pad4 = (n: number) => (n + 3) & ~3;
const whole = (b: GPUBuffer): BufferRange => ({ buffer: b, offset: 0, size: b.size });

/** A random graph on n nodes: the last 3 isolated. */
export function edgesOf(n: number, seed: number, degree: number): Uint32Array {
  const u = seededUniform(n * n, seed, 0, 1);
  const pairs: number[] = [];
  for (let i = 0; i < n - 3; i++) for (let j = i + 1; j < n - 3; j++) if (u[i * n + j] < degree / n) pairs.push(i, j);
  return Uint32Array.from(pairs);
}

/** Rows [mu | logsigma] of the head from separate (rows x L) matrices. */
export function joinHalves(a: ArrayLike<number>, b: ArrayLike<number>, rows: number, L: number): Float64Array {
  const out = new Float64Array(rows * 2 * L);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < L; k++) {
      out[r * 2 * L + k] = a[r * L + k];
      out[r * 2 * L + L + k] = b[r * L + k];
    }
  }
  return out;
}

/** Which model, features and GEMM variant a composed step uses. */
export interface StepSetup {
  kind: GraphModelKind;
  features: 'sparse' | 'identity';
  variant: 'register' | 'tiled';
}

/** Sizes of the composed step: nodes, sparse feature columns, hidden width, latent size. */
export interface StepSizes {
  n: number;
  f: number;
  hidden: number;
  latent: number;
}

/** What a decoder reads and writes in the composed step. */
export interface DecoderOperands {
  graph: GraphAdjacency;
  labels: LabelBuffers;
  z: BufferRange;
  /** The KL rows (null for the GAE). */
  klRows: BufferRange | null;
  dz: BufferRange;
  /** 16 bytes: (loss, recon, kl, 0). */
  out: BufferRange;
  /** The step uniform: t = 3, seed 17 (the noise's key, and the sampled decoder's negatives'). */
  step: GPUBuffer;
}

/** The noise key of the composed step (its step uniform). */
export const STEP_T = 3;
export const STEP_SEED = 17;

/** The encoder and backward kernels of one GEMM variant, compiled once per test file (SwiftShader compiles slowly). */
interface StepKernels {
  res: GpuResources;
  spmm: SpmmKernels;
  linear: LinearKernels;
  gauss: GaussianLogstdKernels;
}
const compiled = new Map<StepSetup['variant'], Promise<StepKernels>>();

/** The GPU resources of a variant's kernels: decoders built by the caller allocate here too. */
export function stepKernels(variant: StepSetup['variant']): Promise<StepKernels> {
  let k = compiled.get(variant);
  if (!k) {
    k = testGpu().then(({ device }) => {
      const res = new GpuResources(device);
      return { res, spmm: new SpmmKernels(res), linear: new LinearKernels(res, variant), gauss: new GaussianLogstdKernels(res) };
    });
    compiled.set(variant, k);
  }
  return k;
}
afterAll(async () => {
  for (const k of compiled.values()) (await k).res.destroy();
});

/**
 * Builds the step (encoder, sample, the caller's decoder, backward up to dW0), runs it in one pass
 * and reads every tensor back. Weights: Glorot scaled by 1.5 so that logits reach the saturated
 * range and log sigma the KL's curved part.
 */
export async function composedStep(s: StepSetup, sizes: StepSizes, label: string, decoder: (d: DecoderOperands) => Promise<Dispatch[]>) {
  const { device } = await testGpu();
  const { res, spmm, linear, gauss } = await stepKernels(s.variant);
  const { n: N, f: F, hidden: H, latent: L } = sizes;
  const graph = graphAdjacency(N, edgesOf(N, 2, 5));
  const X: CsrMatrix =
    s.features === 'sparse' ? denseToCsr(seededUniform(N * F, 3, 0, 1).map((v) => (v < 0.25 ? 1 : 0)), N, F) : identityFeatures(N);
  const f = X.cols;
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
    const step = noiseUniform(res, 'step', STEP_T, STEP_SEED);
    const gArgs = { step, head, eps, z, dz, klRows, dhead: dHead, rows: N, latent: L, kl: vgae };
    const loss = await decoder({ graph, labels, z, klRows: vgae ? klRows : null, dz, out, step });

    const forward: Dispatch[] = [
      ...(sparse ? [await spmm.forward('X W0', { a: x!, b: W0, c: XW, cols: H })] : []),
      await spmm.forward('H = ReLU(Â X W0)', { a: adj, b: XW, c: Hh, cols: H, act: RELU }),
      await spmm.forward('Â H', { a: adj, b: Hh, c: S, cols: H }),
      // head = (Â H) W_head: the linear kernels' dX = dY W product, with W stored (in, out).
      await linear.backwardInput('(Â H) W_head', { dy: S, w: Whead, mask: null, dx: head, rows: N, inSize: 2 * L, outSize: H }),
      await gauss.forward('z', gArgs, vgae ? 'gpu' : 'mean'),
      ...loss,
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

/**
 * |g - r| <= 2e-5 max|r| + 1e-5 |r| per tensor. Each stage is a short f32 sum: a row of Â (at
 * most 11 terms here), of X (at most 23), the hidden width (9), the decoder's row (61 pairs, each
 * through exp and log: WGSL's log is within 2^-21 absolute), each adding a few times (terms) u ~
 * 1e-6 relative to the sum of magnitudes; chained through at most eight stages (to dW0) that
 * stays near 1e-6 of a tensor's scale (measured: at most 5e-7 on SwiftShader). Any indexing,
 * transposition or mask error is O(1) of the scale and cannot pass.
 */
export function expectTensor(label: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  expect(scale, `${label}: all zero, the comparison would be empty`).toBeGreaterThan(0);
  expectClose(label, got, want, 2e-5 * scale, 1e-5);
}

/** Every tensor of a composed step (composedStep's `got`) against the reference's forward pass and gradients. */
export function expectStepMatches(
  tag: string, got: Awaited<ReturnType<typeof composedStep>>['got'], fwd: VgaeForward, grads: VgaeGradients, sizes: Pick<StepSizes, 'n' | 'hidden' | 'latent'>, kind: GraphModelKind,
): void {
  const { n: N, hidden: H, latent: L } = sizes;
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
  if (kind === 'gae') {
    // The GAE's log sigma gets no gradient, and its KL is zero.
    for (let r = 0; r < N; r++) for (let k = L; k < 2 * L; k++) expect(Math.abs(got.dHead[r * 2 * L + k])).toBe(0);
    expect(Math.abs(got.loss[2])).toBe(0);
  }
}
