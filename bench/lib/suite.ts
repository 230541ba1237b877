/**
 * The benchmark suite, the same in the browser page and under Node: kernels (validated, then
 * timed), training steps at several batch sizes, one epoch, and the baselines the runner
 * supplies. Returns the JSON document of report.ts.
 */
import { resolveConfig, type VaeConfig } from '../../src/config.js';
import type { Dataset } from '../../src/data/dataset.js';
import type { LinearVariant } from '../../src/kernels/linear.js';
import { pickLinearVariant } from '../../src/vae/vae.js';
import { configName } from '../../src/checkpoint/checkpoint.js';
import { benchConvKernels } from './conv_kernels.js';
import { benchGemms, benchMemoryBound, gemmCases } from './kernels.js';
import type { AdapterRecord, BaselineRecord, BenchReport, ConvSection, EpochRecord, KernelRecord, StepRecord } from './report.js';
import { benchEpoch, benchSteps, modelName, READBACK_EVERY, sampleBatches, type StepBudget } from './steps.js';
import { DispatchTimer, type TimingBudget } from './timing.js';
import type { Graph } from '../../src/graph/graph.js';
import { runGraphBench, type GraphBenchOptions, type GraphBenchRecord } from './graph.js';
import type { HostProbe, PythonRunner } from './graph_pytorch.js';

/** What to run, and how long to spend. */
export interface SuiteOptions {
  /** Model sizes (batch aside); default the reference model 784-400-20. */
  model?: Partial<Omit<VaeConfig, 'batch'>>;
  /** Batch of the kernel shapes, the epoch and the baselines. Default 128. */
  batch?: number;
  /** Batch sizes of the step benchmark. Default 32, 128, 512. */
  stepBatches?: number[];
  /** GEMM variants to time. Default both; the picked one is marked. */
  variants?: LinearVariant[];
  kernels?: boolean;
  epoch?: boolean;
  /** Short runs for quick iteration (and the shape test). */
  quick?: boolean;
  /** Whether to use timestamp queries when the device has them. Default true. */
  timestamps?: boolean;
  /** The graph VAE on Cora (kernels, epochs). Default true when the runner supplies Cora. */
  graph?: boolean;
  /** Only the graph VAE: no MLP kernels, steps, epoch or baselines. */
  graphOnly?: boolean;
  /** Nodes of the synthetic stochastic block model (0: none). Default 20,000 (0 with `quick`). */
  sbm?: number;
  /** Epochs of the SBM timed. Default 2. */
  sbmEpochs?: number;
  /** Cora epochs timed (back to back, and through the trainer). Default 10 (3 with `quick`). */
  graphEpochs?: number;
  /** The SBM's decoder. Default auto (sampled above 10,000 nodes). */
  sbmDecoder?: 'auto' | 'exact' | 'sampled';
  /** Ours against PyTorch (graph_pytorch.ts): which cases (default both, where the runner supplies the data). */
  versus?: ('cora' | 'pubmed')[];
  /** Rounds of each comparison (0: none). Default 3 (1 with `quick`). */
  versusRounds?: number;
  /** Epochs of each runtime per round. Default 20 (3 with `quick`). */
  versusEpochs?: number;
  /** Which models run: the MLP above, the convolutional VAE below. Default both. */
  archs?: ('mlp' | 'conv')[];
  /** The conv VAE's sizes (batch aside); default keras-io's (channels 32, 64, dense 16, latent 2). */
  convModel?: Partial<Omit<VaeConfig, 'batch' | 'arch'>>;
  /** Batch sizes of the conv step benchmark. Default 32, 128. */
  convBatches?: number[];
}

/** A baseline run by the runner: given our ms per step at the baseline's batch. */
export type BaselineRunner = (ctx: { batches: Float32Array[]; batch: number; cfg: VaeConfig; log: (s: string) => void }) => Promise<BaselineRecord>;

