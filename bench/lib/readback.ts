/**
 * What waiting on the GPU costs the training loop, apart from the GPU's own work: one wait on an
 * empty queue (`onSubmittedWorkDone`: about 0.5 ms in Chrome, about 100 ms in Firefox, which polls
 * its GPU process), and a small graph (a 200-node ring, identity features) trained through the
 * Trainer as `graph train` and the page do it, against its steps alone. On such a graph the step
 * is a few milliseconds, so an epoch's time is its waits: the loss drained, the guard's snapshot
 * and the validation embedding, which the trainer queues together so that they share one wait.
 */
import { GraphVae } from '../../src/graph/graph_vae.js';
import { graphTask } from '../../src/graph/graph_task.js';
import { splitEdges } from '../../src/graph/split.js';
import { Trainer } from '../../src/runtime/trainer.js';

/** The small graph's epochs and the wait they are made of. */
export interface ReadbackRecord {
  /** One `queue.onSubmittedWorkDone()` with nothing queued, median of 10. */
  idle_wait_ms: number;
  nodes: number;
  /** Trainer epochs, wall clock from one epoch's report to the next (step, loss drained, guard snapshot, validation AUC / AP), median after 2. */
  trainer_ms_per_epoch: number;
  /** The same steps back to back, the loss read once at the end. */
  steps_ms_per_epoch: number;
  epochs: number;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

/** Times the waits on `device` (the model is built there and destroyed after). */
export async function benchReadback(device: GPUDevice, epochs: number): Promise<ReadbackRecord> {
  const waits: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    await device.queue.onSubmittedWorkDone();
    waits.push(performance.now() - t0);
  }
  const n = 200;
  const pairs: number[] = [];
  for (let i = 0; i < n; i++) for (const k of [1, 2, 5]) pairs.push(i, (i + k) % n);
  const split = splitEdges(n, Uint32Array.from(pairs), { seed: 1, valFraction: 0.05, testFraction: 0.1 });
  const model = await GraphVae.create({ device, graph: { n, features: null, trainEdges: split.train }, seed: 1 });
  const ms: number[] = [];
  let last = 0;
  const trainer = await Trainer.create(model, graphTask(split), {
    build: () => Promise.reject(new Error('the benchmark does not recover lost devices')),
    newDevice: () => Promise.reject(new Error('no new device in the benchmark')),
    events: {
      epoch: () => {
        const now = performance.now();
        ms.push(now - last);
        last = now;
      },
    },
  });
  try {
    trainer.epochs = epochs;
    last = performance.now();
    await trainer.run();
    const t0 = performance.now();
    for (let i = 0; i < epochs; i++) await model.step();
    await model.losses();
    return { idle_wait_ms: median(waits), nodes: n, trainer_ms_per_epoch: median(ms.slice(2)), steps_ms_per_epoch: (performance.now() - t0) / epochs, epochs };
  } finally {
    trainer.destroy();
  }
}
