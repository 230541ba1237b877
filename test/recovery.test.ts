// Device loss mid-run: training notices, rebuilds on a new device from the last good state and
// finishes; nothing hangs on the readbacks that were in flight.
import { expect, it } from 'vitest';
import { runTraining, type EpochReport } from '../src/cli/train.js';
import { Trainer, vaeTask } from '../src/runtime/trainer.js';
import { subset } from '../src/data/dataset.js';
import { loadEmbedded } from '../src/node/data.js';
import { requestNodeGpu } from '../src/node/gpu.js';
import { Vae, type TrainingState } from '../src/vae/vae.js';

it('recovers from a destroyed device mid-run and finishes training', async () => {
  const { train, test } = await loadEmbedded();
  const data = { train: subset(train, 0, 512), test: subset(test, 0, 128) };
  const config = { inputSize: 784, hidden: [32], latent: 2, batch: 64 };
  const gpus = [await requestNodeGpu()];
  const first = await Vae.create({ device: gpus[0].device, config, readbackEvery: 2 });
  const reports: EpochReport[] = [];
  const logs: string[] = [];
  const newDevice = async () => {
    const g = await requestNodeGpu();
    gpus.push(g);
    return g.device;
  };
  const build = (device: GPUDevice, state: TrainingState | null) => Vae.create({ device, config, readbackEvery: 2, ...(state ? { state } : {}) });
  const emit = (r: EpochReport) => {
    reports.push(r);
    if (r.epoch === 1 && !r.final) gpus[0].device.destroy(); // the driver resets after epoch 1
  };
  const trainer = await Trainer.create(first, vaeTask(data, 64, 1), { build, newDevice });
  const out = await runTraining(trainer, { epochs: 3, maxSteps: null }, emit, null, (s) => logs.push(s), () => false);
  try {
    expect(logs.some((l) => /GPU device lost \(destroyed\).*continuing on a new device from step 8/.test(l)), logs.join('\n')).toBe(true);
    expect(gpus.length).toBe(2);
    expect(reports.map((r) => r.epoch)).toEqual([1, 2, 3, 3]);
    // Epoch 1's 8 steps survive (snapshot at its end). The loss is noticed asynchronously, so the
    // first one or two batches of epoch 2 are lost with the device; the rest (14-15) ran on the
    // new device. 24 batches in all.
    expect(out.state.step).toBeGreaterThanOrEqual(22);
    expect(out.state.step).toBeLessThanOrEqual(23);
    expect(Number.isFinite(out.final!.test_loss)).toBe(true);
    expect(out.final!.test_loss).toBeLessThan(reports[0].test_loss);
  } finally {
    out.vae.destroy();
    for (const g of gpus) g.device.destroy();
  }
});
