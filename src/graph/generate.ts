/**
 * A seeded stochastic block model for scale figures anyone can reproduce: N nodes in B blocks,
 * M undirected edges (no duplicates, no self loops), exactly round(inside M) of them inside
 * blocks, and every node on at least one edge.
 *
 * - Blocks: node i is in block floor(i B / N), so blocks are contiguous runs of ids whose sizes
 *   differ by at most one. Every block needs two nodes (N >= 2B) so that any node can have an
 *   edge inside its block.
 * - Cover: the nodes are visited in a seeded random order; each one still without an edge gets
 *   one, inside its block with probability `inside` (the other kind when that kind's share of M
 *   is spent, or when only the other kind can reach a node without an edge), to a partner drawn
 *   uniformly among the nodes without an edge that this kind can reach, or, when there are none,
 *   among all nodes it can reach. A node without an edge has none to repeat, so a cover edge is
 *   never a duplicate; most cover edges cover two nodes, so the cover takes about N/2 edges.
 * - Fill: the remaining inside edges are node pairs drawn uniformly among all pairs inside
 *   blocks (a block with probability proportional to its pairs, then two distinct nodes of it),
 *   the remaining cross edges uniformly among pairs in different blocks (two uniform nodes,
 *   drawn again while in the same block); a pair drawn twice is drawn again.
 * So the graph is an SBM conditioned on having no isolated node; without the cover a sparse SBM
 * leaves about N e^(-2M/N) nodes isolated (0.7% at 250,000 nodes and 1,250,000 edges).
 *
 * Randomness: Philox4x32-10 under the key (seed, STREAM_SPLIT) on its own counters
 * (GRAPH_DRAWS.generator), so the same arguments give the same graph on every machine.
 */
import { GRAPH_DRAWS, PhiloxStream, STREAM_SPLIT } from './split.js';

/** What to generate. */
export interface BlockModelOptions {
  /** Nodes, at least 2 and at least 2 per block. */
  nodes: number;
  /** Undirected edges, from ceil(N/2) (every node on one) to all pairs the shares allow. */
  edges: number;
  /** Blocks, at least 1. */
  blocks: number;
  /** Share of the edges inside blocks, in [0, 1]; default 0.8. */
  inside?: number;
  /** Seed of the Philox stream; default 1. */
  seed?: number;
  /** Hears how many edges are placed, now and then. */
  onProgress?: (done: number, total: number) => void;
}

/** A generated graph. */
export interface BlockModelGraph {
  nodes: number;
  /** Undirected edges (i, j), i < j, sorted by (i, j): edges[2e], edges[2e + 1]. */
  edges: Uint32Array;
  /** Block of each node. */
  block: Uint32Array;
  /** Edges inside blocks: round(inside * M). */
  insideEdges: number;
}

/** Block b's nodes are [blockStart(b), blockStart(b + 1)): the i with floor(i B / N) = b. */
export function blockStart(b: number, nodes: number, blocks: number): number {
  return Math.ceil((b * nodes) / blocks);
}

/** Sum over blocks of C(size, 2): the node pairs inside blocks. */
function insidePairs(sizes: Float64Array): number {
  let s = 0;
  for (const z of sizes) s += (z * (z - 1)) / 2;
  return s;
}

