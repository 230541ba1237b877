// The graph file readers against hand-built files: good files parse exactly (plain and gzipped),
// dropped links are counted, and every bad file fails with one line naming the file, the line
// and the problem.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { identityFeatures } from '../../src/graph/graph.js';
import { parseEdgeList, parseLinqs, readEdgeList, readLinqs } from '../../src/graph/linqs.js';
import { GraphFileError, MAX_GZIP_RATIO, MIN_GZIP_CAP, gunzipCapped, gzipCap } from '../../src/graph/text.js';

const enc = (s: string) => new TextEncoder().encode(s);
const gz = (b: Uint8Array) => new Uint8Array(gzipSync(b));

const CONTENT = [
  'p10\t0\t1\t0\tTheory',
  'p20\t1\t1\t0\tNeural_Networks',
  '',
  'p30 0 0 0 Theory', // spaces work as well as tabs
  'p40\t0\t0.5\t-2e-1\tCase_Based',
  'p50\t0\t0\t1\tTheory',
].join('\n');
const CITES = [
  'p10\tp20',
  'p20\tp10', // the same undirected link: a duplicate
  'p30\tp30', // self loop
  'p10\tp99', // unknown id
  'p50\tp10',
  'p40\tp30',
  'p40 p20',
].join('\r\n');

/** The message of the error `f` throws (sync or async); fails when it does not throw or spans lines. */
async function failure(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    const m = (e as Error).message;
    expect(m.includes('\n'), m).toBe(false);
    return m;
  }
  throw new Error('expected an error, the read succeeded');
}

const content = (s: string, name = 'g.content') => ({ name, bytes: enc(s) });
const cites = (s: string, name = 'g.cites') => ({ name, bytes: enc(s) });

describe('LINQS reader: good files', () => {
  it('reads nodes, sparse features, sorted classes and unique sorted edges, counting what it drops', () => {
    const g = parseLinqs(content(CONTENT), cites(CITES));
    expect(g.ids).toEqual(['p10', 'p20', 'p30', 'p40', 'p50']);
    expect(g.n).toBe(5);
    expect(g.features.cols).toBe(3);
    expect(Array.from(g.features.rowPtr)).toEqual([0, 1, 3, 3, 5, 6]);
    expect(Array.from(g.features.colIdx)).toEqual([1, 0, 1, 1, 2, 2]);
    expect(Array.from(g.features.values)).toEqual([1, 1, 1, 0.5, Math.fround(-0.2), 1]);
    expect(g.classNames).toEqual(['Case_Based', 'Neural_Networks', 'Theory']);
    expect(Array.from(g.labels!)).toEqual([2, 1, 2, 0, 2]);
    // (0,1) twice, (0,4), (2,3), (1,3): sorted by (i, j).
    expect(Array.from(g.edges)).toEqual([0, 1, 0, 4, 1, 3, 2, 3]);
    expect(g.dropped).toEqual({ duplicates: 1, selfLoops: 1, unknownIds: 1 });
  });

  it('reads gzipped files (detected by magic bytes) to the same graph, and CRLF, BOM and trailing blanks', async () => {
    const plain = parseLinqs(content(CONTENT), cites(CITES));
    const crlf = '\ufeff' + CONTENT.replaceAll('\n', '\r\n') + '\r\n\r\n';
    for (const [c, e] of [
      [gz(enc(CONTENT)), gz(enc(CITES))],
      [enc(crlf), gz(enc(CITES))],
      [gz(enc(crlf)), enc(CITES)],
    ]) {
      const g = await readLinqs({ name: 'g.content.gz', bytes: c }, { name: 'g.cites.gz', bytes: e });
      expect(g).toEqual(plain);
    }
  });

  it('keeps ids as strings: 007 and 7 are different nodes', () => {
    const g = parseLinqs(content('007 1 a\n7 0 b\n'), cites('7 007\n'));
    expect(g.ids).toEqual(['007', '7']);
    expect(Array.from(g.edges)).toEqual([0, 1]);
  });
});

