// A whole GraphVae training step (the loss read back through the history ring, every gradient,
// every updated weight) against the float64 reference's train step, tensor by tensor; several
// steps' losses; embeddings and link scores; and the step loop's promises (nothing allocated,
// one submit per step, everything released).
import { describe, expect, it } from 'vitest';
import { denseToCsr } from '../../src/graph/adjacency.js';
import { GRAPH_VAE_ADAM } from '../../src/graph/config.js';
import { identityFeatures, type CsrMatrix } from '../../src/graph/graph.js';
import { graphAdjacency } from '../../src/graph/adjacency.js';
import { linkScores } from '../../src/graph/link.js';
import { GraphVae } from '../../src/graph/graph_vae.js';
import { MAX_LATENT } from '../../src/kernels/inner_product_loss.js';
import { SETTINGS } from '../../src/config.js';
import { philoxNormal } from '../../src/runtime/philox.js';
import { adamUpdate } from '../../src/reference/vae.js';
import { vgaeAdamState, vgaeBackward, vgaeForward, vgaeTrainStep, type GraphModelKind, type VgaeParams } from '../../src/reference/vgae.js';
import { expectBounded, expectClose } from '../util/compare.js';
import { seededUniform } from '../util/data.js';
import { testGpu } from '../util/gpu.js';

const [N, F, H, L] = [61, 23, 9, 5];
const SEED = 7;

/** A random graph on n nodes: the last 3 isolated. */
function edgesOf(n: number, seed: number, degree: number): Uint32Array {
  const u = seededUniform(n * n, seed, 0, 1);
  const pairs: number[] = [];
  for (let i = 0; i < n - 3; i++) for (let j = i + 1; j < n - 3; j++) if (u[i * n + j] < degree / n) pairs.push(i, j);
  return Uint32Array.from(pairs);
}

const EDGES = edgesOf(N, 2, 5);
const SPARSE: CsrMatrix = denseToCsr(seededUniform(N * F, 3, 0, 1).map((v) => (v < 0.25 ? 1 : 0)), N, F);

/** The runtime's parameters as the reference's: W0 and the two halves of W_head. */
function toRef(p: Map<string, Float32Array>): VgaeParams {
  const head = p.get('head.weight')!;
  const wMu = new Float64Array(H * L);
  const wSigma = new Float64Array(H * L);
  for (let r = 0; r < H; r++) {
    for (let k = 0; k < L; k++) {
      wMu[r * L + k] = head[r * 2 * L + k];
      wSigma[r * L + k] = head[r * 2 * L + L + k];
    }
  }
  return { w0: Float64Array.from(p.get('conv1.weight')!), wMu, wSigma };
}

/**
 * The noise the GPU drew at step t, read back: Philox keyed by (seed, t, element), which the
 * CPU computes too, but WGSL's cos and sin are only within 2^-11 (measured here: 1e-4 relative
 * in the loss), so the reference takes the GPU's values. The GAE draws none.
 */
async function noise(model: GraphVae, t: number): Promise<Float64Array> {
  const eps = Float64Array.from(await model.readNoise());
  if (model.config.kind === 'gae') {
    expect(eps.every((v) => v === 0)).toBe(true);
    return eps;
  }
  let worst = 0;
  for (let i = 0; i < eps.length; i++) worst = Math.max(worst, Math.abs(eps[i] - philoxNormal(SEED, t, i)));
  expect(worst, `eps of step ${t}: GPU against src/runtime/philox.ts`).toBeLessThan(5e-3);
  return eps;
}

/** |g - r| <= 2e-5 max|r| + 1e-5 |r|: the bound of test/graph/vgae_gpu.test.ts, where it is derived. */
function expectTensor(label: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  expect(scale, `${label}: all zero, the comparison would be empty`).toBeGreaterThan(0);
  expectClose(label, got, want, 2e-5 * scale, 1e-5);
}

interface Setup {
  kind: GraphModelKind;
  features: 'sparse' | 'identity';
  variant: 'register' | 'tiled';
}

const SETUPS: Setup[] = [
  { kind: 'vgae', features: 'sparse', variant: 'register' },
  { kind: 'gae', features: 'sparse', variant: 'register' },
  { kind: 'vgae', features: 'identity', variant: 'register' },
];

