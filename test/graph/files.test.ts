// Which files make a graph (a folder for the CLI, a drop for the page), and the graph
// settings' one wording.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkSetting, resolveGraphConfig } from '../../src/config.js';
import { GRAPH_VAE_DEFAULTS } from '../../src/graph/config.js';
import { pickGraphFiles, readGraphFiles } from '../../src/graph/files.js';
import { loadGraph } from '../../src/node/graph_data.js';

const messageOf = async (f: () => unknown): Promise<string> => {
  try {
    await f();
  } catch (e) {
    return (e as Error).message;
  }
  return '(no error)';
};

describe('graph files', () => {
  it('picks a LINQS pair or one edge list, plain or gzipped, and ignores the rest', () => {
    expect(pickGraphFiles(['README', 'citeseer.content', 'citeseer.cites.gz'], 'd')).toEqual({ kind: 'linqs', content: 'citeseer.content', cites: 'citeseer.cites.gz' });
    expect(pickGraphFiles(['x/edges.tsv', 'notes.txt'], 'd')).toEqual({ kind: 'edges', file: 'x/edges.tsv' });
    expect(pickGraphFiles(['edges.csv.gz'], 'd')).toEqual({ kind: 'edges', file: 'edges.csv.gz' });
    // A LINQS pair wins over an edge list beside it.
    expect(pickGraphFiles(['edges.csv', 'a.cites', 'a.content'], 'd').kind).toBe('linqs');
  });

  it('says what is missing or ambiguous in one line', async () => {
    expect(await messageOf(() => pickGraphFiles(['cora.content.gz'], 'DIR'))).toBe('DIR: cora.content has no cora.cites (plain or .gz) beside it');
    expect(await messageOf(() => pickGraphFiles(['a.content', 'a.cites', 'b.content', 'b.cites'], 'DIR'))).toBe('DIR: several LINQS graphs (a.content, b.content): keep one');
    expect(await messageOf(() => pickGraphFiles(['a.content', 'a.content.gz', 'a.cites'], 'DIR'))).toBe('DIR: both a.content and a.content.gz: keep one of them');
    expect(await messageOf(() => pickGraphFiles(['edges.csv', 'edges.tsv'], 'DIR'))).toBe('DIR: several edge lists (edges.csv, edges.tsv): keep one');
    expect(await messageOf(() => pickGraphFiles(['train-images-idx3-ubyte'], 'DIR'))).toBe(
      'DIR: no graph files: expected NAME.content and NAME.cites (LINQS) or edges.csv / edges.tsv, plain or .gz',
    );
  });

  it('reads a folder (the CLI) and dropped files (the page) alike; the default is the embedded Cora', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webgpu-vae-graph-files-'));
    writeFileSync(join(dir, 'tiny.content'), 'a 1 0 x\nb 0 1 y\nc 1 1 x\n');
    writeFileSync(join(dir, 'tiny.cites.gz'), gzipSync('a b\nb c\nc a\na a\nq a\n'));
    const g = await loadGraph(dir);
    expect(g.name).toBe(`${dir} (tiny)`);
    expect(g.graph.n).toBe(3);
    expect(Array.from(g.graph.edges)).toEqual([0, 1, 0, 2, 1, 2]);
    expect(g.graph.dropped).toEqual({ duplicates: 0, selfLoops: 1, unknownIds: 1 });
    const dropped = await readGraphFiles([{ name: 'edges.csv', bytes: new TextEncoder().encode('source,target\n1,2\n2,3\n') }], 'drop');
    expect(dropped.name).toBe('edges.csv');
    expect(dropped.graph.n).toBe(3);
    const cora = await loadGraph(null);
    expect([cora.name, cora.graph.n, cora.graph.edges.length / 2]).toEqual(['embedded Cora', 2708, 5278]);
    expect(await messageOf(() => loadGraph(join(dir, 'missing')))).toBe(`--data ${join(dir, 'missing')}: no such folder`);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(await messageOf(() => loadGraph(empty))).toContain(`--data ${empty}: no graph files`);
  });
});

describe('graph settings', () => {
  it('the paper\'s defaults, checked with the one wording', async () => {
    expect(resolveGraphConfig()).toEqual(GRAPH_VAE_DEFAULTS);
    expect(resolveGraphConfig({ kind: 'gae', features: 'none', latent: 64 })).toMatchObject({ kind: 'gae', features: 'none', latent: 64 });
    expect(await messageOf(() => resolveGraphConfig({ latent: 65 }))).toBe('config: graphLatent must be a whole number from 1 to 64, got 65');
    expect(await messageOf(() => resolveGraphConfig({ valFraction: 1 }))).toBe('config: valFraction must be a number in [0, 1), got 1');
    expect(await messageOf(() => resolveGraphConfig({ valFraction: 0.5, testFraction: 0.5 }))).toBe(
      'config: valFraction 0.5 and testFraction 0.5 hold out every edge; together they must be below 1',
    );
    expect(await messageOf(() => checkSetting('features', 'raw', '--features'))).toBe("--features must be data or none, got 'raw'");
  });
});
