// The sampled decoder's reference: gradients of the whole graph VAE against central finite
// differences with the negatives fixed (VGAE and GAE, sparse and identity features), the loss
// against a direct reading of PyTorch Geometric's formula, and the negative term's mean over
// epochs against the mean over all non-edges (the estimator is unbiased).
import { describe, expect, it } from 'vitest';
import { denseToCsr, graphAdjacency } from '../../src/graph/adjacency.js';
import { identityFeatures } from '../../src/graph/graph.js';
import { initGraphVae } from '../../src/graph/init.js';
import { negativeLayout, negativePairs, negativeScale } from '../../src/graph/negative_sampler.js';
import { sampledDecoderLoss, sampledVgaeForward, trainingEdges } from '../../src/reference/sampled_decoder.js';
import { softplus, vgaeBackward, type FeatureMatrix, type GraphModelKind, type VgaeGraph, type VgaeParams, type VgaeSizes } from '../../src/reference/vgae.js';
import { seededUniform } from '../util/data.js';

const N = 10;
function randomEdges(n: number, seed: number, density: number): Uint32Array {
  const u = seededUniform(n * n, seed, 0, 1);
  const pairs: number[] = [];
  for (let i = 0; i < n - 1; i++) for (let j = i + 1; j < n - 1; j++) if (u[i * n + j] < density) pairs.push(i, j);
  return Uint32Array.from(pairs);
}
const ADJ = graphAdjacency(N, randomEdges(N, 4, 0.3));
const E = ADJ.nnz / 2;

function graphOf(features: FeatureMatrix): VgaeGraph {
  return { adj: ADJ.adj, labels: ADJ.adj, features, posWeight: ADJ.posWeight, norm: ADJ.norm };
}

/** Epoch t's negatives: K = 3 per edge, so several rounds and some masked slots. */
function negativesAt(t: number) {
  const l = negativeLayout(N, E, 3);
  return { pairs: negativePairs(11, t, l), scale: negativeScale(l, ADJ.adj.rowPtr[N]) };
}

describe.each(['vgae', 'gae'] as GraphModelKind[])('%s with the sampled decoder: gradients vs central finite differences', (kind) => {
  const features: [string, FeatureMatrix][] = [
    ['sparse features', denseToCsr(seededUniform(N * 7, 6, 0, 1).map((v) => (v < 0.4 ? 1 : 0)), N, 7)],
    ['identity features', identityFeatures(N)],
  ];
  for (const [what, x] of features) {
    it(`${what}: every weight, relative error < 1e-6`, () => {
      const s: VgaeSizes = { n: N, f: x.cols, hidden: 5, latent: 3 };
      const g = graphOf(x);
      // Glorot weights scaled by 1.5, as in the exact decoder's test: logits in both regimes.
      const w = initGraphVae(s.f, s.hidden, s.latent, 12);
      const p: VgaeParams = { w0: Float64Array.from(w.w0, (v) => 1.5 * v), wMu: Float64Array.from(w.wMu, (v) => 1.5 * v), wSigma: Float64Array.from(w.wSigma, (v) => 1.5 * v) };
      const eps = seededUniform(N * s.latent, 13, -1.5, 1.5);
      const neg = negativesAt(2);
      const fwd = sampledVgaeForward(p, g, s, eps, kind, neg);
      expect(fwd.masked).toBeGreaterThan(0);
      const grads = vgaeBackward(p, g, s, fwd, eps, kind);
      for (const name of ['w0', 'wMu', 'wSigma'] as const) {
        const value = p[name];
        const h = 1e-5;
        let num = 0;
        let den = 0;
        for (let i = 0; i < value.length; i++) {
          const keep = value[i];
          value[i] = keep + h;
          const up = sampledVgaeForward(p, g, s, eps, kind, neg).loss;
          value[i] = keep - h;
          const down = sampledVgaeForward(p, g, s, eps, kind, neg).loss;
          value[i] = keep;
          const fd = (up - down) / (2 * h);
          num += (grads[name][i] - fd) ** 2;
          den += Math.max(grads[name][i] ** 2, fd ** 2);
        }
        // Central differences are O(h^2) = 1e-10 accurate; rounding adds about 1e-11.
        const rel = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
        expect(rel, `${kind} ${what} ${name}`).toBeLessThan(1e-6);
        if (kind === 'gae' && name === 'wSigma') expect(den).toBe(0);
        else expect(den).toBeGreaterThan(0);
      }
    });
  }
});

describe('sampled decoder loss', () => {
  const L = 4;
  const z = seededUniform(N * L, 21, -1, 1);
  const x = (i: number, j: number) => {
    let s = 0;
    for (let k = 0; k < L; k++) s += z[i * L + k] * z[j * L + k];
    return s;
  };

  it("is PyTorch Geometric's recon_loss on the live pairs: mean -log sigmoid over edges, the weighted -log(1 - sigmoid) over negatives", () => {
    const neg = negativesAt(5);
    const dz = new Float64Array(N * L);
    const { recon, masked } = sampledDecoderLoss(dz, z, ADJ.adj, neg, N, L);
    const edges = trainingEdges(ADJ.adj, N);
    expect(edges.length / 2).toBe(E);
    let pos = 0;
    for (let e = 0; e < E; e++) pos -= Math.log(1 / (1 + Math.exp(-x(edges[2 * e], edges[2 * e + 1]))));
    let negSum = 0;
    let live = 0;
    const edgeSet = new Set(Array.from({ length: E }, (_, e) => `${edges[2 * e]},${edges[2 * e + 1]}`));
    for (let s = 0; s < neg.pairs.length / 2; s++) {
      const [i, j] = [neg.pairs[2 * s], neg.pairs[2 * s + 1]];
      if (i === j || edgeSet.has(`${Math.min(i, j)},${Math.max(i, j)}`)) continue;
      negSum -= Math.log(1 - 1 / (1 + Math.exp(-x(i, j))));
      live++;
    }
    expect(masked).toBe(neg.pairs.length / 2 - live);
    expect(recon).toBeCloseTo(pos / E + neg.scale * negSum, 12);
  });

  it('has a negative term whose mean over epochs is the mean over all non-edges i != j', () => {
    let want = 0;
    let count = 0;
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        let edge = i === j;
        for (let p = ADJ.adj.rowPtr[i]; p < ADJ.adj.rowPtr[i + 1]; p++) if (ADJ.adj.colIdx[p] === j) edge = true;
        if (!edge) {
          want += softplus(x(i, j));
          count++;
        }
      }
    }
    want /= count;
    const noNeg = { pairs: new Uint32Array(0), scale: 0 };
    const dz = new Float64Array(N * L);
    const posTerm = sampledDecoderLoss(dz, z, ADJ.adj, noNeg, N, L).recon;
    const T = 4000;
    let mean = 0;
    let sq = 0;
    for (let t = 1; t <= T; t++) {
      const v = sampledDecoderLoss(dz, z, ADJ.adj, negativesAt(t), N, L).recon - posTerm;
      mean += v / T;
      sq += (v * v) / T;
    }
    // Within 5 standard errors of the epochs' mean (the draws are independent across epochs).
    const se = Math.sqrt((sq - mean * mean) / T);
    expect(Math.abs(mean - want), `mean ${mean}, want ${want}, standard error ${se}`).toBeLessThan(5 * se);
  });
});
