/**
 * Messages between the page's graph mode (main thread, src/app/graph_page.ts) and its training
 * worker (src/app/graph_worker.ts), which owns the GPU device, the graph and the model. Large
 * arrays travel as transferables.
 */
import type { AdapterText, RunState } from './protocol.js';
import type { GraphSettings } from './graph_settings.js';

/** Commands from the page. */
export type ToGraphWorker =
  /** Starts (or resumes) training; splits the graph and builds the model from `settings` if there is none. */
  | { type: 'start'; settings: GraphSettings }
  | { type: 'pause' }
  /** Drops the model; the next start builds a fresh one. */
  | { type: 'reset' }
  /** Epochs to train in all; may change while training. */
  | { type: 'epochs'; epochs: number }
  /** Chosen or dropped files: a LINQS pair (NAME.content, NAME.cites) or an edge list, plain or gzipped. */
  | { type: 'data'; files: File[] }
  | { type: 'embedded' }
  | { type: 'save' };

/** Messages from the worker. */
export type FromGraphWorker =
  | { type: 'adapter'; adapter: AdapterText }
  /** The graph trained on: its name, sizes, class names (empty without classes) and what its reader dropped. */
  | { type: 'graph'; name: string; summary: string; nodes: number; edges: number; features: number; classes: string[] }
  /** The model the worker holds (after start or reset); null when none. */
  | { type: 'model'; settings: GraphSettings | null; parameters: number; trainEdges: number; valEdges: number; testEdges: number; dispatches: number; decoder: string }
  | { type: 'state'; state: RunState }
  | { type: 'progress'; epoch: number; epochs: number; fraction: number; loss: number | null; epochsPerS: number; etaS: number }
  /** An epoch ended: its loss and the validation link prediction (null without validation edges). */
  | { type: 'epoch'; epoch: number; loss: number; valAuc: number | null; valAp: number | null; valHits: number | null; ms: number }
  /**
   * Node means in 2-D (PCA over every node when latent > 2) and each node's class (null without
   * classes); beyond SCATTER_MAX_POINTS nodes a seeded sample of them: `nodes` holds the node
   * number of each point (null when every node is drawn) and `total` the graph's node count.
   */
  | { type: 'embedding'; epoch: number; latent: number; points: Float32Array; labels: Uint8Array | null; nodes: Uint32Array | null; total: number; axes: [string, string] }
  /** Reading dropped files: `done` of `total` bytes of `file` parsed. */
  | { type: 'reading'; file: string; done: number; total: number }
  | { type: 'checkpoint'; name: string; bytes: Uint8Array }
  | { type: 'notice'; message: string; rewindTo: number | null }
  | { type: 'error'; where: 'data' | 'settings' | 'model' | 'checkpoint'; message: string }
  | { type: 'fatal'; message: string };
