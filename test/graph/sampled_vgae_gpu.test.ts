// A whole sampled VGAE step composed by hand from the existing kernels (spmm, the linear GEMMs,
// gaussian_logstd) and the sampled decoder (sampled_edge_loss rows, inner_product_loss total),
// compared tensor by tensor with the float64 reference given the same negatives (the CPU
// sampler's draw for the step's seed and epoch, equal to the GPU's): VGAE and GAE, sparse and
// identity features, odd sizes, isolated nodes, both GEMM variants. The dispatch list is the one a
// training step with the sampled decoder runs (before Adam).
import { afterAll, describe, expect, it } from 'vitest';
import { negativePairs } from '../../src/graph/negative_sampler.js';
import { GpuResources } from '../../src/gpu/resources.js';
import { SampledEdgeLossKernels, type SampledEdgeLossDispatches } from '../../src/kernels/sampled_edge_loss.js';
import { sampledVgaeForward } from '../../src/reference/sampled_decoder.js';
import { vgaeBackward } from '../../src/reference/vgae.js';
import { testGpu } from '../util/gpu.js';
import { composedStep, expectStepMatches, STEP_SEED, STEP_T, type StepSetup } from '../util/vgae_step.js';

const [N, F, H, L] = [61, 23, 9, 5];
const K = 2;

const decoder = testGpu().then(({ device }) => {
  const res = new GpuResources(device);
  return { res, k: new SampledEdgeLossKernels(res) };
});
afterAll(async () => (await decoder).res.destroy());

const SETUPS: StepSetup[] = [
  { kind: 'vgae', features: 'sparse', variant: 'register' },
  { kind: 'gae', features: 'sparse', variant: 'register' },
  { kind: 'vgae', features: 'identity', variant: 'register' },
  { kind: 'vgae', features: 'sparse', variant: 'tiled' },
];

describe('sampled graph VAE forward and backward from the GPU kernels vs the float64 reference (negatives fixed)', () => {
  for (const s of SETUPS) {
    it(`${s.kind}, ${s.features} features, ${s.variant} GEMMs: every activation, the loss and every gradient`, async () => {
      const { k } = await decoder;
      let built: SampledEdgeLossDispatches | null = null;
      const label = `sampled vgae step ${s.kind} ${s.features} [${s.variant}]`;
      const { graph, X, params, epsGot, got, dispatches } = await composedStep(s, { n: N, f: F, hidden: H, latent: L }, label, async (d) => {
        built = await k.build('sampled decoder', { z: d.z, labels: d.labels, klRows: d.klRows, dz: d.dz, out: d.out, step: d.step, n: N, latent: L, negatives: K });
        return built.all;
      });
      const b = built as SampledEdgeLossDispatches | null;
      if (!b) throw new Error('the decoder was not built');
      // 8 forward (X W0, Â, Â, W_head, z, the decoder's keys, rows and total) and 6 backward;
      // identity features skip X W0 and X^T.
      expect(dispatches).toBe(s.features === 'sparse' ? 14 : 12);
      expect(b.layout.slots).toBe(K * (graph.nnz / 2));
      const g = { adj: graph.adj, labels: graph.adj, features: X, posWeight: graph.posWeight, norm: graph.norm };
      const sizes = { n: N, f: X.cols, hidden: H, latent: L };
      const neg = { pairs: negativePairs(STEP_SEED, STEP_T, b.layout), scale: b.negScale };
      // The reference runs on the noise the GPU drew (f32 values) and on the epoch's negatives.
      const fwd = sampledVgaeForward(params, g, sizes, epsGot, s.kind, neg);
      const grads = vgaeBackward(params, g, sizes, fwd, epsGot, s.kind);
      const tag = `sampled ${s.kind} ${s.features} [${s.variant}]`;
      if (s.kind === 'vgae') expect(epsGot.some((v) => v !== 0)).toBe(true);
      expect(fwd.masked, `${tag}: masked slots`).toBeGreaterThan(0);
      expectStepMatches(tag, got, fwd, grads, sizes, s.kind);
    });
  }
});
