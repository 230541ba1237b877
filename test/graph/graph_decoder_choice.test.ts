// The decoder as a training setting of GraphVae: `auto` picks the exact decoder up to 10,000 nodes
// and the sampled one above; `sampled` trains with PyTorch Geometric's recon_loss, whose first
// step's record (loss, recon, kl) equals the float64 reference given the epoch's negatives (the
// CPU sampler's draw for the model's seed and step, equal to the GPU's); the choice travels
// through checkpoints' metadata; a graph too large for the device is refused before allocation.
import { describe, expect, it } from 'vitest';
import { graphFingerprint, loadGraphCheckpoint, saveGraphCheckpoint } from '../../src/checkpoint/graph_checkpoint.js';
import { graphAdjacency } from '../../src/graph/adjacency.js';
import { identityFeatures } from '../../src/graph/graph.js';
import { AUTO_EXACT_NODES, chooseDecoder, decoderText, GraphVae } from '../../src/graph/graph_vae.js';
import { negativeLayout, negativePairs, negativeScale } from '../../src/graph/negative_sampler.js';
import { sampledVgaeForward } from '../../src/reference/sampled_decoder.js';
import type { VgaeParams } from '../../src/reference/vgae.js';
import { expectClose } from '../util/compare.js';
import { testGpu } from '../util/gpu.js';
import { edgesOf } from '../util/vgae_step.js';

const [N, H, L] = [53, 7, 4];
const EDGES = edgesOf(N, 6, 5);

/** W0 and the head's halves of a model's parameters, in float64. */
function toRef(p: Map<string, Float32Array>): VgaeParams {
  const head = p.get('head.weight')!;
  const half = (from: number) => Float64Array.from({ length: H * L }, (_, i) => head[Math.floor(i / L) * 2 * L + from + (i % L)]);
  return { w0: Float64Array.from(p.get('conv1.weight')!), wMu: half(0), wSigma: half(L) };
}

describe('the graph decoder, a training setting', () => {
  it('auto: exact up to 10,000 nodes, sampled above; the choice said in words', () => {
    expect(chooseDecoder(AUTO_EXACT_NODES)).toEqual({ kind: 'exact', negatives: 0, automatic: true });
    expect(chooseDecoder(AUTO_EXACT_NODES + 1)).toEqual({ kind: 'sampled', negatives: 1, automatic: true });
    expect(chooseDecoder(19_717, 'auto', 3)).toEqual({ kind: 'sampled', negatives: 3, automatic: true });
    expect(chooseDecoder(100, 'sampled', 2)).toEqual({ kind: 'sampled', negatives: 2, automatic: false });
    expect(decoderText(chooseDecoder(19_717), 19_717)).toBe('sampled (K = 1, chosen automatically: 19717 nodes > 10000)');
    expect(decoderText(chooseDecoder(2708), 2708)).toBe('exact (every pair, chosen automatically: 2708 nodes <= 10000)');
  });

  it('sampled: the first step\'s loss record equals the reference on the epoch\'s negatives; 14 dispatches; the choice in the checkpoint', async () => {
    const { device } = await testGpu();
    const seed = 11;
    const model = await GraphVae.create({ device, graph: { n: N, features: null, trainEdges: EDGES }, hidden: H, latent: L, seed, decoder: 'sampled', negatives: 2 });
    try {
      expect(model.decoder).toEqual({ kind: 'sampled', negatives: 2, automatic: false });
      // Identity features: conv1 1, head 2, sample 1, the decoder's keys, rows and total 3, backward 5, optimizer 2.
      expect(model.dispatchesPerStep).toBe(14);
      const p0 = toRef(await model.readParameters());
      await model.step();
      const [rec] = await model.losses();
      const eps = Float64Array.from(await model.readNoise());
      const a = graphAdjacency(N, EDGES);
      const layout = negativeLayout(N, EDGES.length / 2, 2);
      const neg = { pairs: negativePairs(seed, 1, layout), scale: negativeScale(layout, a.adj.rowPtr[N]) };
      const g = { adj: a.adj, labels: a.adj, features: identityFeatures(N), posWeight: a.posWeight, norm: a.norm };
      const fwd = sampledVgaeForward(p0, g, { n: N, f: N, hidden: H, latent: L }, eps, 'vgae', neg);
      // f32 sums over E + M pairs and N nodes: 1e-5 relative, as the exact decoder's record.
      expectClose('sampled (loss, recon, kl)', [rec.loss, rec.recon, rec.kl], [fwd.loss, fwd.recon, fwd.kl], 1e-6, 1e-5);
      const split = { seed: 1, valFraction: 0, testFraction: 0, edges: EDGES.length / 2, trainEdges: EDGES.length / 2, valEdges: 0, testEdges: 0, fingerprint: graphFingerprint({ n: N, edges: EDGES }) };
      const bytes = saveGraphCheckpoint(await model.readParameters(), { config: model.config, seed, step: 1, split, decoder: model.decoder });
      expect(loadGraphCheckpoint(bytes, 'g.safetensors').info.decoder).toEqual({ kind: 'sampled', negatives: 2, automatic: false });
    } finally {
      model.destroy();
    }
  });

  it('a graph whose buffers pass the device\'s limits is refused in one line before any allocation', async () => {
    const { device } = await testGpu();
    // Featureless, with more nodes than the device's binding limit holds rows of the first layer's
    // weight (32 floats each): that weight alone does not fit.
    const n = Math.ceil(device.limits.maxStorageBufferBindingSize / 128) + 1000;
    const made: number[] = [];
    const d = device as GPUDevice & Record<string, unknown>;
    const orig = d.createBuffer;
    d.createBuffer = (desc: GPUBufferDescriptor) => (made.push(desc.size), orig.call(device, desc));
    try {
      const err = await GraphVae.create({ device, graph: { n, features: null, trainEdges: Uint32Array.from([0, 1, 1, 2]) }, hidden: 32, latent: 16 }).then(() => null, (e: Error) => e);
      expect(err?.message).toMatch(new RegExp(`^graph memory: parameters \\(arena: W0 ${n} x 32 and W_head 32 x 32\\) needs \\d+ bytes \\([\\d.]+ MiB\\), more than this device's max(StorageBufferBinding|Buffer)Size of \\d+`));
      expect(err?.message.includes('\n')).toBe(false);
    } finally {
      d.createBuffer = orig;
    }
    expect(made, 'buffers made before the refusal').toEqual([]);
  });
});
