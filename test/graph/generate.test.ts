// The seeded stochastic block model: every property the generator promises (M unique edges
// i < j, no self loops, exactly round(inside M) inside blocks, every node on an edge, balanced
// contiguous blocks), its reproducibility by seed, and its one-line refusals.
import { describe, expect, it } from 'vitest';
import { blockStart, checkBlockModel, stochasticBlockModel, type BlockModelGraph, type BlockModelOptions } from '../../src/graph/generate.js';

/** Checks every structural promise of `g` for `o`; returns the inside count per block. */
function expectBlockModel(g: BlockModelGraph, o: BlockModelOptions): Float64Array {
  const { nodes: N, edges: M, blocks: B } = o;
  const inside = o.inside ?? 0.8;
  expect(g.nodes).toBe(N);
  expect(g.edges.length).toBe(2 * M);
  // Blocks: node i in floor(i B / N); sizes differ by at most one.
  const sizes = new Float64Array(B);
  for (let i = 0; i < N; i++) {
    if (g.block[i] !== Math.floor((i * B) / N)) throw new Error(`node ${i} is in block ${g.block[i]}, expected ${Math.floor((i * B) / N)}`);
    sizes[g.block[i]]++;
  }
  expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  expect(blockStart(B, N, B)).toBe(N);
  const degree = new Uint32Array(N);
  const perBlock = new Float64Array(B);
  let insideCount = 0;
  for (let e = 0; e < M; e++) {
    const [i, j] = [g.edges[2 * e], g.edges[2 * e + 1]];
    // Sorted by (i, j) with i < j: strictly increasing keys mean no duplicate and no self loop.
    if (!(i < j && j < N)) throw new Error(`edge ${e} is (${i}, ${j}), expected i < j < ${N}`);
    if (e > 0) {
      const [pi, pj] = [g.edges[2 * e - 2], g.edges[2 * e - 1]];
      if (!(pi < i || (pi === i && pj < j))) throw new Error(`edge ${e} (${i}, ${j}) does not follow edge ${e - 1} (${pi}, ${pj}): unsorted or repeated`);
    }
    degree[i]++;
    degree[j]++;
    if (g.block[i] === g.block[j]) {
      insideCount++;
      perBlock[g.block[i]]++;
    }
  }
  expect(insideCount).toBe(Math.round(inside * M));
  expect(g.insideEdges).toBe(insideCount);
  const isolated = degree.findIndex((d) => d === 0);
  expect(isolated, `node ${isolated} has no edge`).toBe(-1);
  return perBlock;
}

