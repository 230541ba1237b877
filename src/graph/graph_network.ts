/**
 * The graph VAE's network on the GPU (VGAE and GAE, Kipf & Welling 2016): the graph's sparse
 * matrices, the activations of every node (allocated once), and the named segments of a
 * full-graph training step. Its layers come from the model's spec through the layer registry
 * (src/layers/gcn.ts), as the image VAE's do; what is its own is the rest of the step:
 *
 *   encoder   every gcn layer's forward products, the head's last: rows [mu | log sigma]
 *   sample    z = mu + eps sigma with eps drawn on the GPU (the GAE: z = mu), the KL rows
 *   loss      the all-pairs decoder and its weighted BCE fused with dL/dz (no N x N buffer),
 *             then the total, which writes the step's record into the loss history ring
 *   backward  dhead (gaussian_logstd), then every layer's backward products in reverse
 *   optimizer the scheduler's: gradient norm into the step's record, then Adam over the arena
 *
 * The float64 reference of the same step is src/reference/vgae.ts. With the paper's spec
 * (conv1 relu, head) this is 15 dispatches (13 with identity features), the products of
 * src/layers/gcn.ts's file comment.
 */
import { graphAdjacency, transposeCsr } from './adjacency.js';
import type { CsrMatrix } from './graph.js';
import { OPTIMIZER, type Scheduler } from '../runtime/scheduler.js';
import { matrix, whole } from '../gpu/buffers.js';
import { pad4 } from '../gpu/pad.js';
import type { BufferRange, Dispatch } from '../gpu/resources.js';
import { GaussianLogstdKernels, type GaussianLogstdArgs } from '../kernels/gaussian_logstd.js';
import { InnerProductLossKernels, uploadLabels, type LabelBuffers } from '../kernels/inner_product_loss.js';
import type { LinearVariant } from '../kernels/linear.js';
import { SampledEdgeLossKernels } from '../kernels/sampled_edge_loss.js';
import { uploadCsr, type CsrBuffers } from '../kernels/spmm.js';
import { NO_ACTIVATION } from '../layers/activation.js';
import { KernelContext, layerType, type GraphOperands, type LayerSpec } from '../layers/registry.js';
import { modelLayers, type ModelDescription } from '../model/describe.js';
import type { GraphDecoderChoice, GraphModelConfig } from './config.js';

/** Segment names of a graph VAE. */
export const GRAPH_SEGMENT = {
  encoder: 'encoder',
  sample: 'sample',
  loss: 'loss',
  backward: 'backward',
  optimizer: OPTIMIZER,
} as const;

/** One full-graph training step. */
export const GRAPH_TRAIN_STEP = [GRAPH_SEGMENT.encoder, GRAPH_SEGMENT.sample, GRAPH_SEGMENT.loss, GRAPH_SEGMENT.backward, GRAPH_SEGMENT.optimizer];

/** Runtime names of the paper model's two weights in the parameter arena (checkpoints map them to PyTorch Geometric's). */
export const GRAPH_PARAM = { w0: 'conv1.weight', head: 'head.weight' } as const;

export type { GraphModelConfig } from './config.js';

/** What the network is built from: the graph's training part and its features. */
export interface GraphInput {
  /** Nodes. */
  n: number;
  /** N x F node features (CSR), or null for the identity. */
  features: CsrMatrix | null;
  /** Training edges, pairs (i, j) each once, no self loops: the encoder's graph and the decoder's labels. */
  trainEdges: Uint32Array;
}

/** The activations: padded (pad4(N) x pad4(width)) matrices. */
export interface GraphActivations {
  /** Each layer's output and the gradient at it, by layer name. */
  out: Map<string, BufferRange>;
  dout: Map<string, BufferRange>;
  /** Rows [mu | log sigma]: the head's output. */
  head: BufferRange;
  z: BufferRange;
  eps: BufferRange;
  dz: BufferRange;
  /** N floats: sum_k (1 + 2 log sigma - mu^2 - sigma^2) per node. */
  klRows: BufferRange;
  /** The gradient at [mu | log sigma]. */
  dhead: BufferRange;
  /** (loss, recon, kl) of the last step. */
  out4: BufferRange;
}

/** The graph's buffers and the activations and segments of one graph VAE on one scheduler. */
export class GraphNetwork {
  readonly acts: GraphActivations;
  readonly layers: LayerSpec[];
  /** pos_weight and norm of the loss, from the training edges. */
  readonly posWeight: number;
  readonly norm: number;
  /** Nonzeros of A_train (both directions). */
  readonly nnz: number;
  private readonly labels: LabelBuffers;
  private readonly operands: GraphOperands;

