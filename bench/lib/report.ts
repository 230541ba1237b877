/**
 * The benchmark's JSON document (one per run, `--json`) and its readable table. Both runners,
 * the browser page and Node, produce this shape; fields that do not apply carry `error`.
 */
import type { TimingMethod } from './timing.js';
import type { GraphBenchRecord } from './graph.js';

/** The adapter everything was measured on. */
export interface AdapterRecord {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  fallback: boolean;
  /** Features the benchmark's device was created with. */
  features: string[];
}

/** One kernel on one shape. GEMMs carry gflops, memory-bound kernels gbps. */
export interface KernelRecord {
  kernel: string;
  /** Layer whose shape this is (`-` for kernels that are not per layer). */
  layer: string;
  /** GEMM variant (`-` for the other kernels). */
  variant: string;
  /** Whether the runtime picks this variant on this adapter. */
  picked: boolean;
  /** GEMMs: MxNxK as dispatched (padded to 4); convolutions: rows x input -> output; others: the tensor sizes. */
  shape: string;
  /** Convolutions: the shader entry point the product runs on. */
  entry?: string;
  ms: number;
  gflops?: number;
  gbps?: number;
  timing: TimingMethod;
  /** Copies per timed sample, and samples (the median is reported). */
  reps: number;
  samples: number;
  /** Timestamps all on Chrome's 100 us grid (developer features off). */
  quantized?: boolean;
  /** Largest |GPU - reference| seen in the validation that preceded the timing. */
  max_abs_err: number;
  /** CPU milliseconds per copy, where the runner can read its CPU time (a software adapter's work). */
  cpu_ms?: number;
}

/** Training steps of the runtime at one batch size. */
export interface StepRecord {
  model: string;
  batch: number;
  variant: string;
  ms_per_step: number;
  samples_per_s: number;
  /** GPU time of the step's compute pass (timestamp queries), when the adapter has them. */
  gpu_ms_per_step?: number;
  /** Host time spent inside `await vae.step()`, per step: low means the loop does not block. */
  host_ms_per_step: number;
  steps_timed: number;
  /** Counted by wrapping the device's methods during a few instrumented steps. */
  dispatches_per_step: number;
  submits_per_step: number;
  command_encoders_per_step: number;
  buffers_created_per_step: number;
  bind_groups_created_per_step: number;
  pipelines_created_per_step: number;
  map_async_per_step: number;
  queue_waits_per_step: number;
}

/** One epoch of the embedded training digits. */
export interface EpochRecord {
  model: string;
  batch: number;
  images: number;
  steps: number;
  seconds: number;
  samples_per_s: number;
  /** Mean loss per image of the first and last step (nats), as a sanity check. */
  first_loss: number;
  last_loss: number;
}

/** A baseline framework's training step on the same model, page and adapter. */
export interface BaselineRecord {
  framework: string;
  version?: string;
  backend?: string;
  /** How the step is written. */
  style?: string;
  batch?: number;
  ms_per_step?: number;
  /** Our ms per step at the same batch, timed right before this baseline. */
  ours_ms_per_step?: number;
  /** ms_per_step / ours_ms_per_step: above 1 means ours is faster. */
  ratio?: number;
  steps_timed?: number;
  warmup_steps?: number;
  /** Mean loss per image of the first and last step, to show it trains the same model. */
  first_loss?: number;
  last_loss?: number;
  error?: string;
}

/** Whether the step loop meets the issue's rules. */
export interface Checks {
  one_submit_per_step: boolean;
  at_most_20_dispatches_per_step: boolean;
  no_allocation_per_step: boolean;
  /** No queue wait and at most one mapAsync per readback interval inside the step loop. */
  no_readback_stall: boolean;
}

/** The convolutional VAE (keras-io's architecture): its kernels, steps and baselines. */
export interface ConvSection {
  /** `1x28x28-conv32-conv64-16-2`. */
  model: string;
  /** Every product of every convolution layer, validated then timed; GFLOP/s by the products' multiply-adds. */
  kernels: KernelRecord[];
  steps: StepRecord[];
  /** The same conv VAE in other frameworks, with our step re-timed beside each. */
  baselines: Record<string, BaselineRecord>;
}

/** The whole document. */
export interface BenchReport {
  date: string;
  runner: 'browser' | 'node';
  /** Browser user agent or Node version. */
  runtime: string;
  adapter: AdapterRecord;
  model: string;
  gemm_variant: { picked: string; how: string };
  timing: { kernels: TimingMethod; steps: 'wall-clock'; note: string };
  kernels: KernelRecord[];
  steps: StepRecord[];
  epoch: EpochRecord | { error: string } | null;
  baselines: Record<string, BaselineRecord>;
  /** The graph VAE (VGAE on Cora, a large stochastic block model); null when not run. */
  graph: GraphBenchRecord | { error: string } | null;
  /** The convolutional VAE, when it was run (default: yes). */
  conv: ConvSection | null;
  checks: Checks;
  /** Seconds the whole run took. */
  seconds: number;
}

