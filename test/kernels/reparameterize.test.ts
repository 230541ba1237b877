// reparameterize kernels against the float64 reference, and the GPU noise against src/runtime/philox.ts
// and the standard normal distribution.
import { describe, expect, it } from 'vitest';
import { resolveAdam } from '../../src/config.js';
import { GpuResources } from '../../src/gpu/resources.js';
import { ReparameterizeKernels, type ReparameterizeArgs } from '../../src/kernels/reparameterize.js';
import { encodeStepUniform } from '../../src/kernels/step_uniforms.js';
import { philoxNormal } from '../../src/runtime/philox.js';
import { LOGVAR_CLAMP, reparameterizeBackward, reparameterizeForward } from '../../src/reference/vae.js';
import { expectClose, padMatrix, unpadMatrix, expectBounded } from '../util/compare.js';
import { seededUniform } from '../util/data.js';
import { readFloats, scoped, testGpu, submitDispatches } from '../util/gpu.js';

const U = 2 ** -24; // unit roundoff of f32; one ulp is at most 2U relative
const pad4 = (n: number) => (n + 3) & ~3;
const whole = (b: GPUBuffer) => ({ buffer: b, offset: 0, size: b.size });

// [rows, L]: odd sizes hit the padding of both row strides (2L and L); 128 x 20 is the reference model.
const SHAPES: [number, number][] = [
  [3, 3],
  [33, 7],
  [128, 20],
];

/** Head rows [mu | logvar] in f32; every 5th logvar is at or above the clamp, or just below it. */
function headValues(rows: number, L: number, seed: number): Float64Array {
  const mu = seededUniform(rows * L, seed, -2, 2);
  const lv = seededUniform(rows * L, seed + 1, -4, 4);
  const big = [LOGVAR_CLAMP, 85, 200, 79.5];
  const head = new Float64Array(rows * 2 * L);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < L; j++) {
      const i = r * L + j;
      head[r * 2 * L + j] = Math.fround(mu[i]);
      head[r * 2 * L + L + j] = i % 5 === 2 ? big[(i / 5) % 4 | 0] : Math.fround(lv[i]);
    }
  }
  return head;
}

interface Bench {
  res: GpuResources;
  k: ReparameterizeKernels;
  args: ReparameterizeArgs;
  device: GPUDevice;
}

async function bench(rows: number, L: number, head: ArrayLike<number>, t: number, seed: number): Promise<Bench> {
  const { device } = await testGpu();
  const res = new GpuResources(device);
  const k = new ReparameterizeKernels(res);
  const upload = (label: string, data: Float32Array<ArrayBuffer>) => {
    const b = res.storage(label, data.byteLength);
    device.queue.writeBuffer(b, 0, data);
    return whole(b);
  };
  const zBytes = pad4(rows) * pad4(L) * 4;
  const args: ReparameterizeArgs = {
    step: res.uniform('step', encodeStepUniform({ t, seed, count: rows, historySlot: 0 }, resolveAdam({}))),
    head: upload('head', padMatrix(head, rows, 2 * L)),
    eps: whole(res.storage('eps', zBytes)),
    z: whole(res.storage('z', zBytes)),
    dz: whole(res.storage('dz', zBytes)),
    dhead: whole(res.storage('dhead', pad4(rows) * pad4(2 * L) * 4)),
    rows,
    latent: L,
  };
  return { res, k, args, device };
}

/** The padded cells of a (rows x cols) matrix stored as (rows4 x pad4(cols)). */
function paddingOf(a: Float32Array, rows: number, cols: number): Float64Array {
  const ld = pad4(cols);
  const out: number[] = [];
  for (let r = 0; r < pad4(rows); r++) for (let c = 0; c < ld; c++) if (r >= rows || c >= cols) out.push(a[r * ld + c]);
  return Float64Array.from(out);
}

