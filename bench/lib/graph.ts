/**
 * The graph VAE benchmark (VGAE on Cora, and a synthetic stochastic block model for the memory
 * bound), the same in the browser page and under Node:
 *
 * - kernels: every dispatch of a training step, built with the runtime's wrappers on Cora's real
 *   shapes (seed-1 split, Glorot weights), run once and validated against the float64 reference
 *   (src/reference/vgae.ts), then timed one by one;
 * - epochs: GraphVae steps back to back with the loss read back after every one (an epoch of
 *   the paper's protocol is one step), and the trainer's epoch as `graph train` runs it (the
 *   step, the divergence guard's snapshot; the validation AUC and AP, which the trainer queues
 *   with the snapshot, timed from their start);
 * - SBM: a planted-partition graph of many nodes, featureless (the one `graph generate` writes):
 *   time per epoch and the GPU memory the model allocates, against the N x N matrices the dense
 *   formulation needs;
 * - versus PyTorch: ours and the PyTorch scripts of bench/pytorch/ in the same run (graph_pytorch.ts).
 * - waits: a small graph through the trainer, where an epoch is its waits on the GPU (readback.ts).
 */
import { graphAdjacency, transposeCsr } from '../../src/graph/adjacency.js';
import { edgeCount, type CsrMatrix, type Graph } from '../../src/graph/graph.js';
import { sbmBench, type SbmRecord } from './graph_sbm.js';
import { initGraphVae } from '../../src/graph/init.js';
import { splitEdges } from '../../src/graph/split.js';
import { GraphVae } from '../../src/graph/graph_vae.js';
import { graphTask, prepareGraph } from '../../src/graph/graph_task.js';
import { GpuResources, type BufferRange, type Dispatch } from '../../src/gpu/resources.js';
import { GaussianLogstdKernels } from '../../src/kernels/gaussian_logstd.js';
import { InnerProductLossKernels, uploadLabels } from '../../src/kernels/inner_product_loss.js';
import { LinearKernels, type LinearVariant } from '../../src/kernels/linear.js';
import { SpmmKernels, uploadCsr } from '../../src/kernels/spmm.js';
import { encodeStepUniform } from '../../src/kernels/step_uniforms.js';
import { pad4 } from '../../src/gpu/pad.js';
import { spmm as spmmRef, vgaeBackward, vgaeForward } from '../../src/reference/vgae.js';
import { Trainer } from '../../src/runtime/trainer.js';
import { padded, readBack, scoped, unpadded, validate, type Validation } from './check.js';
import { benchReadback, type ReadbackRecord } from './readback.js';
import type { KernelRecord } from './report.js';
import { countCalls } from './steps.js';
import { versusPytorch, type VersusCase, type VersusOptions, type VersusRecord } from './graph_pytorch.js';
import type { DispatchTimer, TimingBudget } from './timing.js';
import { NO_ACTIVATION, RELU } from '../../src/layers/activation.js';

/** Epochs of Cora timed back to back, and through the trainer. */
export interface GraphEpochRecord {
  model: string;
  variant: string;
  /** Steps back to back (one full-graph step = one epoch), the loss read back after each. */
  ms_per_epoch: number;
  /** GPU time of the step's pass (timestamp queries), when the adapter has them. */
  gpu_ms_per_epoch?: number;
  epochs_timed: number;
  /** The trainer's epoch (`graph train`): step and guard snapshot; the validation metrics apart. */
  trainer_ms_per_epoch: number;
  eval_ms: number;
  trainer_epochs: number;
  first_loss: number;
  last_loss: number;
  val_auc: number;
  dispatches_per_step: number;
  submits_per_step: number;
  buffers_created_per_step: number;
  bind_groups_created_per_step: number;
}

/** The graph part of the report. */
export interface GraphBenchRecord {
  data: string;
  nodes: number;
  edges: number;
  train_edges: number;
  features: number;
  hidden: number;
  latent: number;
  kernels: KernelRecord[];
  epoch: GraphEpochRecord | { error: string };
  sbm: SbmRecord | { error: string } | null;
  /** Ours against the PyTorch scripts of bench/pytorch/, in the same run (empty: not run). */
  versus_pytorch: (VersusRecord | { case: string; error: string })[];
  /** A small graph through the trainer: what its waits on the GPU cost. */
  waits: ReadbackRecord | { error: string };
}