const f = (x: number | undefined, d = 2) => (x === undefined ? '-' : x.toFixed(d));

/** The report as a plain-text table. */
export function formatTable(r: BenchReport): string {
  const a = r.adapter;
  const lines: string[] = [];
  // The browser by name first (Firefox 153.0, Chrome 156.0...), then the whole user agent.
  const browser = /(Firefox|Chrome)\/[\d.]+/.exec(r.runtime)?.[0].replace('/', ' ');
  lines.push(`webgpu-vae benchmark, ${r.date} (${r.runner}${browser ? `, ${browser}` : ''}: ${r.runtime})`);
  lines.push(`adapter: ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'unnamed'}${a.fallback ? ' (fallback)' : ''}`);
  lines.push(`features: ${a.features.join(', ') || 'none'}; kernels timed by ${r.timing.kernels}; GEMM variant picked: ${r.gemm_variant.picked} (${r.gemm_variant.how})`);
  // The MLP's part, when it ran (--arch=conv and --graph-only leave it out).
  if (r.steps.length || r.kernels.length) {
    lines.push('');
    lines.push(`${'kernel'.padEnd(29)} layer ${'variant'.padEnd(9)} ${'shape (MxNxK)'.padEnd(15)} ${'ms'.padStart(9)} ${'GFLOP/s'.padStart(9)} ${'GB/s'.padStart(8)}`);
    for (const k of r.kernels) {
      lines.push(
        `${k.kernel.padEnd(29)} ${k.layer.padEnd(5)} ${(k.variant + (k.picked && k.variant !== '-' ? '*' : '')).padEnd(9)} ${k.shape.padEnd(15)} ${f(k.ms, 3).padStart(9)} ${f(k.gflops).padStart(9)} ${f(k.gbps).padStart(8)}`,
      );
    }
    lines.push('(* = the variant the runtime picks here)');
    lines.push('');
    lines.push(`steps (${r.model})  batch   ms/step  samples/s  GPU ms  host ms  dispatches  submits  new buffers  new bind groups  mapAsync`);
    for (const s of r.steps) {
      lines.push(
        `${s.variant.padEnd(19)} ${String(s.batch).padStart(5)} ${f(s.ms_per_step).padStart(9)} ${Math.round(s.samples_per_s).toString().padStart(10)} ${f(s.gpu_ms_per_step).padStart(7)} ${f(s.host_ms_per_step).padStart(8)} ${String(s.dispatches_per_step).padStart(11)} ${String(s.submits_per_step).padStart(8)} ${String(s.buffers_created_per_step).padStart(12)} ${String(s.bind_groups_created_per_step).padStart(16)} ${f(s.map_async_per_step, 3).padStart(9)}`,
      );
    }
    lines.push('');
    if (r.epoch && 'seconds' in r.epoch) {
      const e = r.epoch;
      lines.push(`epoch: ${e.images} images, ${e.steps} steps at batch ${e.batch}: ${f(e.seconds)} s (${Math.round(e.samples_per_s)} samples/s); loss ${f(e.first_loss, 1)} -> ${f(e.last_loss, 1)} nats/image`);
    } else if (r.epoch) lines.push(`epoch: error: ${r.epoch.error}`);
    lines.push('');
    const batch = Object.values(r.baselines).find((b) => b.batch)?.batch;
    lines.push(`baselines (same model${batch ? `, batch ${batch}` : ''}, same adapter; ratio = their ms per step / ours)`);
    for (const [name, b] of Object.entries(r.baselines)) {
      if (b.error) lines.push(`  ${name.padEnd(7)} ${b.framework}: error: ${b.error}`);
      else lines.push(`  ${name.padEnd(7)} ${b.framework} ${b.version ?? ''} (${b.backend}): ${f(b.ms_per_step)} ms/step vs ours ${f(b.ours_ms_per_step)}: ${f(b.ratio)}x; loss ${f(b.first_loss, 1)} -> ${f(b.last_loss, 1)}`);
    }
  }
  if (r.conv) lines.push('', ...convTable(r.conv));
  lines.push('');
  lines.push(...graphLines(r.graph));
  const c = r.checks;
  lines.push(`checks: one submit/step ${c.one_submit_per_step ? 'ok' : 'FAIL'}, <=20 dispatches ${c.at_most_20_dispatches_per_step ? 'ok' : 'FAIL'}, no allocation ${c.no_allocation_per_step ? 'ok' : 'FAIL'}, no readback stall ${c.no_readback_stall ? 'ok' : 'FAIL'}`);
  lines.push(`total ${f(r.seconds, 1)} s`);
  return lines.join('\n');
}

