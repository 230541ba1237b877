/**
 * The graph VAE against its PyTorch column, in the same run: our epochs and the PyTorch
 * script's (bench/pytorch/) on the same graph and the same split, interleaved in rounds so that
 * the load other work puts on the machine falls on both alike, with the load average and the
 * CPU time beside each round; then each dispatch of our step timed alone.
 *
 * - Ours: a GraphVae of the case's decoder trains one warm-up epoch, then each round runs
 *   `epochs` steps back to back, each loss read back (an epoch is one full-graph step); the
 *   step passes get timestamps where the adapter has them (GPU ms).
 * - PyTorch: the runner starts the script with `--split FILE` (our split, written by the runner)
 *   and `--epochs`, and returns its JSON line: seconds per epoch from `zero_grad` to Adam's step
 *   (negative sampling included for the sampled loss), mean and median, and the process's CPU
 *   time per epoch. Its start-up (importing torch, reading the data) is not counted, nor is
 *   ours (building the model).
 * - CPU time: where the runner can measure ours (Node: the process, which runs SwiftShader's
 *   threads; the browser: every process of Chromium's, read by the launcher), CPU seconds per
 *   epoch of ours beside PyTorch's are the steadier comparison on a loaded machine.
 */
import type { Graph } from '../../src/graph/graph.js';
import { GraphVae } from '../../src/graph/graph_vae.js';
import { GRAPH_TRAIN_STEP } from '../../src/graph/graph_network.js';
import { prepareGraph } from '../../src/graph/graph_task.js';
import type { EdgeSplit } from '../../src/graph/split.js';
import type { Dispatch } from '../../src/gpu/resources.js';
import type { Segments } from '../../src/gpu/segments.js';
import type { KernelRecord } from './report.js';
import { countCalls } from './steps.js';
import type { DispatchTimer, TimingBudget } from './timing.js';

/**
 * Runs `bench/pytorch/<script>` with `args` and `--split FILE` (the file holding `split`, see
 * splitFile), and resolves to its JSON lines. The Node runner spawns Python; the page asks its
 * launcher. Rejects with the script's error output when it fails.
 */
export type PythonRunner = (script: string, args: string[], split: string) => Promise<Record<string, unknown>[]>;

/** What the runner can tell about the host. */
export interface HostProbe {
  /** The machine's load average (1, 5, 15 minutes). */
  loadAverage: () => Promise<number[]>;
  /** CPU seconds used so far by what runs our GPU work (absent: not measurable here). */
  cpuSeconds?: () => Promise<number>;
  /** What cpuSeconds counts, for the report. */
  cpuScope?: string;
}

/** One comparison: the graph, our decoder, and the PyTorch script that matches it. */
export interface VersusCase {
  name: string;
  graph: Graph;
  /** The graph's folder as the PyTorch script reads it (relative to the repository root). */
  data: string;
  features: 'data' | 'none';
  decoder: 'exact' | 'sampled';
  /** K of the sampled decoder (ignored by the exact one). */
  negatives: number;
  /** A script of bench/pytorch/ and its arguments after the data folder (`--epochs` and `--split` are added). */
  script: string;
  scriptArgs: string[];
}

/** How much to run. */
export interface VersusOptions {
  rounds: number;
  /** Epochs of each runtime per round. */
  epochs: number;
  python: PythonRunner | null;
  host: HostProbe;
  /** Time each dispatch of our step alone (with this timer and budget); null: skip. */
  kernels: { timer: DispatchTimer; budget: TimingBudget } | null;
  log: (s: string) => void;
}

/** One round: our epochs, then PyTorch's. */
export interface VersusRound {
  load_average: number[];
  ours_ms_per_epoch: number;
  ours_gpu_ms_per_epoch?: number;
  ours_cpu_s_per_epoch?: number;
  pytorch_ms_per_epoch?: number;
  pytorch_median_ms_per_epoch?: number;
  pytorch_cpu_s_per_epoch?: number;
  pytorch_error?: string;
}