describe('LINQS reader: bad files fail with one line naming the file, line and problem', () => {
  const cases: [string, string, string, RegExp][] = [
    ['ragged row', 'a 1 0 x\nb 1 0 0 x\n', 'a b', /^g\.content line 2: has 5 fields, expected 4 \(an id, 2 feature values and a class\) as on line 1$/],
    ['short row', 'a 1 0 x\n\nb 1 x\n', 'a b', /^g\.content line 3: has 3 fields, expected 4/],
    ['non-numeric feature', 'a 1 0 x\nb 1 yes x\n', 'a b', /^g\.content line 2: feature 2 is "yes", not a number$/],
    ['hex is not a feature value', 'a 1 0x1 x\n', 'a b', /^g\.content line 1: feature 2 is "0x1", not a number$/],
    ['Infinity is not a feature value', 'a Infinity x\n', 'a b', /feature 1 is "Infinity", not a number/],
    ['duplicate id', 'a 1 x\nb 0 x\na 1 y\n', 'a b', /^g\.content line 3: id "a" is already defined on line 1$/],
    ['one field', 'a\n', 'a b', /^g\.content line 1: has 1 field, expected an id, the feature values and a class$/],
    ['no features', 'a x\nb y\n', 'a b', /^g\.content line 1: has 2 fields \(an id and a class\) and no feature values$/],
    ['empty content', '', 'a b', /^g\.content: empty file: no nodes$/],
    ['blank content', '\n  \n', 'a b', /^g\.content: no nodes \(only blank lines\)$/],
    ['empty cites', 'a 1 x\nb 1 x\n', '', /^g\.cites: empty file: no edges$/],
    ['cites line with 3 ids', 'a 1 x\nb 1 x\n', 'a b\na b a\n', /^g\.cites line 2: has 3 fields, expected 2 ids$/],
    ['cites line with 1 id', 'a 1 x\nb 1 x\n', 'a b\n\nb\n', /^g\.cites line 3: has 1 field, expected 2 ids$/],
    ['no edge left', 'a 1 x\nb 1 x\n', 'a a\nb z\nq b\n', /^g\.cites: no edge left out of 3 lines \(1 self loop, 2 lines naming ids absent from g\.content\)$/],
  ];
  for (const [what, c, e, re] of cases) {
    it(what, async () => {
      const m = await failure(() => parseLinqs(content(c), cites(e)));
      expect(m).toMatch(re);
    });
  }

  it('errors are GraphFileErrors carrying file and line', () => {
    try {
      parseLinqs(content('a 1 x\nb 1 0 x\n'), cites('a b'));
    } catch (e) {
      expect(e).toBeInstanceOf(GraphFileError);
      expect((e as GraphFileError).file).toBe('g.content');
      expect((e as GraphFileError).line).toBe(2);
      return;
    }
    throw new Error('expected an error');
  });

  it('corrupt gzip names the file', async () => {
    const bad = gz(enc(CONTENT)).slice(0, 30);
    const m = await failure(() => readLinqs({ name: 'g.content.gz', bytes: bad }, cites(CITES)));
    expect(m).toMatch(/^g\.content\.gz: gzip data is corrupt/);
  });
});

describe('gzip caps', () => {
  it(`the cap is ${MAX_GZIP_RATIO}x the compressed size, at least 64 MiB, at most 1 GiB`, () => {
    expect(gzipCap(1000)).toBe(MIN_GZIP_CAP);
    expect(gzipCap(1 << 20)).toBe(512 << 20);
    expect(gzipCap(10 << 20)).toBe(2 ** 30);
  });

  it('a small explicit cap stops a long stream early, naming the cap', async () => {
    const zeros = gz(new Uint8Array(1 << 20));
    const m = await failure(() => gunzipCapped(zeros, 'bomb.gz', 65536));
    expect(m).toMatch(/^bomb\.gz: decompresses to more than 0\.1 MiB, the cap for a \d+-byte gzip file/);
    expect((await gunzipCapped(zeros, 'ok.gz', 1 << 20)).length).toBe(1 << 20);
  });

  it('a gzip bomb (80 MiB of zeros in about 80 KB) stops at the 64 MiB floor', async () => {
    const bomb = gz(new Uint8Array(80 << 20));
    expect(bomb.length * MAX_GZIP_RATIO).toBeLessThan(MIN_GZIP_CAP);
    const m = await failure(() => readLinqs({ name: 'bomb.content.gz', bytes: bomb }, cites('a b')));
    expect(m).toMatch(/^bomb\.content\.gz: decompresses to more than 64 MiB, the cap for a \d+-byte gzip file \(512x its size, at least 64 MiB, at most 1024 MiB\)/);
  });
});

