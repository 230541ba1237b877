/**
 * Training-step and epoch benchmarks of the runtime (src/vae/vae.ts), with the step loop's GPU
 * calls counted.
 *
 * The runtime reports its dispatch list length but not what a step actually calls, so the
 * benchmark wraps the device's methods (createBuffer, createBindGroup, pipelines, command
 * encoders, passes, dispatches, submit, onSubmittedWorkDone, and GPUBuffer.mapAsync) while the
 * timed steps run; a wrapper costs a counter increment. GPU time per step comes from
 * timestamps added to the step's compute pass during the untimed calibration steps only.
 */
import { configName } from '../../src/checkpoint/checkpoint.js';
import type { VaeConfig } from '../../src/config.js';
import { epochBatches, fillBatch, shuffled, type Dataset } from '../../src/data/dataset.js';
import { Vae } from '../../src/vae/vae.js';
import type { EpochRecord, StepRecord } from './report.js';

/** Steps between the runtime's loss readbacks in these benchmarks (the runtime's default). */
export const READBACK_EVERY = 16;

/** A model's name in reports: `784-400-20`, `1x28x28-conv32-conv64-16-2`. */
export function modelName(cfg: Omit<VaeConfig, 'batch'>): string {
  return configName(cfg);
}

export interface Counts {
  dispatches: number;
  submits: number;
  encoders: number;
  passes: number;
  buffers: number;
  bindGroups: number;
  pipelines: number;
  mapAsync: number;
  queueWaits: number;
}

/** Timestamps for the step passes of an instrumented region. */
interface PassClock {
  querySet: GPUQuerySet;
  resolve: GPUBuffer;
  read: GPUBuffer;
  capacity: number;
  used: number;
}

type Restore = () => void;

/** Replaces `obj[name]` by a wrapper; returns the undo. */
function wrap<T extends object>(obj: T, name: string, make: (orig: (...a: unknown[]) => unknown) => (...a: unknown[]) => unknown): Restore {
  const o = obj as Record<string, unknown>;
  const own = Object.prototype.hasOwnProperty.call(o, name);
  const orig = o[name] as (...a: unknown[]) => unknown;
  o[name] = make(orig);
  return () => {
    if (own) o[name] = orig;
    else delete o[name];
  };
}

/**
 * Counts the device's calls until the returned function is called. With `clock`, every compute
 * pass gets a begin/end timestamp pair and its encoder resolves them before finishing.
 */
