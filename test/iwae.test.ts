// vae.logLikelihood (the IWAE bound on the GPU) against the float64 reference, and the bound's
// properties on a model trained on real digits: above the ELBO and rising with k.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { epochBatches, fillBatch, orderedBatches, subset } from '../src/data/dataset.js';
import { loadEmbedded } from '../src/node/data.js';
import { iwaeLogWeights, logMeanExp } from '../src/reference/iwae.js';
import { toRefParams } from '../src/reference/vae.js';
import { Vae } from '../src/vae/vae.js';
import { seededUniform } from './util/data.js';
import { testGpu } from './util/gpu.js';

describe('logLikelihood against the reference', () => {
  // Batch 8: k = 4 packs two images per pass, k = 8 one. (Several passes per image are checked
  // by the kernel test and, with GPU noise, on real digits below.)
  const cfg = resolveConfig({ inputSize: 13, hidden: [9], latent: 3, batch: 8 });
  const n = 3;
  const x = Float32Array.from(seededUniform(n * cfg.inputSize, 51, 0, 1));
  // Fixed noise (noise: 'buffer'): every pass reuses rows 0..stride-1 of eps.
  const eps = Float32Array.from(seededUniform(cfg.batch * cfg.latent, 52, -2, 2));

  for (const likelihood of ['bernoulli', 'gaussian'] as const) {
    it(`${likelihood}: k = 4 and 8 equal log-mean-exp of the reference log-weights`, async () => {
      const { device } = await testGpu();
      const config = { ...cfg, likelihood, sigma: 0.4 };
      const vae = await Vae.create({ device, config, seed: 5, noise: 'buffer' });
      vae.setNoise(eps);
      const params = toRefParams(await vae.readParameters());
      const L = cfg.latent;
      for (const k of [4, 8]) {
        const progress: number[] = [];
        const got = await vae.logLikelihood(x, n, k, (done, total) => progress.push(done / total));
        const stride = Math.min(k, cfg.batch);
        for (let g = 0; g < n; g++) {
          const img = x.subarray(g * cfg.inputSize, (g + 1) * cfg.inputSize);
          // Draw i uses eps row (image's slot in the pass) * stride + (i mod stride).
          const slot = g % Math.floor(cfg.batch / stride);
          const rows = Float64Array.from({ length: k * L }, (_, e) => eps[(slot * stride + (Math.floor(e / L) % stride)) * L + (e % L)]);
          const want = logMeanExp(iwaeLogWeights(params, config, img, rows));
          // A handful of f32 products with K <= 13 and sums of ~13 terms, each within ~1e-6
          // relative; 1e-4 relative to the value (at least 1e-4 absolute) leaves a wide margin.
          expect(Math.abs(got[g] - want), `k=${k} image ${g}: ${got[g]} vs ${want}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
        }
        expect(progress.at(-1), `k=${k} progress ends at 1`).toBe(1);
      }
      vae.destroy();
    });
  }

  it('refuses the autoencoder and bad sample counts in one line', async () => {
    const { device } = await testGpu();
    const ae = await Vae.create({ device, config: { ...cfg, kind: 'ae' } });
    await expect(ae.logLikelihood(x, n, 10)).rejects.toThrow(/autoencoder/);
    ae.destroy();
    const vae = await Vae.create({ device, config: cfg });
    await expect(vae.logLikelihood(x, n, 0)).rejects.toThrow(/samples=0/);
    await expect(vae.logLikelihood(x, n, 2.5)).rejects.toThrow(/samples=2.5/);
    await expect(vae.logLikelihood(x.subarray(0, 20), 2, 10)).rejects.toThrow(/not a whole number/);
    vae.destroy();
    const fixed = await Vae.create({ device, config: cfg, noise: 'buffer' });
    await expect(fixed.logLikelihood(x, n, 12)).rejects.toThrow("samples=12 is more than the batch (8), and noise: 'buffer' gives every pass the same eps rows");
    fixed.destroy();
  });
});

describe('the bound on real digits', () => {
  it('L_1 < L_50 < L_500, L_50 above the ELBO, and every L_k below 0 (a log-probability of binary-ish pixels)', async () => {
    const { device } = await testGpu();
    const { train, test } = await loadEmbedded();
    const config = resolveConfig({ hidden: [64], latent: 8, batch: 128 });
    const vae = await Vae.create({ device, config, seed: 2 });
    const xb = new Float32Array(config.batch * config.inputSize);
    // 120 steps (two epochs of 7,680 digits would be 120 at batch 128): a model whose posterior is
    // far from the prior, where the bounds separate by several nats.
    let steps = 0;
    for (let epoch = 0; steps < 120; epoch++) {
      for (const count of epochBatches(train, config.batch, 2, epoch, xb)) {
        await vae.step(xb, count);
        if (++steps === 120) break;
      }
    }
    await vae.losses();
    const n = 24;
    const few = subset(test, 0, n);
    const x = new Float32Array(n * config.inputSize);
    fillBatch(x, few, Uint32Array.from({ length: n }, (_, i) => i), 0, n);
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    const l1 = mean(await vae.logLikelihood(x, n, 1));
    const l50 = mean(await vae.logLikelihood(x, n, 50));
    const l500 = mean(await vae.logLikelihood(x, n, 500));
    const buf = new Float32Array(config.batch * config.inputSize);
    const elbo = -(await vae.evaluate(orderedBatches(few, config.batch, buf), buf)).loss;
    // Expected gaps are several nats; Monte Carlo noise of a mean over 24 images at k >= 50 is
    // well under one nat, and L_1 (a one-draw ELBO) scatters by a few nats around the ELBO.
    expect(l50, `L_50 ${l50} vs L_1 ${l1}`).toBeGreaterThan(l1 + 1);
    // L_500 - L_50 is about 1 nat here; the noise is seeded, so this is deterministic per adapter.
    expect(l500, `L_500 ${l500} vs L_50 ${l50}`).toBeGreaterThan(l50);
    expect(l50, `L_50 ${l50} vs ELBO ${elbo}`).toBeGreaterThan(elbo + 1);
    expect(Math.abs(l1 - elbo), `L_1 ${l1} vs ELBO ${elbo}`).toBeLessThan(10);
    expect(l500).toBeLessThan(0);
    vae.destroy();
  });
});
