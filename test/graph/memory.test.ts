// The graph VAE's memory plan: its storage buffers are the ones GraphVae.create makes (sizes
// compared one by one), a graph too large for the limits is refused with the numbers before any
// allocation, the exact decoder's partial sums are split to fit, and the identity first layer's
// cost at 250,000 nodes.
import { describe, expect, it } from 'vitest';
import { GraphVae } from '../../src/graph/graph_vae.js';
import { planGraphMemory, type GraphMemoryLimits } from '../../src/graph/memory.js';
import { denseToCsr } from '../../src/graph/adjacency.js';
import { seededUniform } from '../util/data.js';
import { testGpu } from '../util/gpu.js';
import { edgesOf } from '../util/vgae_step.js';

const MIB = 2 ** 20;
/** WebGPU's default limits (what a device gets unless it asks for more). */
const DEFAULT_LIMITS: GraphMemoryLimits = { maxStorageBufferBindingSize: 128 * MIB, maxBufferSize: 256 * MIB };

describe('planGraphMemory', () => {
  for (const features of ['sparse', 'identity'] as const) {
    it(`lists the storage buffers GraphVae.create makes, size for size (${features} features)`, async () => {
      const { device } = await testGpu();
      const [n, f] = [57, 19];
      const edges = edgesOf(n, 4, 5);
      const X = features === 'sparse' ? denseToCsr(seededUniform(n * f, 3, 0, 1).map((v) => (v < 0.3 ? 1 : 0)), n, f) : null;
      const made: number[] = [];
      const d = device as GPUDevice & Record<string, unknown>;
      const orig = d.createBuffer;
      d.createBuffer = (desc: GPUBufferDescriptor) => {
        if (desc.usage & GPUBufferUsage.STORAGE) made.push(desc.size);
        return orig.call(device, desc);
      };
      let model: GraphVae;
      try {
        model = await GraphVae.create({ device, graph: { n, features: X, trainEdges: edges }, hidden: 6, latent: 5, variant: 'register' });
      } finally {
        d.createBuffer = orig;
      }
      model.destroy();
      const plan = planGraphMemory(
        { nodes: n, trainEdges: edges.length / 2, features: X ? { cols: f, nnz: X.rowPtr[n] } : null, hidden: 6, latent: 5, decoder: { kind: 'exact', variant: 'register' }, alignBytes: device.limits.minStorageBufferOffsetAlignment },
        device.limits,
      );
      const planned = plan.buffers.filter((b) => b.binding && !b.transient).map((b) => b.bytes);
      const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
      expect(sorted(made), plan.buffers.map((b) => `${b.name} ${b.bytes}`).join('; ')).toEqual(sorted(planned));
    });
  }

  it('refuses a graph whose identity weight passes the binding limit, before any allocation, in one line with the numbers', () => {
    const input = { nodes: 1_100_000, trainEdges: 5_000_000, features: null, hidden: 32, latent: 16, decoder: { kind: 'sampled', negatives: 1 } } as const;
    expect(() => planGraphMemory(input, DEFAULT_LIMITS)).toThrow(
      'graph memory: parameters (arena: W0 1100000 x 32 and W_head 32 x 32) needs 140804096 bytes (134.3 MiB), more than this device\'s maxStorageBufferBindingSize of 134217728 (128.0 MiB) (Adam binds each arena whole)',
    );
    // With a larger binding limit, the guard's one-buffer snapshot of three arenas hits maxBufferSize.
    expect(() => planGraphMemory(input, { maxStorageBufferBindingSize: 256 * MIB, maxBufferSize: 256 * MIB })).toThrow(
      'graph memory: snapshot staging (parameters, adam.m, adam.v) needs 422412288 bytes (402.8 MiB), more than this device\'s maxBufferSize of 268435456 (256.0 MiB) (the divergence guard copies the three arenas in one readback)',
    );
  });

  it('splits the exact decoder\'s partial gradients into fewer chunks to fit, and says so', () => {
    const plan = planGraphMemory(
      { nodes: 20_000, trainEdges: 40_000, features: null, hidden: 32, latent: 16, decoder: { kind: 'exact', variant: 'tiled' } },
      { maxStorageBufferBindingSize: 16 * MIB, maxBufferSize: 256 * MIB },
    );
    expect(plan.splits).toEqual(['exact decoder: 32 chunks of partial gradients need 39.1 MiB; 13 fit this device\'s storage binding limit of 16.0 MiB']);
    expect(plan.decoder).toEqual({ kind: 'exact', variant: 'tiled', chunks: 13 });
    const partials = plan.buffers.find((b) => b.name.startsWith('decoder gradient partials'))!;
    expect(partials.bytes).toBeLessThanOrEqual(16 * MIB);
    expect(plan.buffers.every((b) => !b.binding || b.bytes <= 16 * MIB)).toBe(true);
  });

  it("costs 250,000 featureless nodes (ogbl-collab's size) 128 MB of first-layer weight in four arenas, everything O(N d + E)", () => {
    const plan = planGraphMemory({ nodes: 250_000, trainEdges: 1_250_000, features: null, hidden: 32, latent: 16, decoder: { kind: 'sampled', negatives: 1 } }, DEFAULT_LIMITS);
    expect(plan.firstLayerBytes).toBe(4 * 250_000 * 32 * 4);
    expect(plan.largest.name).toBe('parameters (arena: W0 250000 x 32 and W_head 32 x 32)');
    expect(plan.splits).toEqual([]);
    // Arenas 4 x 32 MB, four N x 32 activations and two N x 32 heads (32 MB each), three N x 16
    // (16 MB each), Â and the labels 35 MB, the rest small: about 405 MB held, and the
    // snapshot's 96 MB readback every epoch.
    expect(plan.heldBytes).toBeGreaterThan(400e6);
    expect(plan.heldBytes).toBeLessThan(410e6);
    expect(plan.transientBytes).toBe(3 * (250_000 * 32 + 32 * 32) * 4);
    // Doubling N and E doubles the memory, to within the fixed rings and uniforms.
    const twice = planGraphMemory({ nodes: 500_000, trainEdges: 2_500_000, features: null, hidden: 32, latent: 16, decoder: { kind: 'sampled', negatives: 1 } }, { maxStorageBufferBindingSize: 1024 * MIB, maxBufferSize: 1024 * MIB });
    expect(Math.abs(twice.heldBytes / plan.heldBytes - 2)).toBeLessThan(0.01);
  });
});
