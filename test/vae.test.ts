// Whole training steps on the GPU against the float64 reference, tensor by tensor.
import { describe, expect, it } from 'vitest';
import { resolveAdam, resolveConfig, type VaeConfig } from '../src/config.js';
import { initParameters } from '../src/model/init.js';
import { layerSpecs } from '../src/model/describe.js';
import { adamUpdate, toRefParams, vaeBackward, vaeForward, type RefParams } from '../src/reference/vae.js';
import { Vae } from '../src/vae/vae.js';
import { expectClose } from './util/compare.js';
import { seededUniform } from './util/data.js';
import { testGpu } from './util/gpu.js';

const maxAbs = (a: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i])); return m; };

function inputs(cfg: VaeConfig, seed: number) {
  const x = Float32Array.from(seededUniform(cfg.batch * cfg.inputSize, seed, 0, 1));
  // Noise in [-2, 2): the reference and the GPU must see the same eps, so it comes from a buffer.
  const eps = Float32Array.from(seededUniform(cfg.batch * cfg.latent, seed + 1, -2, 2));
  return { x, eps };
}

async function oneStep(cfg: VaeConfig, count: number, beta = 1, klWarmup = 0) {
  const { device } = await testGpu();
  const init = initParameters(layerSpecs(cfg), 3);
  const vae = await Vae.create({ config: cfg, device, noise: 'buffer', parameters: init, seed: 3, beta, klWarmup });
  const { x, eps } = inputs(cfg, 20);
  if (cfg.kind === 'vae') vae.setNoise(eps);
  await vae.step(x, count);
  const [loss] = await vae.losses();
  const grads = await vae.readGradients();
  const after = await vae.readParameters();
  vae.destroy();
  const ref = toRefParams(init);
  const fwd = vaeForward(ref, cfg, x, eps, count, klWarmup > 0 ? beta / klWarmup : beta);
  const refGrads = vaeBackward(ref, cfg, fwd, eps);
  return { loss, grads, after, init, fwd, refGrads };
}

