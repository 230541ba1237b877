// The denoising objectives: training and evaluation on corrupted inputs scored against the
// clean ones, against the float64 reference; training without corruption is unchanged bit for
// bit; denoise() gives the corrupted rows and their reconstructions.
import { describe, expect, it } from 'vitest';
import { resolveAdam, resolveConfig, type Corruption, type VaeConfig } from '../src/config.js';
import { initParameters } from '../src/model/init.js';
import { layerSpecs } from '../src/model/describe.js';
import { corruptRows } from '../src/reference/corrupt.js';
import { adamUpdate, toRefParams, vaeBackward, vaeForward } from '../src/reference/vae.js';
import { Vae } from '../src/vae/vae.js';
import { expectClose } from './util/compare.js';
import { seededUniform } from './util/data.js';
import { testGpu } from './util/gpu.js';

const maxAbs = (a: ArrayLike<number>) => a.length === 0 ? 0 : Math.max(...Array.from(a, Math.abs));
/** The first evaluation pass's noise counter (evaluation passes count from 2^31). */
const FIRST_EVAL = 0x80000001;

function inputs(cfg: VaeConfig, seed: number) {
  const x = Float32Array.from(seededUniform(cfg.batch * cfg.inputSize, seed, 0, 1));
  const eps = Float32Array.from(seededUniform(cfg.batch * cfg.latent, seed + 1, -2, 2));
  return { x, eps };
}

describe('a denoising training step equals the reference', () => {
  const mlp = { inputSize: 13, hidden: [9], latent: 3, batch: 5 };
  // The conv VAE on 1 x 8 x 8 images with odd channel counts: 29 dispatches, 30 with the corruption.
  const conv = { arch: 'conv' as const, inputShape: [1, 8, 8], channels: [3, 5], dense: 7, latent: 3, batch: 5 };
  const cases: [string, Corruption, number, typeof mlp | typeof conv, number][] = [
    ['mask:0.25, odd sizes, partial batch (4 of 5 rows)', { kind: 'mask', amount: 0.25 }, 4, mlp, 18],
    ['saltpepper:0.2, odd sizes', { kind: 'saltpepper', amount: 0.2 }, 5, mlp, 18],
    ['gauss:0.3, the conv VAE, partial batch (3 of 5 rows)', { kind: 'gauss', amount: 0.3 }, 3, conv, 30],
  ];
  for (const [name, corrupt, count, sizes, dispatches] of cases) {
    it(name, async () => {
      const cfg = resolveConfig({ ...sizes, corrupt });
      const { device } = await testGpu();
      const init = initParameters(layerSpecs(cfg), 3);
      const vae = await Vae.create({ config: cfg, device, noise: 'buffer', parameters: init, seed: 3 });
      const { x, eps } = inputs(cfg, 20);
      vae.setNoise(eps);
      expect(vae.dispatchesPerStep).toBe(dispatches);
      await vae.step(x, count);
      const [loss] = await vae.losses();
      const grads = await vae.readGradients();
      const after = await vae.readParameters();
      vae.destroy();
      // The encoder saw the corruption of step 1 under seed 3; the loss scored the clean rows.
      const seen = corruptRows(x, cfg.batch, cfg.inputSize, corrupt, 3, 1);
      expect(seen.some((v, i) => v !== x[i]), 'some pixels corrupted').toBe(true);
      const ref = toRefParams(init);
      const fwd = vaeForward(ref, cfg, seen, eps, count, 1, x);
      const refGrads = vaeBackward(ref, cfg, fwd, eps);
      const refLoss = fwd.loss.reconSum + fwd.loss.klSum;
      // Tolerances as in test/vae.test.ts and test/conv_vae.test.ts: f32 sums and chained
      // products with short reductions (the convolutions' weight gradients sum over more terms).
      expect(Math.abs(loss.recon + loss.kl - refLoss) / refLoss, `loss ${loss.recon + loss.kl} vs ${refLoss}`).toBeLessThan(1e-5);
      const gradTol = cfg.arch === 'conv' ? 2e-4 : 1e-4;
      for (const [tensor, want] of refGrads) expectClose(`grad ${tensor}`, grads.get(tensor)!, want, gradTol * maxAbs(want), 1e-4);
      for (const [tensor, p0] of init) {
        const p = Float64Array.from(p0);
        adamUpdate(p, Float64Array.from(grads.get(tensor)!), { m: new Float64Array(p.length), v: new Float64Array(p.length) }, resolveAdam({}), 1);
        expectClose(`param ${tensor}`, after.get(tensor)!, p, 1e-6, 1e-6);
      }
      // Scoring the corrupted rows instead would give another loss: the target really is the clean input.
      const wrong = vaeForward(ref, cfg, seen, eps, count).loss;
      expect(Math.abs(wrong.reconSum - fwd.loss.reconSum)).toBeGreaterThan(1e-3);
    });
  }
});

