// One training step on the GPU against the same step in float64, tensor by tensor: the loss,
// every gradient and every parameter after Adam (shared by the conv VAE's and the specs' tests).
import { expect } from 'vitest';
import { resolveAdam, type VaeConfig } from '../../src/config.js';
import { initParameters, type ParameterSet } from '../../src/model/init.js';
import { layerSpecs } from '../../src/model/describe.js';
import { adamUpdate, toRefParams, vaeBackward, vaeForward } from '../../src/reference/vae.js';
import { Vae } from '../../src/vae/vae.js';
import { expectClose } from './compare.js';
import { seededUniform } from './data.js';
import { testGpu } from './gpu.js';

export const maxAbs = (a: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i])); return m; };

/** Seeded inputs in [0, 1) and noise in [-2, 2) for one batch of `cfg`. */
export function inputs(cfg: VaeConfig, seed: number) {
  const x = Float32Array.from(seededUniform(cfg.batch * cfg.inputSize, seed, 0, 1));
  const eps = Float32Array.from(seededUniform(cfg.batch * cfg.latent, seed + 1, -2, 2));
  return { x, eps };
}

/**
 * One step on the GPU and the same step in float64, from the same parameters, inputs and noise,
 * for each row count in `counts` (one model, put back to its initial state between them).
 */
export async function steps(cfg: VaeConfig, counts: number[]) {
  const { device } = await testGpu();
  const init = initParameters(layerSpecs(cfg), 3);
  const vae = await Vae.create({ config: cfg, device, noise: 'buffer', parameters: init, seed: 3 });
  const start = await vae.snapshot();
  const { x, eps } = inputs(cfg, 20);
  vae.setNoise(eps);
  const out = [];
  for (const count of counts) {
    await vae.restore(start);
    await vae.step(x, count);
    const [loss] = await vae.losses();
    const ref = toRefParams(init);
    const fwd = vaeForward(ref, cfg, x, eps, count);
    out.push({ count, loss, grads: await vae.readGradients(), after: await vae.readParameters(), fwd, refGrads: vaeBackward(ref, cfg, fwd, eps) });
  }
  vae.destroy();
  return { init, out };
}

/** Asserts that every step of `steps(cfg, counts)` equals the reference (see the tolerances' reasons inside). */
export function expectStepsMatch({ init, out }: { init: ParameterSet; out: Awaited<ReturnType<typeof steps>>['out'] }): void {
  for (const { count, loss, grads, after, fwd, refGrads } of out) {
    const at = `${count} rows`;
    expect(loss.step).toBe(1);
    expect(loss.count).toBe(count);
    // Loss: f32 sums of count x inputSize terms; 1e-5 relative as for the MLP.
    const refLoss = fwd.loss.reconSum + fwd.loss.klSum;
    expect(Math.abs(loss.recon + loss.kl - refLoss) / Math.abs(refLoss), `${at}: loss ${loss.recon + loss.kl} vs ${refLoss}`).toBeLessThan(1e-5);
    expect(Math.abs(loss.kl - fwd.loss.klSum)).toBeLessThanOrEqual(1e-5 * Math.abs(fwd.loss.klSum) + 1e-4);
    // Gradients pass through up to eight chained f32 products: reductions of up to 3136
    // terms (fc1), 64 x 9 (the convolutions' input gradients) and rows x pixels (their
    // weight gradients, 6 x 784 at most here). Each adds a relative error of about K 2^-24
    // of the tensor's scale (2e-4 at K = 3136, far less with random signs); allow 2e-4 of
    // the tensor's largest magnitude plus 1e-4 relative. A wrong tap or index is off by O(1).
    expect([...grads.keys()].sort()).toEqual([...refGrads.keys()].sort());
    for (const [tensor, want] of refGrads) expectClose(`${at}: grad ${tensor}`, grads.get(tensor)!, want, 2e-4 * maxAbs(want), 1e-4);
    // Adam on the GPU's own gradients must match torch.optim.Adam's arithmetic to f32 rounding.
    const hp = resolveAdam({});
    // A first Adam step moves every parameter with a non-zero gradient by about lr (units
    // that no row activates have none: with 3 rows of a small model, a good share).
    let changed = 0;
    let moving = 0;
    for (const [tensor, p0] of init) {
      const p = Float64Array.from(p0);
      const g = grads.get(tensor)!;
      adamUpdate(p, Float64Array.from(g), { m: new Float64Array(p.length), v: new Float64Array(p.length) }, hp, 1);
      const got = after.get(tensor)!;
      expectClose(`${at}: param ${tensor}`, got, p, 1e-6, 1e-6);
      for (let i = 0; i < p0.length; i++) {
        if (got[i] !== p0[i]) changed++;
        if (Math.abs(g[i]) > 1e-6) moving++;
      }
    }
    const total = [...init.values()].reduce((s, t) => s + t.length, 0);
    expect(changed, `${at}: parameters changed by the step`).toBeGreaterThanOrEqual(moving);
    expect(moving, `${at}: parameters with a gradient`).toBeGreaterThan(0.25 * total);
  }
}
