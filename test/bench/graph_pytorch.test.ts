// The benchmark's comparison of the graph VAE with its PyTorch column (bench/lib/graph_pytorch.ts)
// on a tiny graph with a stand-in for Python: the record's shape, the rounds, the ratios, each
// dispatch of the step timed, the split handed to the script; and the scripts' `--split`
// reader (bench/pytorch/vgae_reference.py, load_split) mapping that split onto its own node
// order. No timing is asserted.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stochasticBlockModel } from '../../src/graph/generate.js';
import { identityFeatures, type Graph } from '../../src/graph/graph.js';
import { prepareGraph } from '../../src/graph/graph_task.js';
import { splitFile, versusPytorch, type VersusCase, type VersusRecord } from '../../bench/lib/graph_pytorch.js';
import { DispatchTimer } from '../../bench/lib/timing.js';
import { pythonHas, PYTHON } from '../util/data_files.js';
import { ROOT } from '../util/python.js';
import { testGpu } from '../util/gpu.js';

/** 48 nodes in 3 blocks, 150 edges; ids that are not the indices, so a mapping by position would fail. */
function tinyGraph(): Graph {
  const n = 48;
  const g = stochasticBlockModel({ nodes: n, edges: 150, blocks: 3, seed: 4 });
  return {
    ids: Array.from({ length: n }, (_, i) => `p${(i * 7) % n}`), n, features: identityFeatures(n), labels: Int32Array.from(g.block),
    classNames: ['0', '1', '2'], edges: g.edges, dropped: { duplicates: 0, selfLoops: 0, unknownIds: 0 },
  };
}

const tinyCase = (graph: Graph): VersusCase => ({
  name: 'tiny, sampled', graph, data: 'data/tiny', features: 'none', decoder: 'sampled', negatives: 2, script: 'vgae_sampled.py', scriptArgs: ['--seeds', '1'],
});

