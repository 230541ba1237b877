/**
 * The graph VAE (VGAE) and graph autoencoder (GAE) of Kipf & Welling (2016) on one GPUDevice,
 * beside `Vae` and built the same way, by composition:
 *
 *   Scheduler (src/runtime/scheduler.ts)          device, parameter/gradient/Adam arenas, the step
 *                                         uniform, loss readback, segments, snapshots
 *   GraphNetwork (src/graph/graph_network.ts)   the graph's sparse matrices, every node's activations
 *                                         and the named segments of a full-graph step
 *
 * Buffers are made once at creation; a training step (one epoch: the whole graph) writes a
 * 32-byte uniform, encodes the prepared segments into one command encoder and submits once. Its
 * loss comes back through the scheduler's history ring, so the divergence guard and the trainer
 * work unchanged. Scores of node pairs use the posterior means, read back by `embed`.
 */
import { resolveAdam, resolveSeed, checkSetting, ConfigError, type AdamConfig } from '../config.js';
import { GRAPH_VAE_ADAM } from './config.js';
import type { CsrMatrix } from './graph.js';
import { linkScores } from './link.js';
import { initParameters, type ParameterSet } from '../model/init.js';
import { describeGraphModel, modelLayers, parameterLayout, type GraphModelFields, type ModelDescription } from '../model/describe.js';
import { parseSpec, type ModelSpec } from '../model/spec.js';
import { Scheduler, type TrainingState } from '../runtime/scheduler.js';
import { ScheduledModel } from '../runtime/scheduled_model.js';
import { defaultDevice } from '../gpu/device.js';
import { readBuffer } from '../gpu/buffers.js';
import { pad4 } from '../gpu/pad.js';
import type { LinearVariant } from '../kernels/linear.js';
import { chooseDecoder, graphModelConfig, type GraphDecoderChoice } from './config.js';

export { AUTO_EXACT_NODES, chooseDecoder, decoderText, type GraphDecoderChoice } from './config.js';
import { GRAPH_TRAIN_STEP, GraphNetwork, type GraphInput, type GraphModelConfig } from './graph_network.js';
import { pickLinearVariant } from '../vae/vae.js';
import { planGraphMemory, type GraphMemoryPlan } from './memory.js';

export type { GraphInput, GraphModelConfig } from './graph_network.js';

/** How to build a GraphVae: the graph is required, everything else has the paper's default. */
export interface GraphVaeOptions {
  /** Nodes, features (null: the identity) and training edges. */
  graph: GraphInput;
  /**
   * The model as data (a spec of family graph, src/model/spec.ts; docs/spec.md), an object or its
   * JSON text. Without one, the paper's model of `kind`, `hidden` and `latent`.
   */
  spec?: ModelSpec | string;
  /** `vgae` (default) or `gae`. */
  kind?: 'vgae' | 'gae';
  /** Width of the first GCN layer. Default 32. */
  hidden?: number;
  /** Latent size. Default 16. */
  latent?: number;
  /** Adam; default lr 0.01 (the paper's), betas and epsilon PyTorch's. */
  adam?: Partial<AdamConfig>;
  /** Seeds the Glorot initialisation and the GPU noise. Default 1. */
  seed?: number;
  /** A device to share with the application; otherwise one is requested from navigator.gpu. */
  device?: GPUDevice;
  /** Kernel variant (GEMMs and the fused decoder); `auto` picks `register` on software adapters and `tiled` on GPUs. */
  variant?: LinearVariant | 'auto';
  /** Starting parameters (unpadded, by runtime name: `conv1.weight` F x H and `head.weight` H x 2L, (in, out)). */
  parameters?: ParameterSet;
  /** A snapshot to resume from (parameters, Adam moments, step); overrides `parameters`. */
  state?: TrainingState;
  /** Steps between loss readbacks. Default 1: a step is a whole epoch. */
  readbackEvery?: number;
  /**
   * The decoder's loss, a training setting (checkpoints record it; the model is the same):
   * `exact` (every node pair, the paper's), `sampled` (PyTorch Geometric's recon_loss: the
   * training edges and `negatives` random pairs per edge, drawn on the GPU each epoch), or `auto`
   * (default): exact up to AUTO_EXACT_NODES nodes, sampled above.
   */
  decoder?: 'exact' | 'sampled' | 'auto';
  /** The sampled decoder's random pairs per undirected training edge (K). Default 1. */
  negatives?: number;
}