/** What to run. */
export interface GraphBenchOptions {
  quick: boolean;
  /** Nodes of the synthetic graph (0: skip it). */
  sbmNodes: number;
  /** Epochs of the SBM to time. */
  sbmEpochs: number;
  /** The SBM's decoder. Default auto (sampled above 10,000 nodes). */
  sbmDecoder?: 'auto' | 'exact' | 'sampled';
  /** Ours against PyTorch, each case in rounds (graph_pytorch.ts); `kernels` times each dispatch of ours. */
  versus?: { cases: (VersusCase & { kernels: boolean })[]; options: Omit<VersusOptions, 'kernels' | 'log'> };
  /** Cora epochs timed back to back, and through the trainer (default 10, 3 with `quick`). */
  epochs?: number;
  /** Skip the kernels (epochs only). */
  kernels?: boolean;
}

const whole = (b: GPUBuffer): BufferRange => ({ buffer: b, offset: 0, size: b.size });
const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};
const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;

/**
 * |got - want| <= tol max|want| + tol |want|. Each stage is an f32 sum of at most a few
 * thousand terms (a row of the decoder: 2,708 pairs through exp and log), chained through at
 * most eight stages: 1e-4 of a tensor's scale leaves room for that and still fails any wrong
 * index, transposition or mask, which are O(1) of the scale.
 */
function check(label: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-4): Validation {
  return validate(label, got, want, tol * maxAbs(want), tol);
}

/**
 * Every kernel of a Cora training step: validated against the reference, then timed alone.
 * `layer` names the model's layer each product belongs to.
 */
