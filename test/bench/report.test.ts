// The benchmark suite's JSON document on a tiny model: every field present and of the right
// kind, kernels validated, and the step loop's call counts. No timing is asserted.
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { runSuite } from '../../bench/lib/suite.js';
import { formatTable } from '../../bench/lib/report.js';
import { adapterRecord, deviceAdapterInfo } from '../../bench/lib/adapter.js';
import { testGpu } from '../util/gpu.js';

/** 24 seeded 4x4 "images". */
function tinyData(): Dataset {
  const images = new Uint8Array(24 * 16);
  for (let i = 0; i < images.length; i++) images[i] = (i * 37 + 11) % 256;
  return { name: 'tiny', count: 24, rows: 4, cols: 4, images, labels: null };
}

describe('bench suite report', () => {
  it('has the documented shape on a tiny model', async () => {
    const { adapter, device } = await testGpu();
    const lines: string[] = [];
    const report = await runSuite(
      {
        runner: 'node', runtime: 'vitest', device, adapter: adapterRecord(adapter, device), adapterInfo: deviceAdapterInfo(device),
        train: tinyData(), log: (s) => lines.push(`${(performance.now() / 1000).toFixed(2)} ${s}`),
        baselines: { fake: async () => ({ framework: 'fake', ms_per_step: 1 }), broken: async () => { throw new Error('not installed'); } },
        convBaselines: { fake: async () => ({ framework: 'fake', ms_per_step: 2 }) },
      },
      // One GEMM variant: compiling the tiled one on SwiftShader alone takes about 20 s.
      {
        model: { inputSize: 16, hidden: [8], latent: 2 }, batch: 4, stepBatches: [4, 8], quick: true, variants: ['register'],
        convModel: { channels: [3, 2], dense: 4 }, convBatches: [4],
      },
    );
    if (process.env.BENCH_TEST_LOG) console.log(lines.join("\n"));
    expect(report.model).toBe('16-8-2');
    expect(typeof report.adapter.architecture).toBe('string');
    expect(['register', 'tiled']).toContain(report.gemm_variant.picked);
    // 4 layers: forward and backward_weight each, backward_input for 3; then 5 other kernels.
    expect(report.kernels).toHaveLength(11 + 5);
    for (const k of report.kernels) {
      expect(k.ms).toBeGreaterThan(0);
      expect(k.gflops ?? k.gbps).toBeGreaterThan(0);
      expect(Number.isFinite(k.max_abs_err)).toBe(true);
    }
    expect(report.kernels.filter((k) => k.gflops !== undefined && k.picked).every((k) => k.variant === report.gemm_variant.picked)).toBe(true);
    expect(report.steps.map((s) => s.batch)).toEqual([4, 8]);
    for (const s of report.steps) {
      expect(s.model).toBe('16-8-2');
      expect(s.ms_per_step).toBeGreaterThan(0);
      expect(s.submits_per_step).toBe(1);
      expect(s.dispatches_per_step).toBeLessThanOrEqual(20);
      expect(s.buffers_created_per_step).toBe(0);
      expect(s.bind_groups_created_per_step).toBe(0);
    }
    expect(report.epoch && 'steps' in report.epoch ? report.epoch.steps : 0).toBe(6);
    expect(report.baselines.fake.ratio).toBeCloseTo(1 / report.baselines.fake.ours_ms_per_step!, 9);
    expect(report.baselines.broken).toEqual({ framework: 'broken', error: 'not installed' });
    // The conv VAE on the 4x4 images: 2 convolutions (forward, weight gradient, input gradient
    // but for the first), 3 transposed ones (all three products).
    const conv = report.conv!;
    expect(conv.model).toBe('1x4x4-conv3-conv2-4-2');
    expect(conv.kernels.map((k) => `${k.layer}.${k.kernel.split('.')[1]}`)).toEqual([
      'enc1.forward', 'enc1.backward_weight', 'enc2.forward', 'enc2.backward_input', 'enc2.backward_weight',
      ...['dec1', 'dec2', 'dec3'].flatMap((l) => [`${l}.forward`, `${l}.backward_input`, `${l}.backward_weight`]),
    ]);
    for (const k of conv.kernels) {
      expect(k.gflops).toBeGreaterThan(0);
      expect(Number.isFinite(k.max_abs_err)).toBe(true);
    }
    expect(conv.steps.map((s) => [s.batch, s.dispatches_per_step, s.submits_per_step, s.buffers_created_per_step])).toEqual([[4, 29, 1, 0]]);
    expect(conv.baselines.fake.ratio).toBeCloseTo(2 / conv.baselines.fake.ours_ms_per_step!, 9);
    expect(report.checks).toEqual({ one_submit_per_step: true, at_most_20_dispatches_per_step: true, no_allocation_per_step: true, no_readback_stall: true });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(formatTable(report)).toContain('linear.forward');
    expect(formatTable(report)).toContain('conv_transpose2d.backward_weight');
  });
});