// z = mu + exp(0.5 min(lv, 80)) eps. 0.5 lv is exact; WGSL's exp(x) is within 3 + 2|x| ulp, so
// exp(0.5 lv) is within (3 + |lv|) 2U relative; the product and the sum each round once (U).
// First order: |dz| <= U |z| + |s eps| ((3 + |lv|) 2U + U). Twice that is allowed, which still
// rejects any indexing or clamp error (those are O(1) or O(s)).
function forwardBound(head: ArrayLike<number>, eps: ArrayLike<number>, z: ArrayLike<number>, rows: number, L: number): Float64Array {
  const b = new Float64Array(rows * L);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < L; j++) {
      const lv = Math.min(head[r * 2 * L + L + j], LOGVAR_CLAMP);
      const se = Math.abs(Math.exp(0.5 * lv) * eps[r * L + j]);
      b[r * L + j] = 2 * (U * Math.abs(z[r * L + j]) + se * ((3 + Math.abs(lv)) * 2 * U + U));
    }
  }
  return b;
}

describe('reparameterize forward_given and backward', () => {
  for (const [rows, L] of SHAPES) {
    const shape = `${rows}x${L}`;
    const head = headValues(rows, L, 11);
    const eps = seededUniform(rows * L, 13, -2, 2).map(Math.fround);
    const dz = seededUniform(rows * L, 14, -1, 1).map(Math.fround);
    const dhead0 = seededUniform(rows * 2 * L, 15, -1, 1).map(Math.fround);

    it(`forward_given ${shape}, with logvar at and above the clamp`, async () => {
      const { res, k, args, device } = await bench(rows, L, head, 1, 1);
      await scoped(device, `reparameterize.forward_given ${shape}`, async () => {
        device.queue.writeBuffer(args.eps.buffer, 0, padMatrix(eps, rows, L));
        submitDispatches(device, [await k.forward('fwd', args, 'buffer')]);
        const got = await readFloats(device, args.z.buffer);
        const want = new Float64Array(rows * L);
        reparameterizeForward(want, head, eps, rows, L);
        expectBounded(`reparameterize.forward_given ${shape}`, unpadMatrix(got, rows, L), want, forwardBound(head, eps, want, rows, L));
        // Padded rows have zero head and eps, so everything outside the logical block stays 0.
        const p = paddingOf(got, rows, L);
        expectClose(`reparameterize.forward_given ${shape} padding`, p, new Float64Array(p.length), 0, 0);
      });
      res.destroy();
    });

    it(`forward_mean ${shape} (the autoencoder): z = mu exactly and eps = 0`, async () => {
      const { res, k, args, device } = await bench(rows, L, head, 1, 1);
      await scoped(device, `reparameterize.forward_mean ${shape}`, async () => {
        device.queue.writeBuffer(args.eps.buffer, 0, padMatrix(eps, rows, L));
        submitDispatches(device, [await k.forward('mean', args, 'mean')]);
        const z = unpadMatrix(await readFloats(device, args.z.buffer), rows, L);
        const mu = Float64Array.from({ length: rows * L }, (_, i) => head[Math.floor(i / L) * 2 * L + (i % L)]);
        expectClose(`reparameterize.forward_mean ${shape} z`, z, mu, 0, 0);
        const e = await readFloats(device, args.eps.buffer);
        expectClose(`reparameterize.forward_mean ${shape} eps`, e, new Float64Array(e.length), 0, 0);
      });
      res.destroy();
    });

    it(`backward ${shape} adds into dhead; no gradient through clamped logvar`, async () => {
      const { res, k, args, device } = await bench(rows, L, head, 1, 1);
      await scoped(device, `reparameterize.backward ${shape}`, async () => {
        device.queue.writeBuffer(args.eps.buffer, 0, padMatrix(eps, rows, L));
        device.queue.writeBuffer(args.dz.buffer, 0, padMatrix(dz, rows, L));
        device.queue.writeBuffer(args.dhead.buffer, 0, padMatrix(dhead0, rows, 2 * L));
        submitDispatches(device, [await k.backward('bwd', args)]);
        const got = await readFloats(device, args.dhead.buffer);
        const want = Float64Array.from(dhead0);
        reparameterizeBackward(want, dz, head, eps, rows, L);
        // dmu = pre + dz rounds once: U (|pre| + |dz|). dlv = pre + dz eps 0.5 exp(0.5 lv): two
        // products (U each), exp within (3 + |lv|) 2U, the sum U. Clamped entries must be exactly
        // pre (bound 0). Twice the first-order bound.
        const bound = new Float64Array(rows * 2 * L);
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < L; j++) {
            const m = r * 2 * L + j;
            const v = m + L;
            const lv = head[v];
            const g = dz[r * L + j];
            bound[m] = 2 * U * (Math.abs(dhead0[m]) + Math.abs(g));
            const term = Math.abs(g * eps[r * L + j] * 0.5 * Math.exp(0.5 * lv));
            bound[v] = lv < LOGVAR_CLAMP ? 2 * (U * Math.abs(dhead0[v]) + term * ((3 + Math.abs(lv)) * 2 * U + 3 * U)) : 0;
          }
        }
        expectBounded(`reparameterize.backward ${shape}`, unpadMatrix(got, rows, 2 * L), want, bound);
        const p = paddingOf(got, rows, 2 * L);
        expectClose(`reparameterize.backward ${shape} padding`, p, new Float64Array(p.length), 0, 0);
      });
      res.destroy();
    });
  }
});