describe('stochastic block model', () => {
  it('every property on a few shapes, down to one edge per node and up to a complete block', () => {
    const shapes: BlockModelOptions[] = [
      { nodes: 1000, edges: 5000, blocks: 7 },
      { nodes: 1001, edges: 3000, blocks: 3, inside: 0.5, seed: 9 },
      { nodes: 500, edges: 2000, blocks: 5, inside: 0 },
      { nodes: 500, edges: 2000, blocks: 5, inside: 1 },
      { nodes: 40, edges: 780, blocks: 1, inside: 1 }, // every pair: the complete graph
      { nodes: 10, edges: 5, blocks: 2, inside: 0.8 }, // a perfect matching: 4 inside, 1 across
      { nodes: 9, edges: 5, blocks: 4, inside: 0.6, seed: 3 },
    ];
    for (const o of shapes) expectBlockModel(stochasticBlockModel(o), o);
  });

  it('the same seed gives the same graph; another seed another', () => {
    const o = { nodes: 2000, edges: 6000, blocks: 4, seed: 5 };
    const a = stochasticBlockModel(o);
    expect(Array.from(stochasticBlockModel(o).edges)).toEqual(Array.from(a.edges));
    const b = stochasticBlockModel({ ...o, seed: 6 });
    let same = 0;
    const keys = new Set<number>();
    for (let e = 0; e < 6000; e++) keys.add(a.edges[2 * e] * 2000 + a.edges[2 * e + 1]);
    for (let e = 0; e < 6000; e++) if (keys.has(b.edges[2 * e] * 2000 + b.edges[2 * e + 1])) same++;
    // Two independent draws of 6,000 of about 2 million pairs share a few edges, not most.
    expect(same).toBeLessThan(600);
  });

  it('inside edges spread over the blocks in proportion to their pairs (chi-square, 6 blocks of unequal size)', () => {
    // 1,003 nodes in 6 blocks: sizes 167 and 168; 40,000 edges, 90% inside.
    const o = { nodes: 1003, edges: 40000, blocks: 6, inside: 0.9, seed: 2 };
    const perBlock = expectBlockModel(stochasticBlockModel(o), o);
    const pairs = Array.from({ length: 6 }, (_, b) => {
      const s = blockStart(b + 1, 1003, 6) - blockStart(b, 1003, 6);
      return (s * (s - 1)) / 2;
    });
    const total = pairs.reduce((a, c) => a + c, 0);
    let chi2 = 0;
    for (let b = 0; b < 6; b++) {
      const expected = (36000 * pairs[b]) / total;
      chi2 += (perBlock[b] - expected) ** 2 / expected;
    }
    // 5 degrees of freedom: P(chi2 > 20.5) = 0.001. (The cover's ~500 edges are uniform over
    // blocks too, by node.)
    expect(chi2, `per block ${Array.from(perBlock)}`).toBeLessThan(20.5);
  });

  it('250,000 nodes and 1,250,000 edges in 10 blocks: every property, progress to the end', () => {
    const o = { nodes: 250_000, edges: 1_250_000, blocks: 10, seed: 1 };
    const seen: [number, number][] = [];
    const g = stochasticBlockModel({ ...o, onProgress: (d, t) => seen.push([d, t]) });
    expectBlockModel(g, o);
    expect(seen.at(-1)).toEqual([1_250_000, 1_250_000]);
    for (let k = 1; k < seen.length; k++) expect(seen[k][0]).toBeGreaterThanOrEqual(seen[k - 1][0]);
  }, 60_000);

  it('refuses what cannot exist, in one line with the numbers, before any work', () => {
    const cases: [BlockModelOptions, string][] = [
      [{ nodes: 1, edges: 1, blocks: 1 }, 'block model: nodes must be a whole number of at least 2, got 1'],
      [{ nodes: 10, edges: 10, blocks: 0 }, 'block model: blocks must be a whole number of at least 1, got 0'],
      [{ nodes: 10, edges: 2.5, blocks: 1 }, 'block model: edges must be a whole number of at least 1, got 2.5'],
      [{ nodes: 10, edges: 10, blocks: 2, inside: 1.5 }, 'block model: inside must be a share in [0, 1], got 1.5'],
      [{ nodes: 10, edges: 10, blocks: 2, seed: -1 }, 'block model: seed must be a whole number in [0, 2^32), got -1'],
      [{ nodes: 10, edges: 10, blocks: 6 }, 'block model: 10 nodes in 6 blocks leave a block with fewer than 2 nodes; use at most 5 blocks'],
      [{ nodes: 10, edges: 4, blocks: 2 }, 'block model: 4 edges cannot put all 10 nodes on an edge; at least 5 are needed'],
      [{ nodes: 10, edges: 30, blocks: 2, inside: 0.8 }, 'block model: 24 edges inside blocks (inside 0.8 of 30) but the 2 blocks of 10 nodes hold only 20 pairs'],
      [{ nodes: 10, edges: 30, blocks: 2, inside: 0.1 }, 'block model: 27 edges across blocks (30 minus 3 inside) but only 25 pairs lie across the 2 blocks'],
      [{ nodes: 10, edges: 10, blocks: 1 }, 'block model: 2 edges across blocks (10 minus 8 inside) but one block has no pairs across blocks; use inside 1'],
    ];
    for (const [o, message] of cases) {
      expect(() => checkBlockModel(o), JSON.stringify(o)).toThrow(message);
      expect(() => stochasticBlockModel(o)).toThrow(message);
    }
    // Feasible counts the cover cannot meet: 5 edges inside 2 blocks of 5 nodes cover at most 8.
    expect(() => stochasticBlockModel({ nodes: 10, edges: 5, blocks: 2, inside: 1 })).toThrow(
      'block model: the 5 edges ran out before every node had one (1 of 10 left); give more edges',
    );
  });
});