  constructor(
    private readonly sched: Scheduler,
    readonly config: GraphModelConfig,
    readonly model: ModelDescription,
    graph: GraphInput,
    /** The decoder's loss (and the exact decoder's chunks, as the memory plan fitted them). */
    readonly decoder: GraphDecoderChoice & { chunks?: number } = { kind: 'exact', negatives: 0, automatic: false },
  ) {
    const res = sched.res;
    const { nodes: N, latent: L } = config;
    this.layers = modelLayers(model);
    const a = graphAdjacency(graph.n, graph.trainEdges);
    this.posWeight = a.posWeight;
    this.norm = a.norm;
    this.nnz = a.nnz;
    this.labels = uploadLabels(res, 'labels (A_train + I)', a.adj);
    const X = graph.features;
    const scratch = new Map<string, BufferRange>();
    this.operands = {
      adjacency: uploadCsr(res, 'Â', a.adj) as CsrBuffers,
      features: X ? { x: uploadCsr(res, 'X', X), xt: uploadCsr(res, 'X^T', transposeCsr(X)) } : null,
      // A scratch of one row is a vector (a bias, column sums): no padding rows.
      scratch: (key, rows, cols) => {
        let b = scratch.get(key);
        if (!b) scratch.set(key, (b = rows === 1 ? whole(res.storage(key, pad4(cols) * 4)) : matrix(res, key, rows, cols)));
        return b;
      },
    };
    const m = (label: string, cols: number) => matrix(res, label, N, cols);
    const out = new Map<string, BufferRange>();
    const dout = new Map<string, BufferRange>();
    for (const l of this.layers) {
      out.set(l.name, m(`${l.name} out`, l.outSize));
      dout.set(l.name, m(`${l.name} out grad`, l.outSize));
    }
    this.acts = {
      out, dout, head: out.get(model.head.name)!, dhead: dout.get(model.head.name)!,
      z: m('z', L), eps: m('eps', L), dz: m('dz', L),
      klRows: whole(res.storage('kl rows', pad4(N) * 4)),
      out4: whole(res.storage('loss (loss, recon, kl)', 16)),
    };
  }

  /** Builds every segment; each dispatch inside a validation scope so a mistake names its kernel. */
  async build(variant: LinearVariant): Promise<void> {
    const { sched, acts, config: cfg } = this;
    const device = sched.device;
    const { nodes: N, latent: L } = cfg;
    const vgae = cfg.kind === 'vgae';
    const k = new KernelContext(sched.res, variant);
    const gauss = new GaussianLogstdKernels(sched.res);
    const scoped = async (make: () => Promise<Dispatch[]>): Promise<Dispatch[]> => {
      device.pushErrorScope('validation');
      const made = await make();
      const err = await device.popErrorScope();
      if (err) throw new Error(`${made.map((d) => d.label).join(', ')}: ${err.message}`);
      return made;
    };
    const tensors = (l: LayerSpec) => ({ param: (p: string) => sched.param(`${l.name}.${p}`), grad: (p: string) => sched.grad(`${l.name}.${p}`) });
    // A layer's input: the node features for the first, the previous layer's output after.
    const input = (i: number) => (i === 0 ? null : acts.out.get(this.layers[i - 1].name)!);
    const forward: Dispatch[] = [];
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i];
      forward.push(...(await scoped(() => layerType(l).forward(k, l.name, l, { x: input(i), y: acts.out.get(l.name)!, rows: N, tensors: tensors(l), graph: this.operands }))));
    }
    const backward: Dispatch[] = [];
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const l = this.layers[i];
      const dx = i === 0 ? null : acts.dout.get(this.layers[i - 1].name)!;
      const maskAct = i === 0 ? NO_ACTIVATION : this.layers[i - 1].activation;
      backward.push(...(await scoped(() => layerType(l).backward(k, l.name, l, {
        x: input(i), y: acts.out.get(l.name)!, dy: acts.dout.get(l.name)!, dx, maskAct, rows: N, tensors: tensors(l), graph: this.operands,
      }))));
    }
    const g: GaussianLogstdArgs = {
      step: sched.stepUniform, head: acts.head, eps: acts.eps, z: acts.z, dz: acts.dz, klRows: acts.klRows, dhead: acts.dhead, rows: N, latent: L, kl: vgae,
    };
    const s = sched.segments;
    s.define(GRAPH_SEGMENT.encoder, forward);
    s.define(GRAPH_SEGMENT.sample, await scoped(async () => [await gauss.forward(vgae ? 'z = mu + eps sigma' : 'z = mu', g, vgae ? 'gpu' : 'mean')]));
    // The decoder's loss: every pair (the paper's), or the training edges and K pairs drawn per edge each epoch (PyTorch Geometric's).
    const record = { step: sched.stepUniform, history: whole(sched.history.ring) };
    const dec = this.decoder;
    s.define(GRAPH_SEGMENT.loss, await scoped(async () => (dec.kind === 'sampled'
      ? await new SampledEdgeLossKernels(sched.res).build('sampled decoder loss', {
        z: acts.z, labels: this.labels, klRows: vgae ? acts.klRows : null, dz: acts.dz, out: acts.out4, step: sched.stepUniform, n: N, latent: L, negatives: dec.negatives,
        history: record.history,
      })
      : await new InnerProductLossKernels(sched.res, variant).build('decoder loss', {
        z: acts.z, labels: this.labels, klRows: vgae ? acts.klRows : null, dz: acts.dz, out: acts.out4, n: N, latent: L, posWeight: this.posWeight, norm: this.norm,
        ...(dec.chunks === undefined ? {} : { chunks: dec.chunks }), record,
      })).all));
    s.define(GRAPH_SEGMENT.backward, [...(await scoped(async () => [await gauss.backward('dhead', g)])), ...backward]);
    await sched.defineOptimizer();
  }
}
