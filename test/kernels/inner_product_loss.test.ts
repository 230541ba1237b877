// The fused decoder loss (both variants, one and several column chunks) against the float64
// reference, on graphs with isolated nodes and odd latent sizes, with per-element error bounds
// derived from f32 rounding and WGSL's stated accuracy of exp and log.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { expandWgsl } from '../../scripts/wgsl.mjs';
import { graphAdjacency, type GraphAdjacency } from '../../src/graph/adjacency.js';
import { readLinqs } from '../../src/graph/linqs.js';
import { splitEdges } from '../../src/graph/split.js';
import { GpuResources } from '../../src/gpu/resources.js';
import { InnerProductLossKernels, MAX_LATENT, uploadLabels, type InnerProductVariant } from '../../src/kernels/inner_product_loss.js';
import { innerProductLoss, type LabelRows } from '../../src/reference/vgae.js';
import { expectBounded, unpadMatrix } from '../util/compare.js';
import { decoderGraph, decoderOperands, pairError, U } from '../util/decoder.js';
import { readFloats, scoped, submitDispatches, testGpu } from '../util/gpu.js';

const pad4 = (n: number) => (n + 3) & ~3;
const whole = (b: GPUBuffer) => ({ buffer: b, offset: 0, size: b.size });

/**
 * Error bounds, first order, doubled: each pair's (test/util/decoder_bounds.ts), and sums of
 * positive terms in f32 lose at most (terms + 2) u relative: rows sum n / chunks terms, `total`
 * n chunks / 256 and 8 tree levels.
 */
function bounds(z: ArrayLike<number>, labels: LabelRows, n: number, L: number, pw: number, norm: number, chunks: number) {
  const scale = norm / (n * n);
  let lossErr = 0;
  let lossSum = 0;
  const dzErr = new Float64Array(n * L);
  const gzAbs = new Float64Array(n * L);
  for (let i = 0; i < n; i++) {
    let q = labels.rowPtr[i];
    for (let j = 0; j < n; j++) {
      while (q < labels.rowPtr[i + 1] && labels.colIdx[q] < j) q++;
      const edge = q < labels.rowPtr[i + 1] && labels.colIdx[q] === j;
      const w = edge ? pw : 1;
      const e = pairError(z, i, j, L, edge);
      lossSum += w * e.l;
      lossErr += w * e.lossErr;
      for (let k = 0; k < L; k++) {
        dzErr[i * L + k] += w * e.gradErr * Math.abs(z[j * L + k]);
        gzAbs[i * L + k] += w * e.s * Math.abs(z[j * L + k]);
      }
    }
  }
  const sumTerms = n / chunks + (n * chunks) / 256 + 12;
  const loss = 2 * scale * (lossErr + sumTerms * U * lossSum);
  const dz = dzErr.map((e, i) => 2 * 2 * scale * (e + (n / chunks + chunks + 4) * U * gzAbs[i]));
  return { loss, dz };
}

interface Case {
  n: number;
  L: number;
  degree: number;
  zScale: number;
  /** A given graph instead of a random one of this degree. */
  adj?: GraphAdjacency;
}

// One set of kernels per variant for the whole file: SwiftShader takes 0.5-2 s to compile a
// pipeline, far longer than these runs. Their buffers are released after the file.
// `register+subgroups` is the register variant sharing z_j through the subgroup (latent <= 16;
// larger latents fall back to the plain register shader); `register` is kept off it.
type Variant = InnerProductVariant | 'register+subgroups';
const kernels = new Map<Variant, Promise<{ res: GpuResources; k: InnerProductLossKernels }>>();
function kernelsFor(variant: Variant) {
  let p = kernels.get(variant);
  if (!p) {
    p = testGpu().then(({ device }) => {
      const res = new GpuResources(device);
      const k = variant === 'tiled' ? new InnerProductLossKernels(res, 'tiled') : new InnerProductLossKernels(res, 'register', { subgroups: variant === 'register+subgroups' });
      return { res, k };
    });
    kernels.set(variant, p);
  }
  return p;
}
afterAll(async () => {
  for (const p of kernels.values()) (await p).res.destroy();
});

