// The denoising objectives' corruption on the GPU against the float64 reference (the same
// Philox numbers), and against the statistics each corruption must have.
import { afterAll, describe, expect, it } from 'vitest';
import { resolveAdam, type Corruption } from '../../src/config.js';
import { GpuResources } from '../../src/gpu/resources.js';
import { matrix, padRows } from '../../src/gpu/buffers.js';
import { CorruptKernels, encodeCorruption } from '../../src/kernels/corrupt.js';
import { encodeStepUniform } from '../../src/kernels/step_uniforms.js';
import { corruptRows } from '../../src/reference/corrupt.js';
import { expectClose } from '../util/compare.js';
import { seededUniform } from '../util/data.js';
import { readFloats, scoped, submitDispatches, testGpu } from '../util/gpu.js';

const resources: GpuResources[] = [];
afterAll(() => resources.forEach((r) => r.destroy()));

/** Corrupts rows x[rows, pixels] on the GPU at step t under seed; returns them unpadded. */
async function corruptOnGpu(x: Float32Array, rows: number, pixels: number, c: Corruption | null, seed: number, t: number): Promise<Float32Array> {
  const { device } = await testGpu();
  const res = new GpuResources(device);
  resources.push(res);
  return scoped(device, `corrupt ${c ? `${c.kind}:${c.amount}` : 'none'}`, async () => {
    const clean = matrix(res, 'clean', rows, pixels);
    const out = matrix(res, 'out', rows, pixels);
    device.queue.writeBuffer(clean.buffer, 0, padRows(x, rows, pixels));
    const step = res.uniform('step', encodeStepUniform({ t, seed, count: rows, historySlot: 0 }, resolveAdam({})));
    const corruption = res.uniform('corruption', encodeCorruption(c, rows, pixels));
    submitDispatches(device, [await new CorruptKernels(res).forward('corrupt', { corruption, step, clean, out, rows, pixels })]);
    const padded = await readFloats(device, out.buffer);
    const ld = (pixels + 3) & ~3;
    const got = new Float32Array(rows * pixels);
    for (let r = 0; r < rows; r++) got.set(padded.subarray(r * ld, r * ld + pixels), r * pixels);
    // The padding columns stay zero.
    for (let r = 0; r < rows; r++) for (let p = pixels; p < ld; p++) expect(padded[r * ld + p], `padding ${r},${p}`).toBe(0);
    return got;
  });
}

describe('corrupt against the reference', () => {
  const rows = 7;
  const pixels = 13;
  const x = Float32Array.from(seededUniform(rows * pixels, 5, 0, 1));
  for (const c of [null, { kind: 'mask', amount: 0.4 }, { kind: 'saltpepper', amount: 0.3 }, { kind: 'gauss', amount: 0.2 }] as (Corruption | null)[]) {
    it(c ? `${c.kind}:${c.amount}, odd sizes` : 'none copies', async () => {
      const got = await corruptOnGpu(x, rows, pixels, c, 0xdeadbeef, 9);
      const want = corruptRows(x, rows, pixels, c, 0xdeadbeef, 9);
      // mask, salt-and-pepper and none pick between x, 0 and 1 by comparing the same 24-bit
      // uniforms with the same f32 amount: exact. The Gaussian adds S n, n = r cos(theta) from
      // f32 Box-Muller: WGSL allows cos an absolute error of 2^-11 on [-pi, pi], times r <=
      // sqrt(-2 log 2^-24) = 5.8 (log's error adds far less), so S n may be off by S 6 2^-11;
      // the clamp cannot enlarge it.
      const atol = c?.kind === 'gauss' ? c.amount * 6 * 2 ** -11 : 0;
      expectClose(`corrupted ${c?.kind ?? 'none'}`, got, want, atol, 0);
    });
  }

  it('draws afresh each step and the same at the same step', async () => {
    const c: Corruption = { kind: 'mask', amount: 0.5 };
    const a = await corruptOnGpu(x, rows, pixels, c, 1, 1);
    const b = await corruptOnGpu(x, rows, pixels, c, 1, 2);
    expect(await corruptOnGpu(x, rows, pixels, c, 1, 1)).toEqual(a);
    expect(b).not.toEqual(a);
  });
});

describe('corrupt statistics', () => {
  // 256 rows of 784 pixels: n = 200,704 draws, so a fraction p is within 5 sigma = 5 sqrt(p (1 - p) / n) <= 0.0056.
  const rows = 256;
  const pixels = 784;
  const n = rows * pixels;
  const fiveSigma = (p: number) => 5 * Math.sqrt((p * (1 - p)) / n);

  it('mask:0.3 zeroes 30% of the pixels and leaves the rest as they were', async () => {
    const x = new Float32Array(n).fill(0.75);
    const got = await corruptOnGpu(x, rows, pixels, { kind: 'mask', amount: 0.3 }, 7, 3);
    const zeros = got.filter((v) => v === 0).length;
    expect(got.every((v) => v === 0 || v === 0.75)).toBe(true);
    expect(Math.abs(zeros / n - 0.3)).toBeLessThan(fiveSigma(0.3));
  });

  it('saltpepper:0.2 sets 20% of the pixels, half to 0 and half to 1', async () => {
    const x = new Float32Array(n).fill(0.5);
    const got = await corruptOnGpu(x, rows, pixels, { kind: 'saltpepper', amount: 0.2 }, 7, 4);
    const salt = got.filter((v) => v === 1).length;
    const pepper = got.filter((v) => v === 0).length;
    expect(got.every((v) => v === 0 || v === 1 || v === 0.5)).toBe(true);
    expect(Math.abs((salt + pepper) / n - 0.2)).toBeLessThan(fiveSigma(0.2));
    expect(Math.abs(salt / n - 0.1)).toBeLessThan(fiveSigma(0.1));
    expect(Math.abs(pepper / n - 0.1)).toBeLessThan(fiveSigma(0.1));
  });

  it('gauss:0.05 adds noise of mean 0, variance 0.0025 and kurtosis 3 (mid-grey: no clamping)', async () => {
    const x = new Float32Array(n).fill(0.5);
    const got = await corruptOnGpu(x, rows, pixels, { kind: 'gauss', amount: 0.05 }, 7, 5);
    let m1 = 0;
    let m2 = 0;
    let m4 = 0;
    for (const v of got) {
      const d = (v - 0.5) / 0.05;
      m1 += d / n;
      m2 += (d * d) / n;
      m4 += (d * d * d * d) / n;
    }
    // Standard errors at n = 200,704: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032,
    // fourth moment sqrt(96/n) = 0.022; five of each.
    expect(Math.abs(m1)).toBeLessThan(0.011);
    expect(Math.abs(m2 - 1)).toBeLessThan(0.016);
    expect(Math.abs(m4 - 3)).toBeLessThan(0.11);
    // 10 sigma to a bound: nothing was clamped.
    expect(got.every((v) => v > 0 && v < 1)).toBe(true);
  });
});
