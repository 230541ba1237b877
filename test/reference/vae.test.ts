// The reference's analytic gradients against central finite differences, in float64.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { initParameters } from '../../src/model/init.js';
import { layerSpecs } from '../../src/model/describe.js';
import { gaussianKl, toRefParams, vaeBackward, vaeForward, type RefParams } from '../../src/reference/vae.js';
import { seededUniform } from '../util/data.js';

const OBJECTIVES = [
  { kind: 'vae', likelihood: 'bernoulli' },
  { kind: 'vae', likelihood: 'gaussian', sigma: 0.5 },
  { kind: 'ae', likelihood: 'bernoulli' },
  { kind: 'ae', likelihood: 'gaussian', sigma: 0.5 },
] as const;

const CONV = { arch: 'conv' as const, inputShape: [2, 4, 8], channels: [3, 4], dense: 5, latent: 3 };

describe.each([...OBJECTIVES.map((o) => ({ ...o, arch: 'mlp' as const })), { kind: 'vae', likelihood: 'bernoulli', arch: 'conv' } as const])('reference gradients vs central finite differences ($arch, $kind, $likelihood)', (objective) => {
  // Two hidden layers exercise every path: masked and unmasked backward, the head, the decoder.
  // The conv model: two convolutions (2x4x8 -> 3x2x4 -> 4x1x2), the dense layers, three transposed ones.
  const cfg = resolveConfig(objective.arch === 'conv' ? { ...CONV, batch: 4, kind: objective.kind, likelihood: objective.likelihood } : { inputSize: 7, hidden: [6, 5], latent: 3, batch: 4, ...objective });
  const count = 3; // one unused row: it must contribute nothing
  const params = toRefParams(initParameters(layerSpecs(cfg), 11));
  // In so small a conv model the default initialisation leaves whole decoder layers dead (their
  // small inputs lose to negative biases), which would make their checks empty: positive biases.
  if (objective.arch === 'conv') for (const [k, v] of params) if (k.endsWith('.bias')) v.forEach((b, i) => (v[i] = Math.abs(b)));
  const x = seededUniform(cfg.batch * cfg.inputSize, 5, 0, 1);
  const eps = seededUniform(cfg.batch * cfg.latent, 6, -1.5, 1.5);
  const loss = (p: RefParams) => {
    const f = vaeForward(p, cfg, x, eps, count);
    return f.loss.reconSum + f.loss.klSum;
  };
  const grads = vaeBackward(params, cfg, vaeForward(params, cfg, x, eps, count), eps);

  for (const [name, value] of params) {
    it(`${name}: relative error < 1e-6`, () => {
      // The conv model's gradients are small beside its loss (0.01 against ~180): a step of
      // 1e-5 keeps the rounding of the differences (~1e-16 |loss| / h) below 1e-8 of them.
      const h = objective.arch === 'conv' ? 1e-5 : 1e-6;
      const fd = new Float64Array(value.length);
      for (let i = 0; i < value.length; i++) {
        const keep = value[i];
        value[i] = keep + h;
        const up = loss(params);
        value[i] = keep - h;
        const down = loss(params);
        value[i] = keep;
        fd[i] = (up - down) / (2 * h);
      }
      const g = grads.get(name)!;
      // Norm-wise relative error: central differences are O(h^2) accurate, the rounding of
      // each loss evaluation (~1e-16 * |loss| / h) is about 1e-10 here (the MLP), far below 1e-6.
      let num = 0;
      let den = 0;
      for (let i = 0; i < g.length; i++) {
        num += (g[i] - fd[i]) ** 2;
        den += Math.max(g[i] ** 2, fd[i] ** 2);
      }
      const rel = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
      expect(Number.isFinite(rel), `${name}: non-finite error`).toBe(true);
      expect(rel, `${name}: analytic ${Array.from(g.slice(0, 3))} vs fd ${Array.from(fd.slice(0, 3))}`).toBeLessThan(1e-6);
      expect(Math.sqrt(den), `${name}: gradient is all zero, the check would be empty`).toBeGreaterThan(1e-8);
    });
  }
});

describe('reference objectives: analytic cases', () => {
  const base = { inputSize: 7, hidden: [6], latent: 3, batch: 4 };
  const x = seededUniform(base.batch * base.inputSize, 5, 0, 1);
  const eps = seededUniform(base.batch * base.latent, 6, -1.5, 1.5);

  it('the autoencoder decodes mu, its loss is the reconstruction term alone, and logvar gets no gradient', () => {
    const ae = resolveConfig({ ...base, kind: 'ae' });
    const params = toRefParams(initParameters(layerSpecs(ae), 3));
    const f = vaeForward(params, ae, x, eps);
    const head = f.acts[2];
    for (let r = 0; r < ae.batch; r++) for (let j = 0; j < 3; j++) expect(f.z[r * 3 + j]).toBe(head[r * 6 + j]);
    expect(f.loss.klSum).toBe(0);
    expect(f.loss.reconSum).toBeGreaterThan(0);
    // The same parameters as a VAE: same reconstruction only when its z is mu too (eps = 0).
    const vae = resolveConfig({ ...base, kind: 'vae' });
    const fz = vaeForward(params, vae, x, new Float64Array(eps.length));
    expect(fz.loss.reconSum).toBeCloseTo(f.loss.reconSum, 12);
    expect(fz.loss.klSum).toBeGreaterThan(0);
    const g = vaeBackward(params, ae, f, eps).get('head.weight')!;
    // Rows L..2L-1 of the head's weight produce logvar.
    const cols = 6;
    for (let i = 3 * cols; i < 6 * cols; i++) expect(g[i]).toBe(0);
    expect(g.slice(0, 3 * cols).some((v) => v !== 0)).toBe(true);
  });

  it('the Gaussian reconstruction term of a perfect mean is the normaliser P log(sigma sqrt(2 pi)), and grows by d^2 / (2 sigma^2)', () => {
    const P = 5;
    const sigma = 0.2;
    const target = [0.1, 0.5, 0.9, 0, 1];
    const head = new Float64Array(2); // mu = 0, logvar = 0: KL = 0
    const perfect = gaussianKl(new Float64Array(P), new Float64Array(2), target, target, head, 1, P, 1, 1, sigma);
    const norm = P * Math.log(sigma * Math.sqrt(2 * Math.PI));
    expect(perfect.reconSum).toBeCloseTo(norm, 12);
    expect(perfect.klSum).toBe(0);
    const off = target.map((v, i) => (i === 2 ? v + 0.3 : v));
    const d = new Float64Array(P);
    const shifted = gaussianKl(d, new Float64Array(2), off, target, head, 1, P, 1, 1, sigma);
    expect(shifted.reconSum - norm).toBeCloseTo((0.3 * 0.3) / (2 * sigma * sigma), 12);
    expect(d[2]).toBeCloseTo(0.3 / (sigma * sigma), 12);
  });
});
