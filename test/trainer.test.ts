// The one training loop (src/runtime/trainer.ts) that the CLI and the page drive: epochs and their
// events, a step cap that still ends and evaluates the epoch, stopping, rollbacks reported as
// notices, a divergence caught by type with the model back at its last good state, and a new
// learning rate from the same state.
import { describe, expect, it } from 'vitest';
import { DivergedError } from '../src/runtime/errors.js';
import { Trainer, vaeTask, type EpochEnd, type TrainerNotice, type TrainingTask } from '../src/runtime/trainer.js';
import { makeDataset } from '../src/data/dataset.js';
import { Vae, type EvalResult, type StepLoss, type TrainingState } from '../src/vae/vae.js';
import { seededUniform } from './util/data.js';
import { testGpu } from './util/gpu.js';

const config = { inputSize: 16, hidden: [8], latent: 2, batch: 4 };

/** 20 training and 6 test images of 4x4 pixels, with labels. */
function tinySplit() {
  const images = (n: number, seed: number) => ({ count: n, rows: 4, cols: 4, pixels: Uint8Array.from(seededUniform(n * 16, seed, 0, 255).map(Math.round)) });
  return {
    train: makeDataset('tiny train', images(20, 1), new Uint8Array(20)),
    test: makeDataset('tiny test', images(6, 2), new Uint8Array(6)),
  };
}

async function trainerOf(events: { epochs: EpochEnd<EvalResult>[]; notices: TrainerNotice[]; losses: StepLoss[] }, task?: TrainingTask<Vae, EvalResult>) {
  const { device } = await testGpu();
  const build = (d: GPUDevice, state: TrainingState | null, lr = 1e-3) => Vae.create({ device: d, config, adam: { lr }, readbackEvery: 1, ...(state ? { state } : {}) });
  const vae = await build(device, null);
  return Trainer.create(vae, task ?? vaeTask(tinySplit(), 4, 1), {
    build, newDevice: async () => device, guard: { every: 2 },
    events: {
      epoch: (e) => void events.epochs.push(e),
      notice: (n) => void events.notices.push(n),
      losses: (l) => void events.losses.push(...l),
    },
  });
}