describe('GraphVae training step vs the float64 reference', () => {
  for (const s of SETUPS) {
    it(`${s.kind}, ${s.features} features, ${s.variant} kernels: loss, every gradient, every updated weight, then 4 more steps' losses`, async () => {
      const { device } = await testGpu();
      const features = s.features === 'sparse' ? SPARSE : null;
      const model = await GraphVae.create({ device, graph: { n: N, features, trainEdges: EDGES }, kind: s.kind, hidden: H, latent: L, seed: SEED, variant: s.variant });
      const tag = `${s.kind} ${s.features} [${s.variant}]`;
      try {
        // 15 dispatches with sparse features: encoder 4, sample 1, loss 2 (one column chunk at 61
        // nodes in both variants), backward 6, optimizer 2; the identity skips X W0 and X^T.
        expect(model.dispatchesPerStep).toBe(s.features === 'sparse' ? 15 : 13);
        const p0 = await model.readParameters();
        await model.step();
        const [rec] = await model.losses();
        const grads = await model.readGradients();
        const p1 = await model.readParameters();

        const a = graphAdjacency(N, EDGES);
        const g = { adj: a.adj, labels: a.adj, features: features ?? identityFeatures(N), posWeight: a.posWeight, norm: a.norm };
        const sizes = { n: N, f: g.features.cols, hidden: H, latent: L };
        const ref = toRef(p0);
        const eps = await noise(model, 1);
        const fwd = vgaeForward(ref, g, sizes, eps, s.kind);
        const want = vgaeBackward(ref, g, sizes, fwd, eps, s.kind);

        // The loss came back through the history ring as the step's record.
        expect(rec.step).toBe(1);
        expect(rec.count).toBe(1);
        expectClose(`${tag} (loss, recon, kl)`, [rec.loss, rec.recon, rec.kl], [fwd.loss, fwd.recon, fwd.kl], 1e-6, 1e-5);
        if (s.kind === 'gae') expect(Math.abs(rec.kl)).toBe(0);
        const gotGrad = toRef(grads);
        expectTensor(`${tag} dW0`, gotGrad.w0, want.w0);
        expectTensor(`${tag} dW_mu`, gotGrad.wMu, want.wMu);
        if (s.kind === 'vgae') expectTensor(`${tag} dW_sigma`, gotGrad.wSigma, want.wSigma);
        else expect(gotGrad.wSigma.every((v) => v === 0), `${tag}: the GAE's W_sigma gets no gradient`).toBe(true);
        // The gradient norm in the record is that of the whole arena.
        const norm = Math.hypot(...gotGrad.w0, ...gotGrad.wMu, ...gotGrad.wSigma);
        expect(Math.abs(rec.gradNorm - norm) / norm).toBeLessThan(1e-5);

        // Updated weights: Adam applied to the GPU's own gradient in float64 matches to f32
        // rounding; against the reference's whole step, an element may move by up to 2 lr more
        // where the reference gradient is within the gradient tolerance of zero (its sign, hence
        // Adam's first step, is then not determined by the comparison above).
        const state = vgaeAdamState(ref);
        const refStep = { w0: Float64Array.from(ref.w0), wMu: Float64Array.from(ref.wMu), wSigma: Float64Array.from(ref.wSigma) };
        vgaeTrainStep(refStep, state, g, sizes, eps, s.kind, GRAPH_VAE_ADAM, 1);
        const got1 = toRef(p1);
        for (const name of ['w0', 'wMu', 'wSigma'] as const) {
          const own = Float64Array.from(ref[name]);
          adamUpdate(own, gotGrad[name], { m: new Float64Array(own.length), v: new Float64Array(own.length) }, GRAPH_VAE_ADAM, 1);
          expectClose(`${tag} ${name} after Adam (own gradient)`, got1[name], own, 1e-6, 1e-6);
          let scale = 0;
          for (const v of want[name]) scale = Math.max(scale, Math.abs(v));
          const bound = Array.from(want[name], (v) => (Math.abs(v) <= 2e-5 * scale + 1e-5 * Math.abs(v) ? 2.01 * GRAPH_VAE_ADAM.lr : 1e-6));
          expectBounded(`${tag} ${name} after the reference's train step`, got1[name], refStep[name], bound);
          const moved = got1[name].some((v, i) => v !== ref[name][i]);
          expect(moved || (s.kind === 'gae' && name === 'wSigma'), `${tag} ${name} changed`).toBe(true);
        }

        // Four more steps: the losses follow the reference's (which trains from the same start
        // with the same noise). A sign flip of a near-zero gradient element would move a weight
        // by lr and the losses apart; none happens here (measured: at most 3e-7 relative).
        const refLosses = [fwd.loss];
        for (let t = 2; t <= 5; t++) {
          await model.step();
          refLosses.push(vgaeTrainStep(refStep, state, g, sizes, await noise(model, t), s.kind, GRAPH_VAE_ADAM, t).loss);
        }
        const later = await model.losses();
        expect(later.map((r) => r.step)).toEqual([2, 3, 4, 5]);
        expectClose(`${tag} losses of steps 2-5`, later.map((r) => r.loss), refLosses.slice(1), 0, 1e-5);

        // Embeddings: the posterior means of the current weights; link scores from them.
        const mu = await model.embed();
        const refMu = vgaeForward(toRef(await model.readParameters()), g, sizes, eps, s.kind).mu.y;
        expectTensor(`${tag} embed()`, mu, refMu);
        const pairs = Uint32Array.from([0, 1, 5, 60, 10, 10]);
        const scores = await model.linkScores(pairs);
        expectClose(`${tag} linkScores`, scores, linkScores(refMu, L, pairs), 1e-6, 1e-5);
      } finally {
        model.destroy();
      }
    });
  }
});

