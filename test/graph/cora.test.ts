// The embedded Cora files read with the LINQS reader: exactly the counts data/cora/README.md states.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { edgeCount } from '../../src/graph/graph.js';
import { readLinqs } from '../../src/graph/linqs.js';

const file = (name: string) => ({ name, bytes: new Uint8Array(readFileSync(new URL(`../../data/cora/${name}`, import.meta.url))) });

describe('embedded Cora', () => {
  it('2,708 nodes, 5,278 edges, 1,433 binary features, 7 classes, nothing dropped', async () => {
    const t0 = performance.now();
    const g = await readLinqs(file('cora.content.gz'), file('cora.cites.gz'));
    const ms = performance.now() - t0;
    expect(g.n).toBe(2708);
    expect(edgeCount(g)).toBe(5278);
    expect(g.features.cols).toBe(1433);
    expect(g.classNames).toHaveLength(7);
    expect(g.dropped).toEqual({ duplicates: 0, selfLoops: 0, unknownIds: 0 });
    // Binary features: 49,216 ones (18.2 per paper); every value stored is 1.
    expect(g.features.colIdx.length).toBe(49216);
    expect(g.features.values.every((v) => v === 1)).toBe(true);
    // Every node has a class; the class sizes of the file (the seven Cora class sizes, whose
    // names the Planetoid release does not carry).
    const sizes = new Map<string, number>();
    for (const c of g.labels!) sizes.set(g.classNames[c], (sizes.get(g.classNames[c]) ?? 0) + 1);
    expect(Object.fromEntries(sizes)).toEqual({
      Case_Based: 351, Genetic_Algorithms: 217, Neural_Networks: 418, Probabilistic_Methods: 818,
      Reinforcement_Learning: 426, Rule_Learning: 298, Theory: 180,
    });
    // Edges are unique pairs i < j.
    for (let e = 0; e < edgeCount(g); e++) expect(g.edges[2 * e] < g.edges[2 * e + 1]).toBe(true);
    expect(ms, `${ms.toFixed(0)} ms`).toBeLessThan(2000);
  });
});
