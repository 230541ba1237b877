// The reference model learns real digits: 100 steps on the embedded MNIST training set.
import { expect, it } from 'vitest';
import { epochBatches } from '../src/data/dataset.js';
import { loadEmbedded } from '../src/node/data.js';
import { Vae, type StepLoss } from '../src/vae.js';
import { testGpu } from './util/gpu.js';

it('100 steps of the reference model on real digits take the loss from over 500 to well under 250 nats', async () => {
  const { device } = await testGpu();
  const { train } = await loadEmbedded();
  const vae = await Vae.create({ device, seed: 1 });
  const { batch, inputSize } = vae.config;
  const x = new Float32Array(batch * inputSize);
  const losses: StepLoss[] = [];
  for (let epoch = 1; losses.length + vae.steps < 100 && vae.steps < 100; epoch++) {
    for (const count of epochBatches(train, batch, 1, epoch, x)) {
      if (vae.steps === 100) break;
      await vae.step(x, count);
    }
  }
  losses.push(...(await vae.losses()));
  vae.destroy();
  expect(losses.map((l) => l.step)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  expect(losses.every((l) => Number.isFinite(l.loss))).toBe(true);
  // A freshly initialised decoder outputs ~0.5 everywhere: BCE ~ 784 ln 2 = 543 nats.
  expect(losses[0].loss).toBeGreaterThan(500);
  const last10 = losses.slice(-10).reduce((s, l) => s + l.loss, 0) / 10;
  // The PyTorch example is near 200 nats after one epoch (63 steps) on this split.
  expect(last10).toBeLessThan(220);
});