/** A comparison's record in the report (graph.versus_pytorch[]). */
export interface VersusRecord {
  case: string;
  nodes: number;
  train_edges: number;
  features: number;
  model: string;
  decoder: string;
  negatives: number;
  variant: string;
  dispatches_per_epoch: number;
  epochs_per_round: number;
  rounds: VersusRound[];
  /** Medians over the rounds. */
  ours_ms_per_epoch: number;
  ours_cpu_s_per_epoch?: number;
  pytorch_ms_per_epoch?: number;
  pytorch_cpu_s_per_epoch?: number;
  /** pytorch_ms_per_epoch / ours_ms_per_epoch: above 1 means ours is faster. */
  ratio?: number;
  /** The same on CPU seconds per epoch. */
  cpu_ratio?: number;
  cpu_scope: string;
  first_loss: number;
  last_loss: number;
  pytorch: { command: string; torch?: string; threads?: number; final_loss?: number } | { error: string };
  /** Each dispatch of our step alone (the model's own, as built): `layer` is its segment. */
  kernels: KernelRecord[];
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const flat = (a: Uint32Array) => Array.from(a);

/**
 * The split as the PyTorch scripts' `--split` reads it (bench/pytorch/vgae_reference.py,
 * load_split): the node ids in our order and the pairs as indices into them.
 */
export function splitFile(graph: Pick<Graph, 'ids'>, split: EdgeSplit): string {
  return JSON.stringify({
    ids: graph.ids, train: flat(split.train), val: flat(split.valPos), val_neg: flat(split.valNeg), test: flat(split.testPos), test_neg: flat(split.testNeg),
  });
}

/**
 * The prepared segments of a model's training step. The Scheduler is internal to the runtime;
 * the benchmark reads it to time the model's own dispatches, each found by its segment's name.
 */
function stepSegments(model: GraphVae): Segments {
  return (model as unknown as { sched: { segments: Segments } }).sched.segments;
}

/**
 * Each dispatch of the model's training step timed alone; `layer` is its segment's name. With
 * `cpuSeconds`, also the CPU time of as many copies as the timed samples ran (`cpu_ms` per copy):
 * on a software adapter the cores' work, which the machine's load inflates far less than the
 * clock the timestamps read.
 */
async function timeStepDispatches(
  model: GraphVae, segments: readonly string[], timer: DispatchTimer, budget: TimingBudget, cpuSeconds: (() => Promise<number>) | undefined, log: (s: string) => void,
): Promise<KernelRecord[]> {
  const s = stepSegments(model);
  const out: KernelRecord[] = [];
  for (const name of segments) {
    for (const d of s.get(name) as readonly Dispatch[]) {
      const t = await timer.time([d], budget);
      const rec: KernelRecord = { kernel: d.label, layer: name, variant: model.variant, picked: true, shape: `${d.workgroups.join('x')} workgroups`, ms: t.ms, timing: t.method, reps: t.reps, samples: t.samples, max_abs_err: 0 };
      if (t.quantized !== undefined) rec.quantized = t.quantized;
      if (cpuSeconds) {
        const copies = t.reps * t.samples;
        const c0 = await cpuSeconds();
        await timer.run([d], copies);
        rec.cpu_ms = (1000 * ((await cpuSeconds()) - c0)) / copies;
      }
      out.push(rec);
      log(`    ${name.padEnd(10)} ${d.label.padEnd(40)} ${t.ms.toFixed(3).padStart(10)} ms${rec.cpu_ms !== undefined ? `, CPU ${rec.cpu_ms.toFixed(3)} ms` : ''}`);
    }
  }
  return out;
}

/** Ours and PyTorch on one case, interleaved in rounds; then our step's dispatches one by one. */
export async function versusPytorch(device: GPUDevice, c: VersusCase, o: VersusOptions): Promise<VersusRecord> {
  const { log, host } = o;
  const prep = prepareGraph(c.graph, { seed: 1, valFraction: 0.05, testFraction: 0.1, features: c.features });
  const split = splitFile(c.graph, prep.split);
  const model = await GraphVae.create({ device, graph: prep.input, seed: 1, decoder: c.decoder, ...(c.decoder === 'sampled' ? { negatives: c.negatives } : {}) });
  const args = [c.data, ...c.scriptArgs, '--epochs', String(o.epochs)];
  const command = `/usr/bin/python3 bench/pytorch/${c.script} ${args.join(' ')} --split FILE`;
  try {
    const decoder = model.decoder;
    log(`  ${c.name}: ${c.graph.n} nodes, ${prep.record.trainEdges} training edges; ours ${decoder.kind}${decoder.kind === 'sampled' ? ` K = ${decoder.negatives}` : ''} (${model.variant}), ${model.dispatchesPerStep} dispatches per epoch; ${o.rounds} rounds of ${o.epochs} epochs each, ours then PyTorch`);
    await model.step();
    const first = (await model.losses())[0].loss;
    let last = first;
    const rounds: VersusRound[] = [];
    let pytorch: VersusRecord['pytorch'] = o.python ? { command } : { error: 'no Python runner here' };
    for (let r = 0; r < o.rounds; r++) {
      const round: VersusRound = { load_average: await host.loadAverage(), ours_ms_per_epoch: 0 };
      const cpu0 = host.cpuSeconds ? await host.cpuSeconds() : undefined;
      const { ms, gpuMs, result } = await countCalls(device, o.epochs, async () => {
        let l = last;
        for (let i = 0; i < o.epochs; i++) {
          await model.step();
          l = (await model.losses()).at(-1)!.loss;
        }
        return l;
      });
      last = result;
      round.ours_ms_per_epoch = ms;
      if (gpuMs !== undefined) round.ours_gpu_ms_per_epoch = gpuMs;
      if (cpu0 !== undefined) round.ours_cpu_s_per_epoch = ((await host.cpuSeconds!()) - cpu0) / o.epochs;
      if (o.python) {
        try {
          const lines = await o.python(c.script, args, split);
          const j = lines.find((l) => typeof l.s_per_epoch === 'number');
          if (!j) throw new Error(`no result line in the script's output: ${JSON.stringify(lines).slice(0, 300)}`);
          round.pytorch_ms_per_epoch = 1000 * (j.s_per_epoch as number);
          round.pytorch_median_ms_per_epoch = 1000 * (j.s_per_epoch_median as number);
          round.pytorch_cpu_s_per_epoch = j.cpu_s_per_epoch as number;
          pytorch = { command, torch: j.torch as string, threads: j.threads as number, final_loss: j.final_loss as number };
        } catch (e) {
          round.pytorch_error = (e as Error).message;
          pytorch = { error: round.pytorch_error };
        }
      }
      rounds.push(round);
      const cpu = (v?: number) => (v === undefined ? '' : `, CPU ${v.toFixed(3)} s`);
      const theirs = round.pytorch_ms_per_epoch === undefined ? (round.pytorch_error ? `PyTorch: error: ${round.pytorch_error}` : '') : `PyTorch ${round.pytorch_ms_per_epoch.toFixed(1)} ms/epoch (median ${round.pytorch_median_ms_per_epoch!.toFixed(1)})${cpu(round.pytorch_cpu_s_per_epoch)}`;
      log(`    round ${r + 1} (load ${round.load_average.map((x) => x.toFixed(1)).join(' ')}): ours ${ms.toFixed(1)} ms/epoch${gpuMs !== undefined ? ` (GPU ${gpuMs.toFixed(1)})` : ''}${cpu(round.ours_cpu_s_per_epoch)}; ${theirs}`);
    }
    const pick = (f: (r: VersusRound) => number | undefined) => {
      const v = rounds.map(f).filter((x): x is number => x !== undefined);
      return v.length ? median(v) : undefined;
    };
    const rec: VersusRecord = {
      case: c.name, nodes: c.graph.n, train_edges: prep.record.trainEdges, features: c.features === 'none' ? c.graph.n : c.graph.features.cols, model: 'vgae', decoder: decoder.kind,
      negatives: decoder.negatives, variant: model.variant, dispatches_per_epoch: model.dispatchesPerStep, epochs_per_round: o.epochs, rounds,
      ours_ms_per_epoch: pick((r) => r.ours_ms_per_epoch)!, cpu_scope: host.cpuSeconds ? (host.cpuScope ?? 'process') : 'not measured here', first_loss: first, last_loss: last, pytorch, kernels: [],
    };
    const optional = {
      ours_cpu_s_per_epoch: pick((r) => r.ours_cpu_s_per_epoch), pytorch_ms_per_epoch: pick((r) => r.pytorch_ms_per_epoch), pytorch_cpu_s_per_epoch: pick((r) => r.pytorch_cpu_s_per_epoch),
    };
    for (const [k, v] of Object.entries(optional)) if (v !== undefined) (rec as unknown as Record<string, number>)[k] = v;
    if (rec.pytorch_ms_per_epoch !== undefined) rec.ratio = rec.pytorch_ms_per_epoch / rec.ours_ms_per_epoch;
    if (rec.pytorch_cpu_s_per_epoch !== undefined && rec.ours_cpu_s_per_epoch !== undefined) rec.cpu_ratio = rec.pytorch_cpu_s_per_epoch / rec.ours_cpu_s_per_epoch;
    if (rec.ratio !== undefined) log(`  ${c.name}: PyTorch / ours = ${rec.ratio.toFixed(2)}x by wall clock${rec.cpu_ratio !== undefined ? `, ${rec.cpu_ratio.toFixed(2)}x by CPU time` : ''} (medians of ${rounds.length} rounds)`);
    if (o.kernels) {
      log(`  ${c.name}: each dispatch of our step alone (${o.kernels.timer.method})`);
      rec.kernels = await timeStepDispatches(model, GRAPH_TRAIN_STEP, o.kernels.timer, o.kernels.budget, host.cpuSeconds, log);
    }
    return rec;
  } finally {
    model.destroy();
  }
}
