// gaussian_logstd kernels against the float64 reference (log sigma at and above the clamp
// included), and the GPU noise against src/runtime/philox.ts.
import { describe, expect, it } from 'vitest';
import { GpuResources } from '../../src/gpu/resources.js';
import { GaussianLogstdKernels, noiseUniform, type GaussianLogstdArgs } from '../../src/kernels/gaussian_logstd.js';
import { philoxNormal } from '../../src/runtime/philox.js';
import { LOGSTD_CLAMP, gaussianLogstdBackward, gaussianLogstdForward } from '../../src/reference/vgae.js';
import { expectBounded, expectClose, padMatrix, unpadMatrix } from '../util/compare.js';
import { seededUniform } from '../util/data.js';
import { readFloats, scoped, submitDispatches, testGpu } from '../util/gpu.js';

const U = 2 ** -24; // unit roundoff of f32; one ulp is at most 2U relative
const pad4 = (n: number) => (n + 3) & ~3;
const whole = (b: GPUBuffer) => ({ buffer: b, offset: 0, size: b.size });

// [nodes, L]: odd sizes hit the padding of both row strides (2L and L).
const SHAPES: [number, number][] = [
  [5, 3],
  [33, 7],
  [130, 16],
];

/**
 * mu and log sigma in f32. In every third row one log sigma is at or above the clamp, or just
 * below it; the other rows keep sigma^2 small, so their KL sums are checked tightly.
 */
function headParts(rows: number, L: number, seed: number): { mu: Float64Array; ls: Float64Array } {
  const mu = seededUniform(rows * L, seed, -2, 2).map(Math.fround);
  const big = [LOGSTD_CLAMP, 42, 100, 39.5];
  const ls = seededUniform(rows * L, seed + 1, -3, 2).map((v, i) => {
    const r = Math.floor(i / L);
    return r % 3 === 1 && i % L === 1 ? big[((r - 1) / 3) % 4] : Math.fround(v);
  });
  return { mu, ls };
}

function headOf(mu: Float64Array, ls: Float64Array, rows: number, L: number): Float64Array {
  const head = new Float64Array(rows * 2 * L);
  for (let r = 0; r < rows; r++) {
    head.set(mu.subarray(r * L, r * L + L), r * 2 * L);
    head.set(ls.subarray(r * L, r * L + L), r * 2 * L + L);
  }
  return head;
}

interface Bench {
  res: GpuResources;
  k: GaussianLogstdKernels;
  args: GaussianLogstdArgs;
  device: GPUDevice;
}

async function bench(rows: number, L: number, head: Float64Array, kl: boolean, t = 1, seed = 1): Promise<Bench> {
  const { device } = await testGpu();
  const res = new GpuResources(device);
  const upload = (label: string, data: Float32Array<ArrayBuffer>) => {
    const b = res.storage(label, data.byteLength);
    device.queue.writeBuffer(b, 0, data);
    return whole(b);
  };
  const zBytes = pad4(rows) * pad4(L) * 4;
  const args: GaussianLogstdArgs = {
    step: noiseUniform(res, 'step', t, seed),
    head: upload('head', padMatrix(head, rows, 2 * L)),
    eps: whole(res.storage('eps', zBytes)),
    z: whole(res.storage('z', zBytes)),
    dz: whole(res.storage('dz', zBytes)),
    klRows: whole(res.storage('klRows', pad4(rows) * 4)),
    dhead: whole(res.storage('dhead', pad4(rows) * pad4(2 * L) * 4)),
    rows,
    latent: L,
    kl,
  };
  return { res, k: new GaussianLogstdKernels(res), args, device };
}

// WGSL's exp(x) is within 3 + 2|x| ulp; sigma = exp(min(ls, 40)) is therefore within
// e_s = (3 + 2|ls|) 2U relative, sigma^2 within 2 e_s + U. Each product and sum rounds once
// more (U). Bounds below are first order, doubled; indexing, clamp or formula errors are O(1).
const expErr = (ls: number) => (3 + 2 * Math.abs(Math.min(ls, LOGSTD_CLAMP))) * 2 * U;