describe('one training step equals the reference', () => {
  const cases: [string, VaeConfig, number, number?, number?][] = [
    // Sizes that are not multiples of 4 exercise every padded edge; count < batch the partial batch.
    ['odd sizes, two hidden layers', resolveConfig({ inputSize: 13, hidden: [9, 6], latent: 3, batch: 5 }), 5],
    ['partial batch (3 of 6 rows)', resolveConfig({ inputSize: 10, hidden: [7], latent: 2, batch: 6 }), 3],
    ['beta-VAE, beta 4', resolveConfig({ inputSize: 13, hidden: [9], latent: 3, batch: 5 }), 5, 4],
    ['KL warm-up over 8 steps (weight 0.5/8 at step 1), beta 0.5', resolveConfig({ inputSize: 13, hidden: [9], latent: 3, batch: 5 }), 5, 0.5, 8],
    ['reference model 784-400-20, batch 128', resolveConfig({}), 128],
    // The other objectives: the same step with another loss kernel or without sampling and KL.
    ['autoencoder, odd sizes, two hidden layers', resolveConfig({ inputSize: 13, hidden: [9, 6], latent: 3, batch: 5, kind: 'ae' }), 5],
    ['Gaussian decoder (sigma 0.3), partial batch (4 of 6 rows)', resolveConfig({ inputSize: 13, hidden: [9], latent: 3, batch: 6, likelihood: 'gaussian', sigma: 0.3 }), 4],
    ['Gaussian autoencoder (sigma 0.5)', resolveConfig({ inputSize: 10, hidden: [7], latent: 2, batch: 5, kind: 'ae', likelihood: 'gaussian', sigma: 0.5 }), 5],
    ['Gaussian decoder (sigma 0.1), 784-400-20, batch 128', resolveConfig({ likelihood: 'gaussian', sigma: 0.1 }), 128],
  ];
  for (const [name, cfg, count, beta, warmup] of cases) {
    it(name, async () => {
      const { loss, grads, after, init, fwd, refGrads } = await oneStep(cfg, count, beta, warmup);
      // Loss: f32 sums of count*inputSize terms reduced in a tree; 1e-5 relative is ~100 ulp.
      const refLoss = fwd.loss.reconSum + fwd.loss.klSum;
      if (cfg.kind === 'ae') expect(loss.kl, 'the autoencoder reports no KL').toBe(0);
      expect(loss.step).toBe(1);
      expect(loss.count).toBe(count);
      expect(Math.abs(loss.recon + loss.kl - refLoss) / Math.abs(refLoss), `loss ${loss.recon + loss.kl} vs ${refLoss}`).toBeLessThan(1e-5);
      expect(Math.abs(loss.kl - fwd.loss.klSum)).toBeLessThanOrEqual(1e-5 * Math.abs(fwd.loss.klSum) + 1e-4);
      // Gradients pass through up to four chained f32 products with K <= 784. Each adds a
      // relative error around K * 2^-24 of the tensor's scale (~5e-5 at K = 784); allow 1e-4
      // of the tensor's largest magnitude plus 1e-4 relative.
      for (const [tensor, want] of refGrads) {
        const got = grads.get(tensor)!;
        expectClose(`grad ${tensor}`, got, want, 1e-4 * maxAbs(want), 1e-4);
      }
      // The gradient-norm summary: the L2 norm of all gradients, summed in f32 over ~650k
      // squares in one workgroup (relative error well under 1e-5) of gradients that are
      // themselves within 1e-4 of the reference.
      let sq = 0;
      for (const g of refGrads.values()) for (const v of g) sq += v * v;
      expect(Math.abs(loss.gradNorm - Math.sqrt(sq)) / Math.sqrt(sq), `grad norm ${loss.gradNorm} vs ${Math.sqrt(sq)}`).toBeLessThan(2e-4);
      // The update, given the GPU's own gradients, must match torch.optim.Adam's arithmetic to
      // f32 rounding: |p| <= 1 and each step moves p by at most about lr, so 1e-6 absolute.
      const hp = resolveAdam({});
      let changed = 0;
      for (const [tensor, p0] of init) {
        const p = Float64Array.from(p0);
        const g = Float64Array.from(grads.get(tensor)!);
        adamUpdate(p, g, { m: new Float64Array(p.length), v: new Float64Array(p.length) }, hp, 1);
        const got = after.get(tensor)!;
        expectClose(`param ${tensor}`, got, p, 1e-6, 1e-6);
        for (let i = 0; i < p0.length; i++) if (got[i] !== p0[i]) changed++;
      }
      // A first Adam step moves every parameter with a non-zero gradient by about lr.
      const total = [...init.values()].reduce((s, t) => s + t.length, 0);
      expect(changed, 'parameters changed by the step').toBeGreaterThan(0.5 * total);
    });
  }
});

describe('ten steps track the reference', () => {
  it('reference model: losses within 1e-4 relative over 10 steps', async () => {
    const cfg = resolveConfig({});
    const { device } = await testGpu();
    const init = initParameters(layerSpecs(cfg), 5);
    const vae = await Vae.create({ config: cfg, device, noise: 'buffer', parameters: init, seed: 5, readbackEvery: 4 });
    const hp = resolveAdam({});
    const ref: RefParams = toRefParams(init);
    const state = new Map([...ref].map(([k, v]) => [k, { m: new Float64Array(v.length), v: new Float64Array(v.length) }]));
    const refLosses: number[] = [];
    for (let s = 0; s < 10; s++) {
      const { x, eps } = inputs(cfg, 100 + 2 * s);
      vae.setNoise(eps);
      await vae.step(x);
      const fwd = vaeForward(ref, cfg, x, eps);
      refLosses.push((fwd.loss.reconSum + fwd.loss.klSum) / cfg.batch);
      const g = vaeBackward(ref, cfg, fwd, eps);
      for (const [k, p] of ref) adamUpdate(p, g.get(k)!, state.get(k)!, hp, s + 1);
    }
    const got = await vae.losses();
    vae.destroy();
    expect(got.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expectClose('loss per image, steps 1-10', got.map((l) => l.loss), refLosses, 0, 1e-4);
    expect(refLosses[9], 'the loss falls over ten steps').toBeLessThan(refLosses[0]);
  });
});