describe('graph VAE against PyTorch (bench)', () => {
  it('interleaves ours and the script in rounds on our split, with ratios, load and CPU time, and times each dispatch of our step', { timeout: 120_000 }, async () => {
    const { device } = await testGpu();
    const graph = tinyGraph();
    const calls: { script: string; args: string[]; split: string }[] = [];
    let cpu = 0;
    let load = 0;
    const timer = new DispatchTimer(device, true);
    let rec: VersusRecord;
    try {
      rec = await versusPytorch(device, tinyCase(graph), {
        rounds: 2, epochs: 3, log: () => {},
        // The stand-in's epoch is 50 ms of wall clock and 0.08 s of CPU.
        python: async (script, args, split) => (calls.push({ script, args, split }), [{ note: 'a line without a result' }, { s_per_epoch: 0.05, s_per_epoch_median: 0.04, cpu_s_per_epoch: 0.08, torch: 'stand-in', threads: 2, final_loss: 1.5 }]),
        // Each call advances the clock by 0.3 s of CPU: a round's two calls frame 3 epochs, 0.1 s each.
        host: { loadAverage: async () => [++load, 0, 0], cpuSeconds: async () => (cpu += 0.3), cpuScope: 'test' },
        kernels: { timer, budget: { sampleMs: 2, samples: 1, maxReps: 2 } },
      });
    } finally {
      timer.destroy();
    }
    expect(calls.map((c) => [c.script, c.args])).toEqual([
      ['vgae_sampled.py', ['data/tiny', '--seeds', '1', '--epochs', '3']],
      ['vgae_sampled.py', ['data/tiny', '--seeds', '1', '--epochs', '3']],
    ]);
    const prep = prepareGraph(graph, { seed: 1, valFraction: 0.05, testFraction: 0.1, features: 'none' });
    expect(calls[0].split).toBe(splitFile(graph, prep.split));
    expect(rec.rounds.map((r) => r.load_average[0])).toEqual([1, 2]);
    expect(rec.rounds.every((r) => r.ours_ms_per_epoch > 0 && Math.abs(r.ours_cpu_s_per_epoch! - 0.1) < 1e-9 && r.pytorch_ms_per_epoch === 50)).toBe(true);
    expect(rec).toMatchObject({ case: 'tiny, sampled', nodes: 48, train_edges: prep.record.trainEdges, decoder: 'sampled', negatives: 2, epochs_per_round: 3, pytorch_ms_per_epoch: 50, pytorch_cpu_s_per_epoch: 0.08, cpu_scope: 'test' });
    expect(rec.pytorch).toEqual({ command: '/usr/bin/python3 bench/pytorch/vgae_sampled.py data/tiny --seeds 1 --epochs 3 --split FILE', torch: 'stand-in', threads: 2, final_loss: 1.5 });
    expect(rec.ratio).toBeCloseTo(50 / rec.ours_ms_per_epoch, 12);
    expect(rec.cpu_ratio).toBeCloseTo(0.8, 12);
    expect(Number.isFinite(rec.first_loss) && Number.isFinite(rec.last_loss)).toBe(true);
    // Every dispatch of the step, by segment, in the step's order.
    expect(rec.kernels).toHaveLength(rec.dispatches_per_epoch);
    expect([...new Set(rec.kernels.map((k) => k.layer))]).toEqual(['encoder', 'sample', 'loss', 'backward', 'optimizer']);
    expect(rec.kernels.every((k) => k.ms > 0)).toBe(true);
    // CPU time per copy: two reads 0.3 s apart around reps x samples copies.
    expect(rec.kernels.every((k) => Math.abs(k.cpu_ms! - 300 / (k.reps * k.samples)) < 1e-9)).toBe(true);
    expect(JSON.parse(JSON.stringify(rec))).toEqual(rec);
  });

  it('records a failing script and goes on with ours', { timeout: 60_000 }, async () => {
    const { device } = await testGpu();
    const rec = await versusPytorch(device, tinyCase(tinyGraph()), {
      rounds: 1, epochs: 1, log: () => {}, kernels: null, host: { loadAverage: async () => [] },
      python: async () => Promise.reject(new Error('no torch here')),
    });
    expect(rec.pytorch).toEqual({ error: 'no torch here' });
    expect(rec.rounds[0].pytorch_error).toBe('no torch here');
    expect(rec.ratio).toBeUndefined();
    expect(rec.ours_ms_per_epoch).toBeGreaterThan(0);
  });

  it.skipIf(!pythonHas('torch') && !process.env.CI)("the scripts' --split reader maps our split onto their node order by id", { timeout: 120_000 }, () => {
    const graph = tinyGraph();
    const prep = prepareGraph(graph, { seed: 1, valFraction: 0.05, testFraction: 0.1, features: 'none' });
    const dir = mkdtempSync(join(tmpdir(), 'split-'));
    try {
      const file = join(dir, 'split.json');
      writeFileSync(file, splitFile(graph, prep.split));
      // The script's own node order: the ids reversed.
      const theirs = [...graph.ids].reverse();
      const script = 'import json, sys; sys.path.insert(0, "bench/pytorch"); from vgae_reference import load_split; ' +
        'print(json.dumps([p.tolist() for p in load_split(sys.argv[1], json.loads(sys.argv[2]))]))';
      const got = JSON.parse(execFileSync(PYTHON, ['-c', script, file, JSON.stringify(theirs)], { cwd: ROOT }).toString()) as number[][][];
      const want = [prep.split.train, prep.split.valPos, prep.split.valNeg, prep.split.testPos, prep.split.testNeg].map((flat) => {
        const pairs: number[][] = [];
        for (let e = 0; e < flat.length; e += 2) pairs.push([theirs.indexOf(graph.ids[flat[e]]), theirs.indexOf(graph.ids[flat[e + 1]])]);
        return pairs;
      });
      expect(got).toEqual(want);
      // Another graph's nodes are refused in one line.
      const other = JSON.stringify(theirs.map((id) => `${id}x`));
      expect(() => execFileSync(PYTHON, ['-c', script, file, other], { cwd: ROOT, stdio: 'pipe' })).toThrow(/the split's 48 nodes are not this graph's 48/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