function forwardBounds(mu: Float64Array, ls: Float64Array, eps: ArrayLike<number>, z: Float64Array, rows: number, L: number) {
  const zb = new Float64Array(rows * L);
  const kb = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < L; k++) {
      const i = r * L + k;
      const s = Math.exp(Math.min(ls[i], LOGSTD_CLAMP));
      zb[i] = 2 * (U * Math.abs(z[i]) + Math.abs(eps[i] * s) * (expErr(ls[i]) + U));
      const terms = 1 + 2 * Math.abs(ls[i]) + mu[i] * mu[i] + s * s;
      kb[r] += 2 * ((L + 4) * U * terms + s * s * (2 * expErr(ls[i]) + U));
    }
  }
  return { zb, kb };
}

describe('gaussian_logstd forward_given, forward_mean and backward', () => {
  for (const [rows, L] of SHAPES) {
    const shape = `${rows}x${L}`;
    const { mu, ls } = headParts(rows, L, 11);
    const head = headOf(mu, ls, rows, L);
    const eps = seededUniform(rows * L, 13, -2, 2).map(Math.fround);
    const dz = seededUniform(rows * L, 14, -1, 1).map(Math.fround);

    it(`forward_given ${shape}: z and the KL rows, log sigma at and above the clamp`, async () => {
      const { res, k, args, device } = await bench(rows, L, head, true);
      await scoped(device, `gaussian_logstd.forward_given ${shape}`, async () => {
        device.queue.writeBuffer(args.eps.buffer, 0, padMatrix(eps, rows, L));
        submitDispatches(device, [await k.forward('fwd', args, 'buffer')]);
        const z = new Float64Array(rows * L);
        const klRows = new Float64Array(rows);
        gaussianLogstdForward(z, klRows, mu, ls, eps, rows, L);
        const { zb, kb } = forwardBounds(mu, ls, eps, z, rows, L);
        const gotZ = await readFloats(device, args.z.buffer);
        expectBounded(`forward_given z ${shape}`, unpadMatrix(gotZ, rows, L), z, zb);
        expectBounded(`forward_given kl rows ${shape}`, (await readFloats(device, args.klRows.buffer)).subarray(0, rows), klRows, kb);
        // Padded rows and columns of z stay zero.
        const ld = pad4(L);
        for (let r = 0; r < pad4(rows); r++) for (let c = 0; c < ld; c++) if (r >= rows || c >= L) expect(gotZ[r * ld + c]).toBe(0);
      });
      res.destroy();
    });

    it(`forward_mean ${shape} (the GAE): z = mu exactly and eps = 0`, async () => {
      const { res, k, args, device } = await bench(rows, L, head, false);
      await scoped(device, `gaussian_logstd.forward_mean ${shape}`, async () => {
        device.queue.writeBuffer(args.eps.buffer, 0, padMatrix(eps, rows, L));
        submitDispatches(device, [await k.forward('mean', args, 'mean')]);
        expectClose(`forward_mean z ${shape}`, unpadMatrix(await readFloats(device, args.z.buffer), rows, L), mu, 0, 0);
        const e = await readFloats(device, args.eps.buffer);
        expectClose(`forward_mean eps ${shape}`, e, new Float64Array(e.length), 0, 0);
      });
      res.destroy();
    });

    for (const kl of [true, false]) {
      it(`backward ${shape} ${kl ? 'VGAE' : 'GAE (no KL, eps = 0)'}: dhead = [dz + c mu | dz eps sigma + c (sigma^2 - 1)]`, async () => {
        const e = kl ? eps : new Float64Array(rows * L);
        const { res, k, args, device } = await bench(rows, L, head, kl);
        await scoped(device, `gaussian_logstd.backward ${shape}`, async () => {
          device.queue.writeBuffer(args.eps.buffer, 0, padMatrix(e, rows, L));
          device.queue.writeBuffer(args.dz.buffer, 0, padMatrix(dz, rows, L));
          submitDispatches(device, [await k.backward('bwd', args)]);
          const c = kl ? 1 / (rows * rows) : 0;
          const dmu = new Float64Array(rows * L);
          const dls = new Float64Array(rows * L);
          gaussianLogstdBackward(dmu, dls, dz, mu, ls, kl ? eps : null, rows, L, c);
          const got = unpadMatrix(await readFloats(device, args.dhead.buffer), rows, 2 * L);
          const want = headOf(dmu, dls, rows, L);
          // dmu: c (rounded to f32, U), one product, one sum. dls: two products and exp (e_s + 2U)
          // on the path through z; c, sigma^2 (2 e_s + U), a difference and a product on the KL
          // path; the final sum. Clamped entries must be exactly -c (no gradient through exp).
          const bound = new Float64Array(rows * 2 * L);
          for (let r = 0; r < rows; r++) {
            for (let j = 0; j < L; j++) {
              const i = r * L + j;
              const live = ls[i] < LOGSTD_CLAMP;
              const s = Math.exp(Math.min(ls[i], LOGSTD_CLAMP));
              bound[r * 2 * L + j] = 2 * (U * Math.abs(dmu[i]) + 2 * U * Math.abs(c * mu[i]));
              const zPath = live ? Math.abs(dz[i] * e[i] * s) * (expErr(ls[i]) + 2 * U) : 0;
              const klPath = live ? c * (s * s * (2 * expErr(ls[i]) + 3 * U) + 2 * U) : 2 * U * c;
              bound[r * 2 * L + L + j] = 2 * (U * Math.abs(dls[i]) + zPath + klPath);
            }
          }
          expectBounded(`gaussian_logstd.backward ${shape} kl=${kl}`, got, want, bound);
        });
        res.destroy();
      });
    }
  }
});

