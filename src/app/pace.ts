/**
 * Small timing helpers of the training worker: a queue that runs async jobs one at a time, a
 * way back to the event loop, and a samples-per-second meter over a sliding window.
 */

/** Runs async jobs one after another, in the order they were queued. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const r = this.tail.then(job);
    this.tail = r.catch(() => undefined);
    return r;
  }
}

/** Resolves on the next task of the event loop (unthrottled, unlike a nested setTimeout). */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(0);
  });
}

/**
 * Samples per second over the last `windowMs`. Steps are timed when submitted, so with a few
 * in flight on the GPU the figure means something only over more steps than that (`minSteps`)
 * and at least a second; before that it is 0 (unknown).
 */
export class RateMeter {
  private marks: { t: number; n: number }[] = [];

  constructor(
    private readonly minSteps: number,
    private readonly windowMs = 8000,
  ) {}

  reset(): void {
    this.marks = [];
  }

  /** Records a step of `n` samples submitted now. */
  add(n: number, now = performance.now()): void {
    this.marks.push({ t: now, n });
    while (this.marks.length > 2 && now - this.marks[0].t > this.windowMs) this.marks.shift();
  }

  /** Samples per second, or 0 while unknown. */
  get perSecond(): number {
    const m = this.marks;
    if (m.length <= this.minSteps) return 0;
    const span = m[m.length - 1].t - m[0].t;
    if (span < 1000) return 0;
    let n = 0;
    for (let i = 1; i < m.length; i++) n += m[i].n;
    return (n / span) * 1000;
  }
}
