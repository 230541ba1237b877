// gaussian_kl (the Gaussian decoder's loss) against the float64 reference, and both loss kernels
// compiled for the autoencoder (no KL term, no KL gradient).
import { describe, expect, it } from 'vitest';
import { resolveAdam } from '../../src/config.js';
import { GpuResources } from '../../src/gpu/resources.js';
import { HISTORY_RECORD_BYTES, LossKernels, type LossObjective } from '../../src/kernels/loss.js';
import { encodeStepUniform } from '../../src/kernels/step_uniforms.js';
import { bceKl, gaussianKl } from '../../src/reference/vae.js';
import { expectBounded, expectClose, padMatrix, unpadMatrix } from '../util/compare.js';
import { seededUniform } from '../util/data.js';
import { readFloats, scoped, testGpu, submitDispatches } from '../util/gpu.js';

const U = 2 ** -24; // unit roundoff of f32
const pad4 = (n: number) => (n + 3) & ~3;
const whole = (b: GPUBuffer) => ({ buffer: b, offset: 0, size: b.size });

interface Run {
  dmean: Float64Array;
  dhead: Float64Array;
  recon: Float64Array;
  kl: Float64Array;
  history: Float32Array;
}

/** Runs one loss kernel on (rows x P) outputs and targets and a (rows x 2L) head; count live rows. */
async function runLoss(
  objective: LossObjective, out: Float64Array, x: Float64Array, head: Float64Array, rows: number, P: number, L: number, count: number,
): Promise<Run> {
  const { device } = await testGpu();
  const res = new GpuResources(device);
  try {
    return await scoped(device, `loss ${objective.likelihood}`, async () => {
      const upload = (label: string, data: Float32Array<ArrayBuffer>) => {
        const b = res.storage(label, data.byteLength);
        device.queue.writeBuffer(b, 0, data);
        return b;
      };
      const nan = (r: number, c: number) => new Float32Array(pad4(r) * pad4(c)).fill(NaN);
      const b = {
        step: res.uniform('step', encodeStepUniform({ t: 3, seed: 1, count, historySlot: 0 }, resolveAdam({}))),
        out: upload('out', padMatrix(out, rows, P)),
        target: upload('target', padMatrix(x, rows, P)),
        head: upload('head', padMatrix(head, rows, 2 * L)),
        dout: upload('dout', nan(rows, P)),
        dhead: upload('dhead', nan(rows, 2 * L)),
        perImage: upload('perImage', new Float32Array(pad4(rows) * 2).fill(NaN)),
        history: upload('history', new Float32Array(HISTORY_RECORD_BYTES / 4).fill(NaN)),
      };
      const k = new LossKernels(res, objective);
      const ds = await k.dispatches('loss', {
        step: b.step, logits: whole(b.out), target: whole(b.target), head: whole(b.head), dlogits: whole(b.dout),
        dhead: whole(b.dhead), perImage: whole(b.perImage), history: whole(b.history), rows, pixels: P, latent: L,
      });
      submitDispatches(device, ds);
      const per = await readFloats(device, b.perImage);
      return {
        dmean: unpadMatrix(await readFloats(device, b.dout), pad4(rows), P),
        dhead: unpadMatrix(await readFloats(device, b.dhead), pad4(rows), 2 * L),
        recon: Float64Array.from({ length: rows }, (_, r) => per[2 * r]),
        kl: Float64Array.from({ length: rows }, (_, r) => per[2 * r + 1]),
        history: await readFloats(device, b.history),
      };
    });
  } finally {
    res.destroy();
  }
}

function inputs(rows: number, P: number, L: number) {
  // Means around the targets with errors up to 0.6, some far outside [0, 1]; targets with exact 0s and 1s.
  const x = seededUniform(rows * P, 41, 0, 1).map((v, i) => (i % 9 === 4 ? (i / 9) % 2 | 0 : Math.fround(v)));
  const out = seededUniform(rows * P, 42, -0.6, 0.6).map((d, i) => Math.fround(x[i] + (i % 13 === 0 ? 5 * d : d)));
  const head = seededUniform(rows * 2 * L, 43, -2, 2).map((v) => Math.fround(v));
  return { x, out, head };
}

// [name, rows, pixels, L, count, sigma]
const CASES: [string, number, number, number, number, number][] = [
  ['odd 5x13, L 3, 3 live rows, sigma 0.5', 5, 13, 3, 3, 0.5],
  ['reference 128x784, L 20, partial batch of 77, sigma 0.1', 128, 784, 20, 77, 0.1],
  ['reference 128x784, L 20, sigma 0.001 (the smallest allowed)', 128, 784, 20, 128, 0.001],
];