/** Seeded Glorot-uniform parameters of a graph model, as its layer types declare them (the paper's: W0 and [W_mu | W_sigma]). */
export function initGraphParameters(cfg: GraphModelFields, seed: number): ParameterSet {
  return initParameters(modelLayers(describeGraphModel(cfg)), seed);
}

/** Checks the graph's shape before anything is allocated. */
function checkGraph(g: GraphInput): void {
  if (!Number.isInteger(g.n) || g.n < 2) throw new Error(`graph: ${g.n} nodes; a graph VAE needs at least 2`);
  const f: CsrMatrix | null = g.features;
  if (f && f.rows !== g.n) throw new Error(`graph: the features have ${f.rows} rows but the graph has ${g.n} nodes`);
  if (f && f.cols < 1) throw new Error('graph: the features have no columns');
  if (g.trainEdges.length % 2 !== 0) throw new Error(`graph: trainEdges holds ${g.trainEdges.length} values, not a whole number of pairs`);
}

/**
 * A trainable graph VAE living on one GPUDevice. Its parameters (readParameters, checkpoints'
 * runtime names) are `conv1.weight` (F x H) and `head.weight` (H x 2L, [W_mu | W_sigma]).
 */
export class GraphVae extends ScheduledModel {

  private constructor(
    sched: Scheduler,
    private readonly net: GraphNetwork,
    readonly variant: LinearVariant,
  ) {
    super(sched);
  }