/** The graph VAE's part of the table. */
function graphLines(g: BenchReport['graph']): string[] {
  if (!g) return [];
  if ('error' in g) return [`graph VAE: error: ${g.error}`, ''];
  const lines = [`graph VAE on ${g.data} (${g.nodes} nodes, ${g.edges} edges, ${g.train_edges} for training, ${g.features} features; ${g.hidden}-${g.latent})`];
  lines.push(`${'kernel'.padEnd(33)} ${'layer'.padEnd(8)} ${'variant'.padEnd(19)} ${'shape'.padEnd(24)} ${'ms'.padStart(9)} ${'GFLOP/s'.padStart(9)} ${'GB/s'.padStart(8)}`);
  for (const k of g.kernels) {
    lines.push(`${k.kernel.padEnd(33)} ${k.layer.padEnd(8)} ${k.variant.padEnd(19)} ${k.shape.padEnd(24)} ${f(k.ms, 3).padStart(9)} ${f(k.gflops).padStart(9)} ${f(k.gbps).padStart(8)}`);
  }
  const e = g.epoch;
  if ('error' in e) lines.push(`epochs: error: ${e.error}`);
  else {
    lines.push(`epochs (${e.model}, ${e.variant}): ${f(e.ms_per_epoch, 1)} ms/epoch back to back over ${e.epochs_timed}${e.gpu_ms_per_epoch !== undefined ? ` (GPU ${f(e.gpu_ms_per_epoch, 1)} ms)` : ''}; ` +
      `${e.dispatches_per_step} dispatches, ${e.submits_per_step} submit, ${e.buffers_created_per_step} buffers created per epoch`);
    lines.push(`trainer: ${f(e.trainer_ms_per_epoch, 1)} ms/epoch over ${e.trainer_epochs} (validation AUC/AP ${f(e.eval_ms, 1)} ms from its start, queued with the epoch's end); loss ${f(e.first_loss, 3)} -> ${f(e.last_loss, 3)}, val AUC ${f(100 * e.val_auc, 1)}`);
  }
  const s = g.sbm;
  if (s && 'error' in s) lines.push(`SBM: error: ${s.error}`);
  else if (s) {
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
    lines.push(`SBM ${s.nodes} nodes, ${s.edges} edges (identity features), ${s.decoder} decoder${s.decoder === 'sampled' ? ` K = ${s.negatives}` : ''}: ${f(s.ms_per_epoch, 0)} ms/epoch over ${s.epochs_timed}; GPU memory ${mib(s.gpu_bytes)} (largest buffer ${mib(s.largest_buffer_bytes)}; planned ${mib(s.plan_held_bytes)} held + ${mib(s.plan_transient_bytes)} readback); one dense N x N f32 matrix: ${mib(s.dense_matrix_bytes)}; loss ${f(s.first_loss, 3)} -> ${f(s.last_loss, 3)}, val AUC ${f(100 * s.val_auc, 1)}`);
  }
  lines.push(...versusLines(g.versus_pytorch));
  const w = g.waits;
  if (w && 'error' in w) lines.push(`waits: error: ${w.error}`);
  else if (w) {
    lines.push(`waits: ${w.nodes}-node ring through the trainer ${f(w.trainer_ms_per_epoch, 1)} ms/epoch, its steps alone ${f(w.steps_ms_per_epoch, 1)} ms; one idle wait for the GPU ${f(w.idle_wait_ms, 1)} ms`);
  }
  lines.push('');
  return lines;
}

