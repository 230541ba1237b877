/**
 * Readers of graph files, plain or gzipped (detected by magic bytes), in browsers and Node:
 *
 * - LINQS (Cora, Citeseer): `NAME.content`, one node per line: id, F feature values, class
 *   name; and `NAME.cites`, one link per line: two ids. Fields are separated by tabs or spaces.
 * - A plain edge list (`edges.csv`, `edges.tsv`): two id columns separated by a comma, tab or
 *   spaces, an optional header line, `#` comment lines; nodes are the ids in order of first
 *   appearance and have no features (identity features). With a node table beside it
 *   (`nodes.csv`, src/graph/node_table.ts) the nodes are the table's rows instead, with its
 *   classes and features.
 *
 * Links are undirected. Duplicates (in either direction), self loops and links naming an id
 * absent from the node file are dropped and counted. A bad file fails with one GraphFileError
 * line naming the file, the line and the problem.
 */
import { identityFeatures, type CsrMatrix, type DroppedEdges, type Graph } from './graph.js';
import { parseNodeTable, PROGRESS_BYTES, type NodeTable, type ReadProgress } from './node_table.js';
import { NodeRows } from './node_rows.js';
import {
  GraphFileError, GrowableU32, Lines, countFields, fieldEnd, fieldString, parseNumber, plainBytes, quoteField, skipSeparators,
} from './text.js';

