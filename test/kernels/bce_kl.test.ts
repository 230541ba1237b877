// The loss kernels (per-row BCE-with-logits + KL with gradients, then the batch total into the
// history ring) against the float64 reference, on odd shapes, partial batches and the real one.
import { describe, expect, it } from 'vitest';
import { resolveAdam } from '../../src/config.js';
import { GpuResources } from '../../src/gpu/resources.js';
import { HISTORY_RECORD_BYTES, LossKernels } from '../../src/kernels/loss.js';
import { encodeStepUniform } from '../../src/kernels/step_uniforms.js';
import { LOGVAR_CLAMP, bceKl } from '../../src/reference/vae.js';
import { expectClose, padMatrix, unpadMatrix, expectBounded } from '../util/compare.js';
import { seededUniform } from '../util/data.js';
import { readFloats, scoped, testGpu, submitDispatches } from '../util/gpu.js';

const U = 2 ** -24; // unit roundoff of f32; one ulp is at most 2U relative
const pad4 = (n: number) => (n + 3) & ~3;
const whole = (b: GPUBuffer) => ({ buffer: b, offset: 0, size: b.size });

/** Padded f32 storage of a (rows x cols) matrix: NaN over the logical columns of all rows4 rows, 0 in padded columns. */
function sentinel(rows: number, cols: number): Float32Array<ArrayBuffer> {
  const ld = pad4(cols);
  const out = new Float32Array(pad4(rows) * ld);
  for (let r = 0; r < pad4(rows); r++) for (let c = 0; c < cols; c++) out[r * ld + c] = NaN;
  return out;
}

/** The padded columns (c >= cols) of every row of padded storage. */
function paddedColumns(a: Float32Array, rows: number, cols: number): Float64Array {
  const ld = pad4(cols);
  const out: number[] = [];
  for (let r = 0; r < pad4(rows); r++) for (let c = cols; c < ld; c++) out.push(a[r * ld + c]);
  return Float64Array.from(out);
}

// [name, rows, pixels, L, count]
const CASES: [string, number, number, number, number][] = [
  ['odd 5x13, L 3, 3 live rows', 5, 13, 3, 3],
  ['odd 33x47, L 7, all live', 33, 47, 7, 33],
  ['reference 128x784, L 20', 128, 784, 20, 128],
  ['reference 128x784, L 20, partial batch of 77', 128, 784, 20, 77],
];

const SLOTS = 4;
/** u32 words per history record. */
const W = HISTORY_RECORD_BYTES / 4;
const SLOT = 2;
const T = 17;
const HISTORY_FILL = 0xaaaaaaaa;

