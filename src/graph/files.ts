/**
 * Which files of a folder or a drop make a graph, for the CLI's `--data DIR` and the page's
 * dropped files alike: a LINQS pair `NAME.content` + `NAME.cites`, or one edge list
 * `edges.csv` / `edges.tsv`, each plain or `.gz`. Other files are ignored.
 */
import { readEdgeList, readLinqs, type NamedBytes } from './linqs.js';
import type { Graph } from './graph.js';

/** The files that make a graph, by name. */
export type GraphFiles = { kind: 'linqs'; content: string; cites: string } | { kind: 'edges'; file: string };

const base = (name: string) => name.replace(/^.*[\\/]/, '');
const LINQS = /^(.+)\.(content|cites)(\.gz)?$/i;
const EDGES = /^edges\.(csv|tsv)(\.gz)?$/i;

/**
 * Picks the graph files among `names` (paths or bare names). Throws one line when there is
 * none, when a LINQS file lacks its partner, or when the choice is ambiguous.
 */
export function pickGraphFiles(names: readonly string[], where: string): GraphFiles {
  const content = new Map<string, string>();
  const cites = new Map<string, string>();
  const edges: string[] = [];
  for (const n of names) {
    const b = base(n);
    const m = LINQS.exec(b);
    if (m) {
      const into = m[2].toLowerCase() === 'content' ? content : cites;
      if (into.has(m[1])) throw new Error(`${where}: both ${base(into.get(m[1])!)} and ${b}: keep one of them`);
      into.set(m[1], n);
    } else if (EDGES.test(b)) edges.push(n);
  }
  const pairs = [...content.keys()].filter((k) => cites.has(k));
  if (pairs.length > 1) throw new Error(`${where}: several LINQS graphs (${pairs.map((k) => `${k}.content`).join(', ')}): keep one`);
  if (pairs.length === 1) return { kind: 'linqs', content: content.get(pairs[0])!, cites: cites.get(pairs[0])! };
  const lone = [...content.keys(), ...cites.keys()];
  if (lone.length > 0) {
    const k = lone[0];
    const has = content.has(k) ? `${k}.content` : `${k}.cites`;
    const missing = content.has(k) ? `${k}.cites` : `${k}.content`;
    throw new Error(`${where}: ${has} has no ${missing} (plain or .gz) beside it`);
  }
  if (edges.length > 1) throw new Error(`${where}: several edge lists (${edges.map(base).join(', ')}): keep one`);
  if (edges.length === 1) return { kind: 'edges', file: edges[0] };
  throw new Error(`${where}: no graph files: expected NAME.content and NAME.cites (LINQS) or edges.csv / edges.tsv, plain or .gz`);
}

/** Reads the graph that `files` hold (see pickGraphFiles); `name` describes it for people. */
export async function readGraphFiles(files: readonly NamedBytes[], where: string): Promise<{ graph: Graph; name: string }> {
  const picked = pickGraphFiles(files.map((f) => f.name), where);
  const get = (n: string) => files.find((f) => f.name === n)!;
  if (picked.kind === 'linqs') {
    const graph = await readLinqs(get(picked.content), get(picked.cites));
    return { graph, name: base(picked.content).replace(/\.content(\.gz)?$/i, '') };
  }
  return { graph: await readEdgeList(get(picked.file)), name: base(picked.file) };
}