/** A file's name (for messages) and its bytes as read, plain or gzipped. */
export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** The nodes of a LINQS content file. */
export interface LinqsNodes {
  ids: string[];
  features: CsrMatrix;
  labels: Int32Array;
  classNames: string[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Parses a plain LINQS content file. */
export function parseLinqsContent(b: Uint8Array, name: string): LinqsNodes {
  const lines = new Lines(b);
  const rows = new NodeRows(name, 8192);
  let F = -1;
  let fLine = 0;
  while (lines.advance()) {
    const { start, end, line } = lines;
    const p = skipSeparators(b, start, end);
    if (p === end) continue;
    // The class is the last field; the id the first; features lie between.
    let q = end;
    while (q > p && (b[q - 1] === 32 || b[q - 1] === 9 || b[q - 1] === 13)) q--;
    let ls = q;
    while (ls > p && b[ls - 1] !== 32 && b[ls - 1] !== 9) ls--;
    const idEnd = fieldEnd(b, p, end);
    if (idEnd >= q) throw new GraphFileError(name, line, 'has 1 field, expected an id, the feature values and a class');
    let k = 0;
    for (let t = skipSeparators(b, idEnd, ls); t < ls; ) {
      // Binary features ("0" or "1" then a tab or space) take the short path: they are
      // nearly all of a LINQS file.
      const c0 = b[t];
      let te = t + 1;
      let v: number;
      if ((c0 === 48 || c0 === 49) && (b[te] === 9 || b[te] === 32)) v = c0 - 48;
      else {
        te = fieldEnd(b, t, ls);
        v = parseNumber(b, t, te);
        if (Number.isNaN(v)) throw new GraphFileError(name, line, `feature ${k + 1} is ${quoteField(b, t, te)}, not a number`);
      }
      rows.feature(k, v);
      k++;
      t = te + 1;
      while (t < ls && (b[t] === 9 || b[t] === 32)) t++;
    }
    if (F < 0) {
      if (k === 0) throw new GraphFileError(name, line, 'has 2 fields (an id and a class) and no feature values');
      [F, fLine] = [k, line];
    } else if (k !== F) {
      throw new GraphFileError(name, line, `has ${k + 2} fields, expected ${F + 2} (an id, ${F} feature values and a class) as on line ${fLine}`);
    }
    rows.node(fieldString(b, p, idEnd), line, fieldString(b, ls, q));
  }
  if (rows.ids.length === 0) throw new GraphFileError(name, null, b.length === 0 ? 'empty file: no nodes' : 'no nodes (only blank lines)');
  return { ids: rows.ids, features: rows.features(F), ...rows.classes() };
}

/** Sorted unique undirected edges from endpoint arrays, and how many duplicates there were. */
function uniqueEdges(a: Uint32Array, c: Uint32Array, count: number, n: number): { edges: Uint32Array; duplicates: number } {
  // i * n + j < 2^53 for any n a typed array can index.
  const keys = new Float64Array(count);
  for (let e = 0; e < count; e++) {
    const [i, j] = a[e] < c[e] ? [a[e], c[e]] : [c[e], a[e]];
    keys[e] = i * n + j;
  }
  keys.sort();
  let unique = 0;
  for (let e = 0; e < count; e++) if (e === 0 || keys[e] !== keys[e - 1]) keys[unique++] = keys[e];
  const edges = new Uint32Array(2 * unique);
  for (let e = 0; e < unique; e++) {
    const i = Math.floor(keys[e] / n);
    edges[2 * e] = i;
    edges[2 * e + 1] = keys[e] - i * n;
  }
  return { edges, duplicates: count - unique };
}

function noEdgeLeft(name: string, lines: number, d: DroppedEdges, nodesName: string | null): GraphFileError {
  if (lines === 0) return new GraphFileError(name, null, 'empty file: no edges');
  const why = [
    d.selfLoops > 0 ? plural(d.selfLoops, 'self loop') : '',
    d.unknownIds > 0 ? `${plural(d.unknownIds, 'line')} naming ids absent from ${nodesName}` : '',
  ].filter((s) => s !== '');
  return new GraphFileError(name, null, `no edge left out of ${plural(lines, 'line')} (${why.join(', ')})`);
}

/** Parses a plain LINQS cites file against the nodes of its content file (`contentName` for messages). */
export function parseLinqsCites(b: Uint8Array, name: string, ids: readonly string[], contentName: string): { edges: Uint32Array; dropped: DroppedEdges } {
  const index = new Map<string, number>();
  ids.forEach((id, i) => index.set(id, i));
  const lines = new Lines(b);
  const from = new GrowableU32();
  const to = new GrowableU32();
  const dropped: DroppedEdges = { duplicates: 0, selfLoops: 0, unknownIds: 0 };
  let linkLines = 0;
  while (lines.advance()) {
    const { start, end, line } = lines;
    const p = skipSeparators(b, start, end);
    if (p === end) continue;
    const pe = fieldEnd(b, p, end);
    const q = skipSeparators(b, pe, end);
    const qe = fieldEnd(b, q, end);
    if (q === end || skipSeparators(b, qe, end) !== end) {
      throw new GraphFileError(name, line, `has ${countFields(b, start, end)} field${q === end ? '' : 's'}, expected 2 ids`);
    }
    linkLines++;
    const i = index.get(fieldString(b, p, pe));
    const j = index.get(fieldString(b, q, qe));
    if (i === undefined || j === undefined) dropped.unknownIds++;
    else if (i === j) dropped.selfLoops++;
    else {
      from.push(i);
      to.push(j);
    }
  }
  const { edges, duplicates } = uniqueEdges(from.data, to.data, from.length, ids.length);
  dropped.duplicates = duplicates;
  if (edges.length === 0) throw noEdgeLeft(name, linkLines, dropped, contentName);
  return { edges, dropped };
}

/** Parses a LINQS graph from the plain bytes of its two files. */
export function parseLinqs(content: NamedBytes, cites: NamedBytes): Graph {
  const nodes = parseLinqsContent(content.bytes, content.name);
  const { edges, dropped } = parseLinqsCites(cites.bytes, cites.name, nodes.ids, content.name);
  return { ...nodes, n: nodes.ids.length, edges, dropped };
}

/** Reads a LINQS graph (`NAME.content` and `NAME.cites`), each plain or gzipped. */
export async function readLinqs(content: NamedBytes, cites: NamedBytes): Promise<Graph> {
  const [c, e] = await Promise.all([plainBytes(content.bytes, content.name), plainBytes(cites.bytes, cites.name)]);
  return parseLinqs({ name: content.name, bytes: c }, { name: cites.name, bytes: e });
}

/** Whether an edge list starts with a header line: `auto` decides (see parseEdgeList). */
export type HeaderMode = 'auto' | boolean;

const HEADER_WORDS = /^(source|target|src|dst|from|to|node_?[12]|id_?[12]|u|v|head|tail|citing|cited|paper_?[12])$/i;
const INTEGER = /^[+-]?\d+$/;

/** A node table and its file's name (for messages). */
export interface NamedNodeTable {
  name: string;
  table: NodeTable;
}

/** What else an edge list is read with. */
export interface EdgeListOptions {
  /** The node table beside it: its rows are the nodes; edges naming other ids are dropped and counted. */
  nodes?: NamedNodeTable;
  /** Hears about every MiB read. */
  onProgress?: ReadProgress;
}

/**
 * Parses a plain edge list. With `header: 'auto'` the first line is a header when its two
 * fields are words like source/target (from/to, src/dst, node1/node2, u/v, ...), or when they
 * are not both integers while those of the next line are.
 */
export function parseEdgeList(b: Uint8Array, name: string, header: HeaderMode = 'auto', opts: EdgeListOptions = {}): Graph & { headerSkipped: boolean } {
  const lines = new Lines(b);
  const table = opts.nodes?.table ?? null;
  const ids: string[] = table ? table.ids : [];
  const index = table ? table.index : new Map<string, number>();
  const from = new GrowableU32();
  const to = new GrowableU32();
  const dropped: DroppedEdges = { duplicates: 0, selfLoops: 0, unknownIds: 0 };
  let pending: { a: string; c: string; line: number } | null = null;
  let headerSkipped = false;
  let decided = header !== 'auto';
  let dataLines = 0;
  const node = (id: string) => {
    let i = index.get(id);
    if (i === undefined) {
      i = ids.length;
      index.set(id, i);
      ids.push(id);
    }
    return i;
  };
  const known = (id: string) => index.get(id) ?? -1;
  const lookup = table ? known : node;
  const add = (a: string, c: string) => {
    dataLines++;
    const i = lookup(a);
    const j = lookup(c);
    if (i < 0 || j < 0) dropped.unknownIds++;
    else if (i === j) dropped.selfLoops++;
    else {
      from.push(i);
      to.push(j);
    }
  };
  let first = true;
  let nextReport = 0;
  while (lines.advance()) {
    const { start, end, line } = lines;
    if (opts.onProgress && start >= nextReport) {
      opts.onProgress({ file: name, done: start, total: b.length });
      nextReport = start + PROGRESS_BYTES;
    }
    const p = skipSeparators(b, start, end, true);
    if (p === end || b[p] === 35 /* # */) continue;
    const pe = fieldEnd(b, p, end, true);
    const q = skipSeparators(b, pe, end, true);
    const qe = fieldEnd(b, q, end, true);
    if (q === end || skipSeparators(b, qe, end, true) !== end) {
      throw new GraphFileError(name, line, `has ${countFields(b, start, end, true)} field${q === end ? '' : 's'}, expected 2 ids`);
    }
    const a = fieldString(b, p, pe);
    const c = fieldString(b, q, qe);
    if (first) {
      first = false;
      if (header === true) {
        headerSkipped = true;
        continue;
      }
      if (!decided) {
        if (HEADER_WORDS.test(a) && HEADER_WORDS.test(c)) {
          headerSkipped = decided = true;
          continue;
        }
        if (INTEGER.test(a) && INTEGER.test(c)) decided = true;
        else {
          pending = { a, c, line };
          continue;
        }
      }
    } else if (pending) {
      // The first line was not all integers: a header if this one is.
      headerSkipped = INTEGER.test(a) && INTEGER.test(c);
      if (!headerSkipped) add(pending.a, pending.c);
      pending = null;
      decided = true;
    }
    add(a, c);
  }
  if (pending) add(pending.a, pending.c);
  if (dataLines === 0) throw new GraphFileError(name, null, b.length === 0 ? 'empty file: no edges' : 'no edges (only a header, comments or blank lines)');
  const { edges, duplicates } = uniqueEdges(from.data, to.data, from.length, ids.length);
  dropped.duplicates = duplicates;
  if (edges.length === 0) throw noEdgeLeft(name, dataLines, dropped, opts.nodes?.name ?? null);
  opts.onProgress?.({ file: name, done: b.length, total: b.length });
  const n = ids.length;
  return {
    ids, n, features: table?.features ?? identityFeatures(n), labels: table?.labels ?? null, classNames: table?.classNames ?? [], edges, dropped, headerSkipped,
  };
}

/**
 * Reads an edge list, plain or gzipped, and the node table beside it when given (`nodes`,
 * plain or gzipped too); `onProgress` hears about every MiB of each, the table first.
 */
export async function readEdgeList(
  file: NamedBytes, header: HeaderMode = 'auto', nodes?: NamedBytes, onProgress?: ReadProgress,
): Promise<Graph & { headerSkipped: boolean }> {
  const [e, t] = await Promise.all([plainBytes(file.bytes, file.name), nodes ? plainBytes(nodes.bytes, nodes.name) : null]);
  const table = nodes && t ? { name: nodes.name, table: parseNodeTable(t, nodes.name, onProgress) } : undefined;
  return parseEdgeList(e, file.name, header, { nodes: table, onProgress });
}