describe('bce_kl per_row and total', () => {
  for (const [name, rows, P, L, count] of CASES) {
    // Logits mostly in [-6, 6], with every 7th from large magnitudes where exp overflows or
    // underflows in f32 if taken naively; targets in [0, 1] with exact 0s and 1s.
    const special = [30, -30, 90, -90, 0, 17, -17];
    const logits = seededUniform(rows * P, 31, -6, 6).map((v, i) => (i % 7 === 3 ? special[(i / 7) % 7 | 0] : Math.fround(v)));
    const x = seededUniform(rows * P, 32, 0, 1).map((v, i) => (i % 11 === 5 ? (i / 11) % 2 | 0 : Math.fround(v)));
    // Head: mu in [-2, 2], logvar in [-4, 4]; in the odd case row 1 holds logvar at, above and
    // just below the clamp, so the other rows are still checked at their own scale.
    const mu = seededUniform(rows * L, 33, -2, 2);
    const lv = seededUniform(rows * L, 34, -4, 4);
    const big = [LOGVAR_CLAMP, 85, 79.5];
    const head = new Float64Array(rows * 2 * L);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < L; j++) {
        head[r * 2 * L + j] = Math.fround(mu[r * L + j]);
        head[r * 2 * L + L + j] = rows === 5 && r === 1 ? big[j % 3] : Math.fround(lv[r * L + j]);
      }
    }

    it(`${name}: gradients, per-image parts and the history record`, async () => {
      const { device } = await testGpu();
      const res = new GpuResources(device);
      const k = new LossKernels(res, { kind: 'vae', likelihood: 'bernoulli', sigma: 0.1 });
      await scoped(device, `bce_kl ${name}`, async () => {
        const upload = (label: string, data: Float32Array<ArrayBuffer>) => {
          const b = res.storage(label, data.byteLength);
          device.queue.writeBuffer(b, 0, data);
          return b;
        };
        const history0 = new Uint32Array(SLOTS * W).fill(HISTORY_FILL);
        const b = {
          step: res.uniform('step', encodeStepUniform({ t: T, seed: 1, count, historySlot: SLOT }, resolveAdam({}))),
          logits: upload('logits', padMatrix(logits, rows, P)),
          target: upload('target', padMatrix(x, rows, P)),
          head: upload('head', padMatrix(head, rows, 2 * L)),
          dlogits: upload('dlogits', sentinel(rows, P)),
          dhead: upload('dhead', sentinel(rows, 2 * L)),
          perImage: upload('perImage', new Float32Array(pad4(rows) * 2).fill(NaN)),
          history: upload('history', new Float32Array(history0.buffer)),
        };
        const ds = await k.dispatches('loss', {
          step: b.step, logits: whole(b.logits), target: whole(b.target), head: whole(b.head), dlogits: whole(b.dlogits),
          dhead: whole(b.dhead), perImage: whole(b.perImage), history: whole(b.history), rows, pixels: P, latent: L,
        });
        submitDispatches(device, ds);

        const wantDl = new Float64Array(rows * P);
        const wantDh = new Float64Array(rows * 2 * L);
        const want = bceKl(wantDl, wantDh, logits, x, head, rows, P, L, count);
        const dl = await readFloats(device, b.dlogits);
        const dh = await readFloats(device, b.dhead);
        const per = await readFloats(device, b.perImage);
        const hist = await readFloats(device, b.history);

        // dlogits = sigmoid(l) - x from e = exp(-|l|): exp within (3 + 2|l|) 2U relative moves
        // sigmoid by at most 2U max_l (3 + 2l) e^-l / (1 + e^-l)^2 < 2U; 1 + e, the 2.5-ulp
        // division and the subtraction add 7U. So 9U first order; allow twice (about 1.1e-6).
        // Rows from count to rows4 must be exactly zero (they were NaN before).
        const live = count * P;
        const dlAll = unpadMatrix(dl, pad4(rows), P);
        expectClose(`bce_kl ${name} dlogits (live rows)`, dlAll.subarray(0, live), wantDl.subarray(0, live), 18 * U, 0);
        expectClose(`bce_kl ${name} dlogits (rows >= count)`, dlAll.subarray(live), new Float64Array(dlAll.length - live), 0, 0);
        const dlPad = paddedColumns(dl, rows, P);
        expectClose(`bce_kl ${name} dlogits padded columns`, dlPad, new Float64Array(dlPad.length), 0, 0);

        // dmu = mu is a copy (exact); dlv = 0.5 (exp(lv) - 1): exp within (3 + 2|lv|) 2U, the
        // subtraction U; twice that. Clamped logvar gives exactly -0.5; unused rows exactly 0.
        const dhAll = unpadMatrix(dh, pad4(rows), 2 * L);
        const wantDhAll = new Float64Array(dhAll.length);
        wantDhAll.set(wantDh);
        const dhBound = new Float64Array(dhAll.length);
        for (let r = 0; r < count; r++) {
          for (let j = 0; j < L; j++) {
            const v = head[r * 2 * L + L + j];
            const i = r * 2 * L + L + j;
            dhBound[i] = v < LOGVAR_CLAMP ? 2 * (0.5 * Math.exp(v) * (3 + 2 * Math.abs(v)) * 2 * U + U * Math.abs(wantDh[i])) : 0;
          }
        }
        expectBounded(`bce_kl ${name} dhead`, dhAll, wantDhAll, dhBound);
        const dhPad = paddedColumns(dh, rows, 2 * L);
        expectClose(`bce_kl ${name} dhead padded columns`, dhPad, new Float64Array(dhPad.length), 0, 0);

        // Per-image parts, with bounds from the terms. Every BCE term t_p and KL term k_j is >= 0,
        // so each partial sum is at most the row's total. A term's own evaluation errs by about
        // U (|l x| + |max(l,0) - l x|) + 3U t_p, plus WGSL's log on [1, 2] (absolute 2^-21, times
        // e / (u - 1) ~ 1) and exp (3 + 2|l| ulp of e, at most 6U in log1p). The sum rounds each
        // term ceil(P/64) times in a lane and 6 times in the 64-wide tree. KL terms likewise with
        // exp(lv) within (3 + 2|lv|) 2U. Twice the first-order bound, per row.
        const reconBound = new Float64Array(pad4(rows));
        const klBound = new Float64Array(pad4(rows));
        const gotRecon = new Float64Array(pad4(rows));
        const gotKl = new Float64Array(pad4(rows));
        const wantRecon = new Float64Array(pad4(rows));
        const wantKl = new Float64Array(pad4(rows));
        wantRecon.set(want.recon);
        wantKl.set(want.kl);
        let reconAbs = 0;
        let klAbs = 0;
        for (let r = 0; r < pad4(rows); r++) {
          gotRecon[r] = per[2 * r];
          gotKl[r] = per[2 * r + 1];
          if (r >= count) continue; // must be exactly 0: bound 0
          let eval_ = 0;
          for (let p = 0; p < P; p++) {
            const l = logits[r * P + p];
            const lx = l * x[r * P + p];
            const tp = Math.max(l, 0) - lx + Math.log1p(Math.exp(-Math.abs(l)));
            eval_ += U * (Math.abs(lx) + Math.abs(Math.max(l, 0) - lx) + 3 * tp + 8) + 2 ** -21;
          }
          reconBound[r] = 2 * (eval_ + (Math.ceil(P / 64) + 6) * U * want.recon[r]);
          let evalK = 0;
          for (let j = 0; j < L; j++) {
            const m = head[r * 2 * L + j];
            const v = head[r * 2 * L + L + j];
            const ev = Math.exp(Math.min(v, LOGVAR_CLAMP));
            evalK += 0.5 * U * (Math.abs(1 + v) + 2 * m * m + 2 * Math.abs(1 + v - m * m) + (3 + 2 * Math.min(Math.abs(v), LOGVAR_CLAMP)) * 2 * ev);
          }
          klBound[r] = 2 * (evalK + (Math.ceil(L / 64) + 6) * U * want.kl[r]);
          reconAbs += reconBound[r];
          klAbs += klBound[r];
        }
        expectBounded(`bce_kl ${name} per-image recon`, gotRecon, wantRecon, reconBound);
        expectBounded(`bce_kl ${name} per-image kl`, gotKl, wantKl, klBound);

        // History: one record at SLOT; the others untouched. The total adds the per-row errors
        // and its own f32 sum over count rows (ceil(count/64) + 6 roundings of each row, twice).
        const u32 = new Uint32Array(hist.buffer);
        const rec = SLOT * W;
        expect(u32[rec + 2], 'history count').toBe(count);
        expect(u32[rec + 3], 'history t').toBe(T);
        // The gradient-norm word is zeroed here (adam.grad_norm fills it later in the step).
        expect([...u32.subarray(rec + 4, rec + W)], 'history grad_sq and padding').toEqual([0, 0, 0, 0]);
        const sumRounds = 2 * (Math.ceil(count / 64) + 6) * U;
        expectBounded(`bce_kl ${name} history recon`, [hist[rec]], [want.reconSum], [reconAbs + sumRounds * want.reconSum]);
        expectBounded(`bce_kl ${name} history kl`, [hist[rec + 1]], [want.klSum], [klAbs + sumRounds * want.klSum]);
        for (let s = 0; s < SLOTS; s++) {
          if (s === SLOT) continue;
          expect([...u32.subarray(W * s, W * s + W)], `history slot ${s} untouched`).toEqual(new Array(W).fill(HISTORY_FILL));
        }
        expect(HISTORY_RECORD_BYTES).toBe(32);
      });
      res.destroy();
    });
  }
});
