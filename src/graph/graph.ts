/**
 * An undirected graph with node features, as the graph VAE consumes it: nodes numbered 0..N-1
 * in file order, features as a sparse CSR matrix (N x F), optional class labels, and the
 * undirected edges as unique pairs i < j.
 */

/**
 * A sparse matrix in compressed sparse row form: row r holds entries rowPtr[r] ..
 * rowPtr[r + 1] - 1 of colIdx (column numbers) and values. Columns need not be sorted unless a
 * producer says so.
 */
export interface CsrMatrix {
  rows: number;
  cols: number;
  /** rows + 1 offsets into colIdx and values; rowPtr[0] = 0, rowPtr[rows] = nnz. */
  rowPtr: Uint32Array;
  colIdx: Uint32Array;
  values: Float32Array;
}

/** What a reader dropped from the edge file, for a summary line. */
export interface DroppedEdges {
  /** Lines repeating an edge already seen (in either direction). */
  duplicates: number;
  /** Lines linking a node to itself. */
  selfLoops: number;
  /** Lines naming an id that the node file does not define. */
  unknownIds: number;
}

/** A graph read from files. */
export interface Graph {
  /** The file's id of each node, in file order: node i is ids[i]. */
  ids: string[];
  /** Number of nodes. */
  n: number;
  /** Node features, N x F, with columns sorted within each row. */
  features: CsrMatrix;
  /** Class of each node (an index into classNames), -1 where none; null when the data has no classes. */
  labels: Int32Array | null;
  /** Class names, sorted; labels index into this. */
  classNames: string[];
  /** Undirected edges as pairs (i, j), i < j, each once: edges[2e], edges[2e + 1]; sorted by (i, j). */
  edges: Uint32Array;
  /** What the reader dropped. */
  dropped: DroppedEdges;
}

/** Number of undirected edges of a graph. */
export function edgeCount(g: Pick<Graph, 'edges'>): number {
  return g.edges.length / 2;
}

/** The N x N identity as features (one-hot node ids): the paper's "without features" setting. */
export function identityFeatures(n: number): CsrMatrix {
  const rowPtr = new Uint32Array(n + 1);
  const colIdx = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    rowPtr[i + 1] = i + 1;
    colIdx[i] = i;
  }
  return { rows: n, cols: n, rowPtr, colIdx, values: new Float32Array(n).fill(1) };
}

/** The same graph with identity features (for `--features none`). */
export function withoutFeatures(g: Graph): Graph {
  return { ...g, features: identityFeatures(g.n) };
}

/** Number of stored entries of a CSR matrix. */
export function csrNnz(m: Pick<CsrMatrix, 'rowPtr' | 'rows'>): number {
  return m.rowPtr[m.rows];
}

/** One line describing a graph and what its reader dropped, e.g. for the CLI. */
export function describeGraph(g: Graph): string {
  const d = g.dropped;
  const drops = [
    d.duplicates > 0 ? `${d.duplicates} duplicate edge${d.duplicates === 1 ? '' : 's'}` : '',
    d.selfLoops > 0 ? `${d.selfLoops} self loop${d.selfLoops === 1 ? '' : 's'}` : '',
    d.unknownIds > 0 ? `${d.unknownIds} edge${d.unknownIds === 1 ? '' : 's'} naming unknown ids` : '',
  ].filter((s) => s !== '');
  const classes = g.labels ? `, ${g.classNames.length} classes` : '';
  const dropped = drops.length > 0 ? `; dropped ${drops.join(', ')}` : '';
  return `${g.n} nodes, ${edgeCount(g)} edges, ${g.features.cols} features (${csrNnz(g.features)} nonzero)${classes}${dropped}`;
}
