// The reference model learns real digits: 100 steps on the embedded MNIST training set.
import { expect, it } from 'vitest';
import { epochBatches } from '../src/data/dataset.js';
import { loadEmbedded } from '../src/node/data.js';
import { DivergenceGuard } from '../src/runtime/guard.js';
import { Vae, type StepLoss } from '../src/vae/vae.js';
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

it('the Gaussian decoder trains past a negative loss (a log density) without tripping the divergence check', async () => {
  const { device } = await testGpu();
  // Four 16-pixel patterns and sigma 0.05: the normaliser is 16 log(0.05 sqrt(2 pi)) = -33 nats,
  // so the loss crosses zero once the patterns are reconstructed to about 0.05 per pixel.
  const patterns = Array.from({ length: 4 }, (_, p) => Float32Array.from({ length: 16 }, (_, i) => ((p * 7 + i * 3) % 11) / 10));
  const vae = await Vae.create({
    device, seed: 1, adam: { lr: 1e-2 }, readbackEvery: 8,
    config: { inputSize: 16, hidden: [32], latent: 2, batch: 16, likelihood: 'gaussian', sigma: 0.05 },
  });
  // The divergence guard watches every loss as it comes back (and would roll back a diverged step).
  const guard = new DivergenceGuard(vae);
  const x = new Float32Array(16 * 16);
  for (let r = 0; r < 16; r++) x.set(patterns[r % 4], r * 16);
  const losses: StepLoss[] = [];
  for (let s = 0; s < 800 && !losses.some((l) => l.loss < -10); s += 8) {
    for (let i = 0; i < 8; i++) await vae.step(x);
    losses.push(...(await vae.losses()));
  }
  const diverged = guard.divergedAt;
  vae.destroy();
  const first = losses[0].loss;
  const lowest = Math.min(...losses.map((l) => l.loss));
  expect(first, 'first loss').toBeGreaterThan(0);
  expect(lowest, `lowest loss after ${losses.length} steps`).toBeLessThan(-10);
  expect(diverged, 'a step flagged as diverged').toBeNull();
});
