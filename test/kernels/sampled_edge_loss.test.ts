// The sampled decoder on the GPU: its negatives equal the CPU sampler's bit for bit (so the
// chi-square and reproducibility tests of test/graph/negative_sampler.test.ts hold for the GPU's
// draws), and its loss, dL/dz and history record equal the float64 reference given those
// negatives, on odd shapes, isolated nodes, every register block, VGAE and GAE.
import { afterAll, describe, expect, it } from 'vitest';
import { graphAdjacency, type GraphAdjacency } from '../../src/graph/adjacency.js';
import { isLabel, negativeLayout, negativePairs, type NegativeLayout } from '../../src/graph/negative_sampler.js';
import { HISTORY_RECORD_BYTES, readRecord } from '../../src/gpu/history.js';
import { GpuResources } from '../../src/gpu/resources.js';
import { noiseUniform } from '../../src/kernels/gaussian_logstd.js';
import { uploadLabels } from '../../src/kernels/inner_product_loss.js';
import { SampledEdgeLossKernels } from '../../src/kernels/sampled_edge_loss.js';
import { encodeStepUniform } from '../../src/kernels/step_uniforms.js';
import { sampledDecoderLoss, trainingEdges } from '../../src/reference/sampled_decoder.js';
import { expectBounded, unpadMatrix } from '../util/compare.js';
import { decoderGraph, decoderOperands, pairError, U } from '../util/decoder.js';
import { readFloats, scoped, submitDispatches, testGpu } from '../util/gpu.js';

const pad4 = (n: number) => (n + 3) & ~3;
const whole = (b: GPUBuffer) => ({ buffer: b, offset: 0, size: b.size });

// One device and kernel set for the file (SwiftShader compiles slowly).
const setup = testGpu().then(({ device }) => {
  const res = new GpuResources(device);
  return { device, res, k: new SampledEdgeLossKernels(res) };
});
afterAll(async () => (await setup).res.destroy());

async function gpuPairs(layout: NegativeLayout, seed: number, t: number, epochs: number): Promise<Uint32Array> {
  const { device, res, k } = await setup;
  const out = whole(res.storage('pairs', 8 * layout.slots * epochs));
  const d = await k.pairs('pairs', { step: noiseUniform(res, 'step', t, seed), layout, epochs, out });
  submitDispatches(device, [d]);
  return new Uint32Array((await readFloats(device, out.buffer)).buffer);
}

describe('sampled_edge_loss.pairs_of_epochs', () => {
  for (const [n, edges, K] of [[2, 1, 1], [5, 3, 2], [11, 9, 3], [100, 230, 1], [1000, 1700, 2], [4099, 5000, 1]] as const) {
    it(`${n} nodes, ${edges} edges, K = ${K}: equal to the CPU sampler, epoch by epoch`, async () => {
      const layout = negativeLayout(n, edges, K);
      const epochs = 3;
      const got = await gpuPairs(layout, 17, 40, epochs);
      for (let e = 0; e < epochs; e++) {
        const want = negativePairs(17, 40 + e, layout);
        const part = got.subarray(2 * layout.slots * e, 2 * layout.slots * (e + 1));
        let bad = -1;
        for (let s = 0; s < want.length && bad < 0; s++) if (part[s] !== want[s]) bad = s;
        expect(bad, bad < 0 ? '' : `epoch ${40 + e}, value ${bad}: got ${part[bad]} want ${want[bad]}`).toBe(-1);
      }
    });
  }
});

/**
 * Error bounds, first order, doubled: each visit's (test/util/decoder_bounds.ts), and a node sums
 * its visits (2 per round and its degree) in f32: (visits + 2) u of the sum of magnitudes;
 * `total` sums n values (n / 256 per invocation and an 8-level tree).
 */
function bounds(z: ArrayLike<number>, adj: GraphAdjacency, pairs: Uint32Array, negScale: number, n: number, L: number) {
  const lab = adj.adj;
  const edges = trainingEdges(lab, n);
  const E = edges.length / 2;
  const dzErr = new Float64Array(n * L);
  const gzAbs = new Float64Array(n * L);
  const visits = new Float64Array(n);
  let lossErr = 0;
  let lossSum = 0;
  const visit = (i: number, j: number, edge: boolean, w: number) => {
    const e = pairError(z, i, j, L, edge);
    lossSum += w * e.l;
    lossErr += w * e.lossErr;
    for (const [a, b] of [[i, j], [j, i]]) {
      visits[a]++;
      for (let k = 0; k < L; k++) {
        dzErr[a * L + k] += w * e.gradErr * Math.abs(z[b * L + k]);
        gzAbs[a * L + k] += w * e.s * Math.abs(z[b * L + k]);
      }
    }
  };
  for (let e = 0; e < E; e++) visit(edges[2 * e], edges[2 * e + 1], true, 1 / E);
  for (let s = 0; s < pairs.length / 2; s++) {
    const [i, j] = [pairs[2 * s], pairs[2 * s + 1]];
    if (!isLabel(lab.rowPtr, lab.colIdx, i, j)) visit(i, j, false, negScale);
  }
  const maxVisits = Math.max(...visits);
  const loss = 2 * (lossErr + (maxVisits + n / 256 + 12) * U * lossSum);
  const dz = dzErr.map((e, i) => 2 * (e + (visits[Math.floor(i / L)] + 4) * U * gzAbs[i]));
  return { loss, dz };
}

