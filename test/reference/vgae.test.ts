// The graph VAE reference: gradients against central finite differences (VGAE and GAE, dense,
// sparse and identity features, a graph with an isolated node), the loss against a naive dense
// computation, and the Glorot initialisation's range.
import { describe, expect, it } from 'vitest';
import { csrToDense, denseToCsr, graphAdjacency } from '../../src/graph/adjacency.js';
import { identityFeatures } from '../../src/graph/graph.js';
import { glorotUniform, initGraphVae } from '../../src/graph/init.js';
import {
  gcnForward, innerProductLoss, vgaeBackward, vgaeForward, type FeatureMatrix, type GraphModelKind, type VgaeGraph, type VgaeParams, type VgaeSizes,
} from '../../src/reference/vgae.js';
import { expectClose } from '../util/compare.js';
import { seededUniform } from '../util/data.js';

/** A random graph of n nodes in which the last node is isolated. */
function randomGraph(n: number, seed: number, density: number): Uint32Array {
  const u = seededUniform(n * n, seed, 0, 1);
  const pairs: number[] = [];
  for (let i = 0; i < n - 1; i++) for (let j = i + 1; j < n - 1; j++) if (u[i * n + j] < density) pairs.push(i, j);
  return Uint32Array.from(pairs);
}

function modelGraph(n: number, edges: Uint32Array, features: FeatureMatrix): VgaeGraph {
  const a = graphAdjacency(n, edges);
  return { adj: a.adj, labels: a.adj, features, posWeight: a.posWeight, norm: a.norm };
}

function params(s: VgaeSizes, seed: number): VgaeParams {
  // Glorot weights scaled by 1.5: logits reach about 11 and log sigma about +-1.5, so both
  // sides of the BCE and of the KL's exp matter (at 2.5, logits reach 1,500 and saturate).
  const w = initGraphVae(s.f, s.hidden, s.latent, seed);
  const up = (a: Float32Array) => Float64Array.from(a, (v) => 1.5 * v);
  return { w0: up(w.w0), wMu: up(w.wMu), wSigma: up(w.wSigma) };
}

const N = 9;
const EDGES = randomGraph(N, 4, 0.35);
const denseX = seededUniform(N * 6, 5, -1, 1);
const FEATURES: [string, FeatureMatrix][] = [
  ['dense features', { rows: N, cols: 6, data: denseX }],
  ['sparse binary features', denseToCsr(seededUniform(N * 7, 6, 0, 1).map((v) => (v < 0.4 ? 1 : 0)), N, 7)],
  ['identity features', identityFeatures(N)],
];

describe.each(['vgae', 'gae'] as GraphModelKind[])('%s reference gradients vs central finite differences', (kind) => {
  for (const [what, features] of FEATURES) {
    const s: VgaeSizes = { n: N, f: features.cols, hidden: 5, latent: 3 };
    const g = modelGraph(N, EDGES, features);
    const p = params(s, 12);
    const eps = seededUniform(N * s.latent, 13, -1.5, 1.5);
    const loss = (q: VgaeParams) => vgaeForward(q, g, s, eps, kind).loss;
    const grads = vgaeBackward(p, g, s, vgaeForward(p, g, s, eps, kind), eps, kind);

    for (const name of ['w0', 'wMu', 'wSigma'] as const) {
      it(`${what}: ${name}, relative error < 1e-6`, () => {
        const value = p[name];
        const h = 1e-5;
        const fd = new Float64Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const keep = value[i];
          value[i] = keep + h;
          const up = loss(p);
          value[i] = keep - h;
          const down = loss(p);
          value[i] = keep;
          fd[i] = (up - down) / (2 * h);
        }
        const gr = grads[name];
        // Norm-wise relative error. Central differences are O(h^2) = 1e-10 accurate here; the
        // rounding of each loss (~1e-16 |loss| / h) adds about 1e-11; both far below 1e-6.
        let num = 0;
        let den = 0;
        for (let i = 0; i < gr.length; i++) {
          num += (gr[i] - fd[i]) ** 2;
          den += Math.max(gr[i] ** 2, fd[i] ** 2);
        }
        const rel = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
        expect(Number.isFinite(rel), `${name}: non-finite error`).toBe(true);
        expect(rel, `${name}: analytic ${Array.from(gr.slice(0, 3))} vs fd ${Array.from(fd.slice(0, 3))}`).toBeLessThan(1e-6);
        if (kind === 'gae' && name === 'wSigma') {
          // The GAE decodes mu alone: log sigma gets no gradient at all.
          expect(Math.sqrt(den)).toBe(0);
        } else {
          expect(Math.sqrt(den), `${name}: gradient is all zero, the check would be empty`).toBeGreaterThan(1e-6);
        }
      });
    }
  }
});