describe('edge list reader', () => {
  it('CSV with a header: nodes in order of first appearance, identity features, no classes', () => {
    const g = parseEdgeList(enc('source,target\n5,3\n3,9\n9,5\n3,5\n'), 'edges.csv');
    expect(g.headerSkipped).toBe(true);
    expect(g.ids).toEqual(['5', '3', '9']);
    expect(Array.from(g.edges)).toEqual([0, 1, 0, 2, 1, 2]);
    expect(g.dropped).toEqual({ duplicates: 1, selfLoops: 0, unknownIds: 0 });
    expect(g.features).toEqual(identityFeatures(3));
    expect(g.labels).toBeNull();
  });

  it('TSV without a header, comments, self loops (the node still exists), gzipped', async () => {
    const text = '# a comment\n1\t2\n2\t2\n3\t1\n7\t7\n';
    const g = await readEdgeList({ name: 'edges.tsv.gz', bytes: gz(enc(text)) });
    expect(g.headerSkipped).toBe(false);
    expect(g.ids).toEqual(['1', '2', '3', '7']);
    expect(Array.from(g.edges)).toEqual([0, 1, 0, 2]);
    expect(g.dropped.selfLoops).toBe(2);
  });

  it('auto header: a non-integer first line over integer lines is a header; string ids throughout are data', () => {
    expect(parseEdgeList(enc('paper_a paper_b\n1 2\n'), 'e.tsv').headerSkipped).toBe(true);
    const s = parseEdgeList(enc('alice bob\nbob carol\n'), 'e.tsv');
    expect(s.headerSkipped).toBe(false);
    expect(s.ids).toEqual(['alice', 'bob', 'carol']);
    // Forced either way.
    expect(parseEdgeList(enc('1 2\n2 3\n'), 'e.tsv', true).ids).toEqual(['2', '3']);
    expect(parseEdgeList(enc('source target\n1 2\n'), 'e.tsv', false).ids).toEqual(['source', 'target', '1', '2']);
  });

  it('bad edge lists', async () => {
    expect(await failure(() => parseEdgeList(enc(''), 'e.csv'))).toBe('e.csv: empty file: no edges');
    expect(await failure(() => parseEdgeList(enc('source,target\n'), 'e.csv'))).toBe('e.csv: no edges (only a header, comments or blank lines)');
    expect(await failure(() => parseEdgeList(enc('1,2\n2,3,0.5\n'), 'e.csv'))).toBe('e.csv line 2: has 3 fields, expected 2 ids');
    expect(await failure(() => parseEdgeList(enc('1,1\n2,2\n'), 'e.csv'))).toBe('e.csv: no edge left out of 2 lines (2 self loops)');
  });
});

describe('reader speed', () => {
  it('a Citeseer-size content file (3,312 x 3,703, 32 ones per row) and its links parse in well under a second', () => {
    const [N, F] = [3312, 3703];
    const row = new Uint8Array(2 * F);
    const parts: Uint8Array[] = [];
    const links: string[] = [];
    for (let i = 0; i < N; i++) {
      for (let k = 0; k < F; k++) {
        row[2 * k] = 9;
        row[2 * k + 1] = (k * 7919 + i * 104729) % F < 32 ? 49 : 48;
      }
      parts.push(enc(`node${i}`), row.slice(), enc(`\tclass${i % 6}\n`));
      if (i > 0 && i % 7 !== 0) links.push(`node${i} node${(i * 31) % i}`);
    }
    const bytes = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    parts.reduce((o, p) => (bytes.set(p, o), o + p.length), 0);
    const t0 = performance.now();
    const g = parseLinqs({ name: 'c.content', bytes }, { name: 'c.cites', bytes: enc(links.join('\n')) });
    const ms = performance.now() - t0;
    expect(g.n).toBe(N);
    expect(g.features.cols).toBe(F);
    expect(g.features.colIdx.length).toBe(N * 32);
    // Measured about 0.1 s for 24.5 MB on one core of the project's machines; the bound only
    // catches a quadratic or allocation-heavy regression on a loaded machine.
    expect(ms, `${ms.toFixed(0)} ms for ${(bytes.length / 1e6).toFixed(1)} MB`).toBeLessThan(2000);
  });
});