describe('GraphVae lifecycle', () => {
  it('allocates no buffer, bind group or pipeline and submits once per step', async () => {
    const { device } = await testGpu();
    const model = await GraphVae.create({ device, graph: { n: N, features: SPARSE, trainEdges: EDGES }, hidden: H, latent: L, readbackEvery: 2 });
    await model.step();
    await model.step();
    await model.losses();
    const counts = { buffers: 0, bindGroups: 0, pipelines: 0, submits: 0 };
    const d = device as GPUDevice & Record<string, unknown>;
    const orig = { createBuffer: d.createBuffer, createBindGroup: d.createBindGroup, createComputePipeline: d.createComputePipeline, submit: device.queue.submit };
    d.createBuffer = (desc: GPUBufferDescriptor) => (counts.buffers++, orig.createBuffer.call(device, desc));
    d.createBindGroup = (desc: GPUBindGroupDescriptor) => (counts.bindGroups++, orig.createBindGroup.call(device, desc));
    d.createComputePipeline = (desc: GPUComputePipelineDescriptor) => (counts.pipelines++, orig.createComputePipeline.call(device, desc));
    device.queue.submit = (cmds: Iterable<GPUCommandBuffer>) => (counts.submits++, orig.submit.call(device.queue, cmds));
    try {
      for (let i = 0; i < 6; i++) await model.step();
    } finally {
      Object.assign(d, { createBuffer: orig.createBuffer, createBindGroup: orig.createBindGroup, createComputePipeline: orig.createComputePipeline });
      device.queue.submit = orig.submit;
    }
    expect(counts).toEqual({ buffers: 0, bindGroups: 0, pipelines: 0, submits: 6 });
    expect((await model.losses()).map((l) => l.step)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(model.liveBuffers).toBeGreaterThan(20);
    model.destroy();
    expect(model.liveBuffers).toBe(0);
    await expect(model.step()).rejects.toThrow(/destroyed/);
    model.destroy(); // twice is harmless
  });

  it('snapshot and restore resume the same trajectory', async () => {
    const { device } = await testGpu();
    const model = await GraphVae.create({ device, graph: { n: N, features: null, trainEdges: EDGES }, hidden: H, latent: L });
    await model.step();
    const snap = await model.snapshot();
    // One readback of the three arenas: the same tensors as reading each.
    expect(snap.step).toBe(1);
    expect(snap.params).toEqual(await model.readParameters());
    expect({ m: snap.m, v: snap.v }).toEqual(await model.readMoments());
    await model.step();
    await model.step();
    const first = (await model.losses()).map((r) => r.loss);
    await model.restore(snap);
    await model.step();
    await model.step();
    const again = (await model.losses()).map((r) => r.loss);
    // The same state and step counter (which keys the noise): the same losses, bit for bit.
    expect(again).toEqual(first.slice(1));
    model.destroy();
  });

  it('rejects bad options with the setting and the value', async () => {
    const { device } = await testGpu();
    const graph = { n: N, features: SPARSE, trainEdges: EDGES };
    await expect(GraphVae.create({ device, graph, latent: 65 })).rejects.toThrow('latent must be a whole number from 1 to 64, got 65');
    await expect(GraphVae.create({ device, graph, hidden: 0 })).rejects.toThrow('hidden must be a whole number from 1 to 4096, got 0');
    await expect(GraphVae.create({ device, graph, kind: 'vae' as 'vgae' })).rejects.toThrow("kind must be vgae or gae, got 'vae'");
    await expect(GraphVae.create({ device, graph: { ...graph, n: 60 } })).rejects.toThrow('graph: the features have 61 rows but the graph has 60 nodes');
    await expect(GraphVae.create({ device, graph: { ...graph, trainEdges: new Uint32Array(0) } })).rejects.toThrow('adjacency: no training edges among 61 nodes');
    // The settings table and the fused decoder's register blocks agree.
    expect(SETTINGS.graphLatent.max).toBe(MAX_LATENT);
  });
});