async function graphKernels(
  device: GPUDevice, cora: Graph, variant: LinearVariant, timer: DispatchTimer, budget: TimingBudget, H: number, L: number, log: (s: string) => void,
): Promise<KernelRecord[]> {
  const res = new GpuResources(device);
  const out: KernelRecord[] = [];
  try {
    const split = splitEdges(cora.n, cora.edges, { seed: 1 });
    const a = graphAdjacency(cora.n, split.train);
    const X: CsrMatrix = cora.features;
    const [N, F] = [cora.n, X.cols];
    const w = initGraphVae(F, H, L, 1);
    const head = new Float64Array(H * 2 * L);
    for (let r = 0; r < H; r++) for (let k = 0; k < L; k++) [head[r * 2 * L + k], head[r * 2 * L + L + k]] = [w.wMu[r * L + k], w.wSigma[r * L + k]];
    const up = (label: string, data: Float32Array<ArrayBuffer>) => {
      const b = res.storage(label, data.byteLength);
      device.queue.writeBuffer(b, 0, data);
      return whole(b);
    };
    const m = (label: string, rows: number, cols: number) => whole(res.storage(label, pad4(rows) * pad4(cols) * 4));
    const W0 = up('W0', padded(w.w0, F, H));
    const Wh = up('W_head', padded(head, H, 2 * L));
    const adj = uploadCsr(res, 'Â', a.adj);
    const labels = uploadLabels(res, 'labels', a.adj);
    const x = uploadCsr(res, 'X', X);
    const xt = uploadCsr(res, 'X^T', transposeCsr(X));
    const act = {
      xw: m('XW', N, H), h: m('H', N, H), s: m('ÂH', N, H), head: m('head', N, 2 * L), z: m('z', N, L), eps: m('eps', N, L), dz: m('dz', N, L),
      kl: whole(res.storage('kl rows', pad4(N) * 4)), dhead: m('dhead', N, 2 * L), ds: m('dS', N, H), dp: m('dP', N, H), dxw: m('dXW', N, H),
      dW0: m('dW0', F, H), dWh: m('dWhead', H, 2 * L), out: whole(res.storage('loss', 16)),
    };
    const zero = whole(res.storage('zero bias', pad4(H) * 4));
    const scratch = whole(res.storage('db scratch', pad4(H) * 4));
    const step = res.uniform('step', encodeStepUniform({ t: 1, seed: 1, count: 1, historySlot: 0 }, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 }));
    const spmm = new SpmmKernels(res);
    const lin = new LinearKernels(res, variant);
    const gauss = new GaussianLogstdKernels(res);
    const ipl = new InnerProductLossKernels(res, variant);
    const g = { step, head: act.head, eps: act.eps, z: act.z, dz: act.dz, klRows: act.kl, dhead: act.dhead, rows: N, latent: L, kl: true };
    let lossSubgroups = false;
    const make = (label: string, f: () => Promise<Dispatch | Dispatch[]>) => scoped(device, label, async () => [await f()].flat());
    const d = {
      xw: await make('spmm X W0', () => spmm.forward('spmm X W0', { a: x, b: W0, c: act.xw, cols: H })),
      h: await make('spmm Â XW relu', () => spmm.forward('spmm Â XW relu', { a: adj, b: act.xw, c: act.h, cols: H, act: RELU })),
      s: await make('spmm Â H', () => spmm.forward('spmm Â H', { a: adj, b: act.h, c: act.s, cols: H })),
      head: await make('linear head', () => lin.backwardInput('linear head', { dy: act.s, w: Wh, mask: null, dx: act.head, rows: N, inSize: 2 * L, outSize: H })),
      z: await make('gaussian_logstd.forward', () => gauss.forward('gaussian_logstd.forward', g, 'gpu')),
      loss: await make('inner_product_loss', async () => {
        const built = await ipl.build('inner_product_loss', { z: act.z, labels, klRows: act.kl, dz: act.dz, out: act.out, n: N, latent: L, posWeight: a.posWeight, norm: a.norm });
        lossSubgroups = built.subgroups;
        return built.all;
      }),
      dhead: await make('gaussian_logstd.backward', () => gauss.backward('gaussian_logstd.backward', g)),
      dWh: await make('linear dW_head', () => lin.backwardWeight('linear dW_head', { dy: act.s, x: act.dhead, dw: act.dWh, db: scratch, rows: N, inSize: 2 * L, outSize: H })),
      ds: await make('linear dS', () => lin.forward('linear dS', { x: act.dhead, w: Wh, b: zero, y: act.ds, rows: N, inSize: 2 * L, outSize: H, act: NO_ACTIVATION })),
      dp: await make('spmm Â dS mask', () => spmm.forward('spmm Â dS mask', { a: adj, b: act.ds, c: act.dp, cols: H, mask: { y: act.h, act: RELU } })),
      dxw: await make('spmm Â dP', () => spmm.forward('spmm Â dP', { a: adj, b: act.dp, c: act.dxw, cols: H })),
      dW0: await make('spmm X^T dXW', () => spmm.forward('spmm X^T dXW', { a: xt, b: act.dxw, c: act.dW0, cols: H })),
    };
    const all = Object.values(d).flat();
    await scoped(device, 'graph step', async () => {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      for (const k of all) {
        pass.setPipeline(k.pipeline);
        pass.setBindGroup(0, k.bindGroup);
        pass.dispatchWorkgroups(...k.workgroups);
      }
      pass.end();
      device.queue.submit([enc.finish()]);
    });
    // The reference on the GPU's own noise (WGSL's cos and sin are within 2^-11 of src/runtime/philox.ts).
    const eps = unpadded(await readBack(device, act.eps.buffer), N, L);
    const params = { w0: Float64Array.from(w.w0), wMu: Float64Array.from(w.wMu), wSigma: Float64Array.from(w.wSigma) };
    const graph = { adj: a.adj, labels: a.adj, features: X, posWeight: a.posWeight, norm: a.norm };
    const sizes = { n: N, f: F, hidden: H, latent: L };
    const fwd = vgaeForward(params, graph, sizes, eps, 'vgae');
    const bwd = vgaeBackward(params, graph, sizes, fwd, eps, 'vgae');
    const join = (p: ArrayLike<number>, q: ArrayLike<number>, rows: number) => {
      const o = new Float64Array(rows * 2 * L);
      for (let r = 0; r < rows; r++) for (let k = 0; k < L; k++) [o[r * 2 * L + k], o[r * 2 * L + L + k]] = [p[r * L + k], q[r * L + k]];
      return o;
    };
    const read = async (r: BufferRange, rows: number, cols: number) => unpadded(await readBack(device, r.buffer), rows, cols);
    const loss = await readBack(device, act.out.buffer);
    const dhMasked = bwd.dh.map((v, i) => (fwd.layer1.y[i] > 0 ? v : 0));
    const dxw = new Float64Array(N * H);
    for (let r = 0; r < N; r++) {
      for (let c = 0; c < H; c++) {
        let s = 0;
        for (let p = a.adj.rowPtr[r]; p < a.adj.rowPtr[r + 1]; p++) s += a.adj.values[p] * dhMasked[a.adj.colIdx[p] * H + c];
        dxw[r * H + c] = s;
      }
    }
    // X W0 in float64 (the reference's first product), for the first dispatch's check.
    const xwWant = () => {
      const xw = new Float64Array(N * H);
      spmmRef(xw, X, w.w0, H);
      return xw;
    };
    const dS = new Float64Array(N * H);
    for (let r = 0; r < N; r++) for (let c = 0; c < H; c++) for (let k = 0; k < L; k++) dS[r * H + c] += bwd.dmu[r * L + k] * w.wMu[c * L + k] + bwd.dlogstd[r * L + k] * w.wSigma[c * L + k];
    // Validation of every output, then the logical bytes each dispatch must move (reads and
    // writes once) for its GB/s.
    const cases: [string, string, Dispatch[], () => Promise<Validation>, number, string][] = [
      ['spmm.forward X W0', 'conv1', d.xw, async () => check('X W0', await read(act.xw, N, H), xwWant()), 4 * (2 * X.rowPtr[N] + N * H + F * H), `${N}x${F}(${X.rowPtr[N]})x${H}`],
      ['spmm.forward Â XW relu', 'conv1', d.h, async () => check('H', await read(act.h, N, H), fwd.layer1.y), 4 * (2 * a.adj.rowPtr[N] + 2 * N * H), `${N}x${N}(${a.adj.rowPtr[N]})x${H}`],
      ['spmm.forward Â H', 'head', d.s, async () => {
        const want = new Float64Array(N * H);
        for (let r = 0; r < N; r++) for (let p = a.adj.rowPtr[r]; p < a.adj.rowPtr[r + 1]; p++) for (let c = 0; c < H; c++) want[r * H + c] += a.adj.values[p] * fwd.layer1.y[a.adj.colIdx[p] * H + c];
        return check('Â H', await read(act.s, N, H), want);
      }, 4 * (2 * a.adj.rowPtr[N] + 2 * N * H), `${N}x${N}(${a.adj.rowPtr[N]})x${H}`],
      ['linear.backward_input head', 'head', d.head, async () => check('head', await read(act.head, N, 2 * L), join(fwd.mu.y, fwd.logstd.y, N)), 4 * (N * H + H * 2 * L + N * 2 * L), `${N}x${2 * L}x${H}`],
      ['gaussian_logstd.forward_sample', 'head', d.z, async () => check('z', await read(act.z, N, L), fwd.z), 4 * (N * 2 * L + 2 * N * L + N), `${N}x${L}`],
      ['inner_product_loss (rows, total)', 'decoder', d.loss, async () => {
        check('loss (loss, recon, kl)', loss.subarray(0, 3), [fwd.loss, fwd.recon, fwd.kl], 1e-5);
        return check('dz', await read(act.dz, N, L), fwd.dz);
      }, 4 * (2 * N * L + a.adj.rowPtr[N] + N), `${N}^2x${L}`],
      ['gaussian_logstd.backward', 'head', d.dhead, async () => check('dhead', await read(act.dhead, N, 2 * L), join(bwd.dmu, bwd.dlogstd, N)), 4 * (2 * N * 2 * L + 2 * N * L), `${N}x${L}`],
      ['linear.backward_weight dW_head', 'head', d.dWh, async () => check('dW_head', await read(act.dWh, H, 2 * L), join(bwd.wMu, bwd.wSigma, H)), 4 * (N * H + N * 2 * L + H * 2 * L), `${H}x${2 * L}x${N}`],
      ['linear.forward dS', 'head', d.ds, async () => check('d(Â H)', await read(act.ds, N, H), dS), 4 * (N * 2 * L + H * 2 * L + N * H), `${N}x${H}x${2 * L}`],
      ['spmm.forward Â dS mask', 'head', d.dp, async () => check('dH * [H > 0]', await read(act.dp, N, H), dhMasked), 4 * (2 * a.adj.rowPtr[N] + 3 * N * H), `${N}x${N}(${a.adj.rowPtr[N]})x${H}`],
      ['spmm.forward Â dP', 'conv1', d.dxw, async () => check('d(X W0)', await read(act.dxw, N, H), dxw), 4 * (2 * a.adj.rowPtr[N] + 2 * N * H), `${N}x${N}(${a.adj.rowPtr[N]})x${H}`],
      ['spmm.forward X^T dXW', 'conv1', d.dW0, async () => check('dW0', await read(act.dW0, F, H), bwd.w0), 4 * (2 * X.rowPtr[N] + N * H + F * H), `${F}x${N}(${X.rowPtr[N]})x${H}`],
    ];
    // The decoder is compute-bound: its rate is 4L flops per pair (the dot product, and g z_j
    // into the gradient), exp and log aside.
    const decoderFlops = 4 * L * N * N;
    for (const [kernel, layer, ds, validation, bytes, shape] of cases) {
      const v = await validation();
      const t = await timer.time(ds, budget);
      const decoder = kernel.startsWith('inner');
      const rec: KernelRecord = {
        kernel, layer, variant: kernel.startsWith('linear') ? variant : decoder ? `${variant}${lossSubgroups ? '+subgroups' : ''}` : '-', picked: true, shape, ms: t.ms,
        ...(decoder ? { gflops: decoderFlops / (t.ms * 1e6) } : { gbps: bytes / (t.ms * 1e6) }),
        timing: t.method, reps: t.reps, samples: t.samples, max_abs_err: v.max_abs_err,
      };
      if (t.quantized !== undefined) rec.quantized = t.quantized;
      out.push(rec);
      log(`  ${kernel.padEnd(33)} ${rec.variant.padEnd(19)} ${shape.padEnd(22)} ${t.ms.toFixed(3).padStart(9)} ms   (ok, max err ${v.max_abs_err.toExponential(1)} of ${v.max_abs_ref.toExponential(1)})`);
    }
  } finally {
    res.destroy();
  }
  return out;
}

