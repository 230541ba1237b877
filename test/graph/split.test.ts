// The seeded edge split: sizes, disjointness, negatives that are not edges, determinism per
// seed, and the errors for impossible requests.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readLinqs } from '../../src/graph/linqs.js';
import { PhiloxStream, splitEdges, type EdgeSplit } from '../../src/graph/split.js';

const file = (name: string) => ({ name, bytes: new Uint8Array(readFileSync(new URL(`../../data/cora/${name}`, import.meta.url))) });
const cora = readLinqs(file('cora.content.gz'), file('cora.cites.gz'));

/** Keys i * n + j of a pair list, checking i < j (so no self loops) on the way. */
function keys(label: string, pairs: Uint32Array, n: number): number[] {
  const out: number[] = [];
  for (let e = 0; e < pairs.length; e += 2) {
    expect(pairs[e] < pairs[e + 1], `${label}: pair ${e / 2} is (${pairs[e]}, ${pairs[e + 1]})`).toBe(true);
    expect(pairs[e + 1] < n, `${label}: node out of range`).toBe(true);
    out.push(pairs[e] * n + pairs[e + 1]);
  }
  return out;
}

/** Every property a split must have, for a graph of n nodes and these (unique i < j) edges. */
function checkSplit(s: EdgeSplit, n: number, edges: Uint32Array, numVal: number, numTest: number): void {
  const E = edges.length / 2;
  const all = new Set(keys('edges', edges, n));
  const train = keys('train', s.train, n);
  const valPos = keys('valPos', s.valPos, n);
  const testPos = keys('testPos', s.testPos, n);
  const valNeg = keys('valNeg', s.valNeg, n);
  const testNeg = keys('testNeg', s.testNeg, n);
  expect([valPos.length, testPos.length, train.length]).toEqual([numVal, numTest, E - numVal - numTest]);
  expect([valNeg.length, testNeg.length]).toEqual([numVal, numTest]);
  // The positives partition the edges.
  const pos = [...train, ...valPos, ...testPos];
  expect(new Set(pos).size).toBe(E);
  for (const k of pos) expect(all.has(k)).toBe(true);
  // Negatives: not edges of the full graph, no repeats, test and validation disjoint.
  const neg = [...valNeg, ...testNeg];
  expect(new Set(neg).size, 'negatives repeat or overlap').toBe(neg.length);
  for (const k of neg) expect(all.has(k), `negative ${Math.floor(k / n)}-${k % n} is an edge`).toBe(false);
}

