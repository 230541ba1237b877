/**
 * Loss history read back without stalling the step loop.
 *
 * The loss kernel appends each step's totals to a small ring on the GPU (`history`). Every few
 * steps the step's command encoder also copies that ring into one of a few staging buffers,
 * which is mapped asynchronously after the submit. Only when every staging buffer is still in
 * flight does the host wait, which bounds how far it runs ahead of the GPU.
 *
 * This is transport only: it reports each record once, to its listeners and to `drain()`.
 * Whether a loss means training diverged is the guard's decision (src/runtime/guard.ts).
 */
import recordSource from '../../shaders/common/record.wgsl';
import { offsetOf, structOf } from './layout.js';
import type { GpuResources } from './resources.js';

const RECORD = structOf(recordSource, 'Record');
/** Bytes of one history record (`struct Record`, shaders/common/record.wgsl): f32 recon, f32 kl, u32 count, u32 t, f32 grad_sq, 3 pad words. */
export const HISTORY_RECORD_BYTES = RECORD.size;
const AT = {
  recon: offsetOf(RECORD, 'recon'), kl: offsetOf(RECORD, 'kl'), count: offsetOf(RECORD, 'count'), t: offsetOf(RECORD, 't'), gradSq: offsetOf(RECORD, 'grad_sq'),
};

/** Record i of a ring read back into `view`, by member name. */
export function readRecord(view: DataView, i: number): { recon: number; kl: number; count: number; t: number; gradSq: number } {
  const o = i * HISTORY_RECORD_BYTES;
  return {
    recon: view.getFloat32(o + AT.recon, true), kl: view.getFloat32(o + AT.kl, true), count: view.getUint32(o + AT.count, true),
    t: view.getUint32(o + AT.t, true), gradSq: view.getFloat32(o + AT.gradSq, true),
  };
}

/** The loss of one training step, summed over its rows and per image (negative ELBO in nats). */
export interface StepLoss {
  /** 1-based step number. */
  step: number;
  /** Rows that counted. */
  count: number;
  /** Reconstruction term (-log p(x|z): BCE for the Bernoulli decoder, the Gaussian negative log density otherwise) summed over the rows. */
  recon: number;
  /** KL summed over the rows. */
  kl: number;
  /** (recon + kl) / count: the figure the PyTorch example reports. */
  loss: number;
  /** L2 norm of the step's whole gradient (of the summed loss). */
  gradNorm: number;
}

interface Slot {
  buffer: GPUBuffer;
  pending: Promise<void> | null;
  /** Highest step the copy in this slot covers. */
  upTo: number;
}

/** The GPU-side ring and its staging buffers. */
export class LossHistory {
  readonly ring: GPUBuffer;
  private readonly slots: Slot[];
  private readonly collected: StepLoss[] = [];
  private lastCollected = 0;
  private lastCopied = 0;
  private failure: Error | null = null;
  private readonly listeners = new Set<(records: StepLoss[]) => void>();

  constructor(
    res: GpuResources,
    /** Records in the ring: more than the steps between two copies. */
    readonly capacity: number,
    stagingBuffers: number,
  ) {
    this.ring = res.storage('loss.history', capacity * HISTORY_RECORD_BYTES);
    this.slots = Array.from({ length: stagingBuffers }, (_, i) => ({
      buffer: res.buffer(`loss.history.staging${i}`, capacity * HISTORY_RECORD_BYTES, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ),
      pending: null,
      upTo: 0,
    }));
  }

  /** Ring slot of step t. */
  slotOf(t: number): number {
    return (t - 1) % this.capacity;
  }

  /** Steps finished on the host side but not yet covered by a copy. */
  uncopied(t: number): number {
    return t - this.lastCopied;
  }

  /**
   * A staging buffer free for a copy, waiting for the oldest in-flight one if all are busy.
   * Call before encoding the step that will copy.
   */
  async acquire(): Promise<Slot> {
    const free = this.slots.find((s) => s.pending === null);
    if (free) return free;
    const oldest = this.slots.reduce((a, b) => (a.upTo < b.upTo ? a : b));
    await oldest.pending;
    return oldest;
  }

  /** Records the copy of the ring into `slot`, in `encoder`, covering steps up to t. */
  encodeCopy(encoder: GPUCommandEncoder, slot: Slot, t: number): void {
    encoder.copyBufferToBuffer(this.ring, 0, slot.buffer, 0, this.ring.size);
    slot.upTo = t;
    this.lastCopied = t;
  }

  /** Starts the asynchronous map of `slot`; call right after the submit holding its copy. */
  startMap(slot: Slot): void {
    const upTo = slot.upTo;
    slot.pending = slot.buffer
      .mapAsync(GPUMapMode.READ)
      .then(() => {
        this.collect(new DataView(slot.buffer.getMappedRange()), upTo);
        slot.buffer.unmap();
      })
      .catch((e: unknown) => {
        this.failure ??= new Error(`loss readback failed: ${(e as Error).message ?? String(e)}`);
      })
      .finally(() => {
        slot.pending = null;
      });
  }

  private collect(view: DataView, upTo: number): void {
    const fresh: StepLoss[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const { t: step, recon, kl, count, gradSq } = readRecord(view, i);
      if (step <= this.lastCollected || step > upTo) continue;
      fresh.push({ step, count, recon, kl, loss: (recon + kl) / count, gradNorm: Math.sqrt(gradSq) });
    }
    fresh.sort((a, b) => a.step - b.step);
    if (fresh.length === 0) return;
    this.lastCollected = fresh[fresh.length - 1].step;
    this.collected.push(...fresh);
    for (const f of this.listeners) f(fresh);
  }

  /**
   * Calls `f` with each batch of records as it arrives (for live progress and the divergence
   * guard); drain() still returns them. Returns a function that removes `f`.
   */
  listen(f: (records: StepLoss[]) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  /**
   * After a restore to `step`: records of later steps (from the abandoned timeline) are dropped
   * as they arrive, and steps after `step` will be reported again when they are re-run.
   */
  resetTo(step: number): void {
    this.lastCollected = step;
    this.lastCopied = Math.min(this.lastCopied, step);
    this.collected.splice(0);
  }

  /** Waits for every copy in flight and returns the records gathered since the last call. */
  async drain(): Promise<StepLoss[]> {
    await Promise.all(this.slots.map((s) => s.pending));
    if (this.failure) throw this.failure;
    return this.collected.splice(0);
  }
}
