/**
 * `webgpu-vae graph generate`: a seeded stochastic block model (src/graph/generate.ts) written
 * as `edges.csv` (source,target) and `nodes.csv` (id,class: the block), the files
 * `graph train --data DIR` and the page read, so anyone can reproduce the scale figures.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkBlockModel, stochasticBlockModel, type BlockModelGraph } from '../graph/generate.js';
import { writeFileAtomic } from '../node/atomic.js';
import { intFlag, parseFlags, required, settingFlag, UsageError } from './args.js';
import { TaskProgress } from './progress.js';

/** The subcommand's usage lines (in the CLI's --help). */
export const GRAPH_GENERATE_USAGE = `  graph generate  a seeded stochastic block model as edges.csv and nodes.csv (id, block as class):
                --nodes N --edges M --blocks B --out DIR [--inside 0.8] [--seed 1]
                (every node on an edge; a share --inside of the edges inside blocks)`;

/** Lines per text chunk: the files are built in chunks, not one string per line kept. */
const CHUNK = 1 << 16;

/** The CSV text of the edge list, header `source,target`, one edge per line. */
export function edgesCsv(g: BlockModelGraph, onProgress?: (done: number, total: number) => void): Uint8Array {
  const enc = new TextEncoder();
  const m = g.edges.length / 2;
  const parts: Uint8Array[] = [enc.encode('source,target\n')];
  for (let e0 = 0; e0 < m; e0 += CHUNK) {
    let s = '';
    for (let e = e0; e < Math.min(m, e0 + CHUNK); e++) s += `${g.edges[2 * e]},${g.edges[2 * e + 1]}\n`;
    parts.push(enc.encode(s));
    onProgress?.(Math.min(m, e0 + CHUNK), m);
  }
  return concat(parts);
}

/** The CSV text of the node table, header `id,class`, the block as class. */
export function nodesCsv(g: BlockModelGraph): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [enc.encode('id,class\n')];
  for (let i0 = 0; i0 < g.nodes; i0 += CHUNK) {
    let s = '';
    for (let i = i0; i < Math.min(g.nodes, i0 + CHUNK); i++) s += `${i},${g.block[i]}\n`;
    parts.push(enc.encode(s));
  }
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((o, p) => (out.set(p, o), o + p.length), 0);
  return out;
}

function shareFlag(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(v) || Number(v) > 1) throw new UsageError(`--${name} must be a number in [0, 1], got '${v}'`);
  return Number(v);
}

/** `webgpu-vae graph generate --nodes N --edges M --blocks B --out DIR [--inside X] [--seed S]` */
export async function graphGenerate(args: string[]): Promise<void> {
  const f = parseFlags('graph generate', args, {
    nodes: { type: 'string' }, edges: { type: 'string' }, blocks: { type: 'string' }, inside: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
  });
  const opts = {
    nodes: intFlag('nodes', required('nodes', f.nodes), 0, 2, 2 ** 32 - 1),
    edges: intFlag('edges', required('edges', f.edges), 0, 1),
    blocks: intFlag('blocks', required('blocks', f.blocks), 0, 1),
    inside: shareFlag('inside', f.inside, 0.8),
    seed: settingFlag('seed', 'seed', f.seed, 1),
  };
  const out = required('out', f.out);
  try {
    checkBlockModel(opts);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out ${out}: not a folder`);
  const paths = { edges: join(out, 'edges.csv'), nodes: join(out, 'nodes.csv') };
  for (const p of Object.values(paths)) if (existsSync(p)) throw new Error(`${p} exists: generate into a folder without edges.csv and nodes.csv (nothing was written)`);
  const generating = new TaskProgress(process.stderr, `generating ${opts.edges} edges`);
  const g = stochasticBlockModel({ ...opts, onProgress: (done, total) => generating.update(done, total) });
  const writing = new TaskProgress(process.stderr, 'writing edges.csv (edges)');
  const edges = edgesCsv(g, (done, total) => writing.update(done, total));
  mkdirSync(out, { recursive: true });
  writeFileAtomic(paths.nodes, nodesCsv(g));
  writeFileAtomic(paths.edges, edges);
  const m = g.edges.length / 2;
  process.stdout.write(
    `wrote ${paths.edges} (${m} edges, ${g.insideEdges} inside blocks) and ${paths.nodes} (${g.nodes} nodes in ${opts.blocks} blocks), seed ${opts.seed}\n`,
  );
}