// GPU noise against philoxNormal, with the bound of test/kernels/reparameterize.test.ts (the
// same Philox and Box-Muller code): cos/sin absolute 2^-11 on [-pi, pi], log absolute 2^-21 on
// [0.5, 2] and 3 ulp elsewhere, sqrt 4.5 ulp, the f32 angle off by under 2^-19.
function noiseBound(seed: number, t: number, element: number, e: number): number {
  const r = Math.hypot(e, philoxNormal(seed, t, element ^ 1));
  const dr = (r * r <= 2 * Math.LN2 ? Math.min(2 ** -10, 2 ** -20 / r) : 0) + 12 * U * r;
  return r * (2 ** -11 + 2 ** -19) + dr + U * Math.abs(e);
}

describe('gaussian_logstd forward_sample (Philox noise on the GPU)', () => {
  it('33x7: eps = philoxNormal(seed, t, node * L + k), z = mu + eps sigma with the eps drawn, KL rows', async () => {
    const [rows, L, t, seed] = [33, 7, 5, 0x9e3779b9];
    const { mu, ls } = headParts(rows, L, 21);
    const { res, k, args, device } = await bench(rows, L, headOf(mu, ls, rows, L), true, t, seed);
    await scoped(device, 'gaussian_logstd.forward_sample 33x7', async () => {
      submitDispatches(device, [await k.forward('sample', args, 'gpu')]);
      const eps = unpadMatrix(await readFloats(device, args.eps.buffer), rows, L);
      const want = Float64Array.from({ length: rows * L }, (_, i) => philoxNormal(seed, t, i));
      expectBounded('forward_sample eps', eps, want, want.map((v, i) => noiseBound(seed, t, i, v)));
      const z = new Float64Array(rows * L);
      const klRows = new Float64Array(rows);
      gaussianLogstdForward(z, klRows, mu, ls, eps, rows, L);
      const { zb, kb } = forwardBounds(mu, ls, eps, z, rows, L);
      expectBounded('forward_sample z', unpadMatrix(await readFloats(device, args.z.buffer), rows, L), z, zb);
      expectBounded('forward_sample kl rows', (await readFloats(device, args.klRows.buffer)).subarray(0, rows), klRows, kb);
    });
    res.destroy();
  });
});