/** Cora epochs: steps back to back (counted), then the trainer's epochs. */
async function graphEpochs(device: GPUDevice, cora: Graph, H: number, L: number, epochCount: number, log: (s: string) => void): Promise<GraphEpochRecord> {
  const prep = prepareGraph(cora, { seed: 1, valFraction: 0.05, testFraction: 0.1, features: 'data' });
  const model = await GraphVae.create({ device, graph: prep.input, hidden: H, latent: L, seed: 1 });
  try {
    // Warm-up (first use of every pipeline), then steps back to back, each loss read back.
    await model.step();
    await model.losses();
    const n = epochCount;
    const { counts, gpuMs, ms } = await countCalls(device, n, async () => {
      for (let i = 0; i < n; i++) await model.step();
      return model.losses();
    });
    log(`  steps back to back: ${ms.toFixed(1)} ms/epoch over ${n}${gpuMs !== undefined ? `, GPU ${gpuMs.toFixed(1)} ms` : ''}; ${counts.dispatches / n} dispatches, ${counts.submits / n} submits, ${counts.buffers / n} buffers created per step`);
    // The trainer, as `graph train` drives it.
    const epochs = epochCount;
    const fresh = await GraphVae.create({ device, graph: prep.input, hidden: H, latent: L, seed: 1 });
    const trainerMs: number[] = [];
    const evalMs: number[] = [];
    const lossCurve: number[] = [];
    let valAuc = NaN;
    const task = graphTask(prep.split);
    const timedTask = {
      ...task,
      evaluate: async (mdl: GraphVae) => {
        const t0 = performance.now();
        const r = await task.evaluate(mdl);
        evalMs.push(performance.now() - t0);
        return r;
      },
    };
    const trainer = await Trainer.create(fresh, timedTask, {
      build: () => Promise.reject(new Error('the benchmark does not recover lost devices')),
      newDevice: () => Promise.reject(new Error('no new device in the benchmark')),
      events: {
        epoch: (e) => {
          trainerMs.push(e.ms);
          lossCurve.push(e.trainLoss);
          valAuc = e.evaluation.auc;
        },
      },
    });
    trainer.epochs = epochs;
    try {
      await trainer.run();
    } finally {
      trainer.destroy();
    }
    const rec: GraphEpochRecord = {
      model: `${cora.n}x${cora.features.cols}-${H}-${L} vgae`, variant: model.variant, ms_per_epoch: ms, epochs_timed: n,
      trainer_ms_per_epoch: mean(trainerMs), eval_ms: mean(evalMs), trainer_epochs: epochs, first_loss: lossCurve[0], last_loss: lossCurve[lossCurve.length - 1], val_auc: valAuc,
      dispatches_per_step: counts.dispatches / n, submits_per_step: counts.submits / n, buffers_created_per_step: counts.buffers / n, bind_groups_created_per_step: counts.bindGroups / n,
    };
    if (gpuMs !== undefined) rec.gpu_ms_per_epoch = gpuMs;
    log(`  trainer: ${rec.trainer_ms_per_epoch.toFixed(1)} ms/epoch over ${epochs} (validation AUC and AP ${rec.eval_ms.toFixed(1)} ms from its start, queued with the epoch's end); loss ${rec.first_loss.toFixed(3)} -> ${rec.last_loss.toFixed(3)}`);
    return rec;
  } finally {
    model.destroy();
  }
}

