// The Adam update over a flat arena against the float64 reference, over several steps, on an odd
// length and on one long enough to need the 2-D dispatch grid.
import { describe, expect, it } from 'vitest';
import { resolveAdam, type AdamConfig } from '../../src/config.js';
import { GpuResources } from '../../src/gpu/resources.js';
import { adamDispatch } from '../../src/kernels/adam.js';
import { encodeStepUniform } from '../../src/kernels/step_uniforms.js';
import { adamUpdate, type AdamState } from '../../src/reference/vae.js';
import { expectBounded } from '../util/compare.js';
import { seededUniform } from '../util/data.js';
import { readFloats, scoped, testGpu, submitDispatches } from '../util/gpu.js';

const U = 2 ** -24; // unit roundoff of f32; one ulp is at most 2U relative
const STEPS = 5;
/** Floats past the arena in every buffer: the kernel must leave them alone (its i >= n4 guard). */
const TAIL = 64;
const TAIL_VALUE = 0.375;

/**
 * Gradient of step t for element i: seeded values in [-1, 1), cheaply re-mixed per step; every
 * 13th element is always exactly zero, every 17th is scaled to ~1e-9 so sqrt(v) is below eps.
 */
function gradients(base: Float64Array, n: number, t: number): Float32Array<ArrayBuffer> {
  const g = new Float32Array(n + TAIL).fill(1);
  const shift = 7919 * t;
  const sign = t % 2 ? 1 : -0.5;
  for (let i = 0; i < n; i++) {
    if (i % 13 === 0) g[i] = 0;
    else g[i] = base[(i + shift) % n] * sign * (i % 17 === 1 ? 1e-9 : 1);
  }
  return g;
}

/**
 * First-order bound on |GPU - reference| after one more step, from the bound before it, in
 * float64, per element (all state is the reference's, before the update):
 * - m = b1 m + (1 - b1) g in f32: the two products and the sum round once each; b1 is stored
 *   as f32 (off by d1 = |fround(b1) - b1|) and 1 - b1 is rounded once from float64 on the host
 *   (off by e1 = |fround(1 - b1) - (1 - b1)|). Likewise v with d2, e2, and one more rounding
 *   for g * g.
 * - p -= step_size m / (sqrt(v) / bc2_sqrt + eps): step_size and bc2_sqrt are f32 (U each),
 *   sqrt is within 4.5 ulp (9U), the two divisions 2.5 ulp each (5U), the product and the two
 *   sums U each; the moments' own errors enter through m and through sqrt(v) (half of v's
 *   relative error); p's subtraction rounds once (U |p|).
 * A zero gradient at every step gives m = v = 0, an update of exactly 0 and a bound of 0.
 */
function stepBounds(
  bp: Float64Array, bm: Float64Array, bv: Float64Array,
  p: Float64Array, s: AdamState, g: ArrayLike<number>, hp: AdamConfig, t: number,
): void {
  const d1 = Math.abs(Math.fround(hp.beta1) - hp.beta1);
  const d2 = Math.abs(Math.fround(hp.beta2) - hp.beta2);
  const e1 = Math.abs(Math.fround(1 - hp.beta1) - (1 - hp.beta1));
  const e2 = Math.abs(Math.fround(1 - hp.beta2) - (1 - hp.beta2));
  const stepSize = hp.lr / (1 - hp.beta1 ** t);
  const bc2 = Math.sqrt(1 - hp.beta2 ** t);
  for (let i = 0; i < p.length; i++) {
    const m0 = s.m[i];
    const v0 = s.v[i];
    const gi = g[i];
    const a = Math.abs(hp.beta1 * m0);
    const b = Math.abs((1 - hp.beta1) * gi);
    const m1 = hp.beta1 * m0 + (1 - hp.beta1) * gi;
    const v1 = hp.beta2 * v0 + (1 - hp.beta2) * gi * gi;
    bm[i] = hp.beta1 * bm[i] + d1 * Math.abs(m0) + e1 * Math.abs(gi) + U * (a + b + Math.abs(m1));
    bv[i] = hp.beta2 * bv[i] + d2 * v0 + e2 * gi * gi + U * (hp.beta2 * v0 + 2 * (1 - hp.beta2) * gi * gi + v1);
    if (m1 === 0 && v1 === 0) continue; // p is untouched: its bound carries over
    const root = Math.sqrt(v1) / bc2;
    const den = root + hp.eps;
    const upd = Math.abs((stepSize * m1) / den);
    const relDen = (root / den) * (bv[i] / (2 * v1) + 15 * U) + U;
    bp[i] += U * (Math.abs(p[i]) + upd) + upd * (2 * U + 5 * U + relDen) + (stepSize * bm[i]) / den;
  }
}