async function check(variant: Variant, c: Case, chunks: number | undefined, withKl: boolean): Promise<{ chunks: number; subgroups: boolean }> {
  const { device } = await testGpu();
  const { res, k } = await kernelsFor(variant);
  const { n, L } = c;
  const adj = c.adj ?? decoderGraph(n, 3 + n, c.degree);
  const label = `inner_product_loss[${variant}] ${n}x${L} chunks=${chunks ?? 'auto'}`;
  return scoped(device, label, async () => {
    const { z, klRows, zb, dzb, out, kb } = decoderOperands(res, n, L, c.zScale);
    const d = await k.build(label, {
      z: whole(zb), labels: uploadLabels(res, 'labels', adj.adj), klRows: withKl ? whole(kb) : null, dz: whole(dzb), out: whole(out),
      n, latent: L, posWeight: adj.posWeight, norm: adj.norm, chunks,
    });
    submitDispatches(device, d.all);
    const wantDz = new Float64Array(n * L);
    const recon = innerProductLoss(wantDz, z, adj.adj, n, L, adj.posWeight, adj.norm);
    const kl = withKl ? (-0.5 * klRows.reduce((a, b) => a + b, 0)) / (n * n) : 0;
    const b = bounds(z, adj.adj, n, L, adj.posWeight, adj.norm, d.chunks);
    const got = await readFloats(device, out);
    // kl: n f32 values summed (n / 256 + 8 roundings) and scaled: a relative (n / 256 + 12) u.
    const klErr = 2 * (n / 256 + 12) * U * Math.abs(kl);
    expectBounded(`${label} (loss, recon, kl)`, got.subarray(0, 3), [recon + kl, recon, kl], [b.loss + klErr + U * Math.abs(recon + kl), b.loss, klErr]);
    const gotDz = await readFloats(device, dzb);
    expectBounded(`${label} dz`, unpadMatrix(gotDz, n, L), wantDz, b.dz);
    // Padded rows and columns of dz stay zero.
    const ld = pad4(L);
    for (let r = 0; r < pad4(n); r++) for (let col = 0; col < ld; col++) if (r >= n || col >= L) expect(gotDz[r * ld + col]).toBe(0);
    return { chunks: d.chunks, subgroups: d.subgroups };
  });
}

const CASES: Case[] = [
  { n: 5, L: 1, degree: 2, zScale: 1 },
  { n: 37, L: 3, degree: 4, zScale: 1.5 },
  { n: 301, L: 7, degree: 4, zScale: 1.2 },
  { n: 130, L: 16, degree: 5, zScale: 0.9 },
  // The largest latent size: all 16 register blocks in use.
  { n: 23, L: 61, degree: 3, zScale: 0.35 },
];

const hasSubgroups = testGpu().then(({ device }) => device.features.has('subgroups'));

for (const variant of ['register', 'register+subgroups', 'tiled'] as Variant[]) {
  describe(`inner_product_loss [${variant}]`, () => {
    for (const c of CASES) {
      it(`${c.n} nodes, L = ${c.L}: one chunk, VGAE (with the KL rows)`, async (ctx) => {
        if (variant === 'register+subgroups' && !(await hasSubgroups)) ctx.skip();
        const r = await check(variant, c, 1, true);
        expect(r.chunks).toBe(1);
        expect(r.subgroups).toBe(variant === 'register+subgroups' && c.L <= 16);
      });
    }
    it('301 nodes, L = 7: several column chunks (finish sums them), GAE (no KL)', async (ctx) => {
      if (variant === 'register+subgroups' && !(await hasSubgroups)) ctx.skip();
      const { chunks } = await check(variant, CASES[2], 3, false);
      expect(chunks).toBeGreaterThan(1);
    });
    it('130 nodes, L = 16: the default chunking', async (ctx) => {
      if (variant === 'register+subgroups' && !(await hasSubgroups)) ctx.skip();
      const { chunks } = await check(variant, CASES[3], undefined, true);
      // The tiled variant splits columns for a GPU; the register one keeps one chunk.
      expect(chunks).toBe(variant === 'tiled' ? 3 : 1);
    });
  });
}

// Shapes at the edges of the tiled variant's blocks (each unordered pair once, in block pairs on
// and above the diagonal): a last chunk of one node, last chunks that end inside a pass of
// rows and inside a tile of columns, the largest latent (where the tile shrinks to 16), isolated
// nodes in the last block. The other variants run them too.
const BLOCK_CASES: [Case, number][] = [
  [{ n: 65, L: 5, degree: 4, zScale: 1.2 }, 2],
  [{ n: 200, L: 9, degree: 5, zScale: 1 }, 2],
  [{ n: 97, L: 61, degree: 3, zScale: 0.35 }, 2],
  [{ n: 333, L: 16, degree: 4, zScale: 0.9 }, 6],
];
for (const variant of ['register', 'register+subgroups', 'tiled'] as Variant[]) {
  describe(`inner_product_loss [${variant}] on block edges`, () => {
    for (const [c, chunks] of BLOCK_CASES) {
      it(`${c.n} nodes, L = ${c.L}, ${chunks} chunks`, async (ctx) => {
        if (variant === 'register+subgroups' && !(await hasSubgroups)) ctx.skip();
        const r = await check(variant, c, chunks, c.n !== 200);
        expect(r.chunks).toBe(chunks);
      });
    }
  });
}