describe('reference forward against naive dense formulas', () => {
  const s: VgaeSizes = { n: N, f: 6, hidden: 5, latent: 3 };
  const g = modelGraph(N, EDGES, FEATURES[0][1]);
  const p = params(s, 12);
  const eps = seededUniform(N * s.latent, 13, -1.5, 1.5);

  it('a GCN layer is Â X W with dense matrices', () => {
    const A = csrToDense(g.adj as never);
    const XW = new Float64Array(N * 5);
    for (let r = 0; r < N; r++) for (let d = 0; d < 5; d++) for (let k = 0; k < 6; k++) XW[r * 5 + d] += denseX[r * 6 + k] * p.w0[k * 5 + d];
    const want = new Float64Array(N * 5);
    for (let r = 0; r < N; r++) for (let d = 0; d < 5; d++) for (let k = 0; k < N; k++) want[r * 5 + d] += A[r * N + k] * XW[k * 5 + d];
    const got = gcnForward(g.adj, FEATURES[0][1], p.w0, 5, false);
    expectClose('Â X W', got.y, want, 1e-14, 1e-12);
    const relu = gcnForward(g.adj, FEATURES[0][1], p.w0, 5, true);
    expectClose('ReLU(Â X W)', relu.y, want.map((v) => Math.max(v, 0)), 1e-14, 1e-12);
    // The isolated node's row is its own features times W, scaled by 1 / (1 + 0).
    expectClose('isolated node', got.y.subarray((N - 1) * 5), XW.subarray((N - 1) * 5), 1e-14, 1e-12);
  });

  it("the loss is norm * mean of TensorFlow's weighted cross entropy on sigmoid, plus the KL", () => {
    const f = vgaeForward(p, g, s, eps, 'vgae');
    const A = csrToDense(g.adj as never);
    const L = s.latent;
    let bce = 0;
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        let x = 0;
        for (let k = 0; k < L; k++) x += f.z[i * L + k] * f.z[j * L + k];
        const sg = 1 / (1 + Math.exp(-x));
        // Labels A_train + I; the naive form loses digits where sigmoid saturates (|x| > ~10).
        bce += A[i * N + j] !== 0 ? -Math.log(sg) * g.posWeight : -Math.log(1 - sg);
      }
    }
    expectClose('recon', [f.recon], [(g.norm * bce) / (N * N)], 0, 1e-9);
    let kl = 0;
    for (let i = 0; i < N * L; i++) {
      const ls = f.logstd.y[i];
      kl += 1 + 2 * ls - f.mu.y[i] ** 2 - Math.exp(ls) ** 2;
    }
    expect(f.kl).toBeCloseTo(-(0.5 / N) * (kl / N), 13);
    expect(f.kl).toBeGreaterThan(0);
    expect(f.loss).toBe(f.recon + f.kl);
    // z = mu + eps sigma; the GAE has z = mu and no KL.
    for (let i = 0; i < N * L; i++) expect(f.z[i]).toBeCloseTo(f.mu.y[i] + eps[i] * Math.exp(f.logstd.y[i]), 14);
    const gae = vgaeForward(p, g, s, eps, 'gae');
    expect(Array.from(gae.z)).toEqual(Array.from(gae.mu.y));
    expect(gae.kl).toBe(0);
  });

  it('innerProductLoss: dz is the full sum_j g_ij z_j + g_ji z_j (twice the row sum for symmetric labels)', () => {
    const L = 3;
    const z = seededUniform(N * L, 21, -1, 1);
    const dz = new Float64Array(N * L);
    innerProductLoss(dz, z, g.labels, N, L, g.posWeight, g.norm);
    const want = new Float64Array(N * L);
    const A = csrToDense(g.adj as never);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        let x = 0;
        for (let k = 0; k < L; k++) x += z[i * L + k] * z[j * L + k];
        const sg = 1 / (1 + Math.exp(-x));
        const gij = ((A[i * N + j] !== 0 ? g.posWeight * (sg - 1) : sg) * g.norm) / (N * N);
        for (let k = 0; k < L; k++) want[i * L + k] += 2 * gij * z[j * L + k];
      }
    }
    expectClose('dz', dz, want, 1e-16, 1e-12);
  });
});

describe('Glorot-uniform initialisation', () => {
  it('values lie in (-r, r), r = sqrt(6 / (in + out)), with the uniform variance r^2 / 3; seeds and tensors differ', () => {
    const [fi, fo] = [1433, 32];
    const w = glorotUniform(fi, fo, 1, 0);
    const r = Math.sqrt(6 / (fi + fo));
    let s2 = 0;
    for (const v of w) {
      expect(Math.abs(v)).toBeLessThan(r);
      s2 += v * v;
    }
    // Variance of U(-r, r) is r^2 / 3; its estimate from 45,856 draws has relative sd
    // sqrt(0.8 / n) ~ 0.4%, so 3% is six sd.
    expect(Math.abs(s2 / w.length / (r * r / 3) - 1)).toBeLessThan(0.03);
    expect(Array.from(glorotUniform(fi, fo, 2, 0).slice(0, 8))).not.toEqual(Array.from(w.slice(0, 8)));
    const m = initGraphVae(fi, 32, 16, 1);
    expect(Array.from(m.w0)).toEqual(Array.from(w));
    expect(Array.from(m.wMu.slice(0, 8))).not.toEqual(Array.from(m.wSigma.slice(0, 8)));
    expect([m.w0.length, m.wMu.length, m.wSigma.length]).toEqual([fi * 32, 32 * 16, 32 * 16]);
  });
});
