// One whole forward and backward pass of the graph VAE composed from the GPU kernels (spmm,
// the linear GEMMs, gaussian_logstd, inner_product_loss), compared tensor by tensor with the
// float64 reference: VGAE and GAE, sparse and identity features, odd sizes, isolated nodes,
// both kernel variants. The dispatch list (test/util/vgae_step.ts) is the one a training step runs (before Adam).
import { afterAll, describe, expect, it } from 'vitest';
import { GpuResources } from '../../src/gpu/resources.js';
import { InnerProductLossKernels } from '../../src/kernels/inner_product_loss.js';
import { vgaeBackward, vgaeForward } from '../../src/reference/vgae.js';
import { testGpu } from '../util/gpu.js';
import { composedStep, expectStepMatches, type StepSetup as Setup } from '../util/vgae_step.js';

const [N, F, H, L] = [61, 23, 9, 5];

/** The decoder's kernels of one variant, compiled once for the file; released after it. */
const decoders = new Map<Setup['variant'], Promise<{ res: GpuResources; ipl: InnerProductLossKernels }>>();
function decoderFor(variant: Setup['variant']) {
  let k = decoders.get(variant);
  if (!k) {
    k = testGpu().then(({ device }) => {
      const res = new GpuResources(device);
      return { res, ipl: new InnerProductLossKernels(res, variant) };
    });
    decoders.set(variant, k);
  }
  return k;
}
afterAll(async () => {
  for (const k of decoders.values()) (await k).res.destroy();
});

/** The step with the all-pairs decoder (rows and total). */
async function composedExactStep(s: Setup) {
  const { ipl } = await decoderFor(s.variant);
  const label = `vgae step ${s.kind} ${s.features} features [${s.variant}]`;
  return composedStep(s, { n: N, f: F, hidden: H, latent: L }, label, async (d) => (await ipl.build('decoder', {
    z: d.z, labels: d.labels, klRows: d.klRows, dz: d.dz, out: d.out, n: N, latent: L, posWeight: d.graph.posWeight, norm: d.graph.norm,
  })).all);
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
      const { graph, X, params, epsGot, got, dispatches } = await composedExactStep(s);
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
      expectStepMatches(tag, got, fwd, grads, sizes, s.kind);
    });
  }
});
