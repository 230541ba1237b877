// Â, the label structure and the loss weights against hand-computed and dense values; the CSR transpose.
import { describe, expect, it } from 'vitest';
import { csrToDense, denseToCsr, graphAdjacency, transposeCsr } from '../../src/graph/adjacency.js';
import { expectClose } from '../util/compare.js';
import { seededUniform } from '../util/data.js';

describe('graphAdjacency', () => {
  it('path 0-1-2 plus isolated node 3: Â by hand, sorted rows, nnz, pos_weight, norm', () => {
    const a = graphAdjacency(4, Uint32Array.from([1, 2, 0, 1]));
    // Degrees of A + I: 2, 3, 2, 1.
    expect(Array.from(a.adj.rowPtr)).toEqual([0, 2, 5, 7, 8]);
    expect(Array.from(a.adj.colIdx)).toEqual([0, 1, 0, 1, 2, 1, 2, 3]);
    const s6 = 1 / Math.sqrt(6);
    expectClose('Â values', a.adj.values, [1 / 2, s6, s6, 1 / 3, s6, s6, 1 / 2, 1].map(Math.fround), 0, 0);
    // nnz counts A without the identity: 2 edges, both directions.
    expect(a.nnz).toBe(4);
    expect(a.posWeight).toBe((16 - 4) / 4);
    expect(a.norm).toBe(16 / (2 * 12));
  });

  it('a random graph: Â equals D^-1/2 (A + I) D^-1/2 computed densely, and is symmetric', () => {
    const n = 37;
    const u = seededUniform(n * n, 3, 0, 1);
    const pairs: number[] = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (u[i * n + j] < 0.12 && i !== 5 && j !== 5) pairs.push(j, i); // node 5 isolated; pairs given as (j, i)
    const a = graphAdjacency(n, Uint32Array.from(pairs));
    const dense = new Float64Array(n * n);
    for (let i = 0; i < n; i++) dense[i * n + i] = 1;
    for (let e = 0; e < pairs.length; e += 2) dense[pairs[e] * n + pairs[e + 1]] = dense[pairs[e + 1] * n + pairs[e]] = 1;
    const deg = Array.from({ length: n }, (_, i) => dense.subarray(i * n, i * n + n).reduce((s, v) => s + v, 0));
    const want = dense.map((v, k) => v / Math.sqrt(deg[Math.floor(k / n)] * deg[k % n]));
    // Each value is one f32 rounding of the exact float64 value.
    expectClose('Â', csrToDense(a.adj), want, 0, 2 ** -24);
    const got = csrToDense(a.adj);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(got[i * n + j]).toBe(got[j * n + i]);
    for (let i = 0; i < n; i++) {
      const row = Array.from(a.adj.colIdx.subarray(a.adj.rowPtr[i], a.adj.rowPtr[i + 1]));
      expect(row).toEqual([...row].sort((x, y) => x - y));
      expect(row.includes(i)).toBe(true);
    }
    expect(a.adj.rowPtr[6] - a.adj.rowPtr[5]).toBe(1);
    expect(a.nnz).toBe(pairs.length);
  });

  it('refuses no edges, self loops, repeated edges and nodes out of range', () => {
    expect(() => graphAdjacency(3, new Uint32Array(0))).toThrow('adjacency: no training edges among 3 nodes');
    expect(() => graphAdjacency(3, Uint32Array.from([1, 1]))).toThrow('adjacency: edge 0 is a self loop on node 1');
    expect(() => graphAdjacency(3, Uint32Array.from([0, 1, 1, 0]))).toThrow('adjacency: edge 0-1 is given twice');
    expect(() => graphAdjacency(3, Uint32Array.from([0, 3]))).toThrow('adjacency: edge 0 names node 3, but there are 3 nodes');
  });
});

describe('transposeCsr', () => {
  it('equals the dense transpose, with sorted rows and empty rows and columns kept', () => {
    const [rows, cols] = [9, 13];
    const u = seededUniform(rows * cols, 8, 0, 1);
    const v = seededUniform(rows * cols, 9, -1, 1);
    const dense = u.map((x, k) => (x < 0.3 && k % cols !== 4 && Math.floor(k / cols) !== 2 ? Math.fround(v[k]) : 0));
    const m = denseToCsr(dense, rows, cols);
    const t = transposeCsr(m);
    expect([t.rows, t.cols]).toEqual([cols, rows]);
    const want = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) want[c * rows + r] = dense[r * cols + c];
    expectClose('transpose', csrToDense(t), want, 0, 0);
    for (let r = 0; r < t.rows; r++) {
      const row = Array.from(t.colIdx.subarray(t.rowPtr[r], t.rowPtr[r + 1]));
      expect(row).toEqual([...row].sort((x, y) => x - y));
    }
    expect(transposeCsr(t)).toEqual(m);
  });
});