describe('splitEdges', () => {
  it('Cora: 527 test, 263 validation, 4,488 training edges and as many negatives; every property', async () => {
    const g = await cora;
    const s = splitEdges(g.n, g.edges, { seed: 1 });
    checkSplit(s, g.n, g.edges, 263, 527);
    // Training edges keep the input's (sorted) order.
    const t = keys('train', s.train, g.n);
    for (let k = 1; k < t.length; k++) expect(t[k] > t[k - 1]).toBe(true);
  });

  it('is deterministic per seed, and different seeds differ', async () => {
    const g = await cora;
    const a = splitEdges(g.n, g.edges, { seed: 7 });
    const b = splitEdges(g.n, g.edges, { seed: 7 });
    expect(b).toEqual(a);
    const c = splitEdges(g.n, g.edges, { seed: 8 });
    expect(Array.from(c.testPos)).not.toEqual(Array.from(a.testPos));
    expect(Array.from(c.testNeg)).not.toEqual(Array.from(a.testNeg));
    const d = splitEdges(g.n, g.edges, { seed: 2 ** 32 - 1 });
    expect(Array.from(d.valPos)).not.toEqual(Array.from(a.valPos));
  });

  it('custom fractions, and zero held out', async () => {
    const g = await cora;
    checkSplit(splitEdges(g.n, g.edges, { seed: 3, valFraction: 0.2, testFraction: 0.3 }), g.n, g.edges, 1055, 1583);
    checkSplit(splitEdges(g.n, g.edges, { seed: 3, valFraction: 0, testFraction: 0 }), g.n, g.edges, 0, 0);
  });

  it('a dense graph (non-edges fewer than twice the negatives) lists non-edges instead of rejecting', () => {
    // K_12 minus a perfect matching: 60 edges, 6 non-edges. Holding out 5% + 5% needs 3 + 3
    // negatives, every non-edge; 30% + 10% would need 24.
    const n = 12;
    const pairs: number[] = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (!(i % 2 === 0 && j === i + 1)) pairs.push(i, j);
    const edges = Uint32Array.from(pairs);
    const s = splitEdges(n, edges, { seed: 5, valFraction: 0.05, testFraction: 0.05 });
    checkSplit(s, n, edges, 3, 3);
    expect(() => splitEdges(n, edges, { seed: 5, valFraction: 0.3, testFraction: 0.1 })).toThrow(
      'split: 24 negative pairs are needed (6 test + 18 validation) but the graph has only 6 non-edges (12 nodes, 60 edges)',
    );
  });

  it('refuses fractions that leave nothing to train on, and bad fractions or seeds', () => {
    const edges = Uint32Array.from([0, 1, 1, 2, 2, 3, 3, 4]);
    expect(() => splitEdges(10, edges, { seed: 1, valFraction: 0.5, testFraction: 0.5 })).toThrow(
      'split: holding out 2 test and 2 validation edges of 4 leaves nothing to train on (fractions 0.5 and 0.5)',
    );
    expect(() => splitEdges(10, edges, { seed: 1, testFraction: 1 })).toThrow('split: test fraction 1 must be in [0, 1)');
    expect(() => splitEdges(10, edges, { seed: 1, valFraction: -0.1 })).toThrow('split: validation fraction -0.1 must be in [0, 1)');
    expect(() => splitEdges(10, edges, { seed: 1.5 })).toThrow('split: seed 1.5 must be an integer in [0, 2^32)');
  });

  it('refuses a share that rounds down to no edge (it would train on it silently); a share of 0 holds out none', () => {
    // A path of 19 edges: 5% of it is 0.95 edges, 10% is 1.9.
    const path = Uint32Array.from({ length: 38 }, (_, k) => (k >> 1) + (k & 1));
    expect(() => splitEdges(40, path, { seed: 1 })).toThrow(
      'split: a validation fraction of 0.05 of 19 edges holds out no edge (one needs at least 20 edges); use fraction 0 to hold out none',
    );
    checkSplit(splitEdges(40, path, { seed: 1, valFraction: 0 }), 40, path, 0, 1);
    const twenty = Uint32Array.from({ length: 40 }, (_, k) => (k >> 1) + (k & 1));
    checkSplit(splitEdges(41, twenty, { seed: 1 }), 41, twenty, 1, 2);
    expect(() => splitEdges(40, path, { seed: 1, valFraction: 0, testFraction: 0.05 })).toThrow('split: a test fraction of 0.05 of 19 edges holds out no edge');
  });
});

describe('PhiloxStream.below', () => {
  it('stays in range and is close to uniform (20,000 draws in 7 bins)', () => {
    const rng = new PhiloxStream(11, 2);
    const bins = new Array(7).fill(0);
    for (let k = 0; k < 20000; k++) {
      const v = rng.below(7);
      expect(Number.isInteger(v) && v >= 0 && v < 7).toBe(true);
      bins[v]++;
    }
    // Each bin is Binomial(20000, 1/7): mean 2857, sd 49.5; five sd.
    for (const b of bins) expect(Math.abs(b - 20000 / 7)).toBeLessThan(5 * 49.5);
    expect(rng.below(1)).toBe(0);
    expect(new PhiloxStream(1, 2).below(2 ** 32)).toBeLessThan(2 ** 32);
  });
});