interface Case {
  n: number;
  L: number;
  degree: number;
  K: number;
  zScale: number;
}

async function check(c: Case, withKl: boolean, t: number): Promise<void> {
  const { device, res, k } = await setup;
  const { n, L, K } = c;
  const adj = decoderGraph(n, 3 + n, c.degree);
  const seed = 5;
  const label = `sampled_edge_loss ${n}x${L} K=${K} t=${t}${withKl ? '' : ' (GAE)'}`;
  await scoped(device, label, async () => {
    const { z, klRows, zb, dzb, out, kb } = decoderOperands(res, n, L, c.zScale);
    const history = res.storage('history', 4 * HISTORY_RECORD_BYTES);
    const step = res.uniform('step', encodeStepUniform({ t, seed, count: 0, historySlot: 2 }, { lr: 1, beta1: 0, beta2: 0, eps: 1 }));
    const d = await k.build(label, {
      z: whole(zb), labels: uploadLabels(res, 'labels', adj.adj), klRows: withKl ? whole(kb) : null, dz: whole(dzb), out: whole(out), step, n, latent: L, negatives: K, history: whole(history),
    });
    submitDispatches(device, d.all);
    // The reference on the negatives the CPU sampler draws for (seed, t): the GPU's, bit for bit.
    const pairs = negativePairs(seed, t, d.layout);
    const wantDz = new Float64Array(n * L);
    const { recon, masked } = sampledDecoderLoss(wantDz, z, adj.adj, { pairs, scale: d.negScale }, n, L);
    expect(masked, `${label}: some slots masked`).toBeGreaterThan(0);
    const kl = withKl ? (-0.5 * klRows.reduce((a, b) => a + b, 0)) / (n * n) : 0;
    const b = bounds(z, adj, pairs, d.negScale, n, L);
    const klErr = 2 * (n / 256 + 12) * U * Math.abs(kl);
    const got = await readFloats(device, out);
    expectBounded(`${label} (loss, recon, kl)`, got.subarray(0, 3), [recon + kl, recon, kl], [b.loss + klErr + U * Math.abs(recon + kl), b.loss, klErr]);
    const gotDz = await readFloats(device, dzb);
    expectBounded(`${label} dz`, unpadMatrix(gotDz, n, L), wantDz, b.dz);
    const ld = pad4(L);
    for (let r = 0; r < pad4(n); r++) for (let col = 0; col < ld; col++) if (r >= n || col >= L) expect(gotDz[r * ld + col]).toBe(0);
    // The step's record at the uniform's history slot: (recon, kl, 1 row, t).
    const rec = readRecord(new DataView((await readFloats(device, history)).buffer), 2);
    expect([rec.recon, rec.kl, rec.count, rec.t]).toEqual([got[1], got[2], 1, t]);
  });
}

const CASES: Case[] = [
  { n: 5, L: 1, degree: 2, K: 6, zScale: 1 },
  { n: 37, L: 3, degree: 4, K: 3, zScale: 1.5 },
  { n: 301, L: 7, degree: 4, K: 1, zScale: 1.2 },
  { n: 130, L: 16, degree: 5, K: 2, zScale: 0.9 },
  // The largest latent size: all 16 register blocks in use.
  { n: 23, L: 61, degree: 3, K: 4, zScale: 0.35 },
];

describe('sampled_edge_loss rows and total vs the float64 reference (negatives fixed by seed and epoch)', () => {
  for (const c of CASES) {
    it(`${c.n} nodes, L = ${c.L}, K = ${c.K}: VGAE (with the KL rows)`, () => check(c, true, 3));
  }
  it('301 nodes, L = 7: another epoch, GAE (no KL)', () => check(CASES[2], false, 11));
});

describe('sampled_edge_loss limits', () => {
  it('refuses a latent size above 64, a short dz, a graph with no pair to draw and zero negatives, with the numbers', async () => {
    const { res, k } = await setup;
    const adj = decoderGraph(9, 1, 2);
    const labels = uploadLabels(res, 'labels', adj.adj);
    const buf = (bytes: number) => whole(res.storage('b', bytes));
    const step = noiseUniform(res, 'step', 1, 1);
    const base = { labels, klRows: null, out: buf(16), step, n: 9, negatives: 1 };
    await expect(k.build('sel', { ...base, z: buf(12 * 68 * 4), dz: buf(12 * 68 * 4), latent: 65 })).rejects.toThrow('sel: latent size 65 must be 1 to 64');
    await expect(k.build('sel', { ...base, z: buf(12 * 8 * 4), dz: buf(64), latent: 7 })).rejects.toThrow('sel: dz holds 64 bytes, 9 x 7 (padded 12 x 8) needs 384');
    await expect(k.build('sel', { ...base, z: buf(12 * 8 * 4), dz: buf(12 * 8 * 4), latent: 7, negatives: 0 })).rejects.toThrow('negatives: 0 negatives per edge must be a whole number of at least 1');
    const complete = graphAdjacency(3, Uint32Array.from([0, 1, 0, 2, 1, 2]));
    await expect(k.build('sel', { ...base, labels: uploadLabels(res, 'complete', complete.adj), n: 3, z: buf(64), dz: buf(64), latent: 1 })).rejects.toThrow(
      'negatives: the graph is complete (9 of 9 pairs are edges or self pairs): no pair to draw',
    );
  });
});