describe('Trainer', () => {
  it('trains epochs of ceil(20 / 4) steps, reporting each with its evaluation and every loss once', async () => {
    const ev = { epochs: [] as EpochEnd<EvalResult>[], notices: [] as TrainerNotice[], losses: [] as StepLoss[] };
    const t = await trainerOf(ev);
    t.epochs = 2;
    expect(await t.run()).toBe('done');
    expect(ev.epochs.map((e) => [e.epoch, e.step, e.steps, e.samples])).toEqual([[1, 5, 5, 20], [2, 10, 5, 20]]);
    expect(ev.losses.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const e of ev.epochs) {
      expect(e.evaluation.count).toBe(6);
      expect(Number.isFinite(e.trainLoss) && Number.isFinite(e.evaluation.loss)).toBe(true);
    }
    expect(t.planDone).toBe(true);
    expect(t.progress()).toMatchObject({ epoch: 2, epochs: 2, step: 10, totalSteps: 10, fraction: 1 });
    // Planning more epochs continues from the next one.
    t.epochs = 3;
    expect(t.planDone).toBe(false);
    await t.run({ maxSteps: 2 });
    // A step cap ends the epoch in progress early, and it is still evaluated.
    expect(ev.epochs.map((e) => [e.epoch, e.step, e.steps])).toEqual([[1, 5, 5], [2, 10, 5], [3, 12, 2]]);
    t.destroy();
  });

  it('stops when asked, after settling the losses, and resumes the same epoch', async () => {
    const ev = { epochs: [] as EpochEnd<EvalResult>[], notices: [] as TrainerNotice[], losses: [] as StepLoss[] };
    const t = await trainerOf(ev);
    t.epochs = 1;
    let steps = 0;
    expect(await t.run({ shouldStop: () => steps >= 3, between: async () => void steps++ })).toBe('stopped');
    expect(t.epochStep).toBe(3);
    expect(t.goodState?.step).toBe(3);
    expect(ev.epochs).toEqual([]);
    expect(await t.run()).toBe('done');
    expect(ev.epochs.map((e) => [e.epoch, e.step])).toEqual([[1, 5]]);
    t.destroy();
  });

  it('reports a rollback as a notice and throws DivergedError once the guard gives up, back at the last good state', async () => {
    const ev = { epochs: [] as EpochEnd<EvalResult>[], notices: [] as TrainerNotice[], losses: [] as StepLoss[] };
    const x = new Float32Array(4 * 16);
    // Three good steps, then NaN inputs for ever.
    let n = 0;
    const task: TrainingTask<Vae, EvalResult> = {
      stepsPerEpoch: 100, batch: 4,
      *batches() {
        for (;;) {
          x.set(seededUniform(64, ++n, 0, 1).map((v) => (n > 3 ? NaN : v)));
          yield 4;
        }
      },
      step: (vae, count) => vae.step(x, count),
      evaluate: async () => ({ count: 0, recon: 0, kl: 0, loss: NaN }),
    };
    const t = await trainerOf(ev, task);
    const err = await t.run().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DivergedError);
    expect((err as DivergedError).message).toMatch(/^training diverged: the loss of step \d+ is not finite or exploded after 3 rollbacks to step 2; lower the learning rate \(lr=0\.001\)$/);
    expect(ev.notices.map((e) => e.kind)).toEqual(['rollback', 'rollback', 'rollback']);
    expect(ev.notices[0]).toMatchObject({ kind: 'rollback', toStep: 2, failures: 1 });
    // No loss of a diverged step was passed on.
    expect(ev.losses.every((l) => Number.isFinite(l.loss))).toBe(true);
    expect(t.model.steps).toBe(2);
    const params = await t.model.readParameters();
    for (const [name, v] of params) expect(v.every(Number.isFinite), name).toBe(true);
    // A new learning rate continues from the same state on a new model.
    const before = t.model;
    const { device } = await testGpu();
    await t.rebuild((d, state) => Vae.create({ device: d ?? device, config, adam: { lr: 1e-4 }, readbackEvery: 1, ...(state ? { state } : {}) }));
    expect(t.model).not.toBe(before);
    expect(t.model.adam.lr).toBe(1e-4);
    expect(t.model.steps).toBe(2);
    expect(await t.model.readParameters()).toEqual(params);
    t.destroy();
  });
});

it('destroy() takes the model\'s error listener off a device the application keeps', async () => {
  const { device } = await testGpu();
  const added: EventListenerOrEventListenerObject[] = [];
  const removed: EventListenerOrEventListenerObject[] = [];
  const d = device as GPUDevice & { addEventListener: typeof device.addEventListener; removeEventListener: typeof device.removeEventListener };
  const orig = { add: d.addEventListener, remove: d.removeEventListener };
  d.addEventListener = ((type: string, l: EventListenerOrEventListenerObject, o?: unknown) => {
    if (type === 'uncapturederror') added.push(l);
    return orig.add.call(device, type as 'uncapturederror', l as never, o as never);
  }) as typeof d.addEventListener;
  d.removeEventListener = ((type: string, l: EventListenerOrEventListenerObject, o?: unknown) => {
    if (type === 'uncapturederror') removed.push(l);
    return orig.remove.call(device, type as 'uncapturederror', l as never, o as never);
  }) as typeof d.removeEventListener;
  try {
    for (let i = 0; i < 3; i++) (await Vae.create({ device, config })).destroy();
  } finally {
    d.addEventListener = orig.add;
    d.removeEventListener = orig.remove;
  }
  expect(added).toHaveLength(3);
  expect(removed).toEqual(added);
});
