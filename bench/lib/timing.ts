/**
 * Timing of prepared dispatches on the GPU.
 *
 * With `timestamp-query`, each sample is one compute pass of n copies of the dispatches with a
 * timestamp written at its start and end (resolved into a query set, read back once): the
 * GPU's own clock, free of submit and readback overheads. Chrome rounds timestamps to 100 us
 * unless WebGPU developer features are on (`--enable-webgpu-developer-features`), so n is
 * chosen to make a pass last far longer than that. Without timestamps, each sample is one
 * submit of a pass of n copies timed on the host between two queue completions, so the fixed
 * cost of a submit and a completion is spread over n dispatches.
 */
import { encodeDispatches, type Dispatch } from '../../src/gpu/resources.js';

/** How a figure was timed. */
export type TimingMethod = 'timestamp-query' | 'wall-clock';

/** One timed measurement. */
export interface Timing {
  /** Median over samples of the time per copy of the dispatch list, in ms. */
  ms: number;
  /** Copies of the dispatch list per sample. */
  reps: number;
  samples: number;
  method: TimingMethod;
  /** Timestamp mode: every raw timestamp was a multiple of 100 us (Chrome's quantization). */
  quantized?: boolean;
}

/** How much timing to spend. */
export interface TimingBudget {
  /** Aim for samples of about this many ms each. */
  sampleMs: number;
  samples: number;
  /** Copies per sample at most (real GPUs: short kernels need many). */
  maxReps: number;
}

const QUANTUM_NS = 100_000n;

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

/** Times dispatch lists on one device; owns its query set and readback buffers. */
export class DispatchTimer {
  private readonly querySet: GPUQuerySet | null;
  private readonly resolve: GPUBuffer | null;
  private readonly read: GPUBuffer | null;
  private readonly maxSamples = 16;

  constructor(
    readonly device: GPUDevice,
    useTimestamps: boolean,
  ) {
    const ts = useTimestamps && device.features.has('timestamp-query');
    this.querySet = ts ? device.createQuerySet({ label: 'bench.timestamps', type: 'timestamp', count: 2 * this.maxSamples }) : null;
    const bytes = 2 * this.maxSamples * 8;
    this.resolve = ts ? device.createBuffer({ label: 'bench.timestamps.resolve', size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : null;
    this.read = ts ? device.createBuffer({ label: 'bench.timestamps.read', size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) : null;
  }

  /** Whether this timer uses timestamp queries. */
  get method(): TimingMethod {
    return this.querySet ? 'timestamp-query' : 'wall-clock';
  }

  /** Submits `n` copies of `dispatches` in one pass and waits for the queue; returns host ms. */
  async run(dispatches: readonly Dispatch[], n: number): Promise<number> {
    await this.device.queue.onSubmittedWorkDone();
    const t0 = performance.now();
    const enc = this.device.createCommandEncoder({ label: 'bench.run' });
    const pass = enc.beginComputePass({ label: 'bench.run' });
    for (let i = 0; i < n; i++) encodeDispatches(pass, dispatches);
    pass.end();
    this.device.queue.submit([enc.finish()]);
    await this.device.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  }

  /**
   * Warms up (pipeline first use), picks copies per sample from one timed copy, then takes
   * `budget.samples` samples. The inputs are left as the last copy wrote them.
   */
  async time(dispatches: readonly Dispatch[], budget: TimingBudget): Promise<Timing> {
    await this.run(dispatches, 1);
    const one = await this.run(dispatches, 1);
    const reps = Math.max(1, Math.min(budget.maxReps, Math.ceil(budget.sampleMs / Math.max(one, 1e-3))));
    const samples = Math.min(this.maxSamples, Math.max(1, budget.samples));
    if (this.querySet) {
      const t = await this.timestamps(dispatches, reps, samples);
      if (t) return t;
    }
    const ms: number[] = [];
    for (let s = 0; s < samples; s++) ms.push((await this.run(dispatches, reps)) / reps);
    return { ms: median(ms), reps, samples, method: 'wall-clock' };
  }

  /** Timestamp samples, or null when the adapter's clock gave nothing usable (all zero deltas). */
  private async timestamps(dispatches: readonly Dispatch[], reps: number, samples: number): Promise<Timing | null> {
    const qs = this.querySet!;
    const enc = this.device.createCommandEncoder({ label: 'bench.timestamps' });
    for (let s = 0; s < samples; s++) {
      const pass = enc.beginComputePass({
        label: `bench.sample${s}`,
        timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 2 * s, endOfPassWriteIndex: 2 * s + 1 },
      });
      for (let i = 0; i < reps; i++) encodeDispatches(pass, dispatches);
      pass.end();
    }
    enc.resolveQuerySet(qs, 0, 2 * samples, this.resolve!, 0);
    enc.copyBufferToBuffer(this.resolve!, 0, this.read!, 0, 2 * samples * 8);
    this.device.queue.submit([enc.finish()]);
    await this.read!.mapAsync(GPUMapMode.READ);
    const raw = new BigUint64Array(this.read!.getMappedRange().slice(0, 2 * samples * 8));
    this.read!.unmap();
    const ms: number[] = [];
    let quantized = true;
    for (let s = 0; s < samples; s++) {
      const [a, b] = [raw[2 * s], raw[2 * s + 1]];
      if (a % QUANTUM_NS !== 0n || b % QUANTUM_NS !== 0n) quantized = false;
      if (b > a) ms.push(Number(b - a) / 1e6 / reps);
    }
    if (ms.length < Math.ceil(samples / 2)) return null;
    return { ms: median(ms), reps, samples, method: 'timestamp-query', quantized };
  }

  /** Releases the query set and buffers. */
  destroy(): void {
    this.querySet?.destroy();
    this.resolve?.destroy();
    this.read?.destroy();
  }
}
