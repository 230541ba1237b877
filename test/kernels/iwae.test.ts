// iwae log_weights and fold against float64, with log-weights far outside exp's f32 range.
import { describe, expect, it } from 'vitest';
import { GpuResources } from '../../src/gpu/resources.js';
import { IWAE_CHUNK_BYTES, IwaeKernels, encodeChunk } from '../../src/kernels/iwae.js';
import { LOGVAR_CLAMP } from '../../src/reference/vae.js';
import { logMeanExp } from '../../src/reference/iwae.js';
import { expectClose, padMatrix } from '../util/compare.js';
import { seededUniform } from '../util/data.js';
import { readFloats, scoped, testGpu, submitDispatches } from '../util/gpu.js';

const pad4 = (n: number) => (n + 3) & ~3;
const whole = (b: GPUBuffer) => ({ buffer: b, offset: 0, size: b.size });

/** log w = -recon + 0.5 sum_j (eps^2 + min(lv, clamp) - z^2), in float64. */
function logWeight(recon: number, z: ArrayLike<number>, eps: ArrayLike<number>, lv: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < z.length; j++) s += eps[j] * eps[j] + Math.min(lv[j], LOGVAR_CLAMP) - z[j] * z[j];
  return 0.5 * s - recon;
}

describe('iwae log_weights and fold', () => {
  // 3 images x 5 samples per pass in 12 rows' buffers (one spare row); 3 passes folding 5, 5, 2.
  // Reconstruction terms around 1e4 nats with a spread of hundreds: exp(log w) is 0 in f32 (and
  // in float64), so only a max-shifted sum gives a finite bound.
  const [rows, L, images, stride] = [16, 3, 3, 5];
  const takes = [5, 5, 2];
  const passes = takes.map((_, p) => {
    const recon = seededUniform(rows, 60 + p, 9800, 10400).map(Math.fround);
    // Image 1's weights are close together (a well-fitted posterior), image 2 has one dominant draw.
    recon[stride + 1] = Math.fround(recon[stride]);
    if (p === 1) recon[2 * stride + 3] = 9000;
    return {
      recon,
      z: seededUniform(rows * L, 70 + p, -3, 3).map(Math.fround),
      eps: seededUniform(rows * L, 80 + p, -3, 3).map(Math.fround),
    };
  });
  // logvar in [-6, 6], one at and one above the clamp.
  const head = new Float64Array(rows * 2 * L);
  seededUniform(rows * 2 * L, 90, -6, 6).forEach((v, i) => (head[i] = Math.fround(v)));
  head[0 * 2 * L + L] = LOGVAR_CLAMP;
  head[4 * 2 * L + L + 1] = 95;

  it('3 passes of 3 images: every log-weight and the running log-sum-exp match float64', async () => {
    const { device } = await testGpu();
    const res = new GpuResources(device);
    await scoped(device, 'iwae', async () => {
      const upload = (label: string, data: Float32Array<ArrayBuffer>) => {
        const b = res.storage(label, data.byteLength);
        device.queue.writeBuffer(b, 0, data);
        return b;
      };
      const b = {
        chunk: res.buffer('chunk', IWAE_CHUNK_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
        head: upload('head', padMatrix(head, rows, 2 * L)),
        z: upload('z', new Float32Array(rows * pad4(L))),
        eps: upload('eps', new Float32Array(rows * pad4(L))),
        perImage: upload('perImage', new Float32Array(rows * 2)),
        logW: upload('logW', new Float32Array(rows).fill(NaN)),
        state: upload('state', new Float32Array(rows * 2).fill(NaN)),
      };
      const ds = await new IwaeKernels(res).dispatches('iwae', {
        chunk: b.chunk, head: whole(b.head), z: whole(b.z), eps: whole(b.eps), perImage: whole(b.perImage),
        logW: whole(b.logW), state: whole(b.state), rows, maxImages: rows, latent: L,
      });
      const all: number[][] = [[], [], []];
      for (let p = 0; p < passes.length; p++) {
        const { recon, z, eps } = passes[p];
        device.queue.writeBuffer(b.z, 0, padMatrix(z, rows, L));
        device.queue.writeBuffer(b.eps, 0, padMatrix(eps, rows, L));
        // per_image holds (recon, kl) pairs; kl is not used by the bound.
        device.queue.writeBuffer(b.perImage, 0, Float32Array.from({ length: 2 * rows }, (_, i) => (i % 2 ? 123 : recon[i / 2])));
        device.queue.writeBuffer(b.chunk, 0, encodeChunk(images, stride, takes[p], p === 0));
        submitDispatches(device, ds);

        const lw = await readFloats(device, b.logW);
        const want = Float64Array.from({ length: images * stride }, (_, r) =>
          logWeight(recon[r], z.slice(r * L, r * L + L), eps.slice(r * L, r * L + L), Array.from({ length: L }, (_, j) => head[r * 2 * L + L + j])));
        // Each log-weight: recon (~1e4) exactly, plus 3L f32 products and sums of magnitude
        // <= 80 and a final subtraction: a few ulp of 1e4 (~1e-3 each); 4e-3 absolute.
        expectClose(`log_weights pass ${p}`, lw.subarray(0, images * stride), want, 4e-3, 0);
        for (let g = 0; g < images; g++) for (let i = 0; i < takes[p]; i++) all[g].push(want[g * stride + i]);
      }
      const state = await readFloats(device, b.state);
      for (let g = 0; g < images; g++) {
        const [m, s] = [state[2 * g], state[2 * g + 1]];
        expect(Number.isFinite(m) && s >= 1 && Number.isFinite(s), `image ${g}: state (${m}, ${s})`).toBe(true);
        const got = m + Math.log(s) - Math.log(all[g].length);
        // The log-weights' own error (4e-3) plus the f32 sum of at most 12 terms <= 1 (1e-6 relative).
        expect(Math.abs(got - logMeanExp(all[g])), `image ${g}: ${got} vs ${logMeanExp(all[g])}`).toBeLessThan(5e-3);
      }
      // Sanity of the test itself: the weights underflow without the shift.
      expect(Math.exp(all[0][0])).toBe(0);
    });
    res.destroy();
  });
});