// The real size: 7.3M pairs summed in f32, per row (2,708 terms) then over rows. The bounds
// above scale with the terms summed (about 2,700 u = 1.6e-4 relative for a row at worst; the
// realised error is far smaller as the rounding errors do not all point one way).
describe("inner_product_loss at Cora's shape (2,708 nodes, L = 16, the training adjacency of split seed 1)", () => {
  const cora = (async () => {
    const file = (name: string) => ({ name, bytes: new Uint8Array(readFileSync(new URL(`../../data/cora/${name}`, import.meta.url))) });
    const g = await readLinqs(file('cora.content.gz'), file('cora.cites.gz'));
    return graphAdjacency(g.n, splitEdges(g.n, g.edges, { seed: 1 }).train);
  })();
  for (const [variant, chunks] of [['register', 1], ['register+subgroups', 1], ['tiled', undefined]] as const) {
    it(`${variant}, ${chunks ? 'one chunk' : 'the default chunks'}`, async (ctx) => {
      if (variant === 'register+subgroups' && !(await hasSubgroups)) ctx.skip();
      const adj = await cora;
      await check(variant, { n: adj.n, L: 16, degree: 0, zScale: 0.5, adj }, chunks, true);
    });
  }
});

describe('inner_product_loss limits', () => {
  it('refuses a latent size above 64 and buffers smaller than their matrices, with the numbers', async () => {
    const { device } = await testGpu();
    const res = new GpuResources(device);
    const adj = decoderGraph(9, 1, 2);
    const labels = uploadLabels(res, 'labels', adj.adj);
    const buf = (bytes: number) => whole(res.storage('b', bytes));
    const k = new InnerProductLossKernels(res, 'register');
    const base = { labels, klRows: null, out: buf(16), n: 9, posWeight: adj.posWeight, norm: adj.norm };
    await expect(k.build('ipl', { ...base, z: buf(12 * 68 * 4), dz: buf(12 * 68 * 4), latent: 65 })).rejects.toThrow('ipl: latent size 65 must be 1 to 64');
    await expect(k.build('ipl', { ...base, z: buf(12 * 8 * 4), dz: buf(64), latent: 7 })).rejects.toThrow(
      'ipl: dz holds 64 bytes, 9 x 7 (padded 12 x 8) needs 384',
    );
    res.destroy();
  });
});

describe('uploadLabels', () => {
  it('refuses asymmetric, unsorted or out-of-range labels', async () => {
    const { device } = await testGpu();
    const res = new GpuResources(device);
    const m = (rowPtr: number[], colIdx: number[]) => ({ rows: rowPtr.length - 1, rowPtr: Uint32Array.from(rowPtr), colIdx: Uint32Array.from(colIdx) });
    expect(() => uploadLabels(res, 'labels', m([0, 2, 3], [0, 1, 1]))).toThrow('labels: labels are not symmetric: (0, 1) is set but (1, 0) is not');
    expect(() => uploadLabels(res, 'labels', m([0, 2, 4], [1, 0, 0, 1]))).toThrow('labels: row 0 is not sorted by column at entry 1');
    expect(() => uploadLabels(res, 'labels', m([0, 1, 2], [0, 2]))).toThrow('labels: row 1 names column 2, but there are 2 nodes');
    res.destroy();
  });
});

describe('inner_product_loss register blocks', () => {
  it('every variant has one guarded block per vec4 of z up to MAX_D4, which MAX_LATENT reads', () => {
    // As the build expands them (MAX_D4 is in their shared include).
    const dir = new URL('../../shaders/', import.meta.url).pathname;
    const text = (name: string) => expandWgsl(`${dir}${name}`, dir).code;
    expect(MAX_LATENT).toBe(64);
    for (const name of ['inner_product_loss.wgsl', 'inner_product_loss.subgroups.wgsl', 'inner_product_loss.tiled.wgsl']) {
      const src = text(name);
      expect(src).toContain(`const MAX_D4: u32 = ${MAX_LATENT / 4}u;`);
      // Every block k < MAX_D4 appears in each of the four places (z_i load, z_j load and dot,
      // accumulate, store) and none beyond.
      for (let k = 0; k < MAX_LATENT / 4; k++) expect(src.split(`if (${k}u < D4)`).length - 1, `${name} block ${k}`).toBe(4);
      expect(src).not.toContain(`if (${MAX_LATENT / 4}u < D4)`);
    }
  });
});