  /** Builds every buffer, pipeline and bind group; nothing is allocated later. */
  static async create(opts: GraphVaeOptions): Promise<GraphVae> {
    const g = opts.graph;
    checkGraph(g);
    const spec = typeof opts.spec === 'string' ? parseSpec(opts.spec) : opts.spec;
    if (spec !== undefined) {
      for (const k of ['kind', 'hidden', 'latent'] as const) {
        if (opts[k] !== undefined) throw new ConfigError(k, `config: ${k} and spec together: the spec describes the model, so give it there`);
      }
    }
    const kind = checkSetting('graphModel', opts.kind ?? 'vgae', 'kind');
    const hidden = checkSetting('graphHidden', opts.hidden ?? 32, 'hidden');
    const latent = checkSetting('graphLatent', opts.latent ?? 16, 'latent');
    const adam = resolveAdam({ ...GRAPH_VAE_ADAM, ...opts.adam });
    const seed = resolveSeed(opts.seed);
    const readbackEvery = checkSetting('readbackEvery', opts.readbackEvery ?? 1);
    const features = g.features ? g.features.cols : g.n;
    const model = describeGraphModel({ kind, hidden, latent, features, ...(spec === undefined ? {} : { spec: spec as ModelSpec }) });
    if (model.family !== 'graph') throw new ConfigError('graphModel', `config: a graph VAE needs a spec of family graph, got family ${model.family}`);
    const config = graphModelConfig(model, g.n, features, g.features === null);
    const device = opts.device ?? (await defaultDevice('GraphVaeOptions'));
    const variant = !opts.variant || opts.variant === 'auto' ? pickLinearVariant((device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo) : opts.variant;
    const layers = modelLayers(model);
    const decoder = chooseDecoder(g.n, opts.decoder, checkSetting('negatives', opts.negatives ?? 1, 'negatives'));
    const layout = parameterLayout(layers, device.limits.minStorageBufferOffsetAlignment);
    let sched: Scheduler;
    let plan: GraphMemoryPlan;
    try {
      // Every buffer checked against the device's limits before any is made (one line naming it otherwise).
      plan = planGraphMemory({
        nodes: g.n, trainEdges: g.trainEdges.length / 2, features: g.features ? { cols: g.features.cols, nnz: g.features.rowPtr[g.n] } : null,
        hidden: config.hidden, latent: config.latent, ...(config.spec ? { spec: config.spec } : {}), readbackEvery, alignBytes: device.limits.minStorageBufferOffsetAlignment,
        decoder: decoder.kind === 'sampled' ? { kind: 'sampled', negatives: decoder.negatives } : { kind: 'exact', variant },
      }, device.limits);
      sched = new Scheduler(device, !opts.device, adam, seed, layout, readbackEvery);
    } catch (e) {
      if (!opts.device) device.destroy();
      throw e;
    }
    try {
      const chunks = plan.decoder.kind === 'exact' ? plan.decoder.chunks : undefined;
      const net = new GraphNetwork(sched, config, model, g, { ...decoder, chunks });
      const vae = new GraphVae(sched, net, variant);
      vae.writeParameters(opts.parameters ?? initParameters(layers, seed));
      if (opts.state) await vae.restore(opts.state);
      await net.build(variant);
      return vae;
    } catch (e) {
      sched.destroy();
      throw e;
    }
  }

  /** The decoder it trains with (a training setting: printed, recorded in checkpoints). */
  get decoder(): GraphDecoderChoice {
    return this.net.decoder;
  }

  /** The model as typed layers (encoder, head). */
  get model(): ModelDescription {
    return this.net.model;
  }

  /** Kind and sizes. */
  get config(): GraphModelConfig {
    return this.net.config;
  }

  /** pos_weight and norm of the reconstruction loss, from the training edges (the paper's code's figures). */
  get lossWeights(): { posWeight: number; norm: number } {
    return { posWeight: this.net.posWeight, norm: this.net.norm };
  }

  /** Dispatches one training step encodes (for reports). */
  get dispatchesPerStep(): number {
    return this.sched.segments.program(GRAPH_TRAIN_STEP).length;
  }

  /**
   * One training step on the whole graph (an epoch of the paper's protocol): one submit. Returns
   * without waiting for the GPU; the loss arrives through `losses()` and the listeners.
   */
  async step(): Promise<void> {
    this.sched.check();
    await this.sched.submitStep(GRAPH_TRAIN_STEP, 1, 1);
  }

  /**
   * The posterior parameters of every node: mu and log sigma (N x L each, row-major), from one
   * pass of the encoder on the training graph. No training state changes.
   */
  async posterior(): Promise<{ mu: Float32Array; logstd: Float32Array }> {
    this.sched.check();
    const { nodes: N, latent: L } = this.config;
    this.sched.run(['encoder'], 'embed');
    const head = await readBuffer(this.device, this.net.acts.head.buffer);
    this.sched.check();
    const ld = pad4(2 * L);
    const mu = new Float32Array(N * L);
    const logstd = new Float32Array(N * L);
    for (let i = 0; i < N; i++) {
      mu.set(head.subarray(i * ld, i * ld + L), i * L);
      logstd.set(head.subarray(i * ld + L, i * ld + 2 * L), i * L);
    }
    return { mu, logstd };
  }

  /**
   * The noise eps (N x L, row-major) the last step drew: Philox keyed by (seed, step, node L + k)
   * as src/runtime/philox.ts computes it, up to WGSL's cos/sin accuracy (2^-11 absolute). Zero for the GAE.
   */
  async readNoise(): Promise<Float32Array> {
    this.sched.check();
    const { nodes: N, latent: L } = this.config;
    const eps = await readBuffer(this.device, this.net.acts.eps.buffer);
    const ld = pad4(L);
    const out = new Float32Array(N * L);
    for (let i = 0; i < N; i++) out.set(eps.subarray(i * ld, i * ld + L), i * L);
    return out;
  }

  /** The node embeddings: posterior means, N x L row-major. */
  async embed(): Promise<Float32Array> {
    return (await this.posterior()).mu;
  }

  /** sigmoid(mu_i . mu_j) of each pair (i, j) of `pairs` (flattened), from the current means. */
  async linkScores(pairs: Uint32Array): Promise<Float64Array> {
    return linkScores(await this.embed(), this.config.latent, pairs, this.config.nodes);
  }

}
