// The node table beside an edge list (nodes.csv): its rows fix the nodes, their classes and
// features; edges naming other ids are dropped and counted; bad tables fail with one line
// naming the file, the line and the problem; large files report their progress.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { describeGraph, identityFeatures } from '../../src/graph/graph.js';
import { pickGraphFiles, readGraphFiles } from '../../src/graph/files.js';
import { parseEdgeList, readEdgeList } from '../../src/graph/linqs.js';
import { parseNodeTable, PROGRESS_BYTES, sortClassNames } from '../../src/graph/node_table.js';
import { loadGraph } from '../../src/node/graph_data.js';
import { asyncMessageOf } from '../util/errors.js';

const enc = (s: string) => new TextEncoder().encode(s);

const NODES = [
  'id,class,weight,score',
  'a,Theory,1,0',
  '# a comment line',
  'b, "Neural, Networks" ,0,2.5',
  '',
  'c,,0,0', // no class
  'lonely,Theory,-1e-1,0', // no edge: kept
].join('\r\n');
const EDGES = 'source,target\nb,a\na,b\nc,a\nc,zed\nq,r\nc,c\n';

describe('node table', () => {
  it('ids in row order, sorted classes (-1 for none), numeric columns as sparse features', () => {
    const t = parseNodeTable(enc(NODES), 'nodes.csv');
    expect(t.ids).toEqual(['a', 'b', 'c', 'lonely']);
    expect(t.index.get('lonely')).toBe(3);
    expect(t.classNames).toEqual(['Neural, Networks', 'Theory']);
    expect(Array.from(t.labels!)).toEqual([1, 0, -1, 1]);
    expect(t.features!.cols).toBe(2);
    expect(Array.from(t.features!.rowPtr)).toEqual([0, 1, 2, 2, 3]);
    expect(Array.from(t.features!.colIdx)).toEqual([0, 1, 0]);
    expect(Array.from(t.features!.values)).toEqual([1, 2.5, Math.fround(-0.1)]);
  });

  it('tabs when the header has one; quotes with doubled quotes; integer classes sort as numbers; no class column, no labels', () => {
    const t = parseNodeTable(enc('id\tclass\n"x ""1"""\t10\ny\t9\nz\t2\n'), 'nodes.tsv');
    expect(t.ids).toEqual(['x "1"', 'y', 'z']);
    expect(t.classNames).toEqual(['2', '9', '10']);
    expect(Array.from(t.labels!)).toEqual([2, 1, 0]);
    expect(t.features).toBeNull();
    const bare = parseNodeTable(enc('ID\n1\n2\n'), 'nodes.csv');
    expect([bare.ids, bare.labels, bare.classNames]).toEqual([['1', '2'], null, []]);
    expect(sortClassNames(['b', '10', 'a'])).toEqual(['10', 'a', 'b']);
    expect(sortClassNames(['10', '-1', '2'])).toEqual(['-1', '2', '10']);
  });

  it('with an edge list: the table fixes the nodes (lonely ones kept), edges naming other ids are dropped and counted', async () => {
    const g = parseEdgeList(enc(EDGES), 'edges.csv', 'auto', { nodes: { name: 'nodes.csv', table: parseNodeTable(enc(NODES), 'nodes.csv') } });
    expect(g.ids).toEqual(['a', 'b', 'c', 'lonely']);
    expect(g.n).toBe(4);
    expect(Array.from(g.edges)).toEqual([0, 1, 0, 2]);
    expect(g.dropped).toEqual({ duplicates: 1, selfLoops: 1, unknownIds: 2 });
    expect(g.classNames).toEqual(['Neural, Networks', 'Theory']);
    expect(g.features.cols).toBe(2);
    expect(describeGraph(g)).toBe('4 nodes, 2 edges, 2 features (3 nonzero), 2 classes; dropped 1 duplicate edge, 1 self loop, 2 edges naming unknown ids');
    // Gzipped either or both: the same graph.
    const gz = await readEdgeList({ name: 'edges.csv.gz', bytes: gzipSync(EDGES) }, 'auto', { name: 'nodes.csv.gz', bytes: gzipSync(NODES) });
    expect(gz).toEqual(g);
    // Without feature columns: identity features.
    const plain = await readEdgeList({ name: 'edges.csv', bytes: enc(EDGES) }, 'auto', { name: 'nodes.csv', bytes: enc('id,class\na,x\nb,y\nc,x\n') });
    expect(plain.features).toEqual(identityFeatures(3));
  });

  it('an edge list whose every line names an unknown id names the node table', async () => {
    const m = await asyncMessageOf(() => readEdgeList({ name: 'edges.csv', bytes: enc('1,2\n2,3\n') }, 'auto', { name: 'nodes.csv', bytes: enc('id\n7\n8\n') }));
    expect(m).toBe('edges.csv: no edge left out of 2 lines (2 lines naming ids absent from nodes.csv)');
  });

  const bad: [string, string, string][] = [
    ['no id column', 'name,class\na,x\n', 'nodes.csv line 1: the header must name an "id" column (and optionally "class" and numeric feature columns); it names "name", "class"'],
    ['a column named twice', 'id,class,Class\na,x,y\n', 'nodes.csv line 1: the header names column "Class" twice (columns 2 and 3)'],
    ['ragged row', 'id,class\na,x\n\nb,y,3\n', 'nodes.csv line 4: has 3 fields, expected 2 as the header on line 1 names'],
    ['duplicate id', 'id\na\nb\na\n', 'nodes.csv line 4: id "a" is already defined on line 2'],
    ['empty id', 'id,class\n,x\n', 'nodes.csv line 2: the id is empty'],
    ['a feature that is not a number', 'id,w\na,1\nb,heavy\n', 'nodes.csv line 3: column "w" is "heavy", not a number'],
    ['an empty feature', 'id,w\na,\n', 'nodes.csv line 2: column "w" is empty, not a number'],
    ['hex is not a feature value', 'id,w\na,0x10\n', 'nodes.csv line 2: column "w" is "0x10", not a number'],
    ['a quote left open', 'id,class\na,"x\n', 'nodes.csv line 2: field 2 opens a quote that the line does not close'],
    ['text after a closing quote', 'id,class\na,"x"y\n', 'nodes.csv line 2: field 2 has text after its closing quote'],
    ['empty file', '', 'nodes.csv: empty file: no header and no nodes'],
    ['only comments', '# nothing\n\n', 'nodes.csv: no header row (only blank lines or comments)'],
    ['only a header', 'id,class\n', 'nodes.csv: no nodes: only the header on line 1'],
  ];
  for (const [what, text, message] of bad) {
    it(`bad table: ${what}`, async () => expect(await asyncMessageOf(() => parseNodeTable(enc(text), 'nodes.csv'))).toBe(message));
  }

  it('progress: from byte 0 to the end, at most one report per MiB between', () => {
    const rows = ['id,class'];
    for (let i = 0; i < 300_000; i++) rows.push(`${i},${i % 7}`);
    const bytes = enc(`${rows.join('\n')}\n`);
    const seen: { file: string; done: number; total: number }[] = [];
    const t = parseNodeTable(bytes, 'big.csv', (p) => seen.push(p));
    expect(t.ids).toHaveLength(300_000);
    expect(seen[0]).toEqual({ file: 'big.csv', done: 0, total: bytes.length });
    expect(seen.at(-1)).toEqual({ file: 'big.csv', done: bytes.length, total: bytes.length });
    expect(seen.length).toBe(Math.ceil(bytes.length / PROGRESS_BYTES) + 1);
    for (let k = 1; k < seen.length; k++) expect(seen[k].done).toBeGreaterThan(seen[k - 1].done);
  });
});

