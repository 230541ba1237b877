/**
 * The embedded Cora graph (data/cora, the Planetoid release in the LINQS format), shipped beside
 * the bundle in dist/ as its two gzipped files, as the MNIST digits are.
 */
import { readLinqs } from './linqs.js';
import type { Graph } from './graph.js';

/** File names of the embedded Cora, beside the bundle in dist/ (copied there by scripts/build.mjs). */
export const CORA_FILES = { content: 'cora.content.gz', cites: 'cora.cites.gz' } as const;

/** A name for people: the embedded graph. */
export const CORA_NAME = 'embedded Cora';

/** Parses the embedded Cora from its two gzipped files. */
export function embeddedCora(content: Uint8Array, cites: Uint8Array): Promise<Graph> {
  return readLinqs({ name: CORA_FILES.content, bytes: content }, { name: CORA_FILES.cites, bytes: cites });
}
