// The PubMed files in data/pubmed read as an edge list with its node table: exactly the counts
// data/pubmed/README.md states (distinct undirected pairs, as PyTorch Geometric's 88,648
// directed entries halved).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { edgeCount } from '../../src/graph/graph.js';
import { readGraphFiles } from '../../src/graph/files.js';

const file = (name: string) => ({ name, bytes: new Uint8Array(readFileSync(new URL(`../../data/pubmed/${name}`, import.meta.url))) });

describe('PubMed (data/pubmed)', () => {
  it('19,717 nodes, 44,324 edges, 3 classes with their sizes, no features, nothing dropped, no isolated node', async () => {
    const reports: number[] = [];
    const { graph: g, name } = await readGraphFiles([file('edges.csv.gz'), file('nodes.csv.gz'), file('README.md')], 'data/pubmed', (p) => reports.push(p.done / p.total));
    expect(name).toBe('edges.csv.gz + nodes.csv.gz');
    expect(g.n).toBe(19717);
    expect(edgeCount(g)).toBe(44324);
    expect(g.dropped).toEqual({ duplicates: 0, selfLoops: 0, unknownIds: 0 });
    // No feature columns: the identity ("featureless").
    expect([g.features.rows, g.features.cols, g.features.colIdx.length]).toEqual([19717, 19717, 19717]);
    expect(g.classNames).toEqual(['Diabetes Mellitus Experimental', 'Diabetes Mellitus Type 1', 'Diabetes Mellitus Type 2']);
    const sizes = [0, 0, 0];
    for (const c of g.labels!) sizes[c]++;
    expect(sizes).toEqual([4103, 7739, 7875]);
    // Node i is id "i" (Planetoid's row i).
    expect(g.ids.every((id, i) => id === String(i))).toBe(true);
    const degree = new Uint32Array(g.n);
    for (const v of g.edges) degree[v]++;
    expect(degree.every((d) => d > 0)).toBe(true);
    for (let e = 0; e < edgeCount(g); e++) expect(g.edges[2 * e] < g.edges[2 * e + 1]).toBe(true);
    // Progress: from 0 to the whole of each file, the node table first.
    expect(reports[0]).toBe(0);
    expect(reports.at(-1)).toBe(1);
  });
});