/** Everything the suite needs from its runner. */
export interface SuiteEnv {
  runner: 'browser' | 'node';
  runtime: string;
  device: GPUDevice;
  adapter: AdapterRecord;
  /** The adapter info the runtime's variant choice reads (device.adapterInfo where present). */
  adapterInfo: GPUAdapterInfo | undefined;
  train: Dataset;
  /** The embedded Cora, for the graph VAE's part (none: that part is skipped). */
  cora?: Graph;
  /** PubMed (data/pubmed), for the sampled decoder against PyTorch (none: that case is skipped). */
  pubmed?: Graph;
  /** Runs the PyTorch scripts of bench/pytorch/ (none: ours alone in the comparisons). */
  python?: PythonRunner;
  /** The load average, and CPU time where the runner can read it. */
  host?: HostProbe;
  baselines: Record<string, BaselineRunner>;
  /** The same conv VAE in other frameworks (given the conv configuration in ctx.cfg). */
  convBaselines?: Record<string, BaselineRunner>;
  log: (s: string) => void;
}

/** Runs everything and returns the report. Kernel validation failures throw. */
export async function runSuite(env: SuiteEnv, opts: SuiteOptions = {}): Promise<BenchReport> {
  const started = performance.now();
  const { device, log } = env;
  const quick = opts.quick ?? false;
  const batch = opts.batch ?? 128;
  const cfg = resolveConfig({ ...opts.model, batch });
  const { batch: _, ...model } = cfg;
  const pixels = env.train.rows * env.train.cols;
  if (pixels !== cfg.inputSize) throw new Error(`model input size ${cfg.inputSize} does not match the data's ${env.train.rows}x${env.train.cols} = ${pixels} pixels`);
  const picked = pickLinearVariant(env.adapterInfo);
  const kernelBudget: TimingBudget = quick ? { sampleMs: 20, samples: 3, maxReps: 50 } : { sampleMs: 250, samples: 3, maxReps: 1000 };
  const stepBudget: StepBudget = quick ? { warmupSteps: 2, seconds: 0.2, minSteps: 3, maxSteps: 20 } : { warmupSteps: 3, seconds: 4, minSteps: 4, maxSteps: 500 };
  const timer = new DispatchTimer(device, opts.timestamps ?? true);
  const archs = opts.graphOnly ? [] : opts.archs ?? ['mlp', 'conv'];
  const mlp = archs.includes('mlp');

  const kernels: KernelRecord[] = [];
  let graph: GraphBenchRecord | { error: string } | null = null;
  try {
    if (mlp && (opts.kernels ?? true)) {
      log(`kernels (${modelName(cfg)}, batch ${batch}; timed by ${timer.method}; validated against the CPU reference first)`);
      const cases = gemmCases(cfg);
      const variants = opts.variants ?? (['register', 'tiled'] as LinearVariant[]);
      // The picked variant first, so its figures exist even if the other one is very slow.
      for (const v of [...variants].sort((a, b) => Number(b === picked) - Number(a === picked))) {
        kernels.push(...(await benchGemms(device, cases, v, v === picked, timer, kernelBudget, log)));
      }
      kernels.push(...(await benchMemoryBound(device, cfg, timer, kernelBudget, log)));
    }
    if ((opts.graph ?? true) && env.cora) {
      try {
        graph = await runGraphBench(device, env.cora, picked, timer, kernelBudget, {
          quick, sbmNodes: opts.sbm ?? (quick ? 0 : 20_000), sbmEpochs: opts.sbmEpochs ?? 2, kernels: opts.kernels ?? true, ...(opts.graphEpochs ? { epochs: opts.graphEpochs } : {}),
          ...(opts.sbmDecoder ? { sbmDecoder: opts.sbmDecoder } : {}), versus: versusCases(env, opts),
        }, log);
      } catch (e) {
        graph = { error: (e as Error).message ?? String(e) };
        log(`graph VAE: error: ${graph.error}`);
      }
    }
  } finally {
    timer.destroy();
  }

  const steps: StepRecord[] = [];
  if (mlp) {
    log(`steps (${modelName(cfg)}; one submit each; loss read back every ${READBACK_EVERY} steps)`);
    for (const b of opts.stepBatches ?? [32, 128, 512]) steps.push(await benchSteps(device, model, b, env.train, stepBudget, log));
  }

  let epoch: EpochRecord | { error: string } | null = null;
  if (mlp && (opts.epoch ?? true)) {
    log(`epoch (${env.train.count} training digits, batch ${batch})`);
    epoch = await benchEpoch(device, model, batch, env.train, log);
  }

  // Other work on the machine drifts over minutes: the ratio compares with our step timed
  // just before the baseline, not with the step figures above.
  const adjacent: StepBudget = { ...stepBudget, warmupSteps: 2, seconds: stepBudget.seconds / 2 };
  const baselines = mlp ? await runBaselines(env, env.baselines, cfg, adjacent, 'same model') : {};

  let conv: ConvSection | null = null;
  if (archs.includes('conv')) {
    const convCfg = resolveConfig({ inputShape: [1, env.train.rows, env.train.cols], ...opts.convModel, arch: 'conv', batch });
    const { batch: _b, ...convModel } = convCfg;
    const name = configName(convCfg);
    const convKernels: KernelRecord[] = [];
    if (opts.kernels ?? true) {
      const convTimer = new DispatchTimer(device, opts.timestamps ?? true);
      try {
        log(`conv kernels (${name}, batch ${batch}; timed by ${convTimer.method}; validated against the CPU reference first)`);
        const variants = opts.variants ?? (['register', 'tiled'] as LinearVariant[]);
        for (const v of [...variants].sort((a, b) => Number(b === picked) - Number(a === picked))) {
          convKernels.push(...(await benchConvKernels(device, convCfg, v, v === picked, convTimer, kernelBudget, log)));
        }
      } finally {
        convTimer.destroy();
      }
    }
    log(`conv steps (${name}; one submit each; loss read back every ${READBACK_EVERY} steps)`);
    // A conv step takes seconds on a software adapter: fewer steps than the MLP's budget.
    const convBudget: StepBudget = quick ? stepBudget : { ...stepBudget, warmupSteps: 2, minSteps: 3 };
    const convSteps: StepRecord[] = [];
    for (const b of opts.convBatches ?? [32, 128]) convSteps.push(await benchSteps(device, convModel, b, env.train, convBudget, log));
    const convBaselines = await runBaselines(env, env.convBaselines ?? {}, convCfg, { ...convBudget, warmupSteps: 1, seconds: convBudget.seconds / 2 }, 'the same conv VAE');
    conv = { model: name, kernels: convKernels, steps: convSteps, baselines: convBaselines };
  }

  const readbacks = (s: StepRecord) => Math.ceil(s.steps_timed / READBACK_EVERY) / s.steps_timed;
  const allSteps = [...steps, ...(conv?.steps ?? [])];
  const report: BenchReport = {
    date: new Date().toISOString(),
    runner: env.runner,
    runtime: env.runtime,
    adapter: env.adapter,
    model: modelName(cfg),
    gemm_variant: {
      picked: steps[0]?.variant ?? picked,
      how: `linearVariant 'auto': pickLinearVariant(device.adapterInfo)${env.adapterInfo ? '' : ' (this device has no adapterInfo, so the default)'}`,
    },
    timing: {
      kernels: kernels[0]?.timing ?? timer.method,
      steps: 'wall-clock',
      note: 'kernels: median of samples, each many copies in one pass; steps: N steps after warm-up, ending with await vae.losses()',
    },
    kernels,
    steps,
    epoch,
    baselines,
    graph,
    conv,
    // The rules hold for every step loop, the MLP's and the conv VAE's; the dispatch count is the MLP's rule.
    checks: {
      one_submit_per_step: allSteps.every((s) => s.submits_per_step === 1 && s.command_encoders_per_step === 1),
      at_most_20_dispatches_per_step: steps.every((s) => s.dispatches_per_step <= 20),
      no_allocation_per_step: allSteps.every((s) => s.buffers_created_per_step === 0 && s.bind_groups_created_per_step === 0 && s.pipelines_created_per_step === 0),
      no_readback_stall: allSteps.every((s) => s.queue_waits_per_step === 0 && s.map_async_per_step <= readbacks(s) + 1e-9),
    },
    seconds: (performance.now() - started) / 1000,
  };
  return report;
}

