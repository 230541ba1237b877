/**
 * Small timing helpers of the training worker: a queue that runs async jobs one at a time, and
 * a way back to the event loop. (The samples-per-second meter is the trainer's.)
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