// GPU noise e = r cos(theta) (or sin) with r = sqrt(-2 log u1) against philoxNormal in float64.
// WGSL accuracy: cos/sin absolute 2^-11 on [-pi, pi]; log absolute 2^-21 on [0.5, 2], else 3 ulp;
// sqrt about 4.5 ulp. The f32 angle is off by at most about 1e-6 < 2^-19 (rounding of 2pi/2^24,
// of the product, of pi and of the subtraction). So |de| <= r (2^-11 + 2^-19) + dr + U|e| with
// dr <= min(2^-10, 2^-20 / r) when u1 >= 0.5 (|d r^2| <= 2 * 2^-21), plus 6 ulp of r in every
// case (sqrt's 4.5 and half of log's 3 below 0.5).
// r is the float64 radius, recovered from the element's Box-Muller partner (lane ^ 1).
function noiseBound(seed: number, t: number, element: number, e: number): number {
  const r = Math.hypot(e, philoxNormal(seed, t, element ^ 1));
  const dr = (r * r <= 2 * Math.LN2 ? Math.min(2 ** -10, 2 ** -20 / r) : 0) + 12 * U * r;
  return r * (2 ** -11 + 2 ** -19) + dr + U * Math.abs(e);
}

async function sample(rows: number, L: number, head: ArrayLike<number>, t: number, seed: number) {
  const { res, k, args, device } = await bench(rows, L, head, t, seed);
  return scoped(device, `reparameterize.forward_sample ${rows}x${L} t=${t} seed=${seed}`, async () => {
    submitDispatches(device, [await k.forward('sample', args, 'gpu')]);
    const eps = await readFloats(device, args.eps.buffer);
    const z = await readFloats(device, args.z.buffer);
    res.destroy();
    return { eps, z };
  });
}

function expectPhilox(label: string, eps: Float32Array, rows: number, L: number, seed: number, t: number): void {
  const got = unpadMatrix(eps, rows, L);
  const want = new Float64Array(rows * L);
  const bound = new Float64Array(rows * L);
  for (let i = 0; i < want.length; i++) {
    want[i] = philoxNormal(seed, t, i);
    bound[i] = noiseBound(seed, t, i, want[i]);
  }
  expectBounded(label, got, want, bound);
}