/**
 * The comparisons with PyTorch: the exact decoder on Cora with its word features against the
 * paper's dense formulation (vgae_reference.py), and the sampled decoder (K = 1) on featureless
 * PubMed against PyTorch Geometric's recipe (vgae_sampled.py). Our per-dispatch times come with
 * the PubMed case; Cora's kernels are the graph part's own (validated) when it runs them.
 */
function versusCases(env: SuiteEnv, opts: SuiteOptions): GraphBenchOptions['versus'] {
  const quick = opts.quick ?? false;
  const rounds = opts.versusRounds ?? (quick ? 1 : 3);
  const wanted = opts.versus ?? ['cora', 'pubmed'];
  const cases: NonNullable<GraphBenchOptions['versus']>['cases'] = [];
  if (rounds > 0 && env.cora && wanted.includes('cora')) {
    cases.push({
      name: 'Cora, exact decoder, word features', graph: env.cora, data: 'data/cora', features: 'data', decoder: 'exact', negatives: 0,
      script: 'vgae_reference.py', scriptArgs: ['--seed', '1'], kernels: false,
    });
  }
  if (rounds > 0 && env.pubmed && wanted.includes('pubmed')) {
    cases.push({
      name: 'PubMed, sampled decoder K = 1, featureless', graph: env.pubmed, data: 'data/pubmed', features: 'none', decoder: 'sampled', negatives: 1,
      script: 'vgae_sampled.py', scriptArgs: ['--seeds', '1', '--negatives', '1', '--hits', '0'], kernels: opts.kernels ?? true,
    });
  }
  const host: HostProbe = env.host ?? { loadAverage: async () => [] };
  return { cases, options: { rounds, epochs: opts.versusEpochs ?? (quick ? 3 : 20), python: env.python ?? null, host } };
}

