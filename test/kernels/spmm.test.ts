// spmm against the float64 reference: Â times dense (with isolated nodes and a hub), sparse
// features times weights, the transposed CSR for X^T G, the fused ReLU and mask, odd widths.
import { describe, expect, it } from 'vitest';
import { denseToCsr, graphAdjacency, transposeCsr } from '../../src/graph/adjacency.js';
import type { CsrMatrix } from '../../src/graph/graph.js';
import { GpuResources } from '../../src/gpu/resources.js';
import { SpmmKernels, uploadCsr } from '../../src/kernels/spmm.js';
import { spmm } from '../../src/reference/vgae.js';
import { expectBounded, expectClose, padMatrix, unpadMatrix } from '../util/compare.js';
import { seededUniform } from '../util/data.js';
import { readFloats, scoped, submitDispatches, testGpu } from '../util/gpu.js';
import { RELU, reluIf } from '../../src/layers/activation.js';

const U = 2 ** -24;
const pad4 = (n: number) => (n + 3) & ~3;
const whole = (b: GPUBuffer) => ({ buffer: b, offset: 0, size: b.size });

/** Â of a random graph on n nodes: the last 3 nodes isolated, node 0 linked to every other. */
function adjacency(n: number, seed: number, density: number): CsrMatrix {
  const u = seededUniform(n * n, seed, 0, 1);
  const pairs: number[] = [];
  for (let i = 0; i < n - 3; i++) for (let j = i + 1; j < n - 3; j++) if (i === 0 || u[i * n + j] < density) pairs.push(i, j);
  return graphAdjacency(n, Uint32Array.from(pairs)).adj;
}

/** Binary sparse features (about 20% ones), n x f, with an all-zero row and an all-zero column. */
function features(n: number, f: number, seed: number): CsrMatrix {
  const u = seededUniform(n * f, seed, 0, 1);
  return denseToCsr(u.map((v, k) => (v < 0.2 && Math.floor(k / f) !== 1 && k % f !== 2 ? 1 : 0)), n, f);
}

// Sequential f32 sum of k products a_p b_p: each product and each addition rounds once, so the
// error is at most about (k + 1) u sum_p |a_p b_p| (first order); twice that is allowed. An
// indexing error is O(|a b|) and cannot pass.
function bound(a: CsrMatrix, b: ArrayLike<number>, D: number): Float64Array {
  const out = new Float64Array(a.rows * D);
  for (let r = 0; r < a.rows; r++) {
    const k = a.rowPtr[r + 1] - a.rowPtr[r];
    for (let d = 0; d < D; d++) {
      let s = 0;
      for (let p = a.rowPtr[r]; p < a.rowPtr[r + 1]; p++) s += Math.abs(a.values[p] * b[a.colIdx[p] * D + d]);
      out[r * D + d] = 2 * (k + 1) * U * s;
    }
  }
  return out;
}

async function run(label: string, a: CsrMatrix, b: Float64Array, D: number, opts: { relu?: boolean; mask?: Float64Array }): Promise<Float32Array> {
  const { device } = await testGpu();
  const res = new GpuResources(device);
  try {
    return await scoped(device, label, async () => {
      const upload = (name: string, data: Float32Array<ArrayBuffer>) => {
        const buf = res.storage(name, data.byteLength);
        device.queue.writeBuffer(buf, 0, data);
        return whole(buf);
      };
      const c = res.storage('c', pad4(a.rows) * pad4(D) * 4);
      // Poison C: padded rows and columns must be written, not left as they were.
      device.queue.writeBuffer(c, 0, new Float32Array(pad4(a.rows) * pad4(D)).fill(7));
      const k = new SpmmKernels(res);
      const d = await k.forward(label, {
        a: uploadCsr(res, 'a', a), b: upload('b', padMatrix(b, a.cols, D, a.cols)), c: whole(c), cols: D,
        act: reluIf(opts.relu ?? false), mask: opts.mask ? { y: upload('mask', padMatrix(opts.mask, a.rows, D)), act: RELU } : null,
      });
      submitDispatches(device, [d]);
      return readFloats(device, c);
    });
  } finally {
    res.destroy();
  }
}

function expectPaddingZero(label: string, got: Float32Array, rows: number, D: number): void {
  const ld = pad4(D);
  for (let r = 0; r < pad4(rows); r++) for (let c = 0; c < ld; c++) if (r >= rows || c >= D) expect(got[r * ld + c], `${label} padding [${r},${c}]`).toBe(0);
}

describe('spmm', () => {
  // [label, A, K x D operand width D]
  const cases: [string, CsrMatrix, number][] = [
    ['Â 37x37 (isolated nodes, a hub) x 37x5', adjacency(37, 1, 0.15), 5],
    ['Â 130x130 x 130x32', adjacency(130, 2, 0.05), 32],
    ['sparse X 41x47 x W 47x7', features(41, 47, 3), 7],
    ['X^T 47x41 x G 41x7 (transposed CSR)', transposeCsr(features(41, 47, 3)), 7],
    ['1x1 x 1x1', { rows: 1, cols: 1, rowPtr: Uint32Array.from([0, 1]), colIdx: Uint32Array.from([0]), values: Float32Array.from([0.5]) }, 1],
  ];
  for (const [what, a, D] of cases) {
    const b = seededUniform(a.cols * D, 4, -1, 1).map(Math.fround);
    it(`${what}: plain, fused ReLU, fused mask`, async () => {
      for (const mode of ['plain', 'relu', 'mask'] as const) {
        const mask = mode === 'mask' ? seededUniform(a.rows * D, 5, -1, 1).map((v) => Math.max(0, v)) : undefined;
        const got = await run(`spmm ${what} ${mode}`, a, b, D, { relu: mode === 'relu', mask });
        const want = new Float64Array(a.rows * D);
        spmm(want, a, b, D, reluIf(mode === 'relu'), mask ? { y: mask, act: RELU } : null);
        expectBounded(`spmm ${what} ${mode}`, unpadMatrix(got, a.rows, D), want, bound(a, b, D));
        expectPaddingZero(`spmm ${what} ${mode}`, got, a.rows, D);
        // The ReLU and mask must both keep and zero entries for the check to mean anything.
        if (mode !== 'plain' && want.length > 1) expect(want.some((v) => v === 0) && want.some((v) => v !== 0)).toBe(true);
      }
    });
  }

  it('an empty matrix (no stored entries) gives zeros', async () => {
    const a: CsrMatrix = { rows: 6, cols: 3, rowPtr: new Uint32Array(7), colIdx: new Uint32Array(0), values: new Float32Array(0) };
    const got = await run('spmm empty', a, seededUniform(9, 1, -1, 1), 3, {});
    expectClose('spmm empty', got, new Float64Array(got.length), 0, 0);
  });

  it('refuses buffers smaller than their matrices, with the numbers', async () => {
    const { device } = await testGpu();
    const res = new GpuResources(device);
    const a = uploadCsr(res, 'a', adjacency(9, 1, 0.3));
    const small = whole(res.storage('small', 64));
    const ok = whole(res.storage('ok', 12 * 8 * 4));
    await expect(new SpmmKernels(res).forward('spmm.test', { a, b: small, c: ok, cols: 5 })).rejects.toThrow(
      'spmm.test: b holds 64 bytes, a 9 x 8 (padded) matrix needs 288',
    );
    res.destroy();
  });
});
