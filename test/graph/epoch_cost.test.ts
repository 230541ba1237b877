// The epoch's counts: as many dispatches as GraphVae's step encodes (exact decoder, sparse and
// identity features), and the decoders' counts from their loops.
import { describe, expect, it } from 'vitest';
import { denseToCsr } from '../../src/graph/adjacency.js';
import { epochCost, epochTotals } from '../../src/graph/epoch_cost.js';
import { GraphVae } from '../../src/graph/graph_vae.js';
import { seededUniform } from '../util/data.js';
import { testGpu } from '../util/gpu.js';
import { edgesOf } from '../util/vgae_step.js';

describe('epochCost', () => {
  for (const features of ['sparse', 'identity'] as const) {
    it(`counts the dispatches GraphVae's step encodes (${features} features, exact decoder)`, async () => {
      const { device } = await testGpu();
      const [n, f] = [40, 11];
      const edges = edgesOf(n, 4, 5);
      const X = features === 'sparse' ? denseToCsr(seededUniform(n * f, 3, 0, 1).map((v) => (v < 0.3 ? 1 : 0)), n, f) : null;
      const model = await GraphVae.create({ device, graph: { n, features: X, trainEdges: edges }, hidden: 6, latent: 5, variant: 'register' });
      const want = model.dispatchesPerStep;
      model.destroy();
      const costs = epochCost({ nodes: n, trainEdges: edges.length / 2, features: X ? { cols: f, nnz: X.rowPtr[n] } : null, hidden: 6, latent: 5, decoder: { kind: 'exact', variant: 'register' } });
      expect(costs.length).toBe(want);
      expect(want).toBe(features === 'sparse' ? 15 : 13);
    });
  }

  it("counts the decoders' pairs: N^2 (register), N (N + 1) / 2 (tiled), 2 E + 2 K E visits (sampled)", () => {
    const shape = { nodes: 1000, trainEdges: 4000, features: null, hidden: 32, latent: 16 };
    const decoderFlops = (d: Parameters<typeof epochCost>[0]['decoder']) => epochCost({ ...shape, decoder: d }).find((c) => c.kernel.endsWith('.rows'))!;
    expect(decoderFlops({ kind: 'exact', variant: 'register' }).transcendentals).toBe(2 * 1000 * 1000);
    expect(decoderFlops({ kind: 'exact', variant: 'tiled' }).transcendentals).toBe(1000 * 1001);
    const sampled = decoderFlops({ kind: 'sampled', negatives: 3 });
    expect(sampled.flops).toBe(4 * 16 * (2 * 4000 + 2 * 12000));
    expect(sampled.transcendentals).toBe(2 * (2 * 4000 + 2 * 12000));
    // The sampled epoch: the exact one's dispatches with the decoder's keys in place of `finish`.
    const t = epochTotals(epochCost({ ...shape, decoder: { kind: 'sampled', negatives: 1 } }));
    expect(t.dispatches).toBe(14);
  });
});