/**
 * Runs each baseline on `cfg` at its batch, our step timed right before it (the ratio's
 * denominator); a baseline that fails is recorded with its error and the run goes on.
 */
async function runBaselines(
  env: SuiteEnv, runners: Record<string, BaselineRunner>, cfg: VaeConfig, budget: StepBudget, what: string,
): Promise<Record<string, BaselineRecord>> {
  const { device, log } = env;
  const out: Record<string, BaselineRecord> = {};
  const names = Object.keys(runners);
  if (!names.length) return out;
  const { batch, ...model } = cfg;
  log(`baselines (${what}, batch ${batch}, same adapter; ours re-timed right before each, for the ratio)`);
  const batches = sampleBatches(env.train, batch, 4);
  for (const name of names) {
    let rec: BaselineRecord;
    try {
      const ours = await benchSteps(device, model, batch, env.train, budget, () => {});
      rec = await runners[name]({ batches, batch, cfg, log });
      if (rec.ms_per_step !== undefined) {
        rec.ours_ms_per_step = ours.ms_per_step;
        rec.ratio = rec.ms_per_step / ours.ms_per_step;
      }
    } catch (e) {
      rec = { framework: name, error: (e as Error).message ?? String(e) };
    }
    out[name] = rec;
    log(rec.error ? `  ${name}: error: ${rec.error}` : `  ${name}: ${rec.ms_per_step!.toFixed(1)} ms/step, ours ${rec.ours_ms_per_step!.toFixed(1)}: ${rec.ratio!.toFixed(2)}x`);
  }
  return out;
}
