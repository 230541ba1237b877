// The reference's analytic gradients against central finite differences, in float64.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { initParameters } from '../../src/init.js';
import { layerSpecs } from '../../src/model.js';
import { toRefParams, vaeBackward, vaeForward, type RefParams } from '../../src/reference/vae.js';
import { seededUniform } from '../util/data.js';

describe('reference gradients vs central finite differences', () => {
  // Two hidden layers exercise every path: masked and unmasked backward, the head, the decoder.
  const cfg = resolveConfig({ inputSize: 7, hidden: [6, 5], latent: 3, batch: 4 });
  const count = 3; // one unused row: it must contribute nothing
  const params = toRefParams(initParameters(layerSpecs(cfg), 11));
  const x = seededUniform(cfg.batch * cfg.inputSize, 5, 0, 1);
  const eps = seededUniform(cfg.batch * cfg.latent, 6, -1.5, 1.5);
  const loss = (p: RefParams) => {
    const f = vaeForward(p, cfg, x, eps, count);
    return f.loss.reconSum + f.loss.klSum;
  };
  const grads = vaeBackward(params, cfg, vaeForward(params, cfg, x, eps, count), eps);

  for (const [name, value] of params) {
    it(`${name}: relative error < 1e-6`, () => {
      const h = 1e-6;
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
      // each loss evaluation (~1e-16 * |loss| / h) is about 1e-10 here, far below 1e-6.
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