async function runAdam(label: string, floats: number, hp: AdamConfig, checkEvery: boolean): Promise<number[]> {
  const { device } = await testGpu();
  const res = new GpuResources(device);
  const workgroups = await scoped(device, label, async () => {
    const n = floats;
    const base = seededUniform(n, 41, -1, 1);
    // Initial parameters from the same seeded numbers, read in another order (cheap at 18M floats).
    const p0 = new Float32Array(n + TAIL).fill(TAIL_VALUE);
    for (let i = 0; i < n; i++) p0[i] = base[(i * 5 + 3) % n];
    const buffer = (name: string, data: Float32Array<ArrayBuffer>) => {
      const b = res.storage(`${label}.${name}`, data.byteLength);
      device.queue.writeBuffer(b, 0, data);
      return b;
    };
    const tailOnly = () => {
      const a = new Float32Array(n + TAIL);
      a.fill(TAIL_VALUE, n);
      return a;
    };
    const params = buffer('params', p0);
    const grads = buffer('grads', new Float32Array(n + TAIL));
    const m = buffer('m', tailOnly());
    const v = buffer('v', tailOnly());
    const step = res.uniform(`${label}.step`, encodeStepUniform({ t: 1, seed: 0, count: 1, historySlot: 0 }, hp));
    const d = await adamDispatch(res, label, { step, params, grads, m, v, floats: n }, hp);

    const p = Float64Array.from(p0.subarray(0, n));
    const s: AdamState = { m: new Float64Array(n), v: new Float64Array(n) };
    const [bp, bm, bv] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    for (let t = 1; t <= STEPS; t++) {
      const g = gradients(base, n, t);
      device.queue.writeBuffer(grads, 0, g);
      device.queue.writeBuffer(step, 0, encodeStepUniform({ t, seed: 0, count: 1, historySlot: 0 }, hp));
      submitDispatches(device, [d]);

      stepBounds(bp, bm, bv, p, s, g, hp, t);
      adamUpdate(p, g.subarray(0, n), s, hp, t);
      if (!checkEvery && t < STEPS) continue;

      const gotP = await readFloats(device, params);
      const gotM = await readFloats(device, m);
      const gotV = await readFloats(device, v);
      // Twice the first-order bounds (see stepBounds); an indexing or ordering error moves values
      // by O(lr) in p and O(|g|) in the moments, far outside them.
      expectBounded(`${label} m after step ${t}`, gotM.subarray(0, n), s.m, bm, 2);
      expectBounded(`${label} v after step ${t}`, gotV.subarray(0, n), s.v, bv, 2);
      expectBounded(`${label} params after step ${t}`, gotP.subarray(0, n), p, bp, 2);

      // Zero gradients at every step: the parameter is bit-identical. Every parameter the
      // reference moved by more than the tolerance plus an ulp must have changed on the GPU
      // (tiny gradients can move p by less than half an ulp, which rounds to no change).
      let zeroMoved = 0;
      let unmoved = 0;
      for (let i = 0; i < n; i++) {
        if (i % 13 === 0) {
          if (gotP[i] !== p0[i] || gotM[i] !== 0 || gotV[i] !== 0) zeroMoved++;
        } else if (gotP[i] === p0[i] && Math.abs(p[i] - p0[i]) > 2 * bp[i] + 4 * U * Math.abs(p0[i])) unmoved++;
      }
      expect(zeroMoved, `${label}: zero-gradient elements changed by step ${t}`).toBe(0);
      expect(unmoved, `${label}: elements with gradients left unchanged after step ${t}`).toBe(0);
      for (const [name, got] of [['params', gotP], ['m', gotM], ['v', gotV]] as const) {
        const tail = [...got.subarray(n)];
        expect(tail, `${label}: ${name} past the arena (floats ${n}..${n + TAIL})`).toEqual(new Array(TAIL).fill(TAIL_VALUE));
      }
    }
    return d.workgroups;
  });
  res.destroy();
  return workgroups;
}

describe('adam update', () => {
  const custom = resolveAdam({ lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6 });

  it('4*1001 floats, default hyperparameters, steps 1-5 checked after each', async () => {
    const wg = await runAdam('adam 4004 default', 4 * 1001, resolveAdam({}), true);
    expect(wg).toEqual([Math.ceil(1001 / 64), 1, 1]);
  });

  it('4*1001 floats, lr 0.01, betas (0.8, 0.99), eps 1e-6, steps 1-5 checked after each', async () => {
    await runAdam('adam 4004 custom', 4 * 1001, custom, true);
  });

  it('4*(64*70001 + 5) floats (a 2-D grid past 65535 workgroups), 5 steps', async () => {
    const n4 = 64 * 70001 + 5;
    const wg = await runAdam('adam 2-D grid', 4 * n4, resolveAdam({ lr: 3e-3, beta1: 0.85, beta2: 0.995 }), false);
    // 70002 workgroups split into two rows of 35001: the last row runs past n4 (the guard).
    expect(wg[1], `grid ${wg}`).toBeGreaterThan(1);
    expect(wg[0] * wg[1] * 64).toBeGreaterThan(n4);
  });
});
