// Exact resume: a run saved after 2 epochs (or stopped mid-epoch) and resumed for the rest ends
// exactly where the uninterrupted run does: parameters, Adam moments, step and data order.
import { describe, expect, it } from 'vitest';
import { loadTrainState, saveTrainState, trainStatePath } from '../src/checkpoint/train_state.js';
import { resolveAdam } from '../src/config.js';
import { fingerprint, makeDataset } from '../src/data/dataset.js';
import { Trainer, vaeTask } from '../src/runtime/trainer.js';
import { Vae, type StepLoss, type TrainingState } from '../src/vae/vae.js';
import { seededUniform } from './util/data.js';
import { testGpu } from './util/gpu.js';

const config = { inputShape: [1, 4, 4], hidden: [8], latent: 2, batch: 4 };
const images = (n: number, seed: number) => ({ count: n, rows: 4, cols: 4, pixels: Uint8Array.from(seededUniform(n * 16, seed, 0, 255).map(Math.round)) });
const data = { train: makeDataset('tiny train', images(18, 1), null), test: makeDataset('tiny test', images(5, 2), null) };

/** A trainer of a fresh model (or of one built from `state`), recording every step's loss. */
async function trainer(losses: StepLoss[], from?: { state: TrainingState; epochsDone: number; epochStep: number }) {
  const { device } = await testGpu();
  const build = (d: GPUDevice, state: TrainingState | null) => Vae.create({ device: d, config, seed: 9, readbackEvery: 1, ...(state ? { state } : {}) });
  const vae = await build(device, from?.state ?? null);
  return Trainer.create(vae, vaeTask(data, 4, 9), {
    build, newDevice: async () => device, epochsDone: from?.epochsDone, epochStep: from?.epochStep,
    events: { losses: (l) => void losses.push(...l) },
  });
}

/** The run's state as a file and back, as the CLI and the page keep it. */
async function throughFile(t: Trainer<Vae, unknown>) {
  const state = await t.snapshot();
  const bytes = saveTrainState({
    state, config: t.model.config, adam: t.model.adam, seed: 9, beta: 1, klWarmup: 0, epochsDone: t.epochsDone, epochStep: t.epochStep,
    data: fingerprint(data.train), dataName: data.train.name,
  });
  return loadTrainState(bytes, 'run.state.safetensors');
}

describe('exact resume', () => {
  it('2 epochs, saved and resumed for 1, equal 3 epochs straight (bit for bit)', async () => {
    const straight: StepLoss[] = [];
    const s = await trainer(straight);
    s.epochs = 3;
    await s.run();
    const want = await s.model.snapshot();
    s.destroy();

    const first: StepLoss[] = [];
    const a = await trainer(first);
    a.epochs = 2;
    await a.run();
    const saved = await throughFile(a);
    a.destroy();
    expect(saved).toMatchObject({ epochsDone: 2, epochStep: 0, adam: resolveAdam({}), seed: 9 });
    expect(saved.state.step).toBe(10);

    const second: StepLoss[] = [];
    const b = await trainer(second, saved);
    b.epochs = 3;
    await b.run();
    const got = await b.model.snapshot();
    b.destroy();
    expect(got.step).toBe(15);
    expect(got).toEqual(want);
    expect([...first, ...second]).toEqual(straight);
  });

  it('stopped mid-epoch and resumed, the data order goes on where it stopped', async () => {
    const straight: StepLoss[] = [];
    const s = await trainer(straight);
    s.epochs = 2;
    await s.run();
    const want = await s.model.snapshot();
    s.destroy();

    const first: StepLoss[] = [];
    const a = await trainer(first);
    a.epochs = 2;
    let steps = 0;
    expect(await a.run({ shouldStop: () => steps >= 7, between: async () => void steps++ })).toBe('stopped');
    const saved = await throughFile(a);
    a.destroy();
    // `between` follows every step and every epoch's end: epoch 1's 5 steps, its end, then 1 step of epoch 2.
    expect(saved).toMatchObject({ epochsDone: 1, epochStep: 1 });
    expect(saved.state.step).toBe(6);

    const second: StepLoss[] = [];
    const b = await trainer(second, saved);
    b.epochs = 2;
    await b.run();
    expect(await b.model.snapshot()).toEqual(want);
    b.destroy();
    expect([...first, ...second]).toEqual(straight);
  });

  it('a state file that lies fails in one line', () => {
    expect(trainStatePath('runs/model.safetensors')).toBe('runs/model.state.safetensors');
    const bad = new Uint8Array(16);
    expect(() => loadTrainState(bad, 'x.state.safetensors')).toThrow(/^x\.state\.safetensors: /);
  });
});
