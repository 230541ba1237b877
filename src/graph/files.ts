/**
 * Which files of a folder or a drop make a graph, for the CLI's `--data DIR` and the page's
 * dropped files alike: a LINQS pair `NAME.content` + `NAME.cites`, or one edge list
 * `edges.csv` / `edges.tsv` with, optionally, its node table `nodes.csv` / `nodes.tsv` beside
 * it (src/graph/node_table.ts), each plain or `.gz`. Other files are ignored.
 */
import { readEdgeList, readLinqs, type NamedBytes } from './linqs.js';
import type { ReadProgress } from './node_table.js';
import type { Graph } from './graph.js';

/** The files that make a graph, by name. */
export type GraphFiles = { kind: 'linqs'; content: string; cites: string } | { kind: 'edges'; file: string; nodes?: string };

const base = (name: string) => name.replace(/^.*[\\/]/, '');
const LINQS = /^(.+)\.(content|cites)(\.gz)?$/i;
const EDGES = /^edges\.(csv|tsv)(\.gz)?$/i;
const NODES = /^nodes\.(csv|tsv)(\.gz)?$/i;

/** The one file of `found` (null when none); several: one line asking to keep one. */
function atMostOne(found: string[], what: string, where: string): string | null {
  if (found.length > 1) throw new Error(`${where}: several ${what} (${found.map(base).join(', ')}): keep one`);
  return found[0] ?? null;
}

/**
 * Picks the graph files among `names` (paths or bare names). Throws one line when there is
 * none, when a LINQS file lacks its partner (even beside a complete pair: which graph was
 * meant is then unclear), when a node table has no edge list, or when the choice is ambiguous.
 */
export function pickGraphFiles(names: readonly string[], where: string): GraphFiles {
  const content = new Map<string, string>();
  const cites = new Map<string, string>();
  const edges: string[] = [];
  const nodes: string[] = [];
  for (const n of names) {
    const b = base(n);
    const m = LINQS.exec(b);
    if (m) {
      const into = m[2].toLowerCase() === 'content' ? content : cites;
      if (into.has(m[1])) throw new Error(`${where}: both ${base(into.get(m[1])!)} and ${b}: keep one of them`);
      into.set(m[1], n);
    } else if (EDGES.test(b)) edges.push(n);
    else if (NODES.test(b)) nodes.push(n);
  }
  const pairs = [...content.keys()].filter((k) => cites.has(k));
  if (pairs.length > 1) throw new Error(`${where}: several LINQS graphs (${pairs.map((k) => `${k}.content`).join(', ')}): keep one`);
  const lone = [...content.keys(), ...cites.keys()].filter((k) => !(content.has(k) && cites.has(k)));
  if (lone.length > 0) {
    const k = lone[0];
    const has = content.has(k) ? `${k}.content` : `${k}.cites`;
    const missing = content.has(k) ? `${k}.cites` : `${k}.content`;
    const beside = pairs.length === 1 ? `; ${base(content.get(pairs[0])!)} and ${base(cites.get(pairs[0])!)} make a graph: remove ${has} or add its partner` : '';
    throw new Error(`${where}: ${has} has no ${missing} (plain or .gz) beside it${beside}`);
  }
  if (pairs.length === 1) return { kind: 'linqs', content: content.get(pairs[0])!, cites: cites.get(pairs[0])! };
  const file = atMostOne(edges, 'edge lists', where);
  const table = atMostOne(nodes, 'node tables', where);
  if (file !== null) return table === null ? { kind: 'edges', file } : { kind: 'edges', file, nodes: table };
  if (table !== null) throw new Error(`${where}: ${base(table)} has no edges.csv or edges.tsv (plain or .gz) beside it`);
  throw new Error(`${where}: no graph files: expected NAME.content and NAME.cites (LINQS) or edges.csv / edges.tsv, plain or .gz`);
}

/**
 * Reads the graph that `files` hold (see pickGraphFiles); `name` describes it for people.
 * `onProgress` hears about every MiB parsed (a node table, then its edge list).
 */
export async function readGraphFiles(files: readonly NamedBytes[], where: string, onProgress?: ReadProgress): Promise<{ graph: Graph; name: string }> {
  const picked = pickGraphFiles(files.map((f) => f.name), where);
  const get = (n: string) => files.find((f) => f.name === n)!;
  if (picked.kind === 'linqs') {
    const graph = await readLinqs(get(picked.content), get(picked.cites));
    return { graph, name: base(picked.content).replace(/\.content(\.gz)?$/i, '') };
  }
  const nodes = picked.nodes === undefined ? undefined : get(picked.nodes);
  const graph = await readEdgeList(get(picked.file), 'auto', nodes, onProgress);
  return { graph, name: nodes ? `${base(picked.file)} + ${base(nodes.name)}` : base(picked.file) };
}
