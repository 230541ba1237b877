/**
 * The GPU memory of a graph VAE, planned before anything is allocated: every buffer the model
 * makes (the scheduler's arenas and rings, the graph's sparse matrices, every node's activations,
 * the decoder's partial sums, and the transient readbacks), its size as allocated (rounded up to
 * 16 bytes, src/gpu/resources.ts), each checked against the adapter's `maxBufferSize` and, for
 * what a kernel binds whole, `maxStorageBufferBindingSize`. What can be split is split (the
 * exact decoder's partial gradients: fewer chunks), and the plan says so; anything else that does
 * not fit is refused with one line naming the buffer, its size and the limit.
 *
 * Everything is O(N d + E): the only term in N^2 is none; the largest are the identity first
 * layer's N x H weight (in four arenas: parameters, gradients and Adam's two moments) and the
 * N x H activations.
 */
import { EVAL_RING } from '../gpu/buffers.js';
import { HISTORY_RECORD_BYTES } from '../gpu/history.js';
import { pad4 } from '../gpu/pad.js';
import { decoderChunks, type InnerProductVariant } from '../kernels/inner_product_loss.js';
import { STEP_UNIFORM_BYTES } from '../kernels/step_uniforms.js';
import { describeGraphModel, modelLayers, parameterLayout } from '../model/describe.js';
import type { ModelSpec } from '../model/spec.js';

/** The decoder a model trains with: the exact all-pairs loss (chunks as decoderChunks picks) or K sampled negatives per edge. */
export type DecoderPlan = { kind: 'exact'; variant: InnerProductVariant; chunks?: number } | { kind: 'sampled'; negatives: number };

/** What the plan needs to know about a graph model. */
export interface GraphMemoryInput {
  nodes: number;
  /** Undirected training edges E (A_train holds 2E entries). */
  trainEdges: number;
  /** Sparse features (columns, stored entries), or null for the identity (featureless). */
  features: { cols: number; nnz: number } | null;
  /** The paper model's sizes (hidden: the first layer's width); with `spec`, its summary. */
  hidden: number;
  latent: number;
  /** The model as a spec of family graph; default the paper's (one gcn layer of `hidden`, the head). */
  spec?: ModelSpec;
  decoder: DecoderPlan;
  /** Steps between loss readbacks (default 1). */
  readbackEvery?: number;
  /** The device's minStorageBufferOffsetAlignment (the arena's tensor alignment); default 256. */
  alignBytes?: number;
}

/** The limits the plan checks. */
export type GraphMemoryLimits = Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>;

/** One buffer of the plan. */
export interface PlannedBuffer {
  name: string;
  /** As allocated (16-byte multiples). */
  bytes: number;
  /** Bound whole by a kernel: must fit maxStorageBufferBindingSize. */
  binding: boolean;
  /** Made and released around a readback (the guard's snapshot, embed), not held. */
  transient: boolean;
}

/** The plan: buffers, totals, and what was split. */
export interface GraphMemoryPlan {
  buffers: PlannedBuffer[];
  /** Bytes held for the model's life (transient readbacks apart). */
  heldBytes: number;
  /** The largest transient readback. */
  transientBytes: number;
  largest: PlannedBuffer;
  /** The decoder as planned (the exact decoder's chunks after any split). */
  decoder: DecoderPlan;
  /** One line per split, e.g. the exact decoder's chunks reduced to fit the binding limit. */
  splits: string[];
  /** The first layer's weight (F x H, or N x H for the identity) in the four arenas: parameters, gradients, Adam m and v. */
  firstLayerBytes: number;
}

const MIB = 2 ** 20;
const mib = (b: number) => `${(b / MIB).toFixed(1)} MiB`;
const alloc = (bytes: number) => Math.max(16, Math.ceil(bytes / 16) * 16);
/** Bytes of a padded (pad4(rows) x pad4(cols)) f32 matrix. */
const matrixBytes = (rows: number, cols: number) => pad4(rows) * pad4(cols) * 4;
/** An upper bound for the small uniforms: the step and evaluation uniforms, Adam's, and one of at most 64 bytes per dispatch. */
const UNIFORMS = 24 * 64;