describe('gaussian_kl per_row and total', () => {
  for (const [name, rows, P, L, count, sigma] of CASES) {
    it(`${name}: gradients, per-image parts and the history record`, async () => {
      const { x, out, head } = inputs(rows, P, L);
      const got = await runLoss({ kind: 'vae', likelihood: 'gaussian', sigma }, out, x, head, rows, P, L, count);
      const wantDm = new Float64Array(rows * P);
      const wantDh = new Float64Array(rows * 2 * L);
      const want = gaussianKl(wantDm, wantDh, out, x, head, rows, P, L, count, sigma);

      // dm = (m - x) / sigma^2: the subtraction and the product round once each, and 1/sigma^2
      // was rounded once from float64: 3U relative; allow twice. Rows >= count exactly zero.
      const live = count * P;
      expectClose(`gaussian_kl ${name} dmean (live rows)`, got.dmean.subarray(0, live), wantDm.subarray(0, live), 0, 6 * U);
      expectClose(`gaussian_kl ${name} dmean (rows >= count)`, got.dmean.subarray(live, rows * P), new Float64Array(rows * P - live), 0, 0);
      // The KL part is bce_kl's text, tested there against its error bound; here only that it is wired.
      expectClose(`gaussian_kl ${name} dhead`, got.dhead.subarray(0, rows * 2 * L), wantDh, 1e-5, 1e-5);

      // recon_r = sum of P non-negative terms 0.5 d^2 / sigma^2 (each within 5U: the subtraction,
      // the square, two products, the f32 1/sigma^2) summed with ceil(P/64) + 6 roundings, plus
      // log_norm rounded to f32 and added once (U of it, then one rounding of the total).
      // Twice the first-order bound. Rows >= count exactly zero.
      const bound = new Float64Array(rows);
      for (let r = 0; r < count; r++) {
        const norm = P * (Math.log(sigma) + 0.5 * Math.log(2 * Math.PI));
        const sq = want.recon[r] - norm;
        bound[r] = 2 * ((5 + Math.ceil(P / 64) + 6) * U * sq + 2 * U * (Math.abs(norm) + Math.abs(want.recon[r])));
      }
      expectBounded(`gaussian_kl ${name} per-image recon`, got.recon, want.recon, bound);
      const reconAbs = bound.reduce((a, v) => a + v, 0);
      const reconMag = want.recon.reduce((a, v) => a + Math.abs(v), 0);
      expectBounded(`gaussian_kl ${name} history recon`, [got.history[0]], [want.reconSum], [reconAbs + 2 * (Math.ceil(count / 64) + 6) * U * reconMag]);
      expect(new Uint32Array(got.history.buffer)[2], 'history count').toBe(count);
      expectClose(`gaussian_kl ${name} per-image kl`, got.kl, want.kl, 1e-4, 1e-5);
    });
  }
});

describe('loss kernels compiled for the autoencoder', () => {
  for (const likelihood of ['bernoulli', 'gaussian'] as const) {
    it(`${likelihood}: kl and the head gradient are exactly zero, recon is the VAE kernel's`, async () => {
      const [rows, P, L, count] = [6, 11, 3, 5];
      const { x, out, head } = inputs(rows, P, L);
      const ae = await runLoss({ kind: 'ae', likelihood, sigma: 0.3 }, out, x, head, rows, P, L, count);
      const vae = await runLoss({ kind: 'vae', likelihood, sigma: 0.3 }, out, x, head, rows, P, L, count);
      expect([...ae.kl]).toEqual(new Array(rows).fill(0));
      expect([...ae.dhead.subarray(0, rows * 2 * L)]).toEqual(new Array(rows * 2 * L).fill(0));
      expect(ae.history[1], 'history kl').toBe(0);
      // The same compiled arithmetic for the reconstruction: bit-identical to the VAE variant.
      expect([...ae.recon]).toEqual([...vae.recon]);
      expect([...ae.dmean]).toEqual([...vae.dmean]);
      expect(vae.kl.subarray(0, count).every((v) => v > 0)).toBe(true);
      // And the reference's autoencoder loss agrees.
      const ref = likelihood === 'bernoulli'
        ? bceKl(new Float64Array(rows * P), new Float64Array(rows * 2 * L), out, x, head, rows, P, L, count, 1, false)
        : gaussianKl(new Float64Array(rows * P), new Float64Array(rows * 2 * L), out, x, head, rows, P, L, count, 0.3, 1, false);
      expect(ref.klSum).toBe(0);
      expectClose(`autoencoder ${likelihood} recon`, ae.recon, ref.recon, 1e-4, 1e-5);
    });
  }
});
