/**
 * The graph VAE on a large stochastic block model, featureless: the graph `webgpu-vae graph
 * generate --nodes N --edges 5N --blocks 10` writes. Its time per epoch, and the GPU memory the
 * model allocates (as planned by planGraphMemory and as made by GraphVae.create) against the
 * N x N matrices the dense formulation needs.
 */
import { edgeCount, identityFeatures, type Graph } from '../../src/graph/graph.js';
import { stochasticBlockModel } from '../../src/graph/generate.js';
import { GraphVae } from '../../src/graph/graph_vae.js';
import { prepareGraph } from '../../src/graph/graph_task.js';
import { linkMetrics } from '../../src/graph/link.js';
import { planGraphMemory } from '../../src/graph/memory.js';

/** The large synthetic graph. */
export interface SbmRecord {
  nodes: number;
  blocks: number;
  edges: number;
  /** Average degree. */
  degree: number;
  /** The decoder the model trained with (`--sbm-decoder`; auto: sampled above 10,000 nodes), and its K (0: exact). */
  decoder: 'exact' | 'sampled';
  negatives: number;
  ms_per_epoch: number;
  epochs_timed: number;
  /** Bytes of every GPU buffer GraphVae.create made (parameters, Adam, graph, activations, readback). */
  gpu_bytes: number;
  /** The largest of them. */
  largest_buffer_bytes: number;
  /** The memory plan's (planGraphMemory): bytes held for the model's life, and the largest readback made around it. */
  plan_held_bytes: number;
  plan_transient_bytes: number;
  /** One dense N x N f32 matrix (the paper's code holds several: logits, labels, their gradient). */
  dense_matrix_bytes: number;
  first_loss: number;
  last_loss: number;
  /** Validation AUC after the timed epochs (a sanity check, not a figure). */
  val_auc: number;
}

/**
 * The graph `webgpu-vae graph generate --nodes N --edges 5N --blocks 10` writes (the library's
 * seeded stochastic block model, 80% of the edges inside blocks), identity features, blocks as
 * classes.
 */
function blockModelGraph(n: number, blocks: number): Graph {
  const g = stochasticBlockModel({ nodes: n, edges: 5 * n, blocks, inside: 0.8, seed: 1 });
  return {
    ids: Array.from({ length: n }, (_, i) => String(i)), n, features: identityFeatures(n), labels: Int32Array.from(g.block),
    classNames: Array.from({ length: blocks }, (_, b) => String(b)), edges: g.edges, dropped: { duplicates: 0, selfLoops: 0, unknownIds: 0 },
  };
}

/** The SBM: memory of the model as planned and as built, and epochs timed back to back. */
export async function sbmBench(device: GPUDevice, n: number, epochs: number, decoder: 'auto' | 'exact' | 'sampled', H: number, L: number, log: (s: string) => void): Promise<SbmRecord> {
  const blocks = 10;
  const t0 = performance.now();
  const g = blockModelGraph(n, blocks);
  const prep = prepareGraph(g, { seed: 1, valFraction: 0.05, testFraction: 0.1, features: 'none' });
  log(`  generated and split in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // Every buffer the model makes goes through device.createBuffer: sum them while it is built.
  const sizes: number[] = [];
  const d = device as GPUDevice & Record<string, unknown>;
  const orig = d.createBuffer;
  d.createBuffer = (desc: GPUBufferDescriptor) => (sizes.push(desc.size), orig.call(device, desc));
  let model: GraphVae;
  try {
    model = await GraphVae.create({ device, graph: prep.input, hidden: H, latent: L, seed: 1, decoder });
  } finally {
    d.createBuffer = orig;
  }
  try {
    const chosen = model.decoder;
    const plan = planGraphMemory({
      nodes: n, trainEdges: prep.record.trainEdges, features: null, hidden: H, latent: L, alignBytes: device.limits.minStorageBufferOffsetAlignment,
      decoder: chosen.kind === 'sampled' ? { kind: 'sampled', negatives: chosen.negatives } : { kind: 'exact', variant: model.variant },
    }, device.limits);
    const gpuBytes = sizes.reduce((a, b) => a + b, 0);
    log(`  SBM ${n} nodes, ${blocks} blocks, ${edgeCount(g)} edges, identity features, ${chosen.kind} decoder${chosen.kind === 'sampled' ? ` (K = ${chosen.negatives})` : ''}: the model allocates ${(gpuBytes / 2 ** 20).toFixed(1)} MiB on the GPU (largest buffer ${(Math.max(...sizes) / 2 ** 20).toFixed(1)} MiB; the plan: ${(plan.heldBytes / 2 ** 20).toFixed(1)} MiB held, largest ${plan.largest.name} ${(plan.largest.bytes / 2 ** 20).toFixed(1)} MiB, readbacks up to ${(plan.transientBytes / 2 ** 20).toFixed(1)} MiB); one dense N x N f32 matrix is ${((4 * n * n) / 2 ** 20).toFixed(0)} MiB`);
    // The first epoch pays the pipelines' first use; the rest are timed, each loss read back.
    await model.step();
    const first = (await model.losses())[0].loss;
    const t1 = performance.now();
    let last = first;
    for (let i = 0; i < epochs; i++) {
      await model.step();
      last = (await model.losses())[0].loss;
      log(`    epoch ${i + 2}: loss ${last.toFixed(4)}, ${((performance.now() - t1) / (i + 1)).toFixed(0)} ms/epoch so far`);
    }
    const ms = (performance.now() - t1) / epochs;
    const mu = await model.embed();
    const val = linkMetrics(mu, L, prep.split.valPos, prep.split.valNeg);
    log(`  SBM: ${ms.toFixed(0)} ms/epoch over ${epochs}; validation AUC after ${epochs + 1} epochs ${(100 * val.auc).toFixed(1)}`);
    return {
      nodes: n, blocks, edges: edgeCount(g), degree: (2 * edgeCount(g)) / n, decoder: chosen.kind, negatives: chosen.negatives, ms_per_epoch: ms, epochs_timed: epochs, gpu_bytes: gpuBytes,
      largest_buffer_bytes: Math.max(...sizes), plan_held_bytes: plan.heldBytes, plan_transient_bytes: plan.transientBytes, dense_matrix_bytes: 4 * n * n, first_loss: first, last_loss: last,
      val_auc: val.auc,
    };
  } finally {
    model.destroy();
  }
}