describe('reparameterize forward_sample (Philox noise on the GPU)', () => {
  const SEED = 0x9e3779b9; // above 2^31: the key word is a u32 on both sides

  for (const [rows, L] of SHAPES) {
    const shape = `${rows}x${L}`;
    it(`${shape}: eps equals philoxNormal(seed, t, row*L + j); with mu = logvar = 0, z = eps`, async () => {
      const { eps, z } = await sample(rows, L, new Float64Array(rows * 2 * L), 3, SEED);
      expectPhilox(`forward_sample eps ${shape}`, eps, rows, L, SEED, 3);
      // z = 0 + exp(0) e: WGSL's exp(0) is within 3 ulp of 1, plus one rounding.
      const e = unpadMatrix(eps, rows, L);
      expectBounded(`forward_sample z = eps ${shape}`, unpadMatrix(z, rows, L), e, e.map((v) => 7 * U * Math.abs(v)));
      // Padded rows may hold noise (the kernel runs over rows4); padded columns must stay 0.
      const ld = pad4(L);
      for (let r = 0; r < pad4(rows); r++) for (let c = L; c < ld; c++) expect(eps[r * ld + c], `eps padding column [${r},${c}]`).toBe(0);
    });
  }

  it('33x7: z = mu + exp(0.5 logvar) eps with the eps it drew', async () => {
    const [rows, L] = [33, 7];
    const head = headValues(rows, L, 21);
    const { eps, z } = await sample(rows, L, head, 5, 42);
    expectPhilox('forward_sample eps 33x7 (non-zero head)', eps, rows, L, 42, 5);
    const e = unpadMatrix(eps, rows, L);
    const want = new Float64Array(rows * L);
    reparameterizeForward(want, head, e, rows, L);
    expectBounded('forward_sample z 33x7', unpadMatrix(z, rows, L), want, forwardBound(head, e, want, rows, L));
  });

  it('4096x64 (262,144 draws): mean, variance and fourth moment of a standard normal', async () => {
    const [rows, L] = [4096, 64];
    const { eps } = await sample(rows, L, new Float64Array(rows * 2 * L), 1, 7);
    const n = eps.length;
    expect(n).toBe(262_144);
    let s1 = 0;
    let s2 = 0;
    let s4 = 0;
    let finite = 0;
    for (let i = 0; i < n; i++) {
      const v = eps[i];
      if (Number.isFinite(v)) finite++;
      s1 += v;
      s2 += v * v;
      s4 += v ** 4;
    }
    expect(finite, 'finite draws').toBe(n);
    const mean = s1 / n;
    const variance = s2 / n - mean * mean;
    // Standard errors for N(0, 1) with n = 2^18: mean 1/sqrt(n) = 1/512 ~ 0.00195; variance
    // sqrt(2/n) ~ 0.00276; E[z^4] = 3 with sd sqrt((105 - 9)/n) ~ 0.0191. Five of each.
    const se = 1 / Math.sqrt(n);
    expect(Math.abs(mean), `mean ${mean}`).toBeLessThan(5 * se);
    expect(Math.abs(variance - 1), `variance ${variance}`).toBeLessThan(5 * Math.sqrt(2) * se);
    expect(Math.abs(s4 / n - 3), `fourth moment ${s4 / n}`).toBeLessThan(5 * Math.sqrt(96) * se);
    // Elementwise too: every draw is the CPU's number, not just the right distribution.
    expectPhilox('forward_sample eps 4096x64', eps, rows, L, 7, 1);
  });

  it('the same (seed, step) gives bit-identical noise; another step or seed gives other noise', async () => {
    const [rows, L] = [128, 20];
    const head = new Float64Array(rows * 2 * L);
    const u32 = (a: Float64Array) => new Uint32Array(Float32Array.from(a).buffer);
    const draw = async (t: number, seed: number) => u32(unpadMatrix((await sample(rows, L, head, t, seed)).eps, rows, L));
    const a = await draw(9, SEED);
    const b = await draw(9, SEED);
    const nextStep = await draw(10, SEED);
    const otherSeed = await draw(9, SEED + 1);
    expect(a.length).toBe(rows * L);
    let differ = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
    expect(differ, 'elements differing between two identical draws').toBe(0);
    for (const [name, c] of [['step 10 vs 9', nextStep], ['seed + 1', otherSeed]] as const) {
      let same = 0;
      for (let i = 0; i < a.length; i++) if (a[i] === c[i]) same++;
      // Independent 24-bit-based draws coincide exactly with probability well under 1e-4 each.
      expect(same, `elements equal for ${name}`).toBeLessThanOrEqual(1);
    }
  });
});