/** Checks the options; throws one line with the numbers when a graph of that kind cannot exist. */
function check(o: BlockModelOptions & { inside: number; seed: number }): { sizes: Float64Array; insideEdges: number } {
  const { nodes: N, edges: M, blocks: B, inside, seed } = o;
  const whole = (what: string, v: number, min: number) => {
    if (!Number.isSafeInteger(v) || v < min) throw new Error(`block model: ${what} must be a whole number of at least ${min}, got ${v}`);
  };
  whole('nodes', N, 2);
  whole('edges', M, 1);
  whole('blocks', B, 1);
  if (N >= 2 ** 32) throw new Error(`block model: ${N} nodes is more than node numbers hold (2^32 - 1)`);
  if (!(inside >= 0 && inside <= 1)) throw new Error(`block model: inside must be a share in [0, 1], got ${inside}`);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`block model: seed must be a whole number in [0, 2^32), got ${seed}`);
  if (N < 2 * B) throw new Error(`block model: ${N} nodes in ${B} blocks leave a block with fewer than 2 nodes; use at most ${Math.floor(N / 2)} blocks`);
  if (M < Math.ceil(N / 2)) throw new Error(`block model: ${M} edges cannot put all ${N} nodes on an edge; at least ${Math.ceil(N / 2)} are needed`);
  const sizes = new Float64Array(B);
  for (let b = 0; b < B; b++) sizes[b] = blockStart(b + 1, N, B) - blockStart(b, N, B);
  const insideEdges = Math.round(inside * M);
  const inPairs = insidePairs(sizes);
  const crossPairs = (N * (N - 1)) / 2 - inPairs;
  if (insideEdges > inPairs) throw new Error(`block model: ${insideEdges} edges inside blocks (inside ${inside} of ${M}) but the ${B} blocks of ${N} nodes hold only ${inPairs} pairs`);
  if (M - insideEdges > crossPairs) {
    throw new Error(`block model: ${M - insideEdges} edges across blocks (${M} minus ${insideEdges} inside) but ${B === 1 ? 'one block has no pairs across blocks; use inside 1' : `only ${crossPairs} pairs lie across the ${B} blocks`}`);
  }
  return { sizes, insideEdges };
}

/**
 * The nodes still without an edge (uncovered), grouped by block, with a Fenwick tree of the
 * count per block: O(1) to cover a node, O(log B) to pick the r-th uncovered node outside a block.
 */
class Uncovered {
  /** Uncovered nodes grouped by block: block b's are slots[start_b .. start_b + count_b). */
  private readonly slots: Uint32Array;
  private readonly slotOf: Uint32Array;
  readonly count: Float64Array;
  private readonly tree: Float64Array;
  total: number;

  constructor(
    private readonly N: number,
    private readonly B: number,
  ) {
    this.slots = new Uint32Array(N);
    this.slotOf = new Uint32Array(N);
    for (let i = 0; i < N; i++) this.slots[i] = this.slotOf[i] = i;
    this.count = new Float64Array(B);
    this.tree = new Float64Array(B + 1);
    for (let b = 0; b < B; b++) {
      this.count[b] = blockStart(b + 1, N, B) - blockStart(b, N, B);
      this.add(b, this.count[b]);
    }
    this.total = N;
  }

  private add(b: number, d: number): void {
    for (let k = b + 1; k <= this.B; k += k & -k) this.tree[k] += d;
  }

  /** Whether node i has no edge yet: its slot lies within its block's uncovered run. */
  has(i: number): boolean {
    const b = Math.floor((i * this.B) / this.N);
    return this.slotOf[i] < blockStart(b, this.N, this.B) + this.count[b];
  }

  /** Marks node i (in block b) covered: swaps it with its block's last uncovered slot. */
  remove(i: number, b: number): void {
    if (!this.has(i)) return;
    const last = blockStart(b, this.N, this.B) + this.count[b] - 1;
    const s = this.slotOf[i];
    const j = this.slots[last];
    this.slots[s] = j;
    this.slotOf[j] = s;
    this.slots[last] = i;
    this.slotOf[i] = last;
    this.count[b]--;
    this.total--;
    this.add(b, -1);
  }

  /** The r-th uncovered node of block b. */
  inBlock(b: number, r: number): number {
    return this.slots[blockStart(b, this.N, this.B) + r];
  }

  /** The r-th uncovered node over all blocks but `skip` (r < total - count[skip]). */
  outside(skip: number, r: number): number {
    // Rank r among the others is rank r' over all blocks, r' = r + count[skip] when past skip.
    let pos = 0;
    let rem = r;
    const before = this.prefix(skip);
    if (r >= before) rem += this.count[skip];
    for (let step = 1 << Math.floor(Math.log2(this.B)); step > 0; step >>= 1) {
      const k = pos + step;
      if (k <= this.B && this.tree[k] <= rem) {
        pos = k;
        rem -= this.tree[k];
      }
    }
    return this.inBlock(pos, rem);
  }

  /** Uncovered nodes in blocks before b. */
  private prefix(b: number): number {
    let s = 0;
    for (let k = b; k > 0; k -= k & -k) s += this.tree[k];
    return s;
  }
}

/** Throws the one-line error stochasticBlockModel would throw for `opts` before any work, if any. */
export function checkBlockModel(opts: BlockModelOptions): void {
  check(withDefaults(opts));
}