describe('graph files with a node table', () => {
  it('picks nodes.csv beside edges.csv, plain or gzipped, and says what is missing or ambiguous', async () => {
    expect(pickGraphFiles(['d/nodes.csv.gz', 'd/edges.csv'], 'D')).toEqual({ kind: 'edges', file: 'd/edges.csv', nodes: 'd/nodes.csv.gz' });
    expect(await asyncMessageOf(() => pickGraphFiles(['nodes.csv'], 'D'))).toBe('D: nodes.csv has no edges.csv or edges.tsv (plain or .gz) beside it');
    expect(await asyncMessageOf(() => pickGraphFiles(['nodes.csv', 'nodes.tsv', 'edges.csv'], 'D'))).toBe('D: several node tables (nodes.csv, nodes.tsv): keep one');
  });

  it('a lone LINQS file beside a complete pair is refused, naming the files (it used to train on the pair without a word)', async () => {
    expect(await asyncMessageOf(() => pickGraphFiles(['a.content', 'b.content', 'a.cites'], 'D'))).toBe(
      'D: b.content has no b.cites (plain or .gz) beside it; a.content and a.cites make a graph: remove b.content or add its partner',
    );
    expect(await asyncMessageOf(() => pickGraphFiles(['a.content.gz', 'a.cites', 'c.cites'], 'D'))).toBe(
      'D: c.cites has no c.content (plain or .gz) beside it; a.content.gz and a.cites make a graph: remove c.cites or add its partner',
    );
  });

  it('a folder (the CLI) and a drop (the page) read edges.csv with nodes.csv alike', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webgpu-vae-node-table-'));
    writeFileSync(join(dir, 'edges.csv'), EDGES);
    writeFileSync(join(dir, 'nodes.csv.gz'), gzipSync(NODES));
    const reports: string[] = [];
    const folder = await loadGraph(dir, (p) => reports.push(`${p.file.replace(/^.*[\\/]/, '')} ${p.done}/${p.total}`));
    expect(folder.name).toBe(`${dir} (edges.csv + nodes.csv.gz)`);
    expect(folder.graph.ids).toEqual(['a', 'b', 'c', 'lonely']);
    const n = NODES.length;
    expect(reports).toEqual([`nodes.csv.gz 0/${n}`, `nodes.csv.gz ${n}/${n}`, `edges.csv 0/${EDGES.length}`, `edges.csv ${EDGES.length}/${EDGES.length}`]);
    const drop = await readGraphFiles([{ name: 'nodes.csv', bytes: enc(NODES) }, { name: 'edges.csv', bytes: enc(EDGES) }], 'dropped files');
    expect(drop.name).toBe('edges.csv + nodes.csv');
    expect(drop.graph).toEqual(folder.graph);
  });
});