/** Runs the graph benchmark on the embedded Cora (and the SBM). */
export async function runGraphBench(
  device: GPUDevice, cora: Graph, variant: LinearVariant, timer: DispatchTimer, budget: TimingBudget, o: GraphBenchOptions, log: (s: string) => void,
): Promise<GraphBenchRecord> {
  const [H, L] = [32, 16];
  const split = splitEdges(cora.n, cora.edges, { seed: 1 });
  let kernels: KernelRecord[] = [];
  if (o.kernels ?? true) {
    log(`graph VAE kernels (Cora ${cora.n} nodes, ${edgeCount(cora)} edges, ${cora.features.cols} features; VGAE ${H}-${L}; ${variant}; validated against the CPU reference first)`);
    kernels = await graphKernels(device, cora, variant, timer, budget, H, L, log);
  }
  log('graph VAE epochs (Cora, one full-graph step each)');
  let epoch: GraphEpochRecord | { error: string };
  try {
    epoch = await graphEpochs(device, cora, H, L, o.epochs ?? (o.quick ? 3 : 10), log);
  } catch (e) {
    epoch = { error: (e as Error).message };
    log(`  error: ${epoch.error}`);
  }
  let sbm: SbmRecord | { error: string } | null = null;
  if (o.sbmNodes > 0) {
    log(`graph VAE on a stochastic block model (${o.sbmNodes} nodes; the decoder's N^2 pairs with no N x N buffer)`);
    try {
      sbm = await sbmBench(device, o.sbmNodes, o.sbmEpochs, o.sbmDecoder ?? 'auto', H, L, log);
    } catch (e) {
      sbm = { error: (e as Error).message };
      log(`  error: ${sbm.error}`);
    }
  }
  const versus: GraphBenchRecord['versus_pytorch'] = [];
  if (o.versus?.cases.length) {
    log(`graph VAE against PyTorch (bench/pytorch/), the same split, interleaved rounds`);
    for (const c of o.versus.cases) {
      try {
        versus.push(await versusPytorch(device, c, { ...o.versus.options, kernels: c.kernels ? { timer, budget } : null, log }));
      } catch (e) {
        versus.push({ case: c.name, error: (e as Error).message });
        log(`  ${c.name}: error: ${(e as Error).message}`);
      }
    }
  }
  log('graph VAE on a 200-node ring through the trainer (an epoch is its waits on the GPU)');
  let waits: ReadbackRecord | { error: string };
  try {
    waits = await benchReadback(device, o.quick ? 8 : 30);
    log(`  ${waits.trainer_ms_per_epoch.toFixed(1)} ms/epoch through the trainer, ${waits.steps_ms_per_epoch.toFixed(1)} ms of steps; an idle wait ${waits.idle_wait_ms.toFixed(1)} ms`);
  } catch (e) {
    waits = { error: (e as Error).message };
    log(`  error: ${waits.error}`);
  }
  return {
    data: 'Cora', nodes: cora.n, edges: edgeCount(cora), train_edges: split.train.length / 2, features: cora.features.cols, hidden: H, latent: L, kernels, epoch, sbm, waits,
    versus_pytorch: versus,
  };
}