function withDefaults(opts: BlockModelOptions) {
  return { ...opts, inside: opts.inside ?? 0.8, seed: opts.seed ?? 1 };
}

/** Generates the stochastic block model of `opts` (see the file's comment). */
export function stochasticBlockModel(opts: BlockModelOptions): BlockModelGraph {
  const o = withDefaults(opts);
  const { nodes: N, edges: M, blocks: B } = o;
  const { sizes, insideEdges } = check(o);
  const rng = new PhiloxStream(o.seed >>> 0, STREAM_SPLIT, GRAPH_DRAWS.generator);
  const blockOf = (i: number) => Math.floor((i * B) / N);
  const start = (b: number) => blockStart(b, N, B);
  const keys = new Set<number>();
  const out = new Float64Array(M);
  let placed = 0;
  const report = () => {
    if (o.onProgress && (placed & 0xffff) === 0) o.onProgress(placed, M);
  };
  const place = (u: number, v: number): boolean => {
    const key = u < v ? u * N + v : v * N + u;
    if (keys.has(key)) return false;
    keys.add(key);
    out[placed++] = key;
    report();
    return true;
  };
  let insideLeft = insideEdges;
  let crossLeft = M - insideEdges;

  // Cover: every node on an edge.
  const order = new Uint32Array(N);
  for (let i = 0; i < N; i++) order[i] = i;
  for (let i = N - 1; i > 0; i--) {
    const k = rng.below(i + 1);
    [order[i], order[k]] = [order[k], order[i]];
  }
  const open = new Uncovered(N, B);
  for (const u of order) {
    if (!open.has(u)) continue;
    if (insideLeft + crossLeft === 0) {
      throw new Error(`block model: the ${M} edges ran out before every node had one (${open.total} of ${N} left); give more edges`);
    }
    const b = blockOf(u);
    const openInside = open.count[b] - 1;
    const openCross = open.total - open.count[b];
    let inside = rng.nextU32() < o.inside * 2 ** 32;
    if (insideLeft === 0) inside = false;
    else if (crossLeft === 0) inside = true;
    else if (inside && openInside === 0 && openCross > 0) inside = false;
    else if (!inside && openCross === 0 && openInside > 0) inside = true;
    let v: number;
    if (inside) {
      if (openInside > 0) {
        do v = open.inBlock(b, rng.below(open.count[b]));
        while (v === u);
      } else {
        // Any other node of the block: sizes[b] >= 2.
        const r = rng.below(sizes[b] - 1);
        v = start(b) + r + (start(b) + r >= u ? 1 : 0);
      }
      insideLeft--;
    } else {
      if (openCross > 0) v = open.outside(b, rng.below(openCross));
      else {
        const r = rng.below(N - sizes[b]);
        v = r < start(b) ? r : r + sizes[b];
      }
      crossLeft--;
    }
    place(u, v);
    open.remove(u, b);
    open.remove(v, blockOf(v));
  }

  // Fill: uniform pairs of each kind.
  const cumulative = new Float64Array(B);
  let acc = 0;
  for (let b = 0; b < B; b++) cumulative[b] = acc += (sizes[b] * (sizes[b] - 1)) / 2;
  // 53 random bits: uniform in [0, 1), never 1.
  const uniform = () => ((rng.nextU32() >>> 5) * 2 ** 26 + (rng.nextU32() >>> 6)) / 2 ** 53;
  while (insideLeft > 0) {
    const t = uniform() * acc;
    let lo = 0;
    let hi = B - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > t) hi = mid;
      else lo = mid + 1;
    }
    const u = rng.below(sizes[lo]);
    const r = rng.below(sizes[lo] - 1);
    if (place(start(lo) + u, start(lo) + r + (r >= u ? 1 : 0))) insideLeft--;
  }
  while (crossLeft > 0) {
    const u = rng.below(N);
    const v = rng.below(N);
    if (blockOf(u) !== blockOf(v) && place(u, v)) crossLeft--;
  }

  out.sort();
  const edges = new Uint32Array(2 * M);
  for (let e = 0; e < M; e++) {
    const i = Math.floor(out[e] / N);
    edges[2 * e] = i;
    edges[2 * e + 1] = out[e] - i * N;
  }
  const block = new Uint32Array(N);
  for (let i = 0; i < N; i++) block[i] = blockOf(i);
  o.onProgress?.(M, M);
  return { nodes: N, edges, block, insideEdges };
}
