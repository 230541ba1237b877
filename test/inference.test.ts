// encode, decode, reconstruct and sample against the float64 reference.
import { describe, expect, it } from 'vitest';
import { resolveConfig, type VaeConfig } from '../src/config.js';
import { headIndex, layerSpecs } from '../src/model/describe.js';
import { linearForward, toRefParams, vaeForward } from '../src/reference/vae.js';
import { anomalyScores, importanceWeightedScores, interpolate } from '../src/vae/toolkit.js';
import { iwaeLogWeights, logMeanExp } from '../src/reference/iwae.js';
import { latentView, MANIFOLD_RANGE, MANIFOLD_SIDE, manifoldGrid } from '../src/views/latent_view.js';
import { project2d } from '../src/views/pca.js';
import { Vae } from '../src/vae/vae.js';
import { expectClose } from './util/compare.js';
import { seededUniform } from './util/data.js';
import { testGpu } from './util/gpu.js';

/** Layers [from, to) of `cfg` in float64 on `rows` input rows (no sigmoid on the output). */
function refForward(cfg: VaeConfig, params: ReturnType<typeof toRefParams>, input: ArrayLike<number>, from: number, to: number, rows: number): Float64Array {
  let a = Float64Array.from(input);
  for (const l of layerSpecs(cfg).slice(from, to)) {
    const y = new Float64Array(rows * l.outSize);
    linearForward(y, a, params.get(`${l.name}.weight`)!, params.get(`${l.name}.bias`)!, rows, l.inSize, l.outSize, l.activation);
    a = y;
  }
  return a;
}

describe('inference', () => {
  // 7 rows with batch 3: three chunks, the last partial; sizes not multiples of 4.
  const cfg = resolveConfig({ inputSize: 13, hidden: [9, 6], latent: 3, batch: 3 });
  const n = 7;
  const x = Float32Array.from(seededUniform(n * cfg.inputSize, 31, 0, 1));
  const z = Float32Array.from(seededUniform(n * cfg.latent, 32, -2, 2));

  it('encode gives the head [mu | logvar] of the reference, decode its sigmoid(logits)', async () => {
    const { device } = await testGpu();
    const vae = await Vae.create({ device, config: cfg, seed: 4 });
    const params = toRefParams(await vae.readParameters());
    const h = headIndex(cfg);
    const { mu, logvar } = await vae.encode(x);
    const head = refForward(cfg, params, x, 0, h + 1, n);
    const L = cfg.latent;
    const want = (off: number) => Float64Array.from({ length: n * L }, (_, i) => head[Math.floor(i / L) * 2 * L + off + (i % L)]);
    // Two or three chained f32 products with K <= 13: 1e-5 absolute is ~100 ulp of the values.
    expectClose('encode mu', mu, want(0), 1e-5, 1e-5);
    expectClose('encode logvar', logvar, want(L), 1e-5, 1e-5);
    const probs = await vae.decode(z);
    const logits = refForward(cfg, params, z, h + 1, layerSpecs(cfg).length, n);
    expectClose('decode', probs, logits.map((l) => 1 / (1 + Math.exp(-l))), 1e-6, 1e-5);
    const recon = await vae.reconstruct(x);
    expectClose('reconstruct = decode(encode.mu)', recon, await vae.decode(mu), 0, 0);
    const s1 = await vae.sample(5, 11);
    expect(s1.length).toBe(5 * cfg.inputSize);
    expect(s1.every((p) => p > 0 && p < 1)).toBe(true);
    expect(await vae.sample(5, 11)).toEqual(s1);
    expect(await vae.sample(5, 12)).not.toEqual(s1);
    vae.destroy();
  });
});