describe('without corruption nothing changes', () => {
  it('a model with mask:0 trains bit for bit like one without, which keeps its 17 dispatches', async () => {
    const { device } = await testGpu();
    const base = { inputSize: 13, hidden: [9], latent: 3, batch: 5 };
    const plain = await Vae.create({ config: base, device, seed: 4, readbackEvery: 1 });
    const masked = await Vae.create({ config: { ...base, corrupt: { kind: 'mask', amount: 0 } }, device, seed: 4, readbackEvery: 1 });
    // encoder 2, sample 1, decoder 2, loss 2, backward 8, optimizer 2.
    expect(plain.dispatchesPerStep).toBe(17);
    expect(masked.dispatchesPerStep).toBe(plain.dispatchesPerStep + 1);
    for (let s = 0; s < 6; s++) {
      const x = Float32Array.from(seededUniform(5 * 13, 50 + s, 0, 1));
      await plain.step(x);
      await masked.step(x);
    }
    expect(await masked.losses()).toEqual(await plain.losses());
    expect(await masked.readParameters()).toEqual(await plain.readParameters());
    plain.destroy();
    masked.destroy();
  });
});

describe('evaluation and denoise on corrupted inputs', () => {
  const cfg = resolveConfig({ inputSize: 13, hidden: [9], latent: 3, batch: 4 });
  const corrupt: Corruption = { kind: 'mask', amount: 0.5 };

  it('evaluate({ corrupt }) scores the clean rows of corrupted inputs, as the reference does', async () => {
    const { device } = await testGpu();
    const vae = await Vae.create({ config: cfg, device, noise: 'buffer', seed: 6 });
    const { x, eps } = inputs(cfg, 30);
    vae.setNoise(eps);
    const ref = toRefParams(await vae.readParameters());
    const r = await vae.evaluate([4], x, { corrupt });
    const seen = corruptRows(x, 4, 13, corrupt, 6, FIRST_EVAL);
    const want = vaeForward(ref, cfg, seen, eps, 4, 1, x).loss;
    expect(Math.abs(r.recon + r.kl - (want.reconSum + want.klSum)) / (want.reconSum + want.klSum)).toBeLessThan(1e-5);
    // Without the option the same model is scored on the inputs as given.
    const clean = await vae.evaluate([4], x);
    const plain = vaeForward(ref, cfg, x, eps, 4).loss;
    expect(Math.abs(clean.recon + clean.kl - (plain.reconSum + plain.klSum)) / (plain.reconSum + plain.klSum)).toBeLessThan(1e-5);
    vae.destroy();
  });

  it('denoise() returns the corrupted rows and the decoded posterior means of them', async () => {
    const { device } = await testGpu();
    const vae = await Vae.create({ config: cfg, device, seed: 8 });
    const x = Float32Array.from(seededUniform(6 * 13, 31, 0, 1));
    const { corrupted, reconstructions } = await vae.denoise(x, corrupt);
    // Six rows in passes of 4 and 2: evaluation counters 2^31 + 1 and + 2.
    const want = new Float64Array(6 * 13);
    want.set(corruptRows(x.subarray(0, 52), 4, 13, corrupt, 8, FIRST_EVAL));
    want.set(corruptRows(x.subarray(52), 2, 13, corrupt, 8, FIRST_EVAL + 1), 52);
    expectClose('corrupted', corrupted, want, 0, 0);
    expectClose('reconstructions', reconstructions, await vae.reconstruct(corrupted), 0, 0);
    vae.destroy();
  });
});
