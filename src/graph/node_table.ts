/**
 * The node table beside an edge list (`nodes.csv` / `nodes.tsv`, plain or gzipped): a header
 * row naming an `id` column, optionally a `class` column, and any other columns as numeric
 * node features; then one row per node. Its rows fix the nodes and their order, so nodes
 * without edges are kept and edges naming an id absent from it are dropped and counted
 * (src/graph/linqs.ts's parseEdgeList).
 *
 * Fields are separated by the header's separator: a tab when the header holds one, otherwise a
 * comma (class names may hold spaces: PubMed's "Diabetes Mellitus Type 1"). A field may be
 * double-quoted as in RFC 4180 ("a, b" and "say ""x"""), within one line; spaces around a
 * field are not part of it. Blank lines and lines starting with `#` are skipped.
 */
import type { CsrMatrix } from './graph.js';
import { NodeRows } from './node_rows.js';
import { GraphFileError, Lines, fieldString, parseNumber, quoteField } from './text.js';

export { sortClassNames } from './node_rows.js';

/** Reading progress: `done` of `total` bytes of the file named `file`. */
export type ReadProgress = (p: { file: string; done: number; total: number }) => void;

/** Bytes between two progress reports (and the first one is at byte 0). */
export const PROGRESS_BYTES = 1 << 20;

/** The nodes a node table defines. */
export interface NodeTable {
  /** Node i's id, in row order. */
  ids: string[];
  /** Id to node number. */
  index: Map<string, number>;
  /** Node features (N x F, columns sorted within each row) from the numeric columns; null when there are none. */
  features: CsrMatrix | null;
  /** Class of each node (an index into classNames), -1 for an empty class field; null without a `class` column. */
  labels: Int32Array | null;
  /** Class names, sorted (numerically when all are integers, as blocks 0, 1, ..., 10 are). */
  classNames: string[];
}

const QUOTE = 34;
const isBlank = (c: number) => c === 32 || c === 9;

/**
 * The fields of the line [start, end) split at `sep`, as [start, end) pairs of the raw bytes;
 * a quoted field's pair spans its quotes (fieldText unquotes it).
 */
function splitFields(b: Uint8Array, start: number, end: number, sep: number, name: string, line: number, out: number[]): number[] {
  out.length = 0;
  let p = start;
  for (;;) {
    while (p < end && b[p] !== sep && isBlank(b[p])) p++;
    const s = p;
    let e: number;
    if (p < end && b[p] === QUOTE) {
      // A quoted field: up to the quote not followed by another.
      p++;
      for (;;) {
        if (p >= end) throw new GraphFileError(name, line, `field ${out.length / 2 + 1} opens a quote that the line does not close`);
        if (b[p] === QUOTE) {
          if (p + 1 < end && b[p + 1] === QUOTE) p += 2;
          else break;
        } else p++;
      }
      e = ++p;
      while (p < end && isBlank(b[p]) && b[p] !== sep) p++;
      if (p < end && b[p] !== sep) throw new GraphFileError(name, line, `field ${out.length / 2 + 1} has text after its closing quote`);
    } else {
      while (p < end && b[p] !== sep) p++;
      e = p;
      while (e > s && isBlank(b[e - 1]) && b[e - 1] !== sep) e--;
    }
    out.push(s, e);
    if (p >= end) return out;
    p++; // the separator
  }
}

/** A field's text: a quoted one unquoted ("" read as "). */
function fieldText(b: Uint8Array, s: number, e: number): string {
  if (e - s >= 2 && b[s] === QUOTE) return fieldString(b, s + 1, e - 1).replaceAll('""', '"');
  return fieldString(b, s, e);
}

const utf8 = new TextEncoder();

/** The number a quoted field holds, or NaN. */
function quotedNumber(b: Uint8Array, s: number, e: number): number {
  const t = utf8.encode(fieldText(b, s, e).trim());
  return parseNumber(t, 0, t.length);
}

