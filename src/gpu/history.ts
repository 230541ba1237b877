/**
 * Loss history read back without stalling the step loop.
 *
 * The loss kernel appends each step's totals to a small ring on the GPU (`history`). Every few
 * steps the step's command encoder also copies that ring into one of a few staging buffers,
 * which is mapped asynchronously after the submit. Only when every staging buffer is still in
 * flight does the host wait, which bounds how far it runs ahead of the GPU.
 */
import { HISTORY_RECORD_BYTES } from '../kernels/loss.js';
import type { GpuResources } from './resources.js';

/** The loss of one training step, summed over its rows and per image (negative ELBO in nats). */
export interface StepLoss {
  /** 1-based step number. */
  step: number;
  /** Rows that counted. */
  count: number;
  /** Reconstruction (BCE) summed over the rows. */
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
  /** The first step whose loss diverged (see `divergenceFactor`), until `resetTo`. */
  firstDiverged: number | null = null;
  /** Lowest per-image loss seen: a loss far above it counts as diverged (see lossExploded). */
  private best = Infinity;
  /** Called with each batch of records as it arrives (for live progress); drain() still returns them. */
  onRecords: ((records: StepLoss[]) => void) | null = null;

  constructor(
    private readonly res: GpuResources,
    /** Records in the ring: more than the steps between two copies. */
    readonly capacity: number,
    stagingBuffers: number,
    /** A step whose loss exceeds this factor times the lowest loss so far counts as diverged (see lossExploded). */
    readonly divergenceFactor = 100,
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
      const o = i * HISTORY_RECORD_BYTES;
      const step = view.getUint32(o + 12, true);
      if (step <= this.lastCollected || step > upTo) continue;
      const recon = view.getFloat32(o, true);
      const kl = view.getFloat32(o + 4, true);
      const count = view.getUint32(o + 8, true);
      const gradNorm = Math.sqrt(view.getFloat32(o + 16, true));
      fresh.push({ step, count, recon, kl, loss: (recon + kl) / count, gradNorm });
    }
    fresh.sort((a, b) => a.step - b.step);
    for (const r of fresh) {
      // Non-finite loss or gradient, or a loss finite only thanks to the logvar clamp: either way
      // training has left the rails.
      const bad = !Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm) || lossExploded(r.loss, this.best, this.divergenceFactor);
      if (bad && this.firstDiverged === null) this.firstDiverged = r.step;
      if (!bad) this.best = Math.min(this.best, r.loss);
    }
    if (fresh.length > 0) this.lastCollected = fresh[fresh.length - 1].step;
    this.collected.push(...fresh);
    if (fresh.length > 0) this.onRecords?.(fresh);
  }

  /**
   * After a restore to `step`: records of later steps (from the abandoned timeline) are dropped
   * as they arrive, and steps after `step` will be reported again when they are re-run.
   */
  resetTo(step: number): void {
    this.lastCollected = step;
    this.lastCopied = Math.min(this.lastCopied, step);
    this.firstDiverged = null;
    this.collected.splice(0);
  }

  /** Waits for every copy in flight and returns the records gathered since the last call. */
  async drain(): Promise<StepLoss[]> {
    await Promise.all(this.slots.map((s) => s.pending));
    if (this.failure) throw this.failure;
    return this.collected.splice(0);
  }
}

/**
 * Whether `loss` has exploded against the lowest loss so far: above `factor` times it for
 * losses of 1 nat or more, and in general more than (factor - 1) max(|best|, 1) above it. The
 * general form matters for the Gaussian decoder, whose loss is a negative log density and goes
 * below zero as it fits (its normaliser P log(sigma sqrt(2 pi)) is -1085 nats at sigma 0.1).
 */
export function lossExploded(loss: number, best: number, factor: number): boolean {
  if (best === Infinity) return false;
  return loss > best + (factor - 1) * Math.max(Math.abs(best), 1);
}