function instrument(device: GPUDevice, counts: Counts, clock: PassClock | null): Restore {
  // mapAsync lives on GPUBuffer's prototype; a probe buffer made before counting finds it.
  const probe = device.createBuffer({ label: 'bench.probe', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const proto = Object.getPrototypeOf(probe) as object;
  probe.destroy();
  const undo: Restore[] = [];
  const d = device as unknown as object;
  undo.push(wrap(d, 'createBuffer', (orig) => (...a) => (counts.buffers++, orig.apply(device, a))));
  undo.push(wrap(d, 'createBindGroup', (orig) => (...a) => (counts.bindGroups++, orig.apply(device, a))));
  undo.push(wrap(d, 'createComputePipeline', (orig) => (...a) => (counts.pipelines++, orig.apply(device, a))));
  undo.push(wrap(d, 'createComputePipelineAsync', (orig) => (...a) => (counts.pipelines++, orig.apply(device, a))));
  undo.push(wrap(device.queue as unknown as object, 'submit', (orig) => (...a) => (counts.submits++, orig.apply(device.queue, a))));
  undo.push(wrap(device.queue as unknown as object, 'onSubmittedWorkDone', (orig) => (...a) => (counts.queueWaits++, orig.apply(device.queue, a))));
  undo.push(
    wrap(d, 'createCommandEncoder', (orig) => (...a) => {
      counts.encoders++;
      const enc = orig.apply(device, a) as GPUCommandEncoder;
      const pending: number[] = [];
      wrap(enc, 'beginComputePass', (begin) => (desc?: unknown) => {
        counts.passes++;
        let descriptor = desc as GPUComputePassDescriptor | undefined;
        if (clock && clock.used < clock.capacity && !descriptor?.timestampWrites) {
          const i = clock.used++;
          pending.push(i);
          descriptor = { ...descriptor, timestampWrites: { querySet: clock.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } };
        }
        const pass = begin.call(enc, descriptor) as GPUComputePassEncoder;
        wrap(pass, 'dispatchWorkgroups', (dispatch) => (...b) => (counts.dispatches++, dispatch.apply(pass, b)));
        return pass;
      });
      wrap(enc, 'finish', (finish) => (...b) => {
        for (const i of pending) enc.resolveQuerySet(clock!.querySet, 2 * i, 2, clock!.resolve, i * RESOLVE_STRIDE);
        return finish.apply(enc, b);
      });
      return enc;
    }),
  );
  undo.push(wrap(proto, 'mapAsync', (orig) => function (this: unknown, ...a: unknown[]) {
    counts.mapAsync++;
    return orig.apply(this, a);
  }));
  return () => undo.reverse().forEach((u) => u());
}

/** resolveQuerySet's destination offset must be a multiple of 256: one slot per pass. */
const RESOLVE_STRIDE = 256;

function newClock(device: GPUDevice, capacity: number): PassClock | null {
  if (!device.features.has('timestamp-query')) return null;
  const bytes = capacity * RESOLVE_STRIDE;
  return {
    querySet: device.createQuerySet({ label: 'bench.step.timestamps', type: 'timestamp', count: 2 * capacity }),
    resolve: device.createBuffer({ label: 'bench.step.resolve', size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }),
    read: device.createBuffer({ label: 'bench.step.read', size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
    capacity,
    used: 0,
  };
}

/** Mean GPU ms of the clock's passes after the first (which pays first-use costs), then frees it. */
async function readClock(device: GPUDevice, clock: PassClock): Promise<number | undefined> {
  try {
    if (clock.used < 2) return undefined;
    const enc = device.createCommandEncoder({ label: 'bench.step.clock' });
    const bytes = clock.used * RESOLVE_STRIDE;
    enc.copyBufferToBuffer(clock.resolve, 0, clock.read, 0, bytes);
    device.queue.submit([enc.finish()]);
    await clock.read.mapAsync(GPUMapMode.READ, 0, bytes);
    const raw = new BigUint64Array(clock.read.getMappedRange(0, bytes).slice(0));
    clock.read.unmap();
    const ms: number[] = [];
    const w = RESOLVE_STRIDE / 8;
    for (let i = 1; i < clock.used; i++) if (raw[i * w + 1] > raw[i * w]) ms.push(Number(raw[i * w + 1] - raw[i * w]) / 1e6);
    return ms.length ? ms.reduce((a, b) => a + b, 0) / ms.length : undefined;
  } finally {
    clock.querySet.destroy();
    clock.resolve.destroy();
    clock.read.destroy();
  }
}

/**
 * Runs `f` (which takes `n` steps) with the device's calls counted and, where the adapter has
 * timestamps, each compute pass clocked: wall-clock ms per step (until `f` resolves), the
 * counts, and the mean GPU ms of the passes after the first.
 */
export async function countCalls<T>(device: GPUDevice, n: number, f: () => Promise<T>): Promise<{ counts: Counts; gpuMs?: number; ms: number; result: T }> {
  const counts: Counts = { dispatches: 0, submits: 0, encoders: 0, passes: 0, buffers: 0, bindGroups: 0, pipelines: 0, mapAsync: 0, queueWaits: 0 };
  const clock = newClock(device, n);
  const restore = instrument(device, counts, clock);
  const t0 = performance.now();
  let result: T;
  try {
    result = await f();
  } finally {
    restore();
  }
  const ms = (performance.now() - t0) / n;
  const gpuMs = clock ? await readClock(device, clock) : undefined;
  return { counts, ms, result, ...(gpuMs === undefined ? {} : { gpuMs }) };
}

/** A few full batches of the training set for step loops (the upload is part of a step). */
export function sampleBatches(train: Dataset, batch: number, count: number): Float32Array[] {
  const order = shuffled(train.count, 1, 0);
  const p = train.rows * train.cols;
  return Array.from({ length: count }, (_, b) => {
    const x = new Float32Array(batch * p);
    const idx = Array.from({ length: batch }, (_, r) => order[(b * batch + r) % train.count]);
    fillBatch(x, train, idx, 0, batch);
    return x;
  });
}

/** How long step loops run. */
export interface StepBudget {
  warmupSteps: number;
  /** Aim for a timed loop of about this many seconds. */
  seconds: number;
  minSteps: number;
  maxSteps: number;
}

/** Times the runtime's training step at one batch size. */
export async function benchSteps(
  device: GPUDevice, cfg: Omit<VaeConfig, 'batch'>, batch: number, train: Dataset, budget: StepBudget, log: (s: string) => void,
): Promise<StepRecord> {
  const vae = await Vae.create({ device, config: { ...cfg, batch }, readbackEvery: READBACK_EVERY });
  try {
    const xs = sampleBatches(train, batch, 4);
    // Calibration: warm-up steps with timestamps on their passes.
    const clock = newClock(device, budget.warmupSteps);
    const calCounts = { dispatches: 0, submits: 0, encoders: 0, passes: 0, buffers: 0, bindGroups: 0, pipelines: 0, mapAsync: 0, queueWaits: 0 };
    const restoreCal = instrument(device, calCounts, clock);
    const c0 = performance.now();
    try {
      for (let i = 0; i < budget.warmupSteps; i++) await vae.step(xs[i % xs.length]);
    } finally {
      restoreCal();
    }
    await vae.losses();
    const perStep = (performance.now() - c0) / Math.max(1, budget.warmupSteps);
    const gpuMs = clock ? await readClock(device, clock) : undefined;
    const n = Math.max(budget.minSteps, Math.min(budget.maxSteps, Math.round((budget.seconds * 1000) / Math.max(perStep, 1e-3))));

    const counts = { dispatches: 0, submits: 0, encoders: 0, passes: 0, buffers: 0, bindGroups: 0, pipelines: 0, mapAsync: 0, queueWaits: 0 };
    const restore = instrument(device, counts, null);
    let host = 0;
    const t0 = performance.now();
    try {
      for (let i = 0; i < n; i++) {
        const h0 = performance.now();
        await vae.step(xs[i % xs.length]);
        host += performance.now() - h0;
      }
    } finally {
      restore();
    }
    const losses = await vae.losses();
    const ms = (performance.now() - t0) / n;
    const bad = losses.find((l) => !Number.isFinite(l.loss));
    if (bad) throw new Error(`steps at batch ${batch}: loss of step ${bad.step} is ${bad.loss}`);
    const rec: StepRecord = {
      model: modelName(cfg), batch, variant: vae.linearVariant, ms_per_step: ms, samples_per_s: (batch / ms) * 1000,
      host_ms_per_step: host / n, steps_timed: n,
      dispatches_per_step: counts.dispatches / n, submits_per_step: counts.submits / n, command_encoders_per_step: counts.encoders / n,
      buffers_created_per_step: counts.buffers / n, bind_groups_created_per_step: counts.bindGroups / n,
      pipelines_created_per_step: counts.pipelines / n, map_async_per_step: counts.mapAsync / n, queue_waits_per_step: counts.queueWaits / n,
    };
    if (gpuMs !== undefined) rec.gpu_ms_per_step = gpuMs;
    if (rec.dispatches_per_step !== vae.dispatchesPerStep) {
      log(`  note: counted ${rec.dispatches_per_step} dispatches per step, the runtime reports ${vae.dispatchesPerStep}`);
    }
    log(`  batch ${String(batch).padStart(4)}: ${ms.toFixed(2)} ms/step, ${Math.round(rec.samples_per_s)} samples/s over ${n} steps` +
      `${gpuMs !== undefined ? `, GPU ${gpuMs.toFixed(2)} ms` : ''}; ${rec.dispatches_per_step} dispatches, ${rec.submits_per_step} submits, ` +
      `${rec.buffers_created_per_step} buffers and ${rec.bind_groups_created_per_step} bind groups created per step`);
    return rec;
  } finally {
    vae.destroy();
  }
}

/** One epoch of `train` at `batch` (the last batch partial), timed up to the last loss. */
export async function benchEpoch(device: GPUDevice, cfg: Omit<VaeConfig, 'batch'>, batch: number, train: Dataset, log: (s: string) => void): Promise<EpochRecord> {
  const vae = await Vae.create({ device, config: { ...cfg, batch }, readbackEvery: READBACK_EVERY });
  try {
    const x = new Float32Array(batch * train.rows * train.cols);
    // Vae.create has compiled every pipeline; the epoch is timed as a user sees it, from the
    // first step to the last loss read back, batch filling on the host included.
    const t0 = performance.now();
    let steps = 0;
    for (const count of epochBatches(train, batch, 1, 1, x)) {
      await vae.step(x, count);
      steps++;
    }
    const losses = await vae.losses();
    const seconds = (performance.now() - t0) / 1000;
    if (losses.length !== steps) throw new Error(`epoch: ${losses.length} losses read back for ${steps} steps`);
    const bad = losses.find((l) => !Number.isFinite(l.loss));
    if (bad) throw new Error(`epoch: loss of step ${bad.step} is ${bad.loss}`);
    const rec: EpochRecord = {
      model: modelName(cfg), batch, images: train.count, steps, seconds, samples_per_s: train.count / seconds,
      first_loss: losses[0].loss, last_loss: losses[losses.length - 1].loss,
    };
    log(`  epoch: ${train.count} images in ${steps} steps: ${seconds.toFixed(2)} s; loss ${rec.first_loss.toFixed(1)} -> ${rec.last_loss.toFixed(1)}`);
    return rec;
  } finally {
    vae.destroy();
  }
}
