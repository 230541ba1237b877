/**
 * The seeded link-prediction split of the GAE/VGAE paper's code (`mask_test_edges`): of the E
 * undirected edges, floor(E * 10%) are test positives and floor(E * 5%) validation positives
 * (the first of a Fisher-Yates shuffle are validation, the next test, as there); the rest train.
 * As many negatives as positives are drawn for each: pairs i != j that are not edges of the
 * full graph, without repeats, and test and validation negatives disjoint from each other.
 *
 * Randomness is Philox4x32-10 (src/runtime/philox.ts) keyed by (seed, STREAM_SPLIT), so a split is
 * the same on every machine and independent of the initialisation and noise streams.
 */
import { philox4x32 } from '../runtime/philox.js';

/** Key word 1 of the split's Philox stream (0 and 1 are the noise and initialisation streams). */
import { STREAM_SPLIT } from '../runtime/philox.js';

export { STREAM_SPLIT };

/** Fractions of the edges held out, and the seed. */
export interface SplitOptions {
  seed: number;
  /** Share of edges for validation; default 0.05. */
  valFraction?: number;
  /** Share of edges for test; default 0.1. */
  testFraction?: number;
}

/** Pairs (i, j) with i < j, flattened: pair e is [2e], [2e + 1]. */
export interface EdgeSplit {
  /** Training edges, in the input's order. */
  train: Uint32Array;
  valPos: Uint32Array;
  valNeg: Uint32Array;
  testPos: Uint32Array;
  testNeg: Uint32Array;
}

/**
 * Counter word 2 of the graph data's draws on the CPU under the key (seed, STREAM_SPLIT): one
 * value per use, so the split, the held-out negatives of Hits@K, the block-model generator and
 * the sample of nodes a scatter view draws never share numbers.
 */
export const GRAPH_DRAWS = { split: 0, hitsNegatives: 1, generator: 2, viewSample: 3 } as const;

/** Uniform u32s from Philox blocks (counter = (block number, 0, `word2`, 0)), four per block. */
export class PhiloxStream {
  private block = 0;
  private buf: [number, number, number, number] = [0, 0, 0, 0];
  private used = 4;

  constructor(
    private readonly seed: number,
    private readonly stream: number,
    private readonly word2: number = GRAPH_DRAWS.split,
  ) {}

  /** The next uniform u32. */
  nextU32(): number {
    if (this.used === 4) {
      this.buf = philox4x32([this.block, 0, this.word2, 0], [this.seed, this.stream]);
      this.block++;
      this.used = 0;
    }
    return this.buf[this.used++];
  }

  /** A uniform integer in [0, n), n <= 2^32, without modulo bias (rejection). */
  below(n: number): number {
    const limit = Math.floor(2 ** 32 / n) * n;
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }
}