describe('toolkit', () => {
  const cfg = resolveConfig({ inputSize: 13, hidden: [9, 6], latent: 3, batch: 3 });
  const n = 7;
  const x = Float32Array.from(seededUniform(n * cfg.inputSize, 41, 0, 1));
  const z = Float32Array.from(seededUniform(n * cfg.latent, 44, -3, 3));

  it("anomaly scores are each image's negative ELBO, as the reference computes it", async () => {
    const { device } = await testGpu();
    const vae = await Vae.create({ device, config: cfg, seed: 4, noise: 'buffer' });
    const eps = Float32Array.from(seededUniform(cfg.batch * cfg.latent, 42, -2, 2));
    vae.setNoise(eps);
    const scores = await anomalyScores(vae, x, n, 2);
    const params = toRefParams(await vae.readParameters());
    // Rows in chunks of 3 (3, 3, 1), each chunk with the same eps rows.
    const want = new Float64Array(n);
    for (let start = 0; start < n; start += 3) {
      const count = Math.min(3, n - start);
      const rows = new Float64Array(3 * cfg.inputSize);
      rows.set(x.subarray(start * cfg.inputSize, (start + count) * cfg.inputSize));
      const f = vaeForward(params, cfg, rows, eps, count);
      for (let r = 0; r < count; r++) want[start + r] = f.loss.recon[r] + f.loss.kl[r];
    }
    // Per-row f32 sums of 13 pixels: 1e-5 relative.
    expectClose('anomaly scores', scores, want, 0, 1e-5);
    vae.destroy();
  });

  it('importance-weighted scores are -L_k of the reference; a Gaussian decoder decodes to its mean, unclipped', async () => {
    const { device } = await testGpu();
    const config = { ...cfg, likelihood: 'gaussian' as const, sigma: 0.3 };
    const vae = await Vae.create({ device, config, seed: 4, noise: 'buffer' });
    const eps = Float32Array.from(seededUniform(cfg.batch * cfg.latent, 43, -2, 2));
    vae.setNoise(eps);
    const params = toRefParams(await vae.readParameters());
    // k = 3 = the batch: one image per pass, drawing eps rows 0..2.
    const scores = await importanceWeightedScores(vae, x, n, 3);
    const want = Float64Array.from({ length: n }, (_, i) => -logMeanExp(iwaeLogWeights(params, config, x.subarray(i * 13, i * 13 + 13), eps)));
    expectClose('importance-weighted scores', scores, want, 1e-4, 1e-5);
    // decode: the output layer itself, which a Gaussian mean may take outside [0, 1].
    const decoded = await vae.decode(z);
    const h = headIndex(cfg);
    const out = refForward(cfg, params, z, h + 1, layerSpecs(cfg).length, n);
    expectClose('gaussian decode', decoded, out, 1e-5, 1e-5);
    vae.destroy();
  });

  it('interpolation starts and ends at the reconstructions; linear and spherical share endpoints', async () => {
    const { device } = await testGpu();
    const vae = await Vae.create({ device, config: cfg, seed: 4 });
    const a = x.subarray(0, cfg.inputSize);
    const b = x.subarray(cfg.inputSize, 2 * cfg.inputSize);
    const lin = await interpolate(vae, a, b, 5, 'linear');
    const sph = await interpolate(vae, a, b, 5, 'spherical');
    const recon = await vae.reconstruct(x.subarray(0, 2 * cfg.inputSize), 2);
    const P = cfg.inputSize;
    expectClose('linear start', lin.subarray(0, P), recon.subarray(0, P), 1e-6, 1e-5);
    expectClose('linear end', lin.subarray(4 * P), recon.subarray(P), 1e-6, 1e-5);
    expectClose('spherical start', sph.subarray(0, P), recon.subarray(0, P), 1e-6, 1e-5);
    expectClose('spherical end', sph.subarray(4 * P), recon.subarray(P), 1e-6, 1e-5);
    await expect(interpolate(vae, a, x.subarray(0, 5), 3)).rejects.toThrow('interpolate: inputs have 13 and 5 values, the model expects 13');
    vae.destroy();
  });

  it('latent view: means as they are (latent 2) or projected (latent 3), the manifold decoded from its grid', async () => {
    const { device } = await testGpu();
    const two = await Vae.create({ device, config: { ...cfg, latent: 2 }, seed: 5 });
    const v2 = await latentView(two, x, n);
    expect(v2.points).toEqual((await two.encode(x, n)).mu);
    expect(v2.axes).toEqual(['z1', 'z2']);
    expect(v2.explained).toBeNull();
    expect(v2.manifold).toEqual(await two.decode(manifoldGrid(MANIFOLD_SIDE, MANIFOLD_RANGE)));
    two.destroy();
    const three = await Vae.create({ device, config: cfg, seed: 5 });
    const v3 = await latentView(three, x, n);
    const want = project2d((await three.encode(x, n)).mu, n, 3);
    expect(v3.points).toEqual(want.points);
    expect(v3.explained).toEqual(want.explained);
    expect(v3.axes[0]).toMatch(/^PC1 \(\d+% of variance\)$/);
    expect(v3.manifold).toBeNull();
    three.destroy();
  });
});