/** Ours against PyTorch (graph.versus_pytorch) as lines of the table. */
function versusLines(v: GraphBenchRecord['versus_pytorch']): string[] {
  if (!v.length) return [];
  const lines = ['', 'graph VAE against PyTorch (same split; rounds interleaved: ours, then PyTorch; ratio = PyTorch / ours, above 1: ours faster)'];
  for (const r of v) {
    if ('error' in r) {
      lines.push(`  ${r.case}: error: ${r.error}`);
      continue;
    }
    const torch = 'error' in r.pytorch ? `PyTorch: error: ${r.pytorch.error}` : `PyTorch ${r.pytorch.torch ?? ''} (${r.pytorch.threads ?? '?'} threads)`;
    lines.push(`  ${r.case} (${r.nodes} nodes, ${r.train_edges} training edges; ours ${r.variant}, ${r.dispatches_per_epoch} dispatches/epoch; ${torch})`);
    for (const [i, x] of r.rounds.entries()) {
      lines.push(`    round ${i + 1}, load ${x.load_average.map((a) => a.toFixed(1)).join(' ')}: ours ${f(x.ours_ms_per_epoch, 1)} ms/epoch${x.ours_cpu_s_per_epoch !== undefined ? ` (CPU ${f(x.ours_cpu_s_per_epoch, 3)} s)` : ''}, PyTorch ${x.pytorch_error ? `error: ${x.pytorch_error}` : `${f(x.pytorch_ms_per_epoch, 1)} ms/epoch (median ${f(x.pytorch_median_ms_per_epoch, 1)}, CPU ${f(x.pytorch_cpu_s_per_epoch, 3)} s)`}`);
    }
    lines.push(`    medians over ${r.rounds.length} rounds of ${r.epochs_per_round} epochs: ours ${f(r.ours_ms_per_epoch, 1)} ms, PyTorch ${f(r.pytorch_ms_per_epoch, 1)} ms: ${f(r.ratio)}x by wall clock; CPU s/epoch ours ${f(r.ours_cpu_s_per_epoch, 3)} (${r.cpu_scope}), PyTorch ${f(r.pytorch_cpu_s_per_epoch, 3)}: ${f(r.cpu_ratio)}x`);
    if (r.kernels.length) {
      lines.push(`    our step's dispatches, each alone (${r.kernels[0].timing}):`);
      for (const k of r.kernels) lines.push(`      ${k.layer.padEnd(10)} ${k.kernel.padEnd(40)} ${f(k.ms, 3).padStart(9)} ms${k.cpu_ms !== undefined ? `  CPU ${f(k.cpu_ms, 3).padStart(9)} ms` : ''}`);
      const cpu = r.kernels.every((k) => k.cpu_ms !== undefined) ? `, CPU ${f(r.kernels.reduce((a, k) => a + k.cpu_ms!, 0), 1)} ms` : '';
      lines.push(`      sum ${f(r.kernels.reduce((a, k) => a + k.ms, 0), 1)} ms${cpu}`);
    }
  }
  return lines;
}

/** The conv section as lines of the table. */
function convTable(c: ConvSection): string[] {
  const lines: string[] = [];
  lines.push(`convolutional VAE ${c.model}`);
  if (c.kernels.length) {
    lines.push(`${'kernel'.padEnd(32)} layer ${'variant'.padEnd(9)} ${'entry'.padEnd(16)} ${'shape'.padEnd(26)} ${'ms'.padStart(9)} ${'GFLOP/s'.padStart(9)}`);
    for (const k of c.kernels) {
      lines.push(`${k.kernel.padEnd(32)} ${k.layer.padEnd(5)} ${(k.variant + (k.picked ? '*' : '')).padEnd(9)} ${(k.entry ?? '-').padEnd(16)} ${k.shape.padEnd(26)} ${f(k.ms, 2).padStart(9)} ${f(k.gflops).padStart(9)}`);
    }
    lines.push('(* = the variant the runtime picks here)');
  }
  lines.push(`steps (${c.model})  batch   ms/step  samples/s  GPU ms  host ms  dispatches  submits  new buffers  new bind groups  mapAsync`);
  for (const s of c.steps) {
    lines.push(
      `${s.variant.padEnd(19)} ${String(s.batch).padStart(5)} ${f(s.ms_per_step).padStart(9)} ${Math.round(s.samples_per_s).toString().padStart(10)} ${f(s.gpu_ms_per_step).padStart(7)} ${f(s.host_ms_per_step).padStart(8)} ${String(s.dispatches_per_step).padStart(11)} ${String(s.submits_per_step).padStart(8)} ${String(s.buffers_created_per_step).padStart(12)} ${String(s.bind_groups_created_per_step).padStart(16)} ${f(s.map_async_per_step, 3).padStart(9)}`,
    );
  }
  const batch = Object.values(c.baselines).find((b) => b.batch)?.batch;
  lines.push(`baselines (the same conv VAE${batch ? `, batch ${batch}` : ''}, same adapter; ratio = their ms per step / ours)`);
  for (const [name, b] of Object.entries(c.baselines)) {
    if (b.error) lines.push(`  ${name.padEnd(7)} ${b.framework}: error: ${b.error}`);
    else lines.push(`  ${name.padEnd(7)} ${b.framework} ${b.version ?? ''} (${b.backend}): ${f(b.ms_per_step)} ms/step vs ours ${f(b.ours_ms_per_step)}: ${f(b.ratio)}x; loss ${f(b.first_loss, 1)} -> ${f(b.last_loss, 1)}`);
  }
  return lines;
}
