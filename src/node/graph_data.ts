/**
 * Graphs from disk in Node: the embedded Cora beside the bundle (or in data/cora from the
 * sources), or the graph files of a folder (src/graph/files.ts).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORA_FILES, CORA_NAME, embeddedCora } from '../graph/cora.js';
import { pickGraphFiles, readGraphFiles } from '../graph/files.js';
import type { Graph } from '../graph/graph.js';
import type { ReadProgress } from '../graph/node_table.js';

/** Folder holding the embedded Cora: dist/ beside the bundled CLI, or data/cora from the sources. */
export function coraDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const d of [here, join(here, '..', '..', 'data', 'cora')]) if (existsSync(join(d, CORA_FILES.content))) return d;
  throw new Error(`embedded Cora files not found beside ${here}: run 'npm run build' first`);
}

/**
 * The graph of a command: the graph files of folder `dir`, or the embedded Cora; `onProgress`
 * hears about every MiB of an edge list and its node table.
 */
export async function loadGraph(dir: string | null | undefined, onProgress?: ReadProgress): Promise<{ graph: Graph; name: string }> {
  if (!dir) {
    const d = coraDir();
    return { graph: await embeddedCora(readFileSync(join(d, CORA_FILES.content)), readFileSync(join(d, CORA_FILES.cites))), name: CORA_NAME };
  }
  if (!existsSync(dir)) throw new Error(`--data ${dir}: no such folder`);
  if (!statSync(dir).isDirectory()) throw new Error(`--data ${dir}: not a folder (give the folder that holds the graph files)`);
  const picked = pickGraphFiles(readdirSync(dir), `--data ${dir}`);
  const names = picked.kind === 'linqs' ? [picked.content, picked.cites] : [picked.file, ...(picked.nodes ? [picked.nodes] : [])];
  const files = names.map((n) => ({ name: join(dir, n), bytes: new Uint8Array(readFileSync(join(dir, n))) }));
  const { graph, name } = await readGraphFiles(files, `--data ${dir}`, onProgress);
  return { graph, name: `${dir} (${name})` };
}