/** The header line [start, end): its separator, column names, and which is the id, the class and a feature. */
function parseHeader(b: Uint8Array, start: number, end: number, name: string, line: number) {
  const sep = b.subarray(start, end).includes(9) ? 9 : 44;
  const f = splitFields(b, start, end, sep, name, line, []);
  const header: string[] = [];
  for (let k = 0; k < f.length; k += 2) header.push(fieldText(b, f[k], f[k + 1]));
  let idCol = -1;
  let classCol = -1;
  const featureCols: number[] = [];
  const seen = new Map<string, number>();
  header.forEach((h, k) => {
    const key = h.toLowerCase();
    if (seen.has(key)) throw new GraphFileError(name, line, `the header names column ${JSON.stringify(h)} twice (columns ${seen.get(key)! + 1} and ${k + 1})`);
    seen.set(key, k);
    if (key === 'id') idCol = k;
    else if (key === 'class') classCol = k;
    else featureCols.push(k);
  });
  if (idCol < 0) {
    const shown = header.slice(0, 4).map((h) => JSON.stringify(h)).join(', ') + (header.length > 4 ? ', ...' : '');
    throw new GraphFileError(name, line, `the header must name an "id" column (and optionally "class" and numeric feature columns); it names ${shown}`);
  }
  return { sep, header, idCol, classCol, featureCols };
}

/** Parses the plain bytes of a node table (see the file's comment); `onProgress` hears about every MiB. */
export function parseNodeTable(b: Uint8Array, name: string, onProgress?: ReadProgress): NodeTable {
  const lines = new Lines(b);
  const f: number[] = [];
  let header: string[] | null = null;
  let headerLine = 0;
  let sep = 44;
  let idCol = -1;
  let classCol = -1;
  let featureCols: number[] = [];
  const rows = new NodeRows(name);
  let nextReport = 0;
  while (lines.advance()) {
    const { start, end, line } = lines;
    if (onProgress && start >= nextReport) {
      onProgress({ file: name, done: start, total: b.length });
      nextReport = start + PROGRESS_BYTES;
    }
    let p = start;
    while (p < end && (isBlank(b[p]) || b[p] === 13)) p++;
    if (p === end || b[p] === 35 /* # */) continue;
    if (header === null) {
      ({ sep, header, idCol, classCol, featureCols } = parseHeader(b, start, end, name, line));
      headerLine = line;
      continue;
    }
    splitFields(b, start, end, sep, name, line, f);
    if (f.length / 2 !== header.length) {
      throw new GraphFileError(name, line, `has ${f.length / 2} field${f.length === 2 ? '' : 's'}, expected ${header.length} as the header on line ${headerLine} names`);
    }
    const id = fieldText(b, f[2 * idCol], f[2 * idCol + 1]);
    if (id === '') throw new GraphFileError(name, line, 'the id is empty');
    for (let k = 0; k < featureCols.length; k++) {
      const col = featureCols[k];
      const [s, e] = [f[2 * col], f[2 * col + 1]];
      // A quoted number is unquoted first; parseNumber takes decimals only (no hex, no Infinity).
      const v = b[s] === QUOTE ? quotedNumber(b, s, e) : parseNumber(b, s, e);
      if (Number.isNaN(v)) throw new GraphFileError(name, line, `column ${JSON.stringify(header[col])} is ${e > s ? quoteField(b, s, e) : 'empty'}, not a number`);
      rows.feature(k, v);
    }
    rows.node(id, line, classCol < 0 ? null : fieldText(b, f[2 * classCol], f[2 * classCol + 1]));
  }
  if (header === null) throw new GraphFileError(name, null, b.length === 0 ? 'empty file: no header and no nodes' : 'no header row (only blank lines or comments)');
  if (rows.ids.length === 0) throw new GraphFileError(name, null, `no nodes: only the header on line ${headerLine}`);
  onProgress?.({ file: name, done: b.length, total: b.length });
  const classes = classCol < 0 ? { labels: null, classNames: [] } : rows.classes();
  return { ids: rows.ids, index: rows.index, features: featureCols.length === 0 ? null : rows.features(featureCols.length), ...classes };
}