/** Throws one line naming the first buffer that does not fit, its size and the limit. */
function check(b: PlannedBuffer, limits: GraphMemoryLimits, why: string): void {
  if (b.bytes > limits.maxBufferSize) {
    throw new Error(`graph memory: ${b.name} needs ${b.bytes} bytes (${mib(b.bytes)}), more than this device's maxBufferSize of ${limits.maxBufferSize} (${mib(limits.maxBufferSize)})${why}`);
  }
  if (b.binding && b.bytes > limits.maxStorageBufferBindingSize) {
    throw new Error(
      `graph memory: ${b.name} needs ${b.bytes} bytes (${mib(b.bytes)}), more than this device's maxStorageBufferBindingSize of ${limits.maxStorageBufferBindingSize} (${mib(limits.maxStorageBufferBindingSize)})${why}`,
    );
  }
}

/**
 * Every buffer a graph VAE of this shape allocates, checked against `limits`. Throws (one line,
 * before anything is allocated) when a buffer that cannot be split does not fit.
 */
export function planGraphMemory(g: GraphMemoryInput, limits: GraphMemoryLimits): GraphMemoryPlan {
  const { nodes: N, trainEdges: E, hidden: H, latent: L } = g;
  // (A graph without training edges is the adjacency's to refuse, with its own message.)
  for (const [what, v, min] of [['nodes', N, 2], ['trainEdges', E, 0], ['hidden', H, 1], ['latent', L, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new Error(`graph memory: ${what} ${v} must be a whole number of at least ${min}`);
  }
  const F = g.features ? g.features.cols : N;
  const list: PlannedBuffer[] = [];
  const add = (name: string, bytes: number, binding = true, transient = false) => list.push({ name, bytes: alloc(bytes), binding, transient });
  const splits: string[] = [];

  // The scheduler: four arenas of the parameter layout, rings, uniforms.
  const model = describeGraphModel({ kind: 'vgae', features: F, hidden: H, latent: L, ...(g.spec ? { spec: g.spec } : {}) });
  const layers = modelLayers(model);
  const layout = parameterLayout(layers, g.alignBytes ?? 256);
  const arena = layout.size * 4;
  // The arenas name their weights: the paper's W0 and W_head, any other layer's W_<name>.
  const weights = layers.map((l, i) => `${i === 0 ? 'W0' : l === model.head ? 'W_head' : `W_${l.name}`} ${l.inSize} x ${l.outSize}`);
  for (const a of ['parameters', 'gradients', 'adam.m', 'adam.v']) add(`${a} (arena: ${weights.join(' and ')})`, arena);
  const ring = (g.readbackEvery ?? 1) * 6 * HISTORY_RECORD_BYTES;
  add('loss history ring', ring);
  for (let i = 0; i < 3; i++) add(`loss history staging ${i}`, ring, false);
  add('evaluation loss ring', EVAL_RING * HISTORY_RECORD_BYTES);
  add('small uniforms (step, evaluation step, Adam, each dispatch\'s sizes)', 2 * STEP_UNIFORM_BYTES + UNIFORMS, false);

  // The graph: Â (CSR with values) and the decoder's labels (the same pattern, A_train + I).
  const nnzA = 2 * E + N;
  add(`Â rowPtr (${N + 1} offsets)`, (N + 1) * 4);
  add(`Â colIdx (${nnzA} entries)`, nnzA * 4);
  add(`Â values (${nnzA} entries)`, nnzA * 4);
  add(`labels rowPtr (${N + 1} offsets)`, (N + 1) * 4);
  add(`labels colIdx (${nnzA} entries)`, nnzA * 4);
  if (g.features) {
    const nnz = g.features.nnz;
    for (const [m, rows] of [['X', N], ['X^T', F]] as const) {
      add(`${m} rowPtr (${rows + 1} offsets)`, (rows + 1) * 4);
      add(`${m} colIdx (${nnz} entries)`, Math.max(4, nnz * 4));
      add(`${m} values (${nnz} entries)`, Math.max(4, nnz * 4));
    }
  }

  // Every node's activations: each layer's output and the gradient at it, z, eps and dz, and what
  // the gcn layers keep between forward and backward (src/layers/gcn.ts): a first layer on sparse
  // features X W and its gradient (the identity's are W and dW in the arenas), a later layer Â x,
  // its gradient, a zero bias and unused column sums of its input's width.
  layers.forEach((l, i) => {
    add(`${l.name} out (${N} x ${l.outSize})`, matrixBytes(N, l.outSize));
    add(`${l.name} out grad (${N} x ${l.outSize})`, matrixBytes(N, l.outSize));
    if (i === 0) {
      if (g.features) for (const what of ['X W', 'd(X W)']) add(`${l.name}: ${what} (${N} x ${l.outSize})`, matrixBytes(N, l.outSize));
    } else {
      for (const what of ['Â x', 'd(Â x)']) add(`${l.name}: ${what} (${N} x ${l.inSize})`, matrixBytes(N, l.inSize));
      add(`${l.name}: zero bias (${l.inSize})`, pad4(l.inSize) * 4);
      add(`${l.name}: unused column sums (${l.inSize})`, pad4(l.inSize) * 4);
    }
  });
  for (const name of ['z', 'eps', 'dz']) add(`${name} (${N} x ${L})`, matrixBytes(N, L));
  add(`kl rows (${N})`, pad4(N) * 4);
  add('loss (loss, recon, kl)', 16);

  // The decoder's partial sums.
  let decoder: DecoderPlan = g.decoder;
  if (g.decoder.kind === 'exact') {
    let { chunks } = decoderChunks(N, g.decoder.variant, g.decoder.chunks);
    const perChunk = matrixBytes(N, L);
    const fit = Math.floor(limits.maxStorageBufferBindingSize / perChunk);
    if (chunks > 1 && chunks * perChunk > limits.maxStorageBufferBindingSize) {
      const fewer = decoderChunks(N, g.decoder.variant, Math.max(1, fit)).chunks;
      splits.push(`exact decoder: ${chunks} chunks of partial gradients need ${mib(chunks * perChunk)}; ${fewer} fit this device's storage binding limit of ${mib(limits.maxStorageBufferBindingSize)}`);
      chunks = fewer;
    }
    decoder = { ...g.decoder, chunks };
    add(`decoder loss partials (${chunks} x ${N})`, chunks * pad4(N) * 4);
    if (chunks > 1) add(`decoder gradient partials (${chunks} x ${N} x ${L})`, chunks * perChunk);
  } else {
    add(`decoder loss per node (${N})`, pad4(N) * 4);
  }

  // Transient readbacks: the guard's snapshot (parameters and both moments in one staging
  // buffer, every epoch) and embed's copy of [mu | log sigma].
  add('snapshot staging (parameters, adam.m, adam.v)', 3 * arena, false, true);
  add(`embed staging (${N} x ${2 * L})`, matrixBytes(N, 2 * L), false, true);

  for (const b of list) {
    const why = b.name.startsWith('snapshot') ? ' (the divergence guard copies the three arenas in one readback)' : b.name.startsWith('parameters') || b.name.startsWith('gradients') || b.name.startsWith('adam') ? ' (Adam binds each arena whole)' : '';
    check(b, limits, why);
  }
  const held = list.filter((b) => !b.transient);
  const w0 = layout.slots[0];
  return {
    buffers: list,
    heldBytes: held.reduce((s, b) => s + b.bytes, 0),
    transientBytes: Math.max(...list.filter((b) => b.transient).map((b) => b.bytes)),
    largest: held.reduce((a, b) => (b.bytes > a.bytes ? b : a)),
    decoder,
    splits,
    firstLayerBytes: 4 * w0.size * 4,
  };
}
