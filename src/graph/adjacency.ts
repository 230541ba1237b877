/**
 * What the graph VAE's kernels need from the training edges: the GCN propagation matrix
 * Â = D^-1/2 (A + I) D^-1/2 in CSR, the decoder's labels A + I as sorted neighbour lists (the
 * same pattern), the loss weights, and the transposed CSR of the sparse features.
 */
import type { CsrMatrix } from './graph.js';

/** Everything derived from the training adjacency A (symmetric, no self loops). */
export interface GraphAdjacency {
  n: number;
  /**
   * Â = D^-1/2 (A + I) D^-1/2 with D the degrees of A + I: symmetric, a self loop on every
   * node, columns sorted within each row. Its pattern (rowPtr, colIdx) is also the decoder's
   * label structure: entry (i, j) of A + I is 1 exactly where Â has an entry.
   */
  adj: CsrMatrix;
  /** Nonzeros of A, counting both directions and not the identity: 2 x training edges. */
  nnz: number;
  /** Weight of the positive terms of the reconstruction loss: (N^2 - nnz) / nnz. */
  posWeight: number;
  /** Scale of the reconstruction loss: N^2 / (2 (N^2 - nnz)). */
  norm: number;
}

/**
 * Â, the labels and the loss weights from n and the training edges (pairs, each once, either
 * order, no self loops).
 *
 * nnz counts A's nonzeros without the identity, as the paper's code does: it computes
 * pos_weight and norm from adj_train.sum() (adj_train has no diagonal) while its labels are
 * adj_train + I. Counting the identity would shift pos_weight by about N / nnz (30% on Cora);
 * we keep the reference's figure since the published results come from it.
 */
export function graphAdjacency(n: number, edges: Uint32Array): GraphAdjacency {
  const E = edges.length / 2;
  if (E === 0) throw new Error(`adjacency: no training edges among ${n} nodes`);
  const deg = new Uint32Array(n).fill(1);
  for (let e = 0; e < 2 * E; e++) {
    if (edges[e] >= n) throw new Error(`adjacency: edge ${e >> 1} names node ${edges[e]}, but there are ${n} nodes`);
    deg[edges[e]]++;
  }
  for (let e = 0; e < E; e++) {
    if (edges[2 * e] === edges[2 * e + 1]) throw new Error(`adjacency: edge ${e} is a self loop on node ${edges[2 * e]}`);
  }
  const rowPtr = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) rowPtr[i + 1] = rowPtr[i] + deg[i];
  const colIdx = new Uint32Array(rowPtr[n]);
  const fill = rowPtr.slice(0, n);
  for (let i = 0; i < n; i++) colIdx[fill[i]++] = i;
  for (let e = 0; e < E; e++) {
    const [i, j] = [edges[2 * e], edges[2 * e + 1]];
    colIdx[fill[i]++] = j;
    colIdx[fill[j]++] = i;
  }
  for (let i = 0; i < n; i++) {
    const row = colIdx.subarray(rowPtr[i], rowPtr[i + 1]);
    row.sort();
    for (let k = 1; k < row.length; k++) {
      if (row[k] === row[k - 1]) throw new Error(`adjacency: edge ${i}-${row[k]} is given twice`);
    }
  }
  const values = new Float32Array(colIdx.length);
  const inv = Float64Array.from(deg, (d) => 1 / Math.sqrt(d));
  for (let i = 0; i < n; i++) for (let p = rowPtr[i]; p < rowPtr[i + 1]; p++) values[p] = inv[i] * inv[colIdx[p]];
  const nnz = 2 * E;
  const n2 = n * n;
  return { n, adj: { rows: n, cols: n, rowPtr, colIdx, values }, nnz, posWeight: (n2 - nnz) / nnz, norm: n2 / (2 * (n2 - nnz)) };
}

/** The transpose of a CSR matrix, in CSR with columns sorted within each row (for X^T G). */
export function transposeCsr(m: CsrMatrix): CsrMatrix {
  const nnz = m.rowPtr[m.rows];
  const rowPtr = new Uint32Array(m.cols + 1);
  for (let p = 0; p < nnz; p++) rowPtr[m.colIdx[p] + 1]++;
  for (let c = 0; c < m.cols; c++) rowPtr[c + 1] += rowPtr[c];
  const fill = rowPtr.slice(0, m.cols);
  const colIdx = new Uint32Array(nnz);
  const values = new Float32Array(nnz);
  // Rows are visited in order, so each transposed row comes out sorted.
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.rowPtr[r]; p < m.rowPtr[r + 1]; p++) {
      const q = fill[m.colIdx[p]]++;
      colIdx[q] = r;
      values[q] = m.values[p];
    }
  }
  return { rows: m.cols, cols: m.rows, rowPtr, colIdx, values };
}

/** A dense row-major copy of a CSR matrix (for tests and small reference computations). */
export function csrToDense(m: CsrMatrix): Float64Array {
  const out = new Float64Array(m.rows * m.cols);
  for (let r = 0; r < m.rows; r++) for (let p = m.rowPtr[r]; p < m.rowPtr[r + 1]; p++) out[r * m.cols + m.colIdx[p]] += m.values[p];
  return out;
}

/** A CSR copy of a dense row-major matrix, keeping its nonzeros (values rounded to f32). */
export function denseToCsr(a: ArrayLike<number>, rows: number, cols: number): CsrMatrix {
  const rowPtr = new Uint32Array(rows + 1);
  const c: number[] = [];
  const v: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      if (a[r * cols + k] !== 0) {
        c.push(k);
        v.push(a[r * cols + k]);
      }
    }
    rowPtr[r + 1] = c.length;
  }
  return { rows, cols, rowPtr, colIdx: Uint32Array.from(c), values: Float32Array.from(v) };
}