/** Splits the edges of a graph of n nodes (pairs i < j, unique). */
export function splitEdges(n: number, edges: Uint32Array, opts: SplitOptions): EdgeSplit {
  const val = opts.valFraction ?? 0.05;
  const test = opts.testFraction ?? 0.1;
  const seed = opts.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`split: seed ${seed} must be an integer in [0, 2^32)`);
  for (const [what, f] of [['validation', val], ['test', test]] as const) {
    if (!(f >= 0 && f < 1)) throw new Error(`split: ${what} fraction ${f} must be in [0, 1)`);
  }
  const E = edges.length / 2;
  const numTest = Math.floor(E * test);
  const numVal = Math.floor(E * val);
  const numTrain = E - numTest - numVal;
  if (numTrain < 1) {
    throw new Error(`split: holding out ${numTest} test and ${numVal} validation edges of ${E} leaves nothing to train on (fractions ${test} and ${val})`);
  }
  const need = numTest + numVal;
  const nonEdges = (n * (n - 1)) / 2 - E;
  if (need > nonEdges) {
    throw new Error(`split: ${need} negative pairs are needed (${numTest} test + ${numVal} validation) but the graph has only ${nonEdges} non-edges (${n} nodes, ${E} edges)`);
  }
  // A share asked for but rounded down to no edge would train on that share silently and
  // report no figures for it: refuse, with the smallest graph that would hold one out.
  for (const [what, f, count] of [['validation', val, numVal], ['test', test, numTest]] as const) {
    if (f > 0 && count === 0) {
      throw new Error(`split: a ${what} fraction of ${f} of ${E} edges holds out no edge (one needs at least ${Math.ceil(1 / f)} edges); use fraction 0 to hold out none`);
    }
  }

  const rng = new PhiloxStream(seed >>> 0, STREAM_SPLIT);
  const perm = new Uint32Array(E);
  for (let e = 0; e < E; e++) perm[e] = e;
  for (let e = E - 1; e > 0; e--) {
    const k = rng.below(e + 1);
    [perm[e], perm[k]] = [perm[k], perm[e]];
  }
  const pick = (from: number, count: number) => {
    const out = new Uint32Array(2 * count);
    for (let k = 0; k < count; k++) {
      out[2 * k] = edges[2 * perm[from + k]];
      out[2 * k + 1] = edges[2 * perm[from + k] + 1];
    }
    return out;
  };
  const valPos = pick(0, numVal);
  const testPos = pick(numVal, numTest);
  const held = new Uint8Array(E);
  for (let k = 0; k < need; k++) held[perm[k]] = 1;
  const train = new Uint32Array(2 * numTrain);
  for (let e = 0, t = 0; e < E; e++) {
    if (held[e]) continue;
    train[t++] = edges[2 * e];
    train[t++] = edges[2 * e + 1];
  }

  const negatives = drawNonEdges(n, edges, need, rng);
  return { train, valPos, valNeg: negatives.subarray(2 * numTest), testPos, testNeg: negatives.subarray(0, 2 * numTest) };
}

/**
 * `count` distinct non-edges (i < j) of the graph of n nodes and these unique edges, drawn
 * uniformly from `rng`: by rejection while they are at most half of all non-edges, otherwise
 * by listing the non-edges (then fewer than 2 count) and shuffling. Throws when count exceeds
 * the non-edges.
 */
export function drawNonEdges(n: number, edges: Uint32Array, count: number, rng: PhiloxStream): Uint32Array {
  const nonEdges = (n * (n - 1)) / 2 - edges.length / 2;
  if (count > nonEdges) throw new Error(`drawNonEdges: ${count} non-edges asked of a graph that has ${nonEdges} (${n} nodes, ${edges.length / 2} edges)`);
  return count <= nonEdges / 2 ? sampleNonEdges(n, edges, count, rng) : shuffledNonEdges(n, edges, count, rng);
}

function edgeKeys(n: number, edges: Uint32Array): Set<number> {
  const keys = new Set<number>();
  for (let e = 0; e < edges.length; e += 2) keys.add(edges[e] * n + edges[e + 1]);
  return keys;
}

/**
 * `count` distinct non-edges (i < j) by rejection, as the paper's code draws them: uniform
 * ordered pairs, rejecting self pairs, edges and repeats. At least half of all pairs are
 * candidates here, so each draw succeeds with probability above about one half.
 */
function sampleNonEdges(n: number, edges: Uint32Array, count: number, rng: PhiloxStream): Uint32Array {
  const taken = edgeKeys(n, edges);
  const out = new Uint32Array(2 * count);
  for (let k = 0; k < count; ) {
    const a = rng.below(n);
    const b = rng.below(n);
    if (a === b) continue;
    const [i, j] = a < b ? [a, b] : [b, a];
    const key = i * n + j;
    if (taken.has(key)) continue;
    taken.add(key);
    out[2 * k] = i;
    out[2 * k + 1] = j;
    k++;
  }
  return out;
}

/**
 * `count` distinct non-edges drawn uniformly by listing all of them and shuffling the head:
 * for graphs so dense that rejection would mostly reject. Then non-edges number under 2 count,
 * so listing them costs O(E + count).
 */
function shuffledNonEdges(n: number, edges: Uint32Array, count: number, rng: PhiloxStream): Uint32Array {
  const taken = edgeKeys(n, edges);
  const all: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (!taken.has(i * n + j)) all.push(i * n + j);
  const out = new Uint32Array(2 * count);
  for (let k = 0; k < count; k++) {
    const r = k + rng.below(all.length - k);
    [all[k], all[r]] = [all[r], all[k]];
    const i = Math.floor(all[k] / n);
    out[2 * k] = i;
    out[2 * k + 1] = all[k] - i * n;
  }
  return out;
}
