/**
 * The graph VAE's network on the GPU (VGAE and GAE, Kipf & Welling 2016): the graph's sparse
 * matrices, the activations of every node (allocated once), and the named segments of a
 * full-graph training step, composed from the kernels the float64 reference specifies
 * (src/reference/vgae.ts):
 *
 *   encoder   [X W0] (sparse features only: the identity's X W0 is W0 itself),
 *             H = ReLU(Â (X W0)), S = Â H, head = S W_head = [mu | log sigma]
 *   sample    z = mu + eps sigma with eps drawn on the GPU (the GAE: z = mu), the KL rows
 *   loss      the all-pairs decoder and its weighted BCE fused with dL/dz (no N x N buffer),
 *             then the total, which writes the step's record into the loss history ring
 *   backward  dhead, dW_head = S^T dhead, dS = dhead W_head^T, dP = Â dS * [H > 0],
 *             d(X W0) = Â dP, [dW0 = X^T d(X W0)] (the identity's d(X W0) is dW0 itself)
 *   optimizer the scheduler's: gradient norm into the step's record, then Adam over the arena
 *
 * Â is symmetric, so every Â^T of the backward pass is Â. W0 is stored (F, H) and W_head
 * (H, 2L) = [W_mu | W_sigma], both (in, out) row-major: the head's forward product is the
 * linear kernels' dX = dY W and its input gradient their forward product, with no transposed
 * copy of any weight.
 */
import { graphAdjacency, transposeCsr } from './adjacency.js';
import type { CsrMatrix } from './graph.js';
import { OPTIMIZER, type Scheduler } from '../runtime/scheduler.js';
import { matrix, whole } from '../gpu/buffers.js';
import { pad4 } from '../gpu/pad.js';
import type { BufferRange, Dispatch } from '../gpu/resources.js';
import { GaussianLogstdKernels, type GaussianLogstdArgs } from '../kernels/gaussian_logstd.js';
import { InnerProductLossKernels, uploadLabels, type LabelBuffers } from '../kernels/inner_product_loss.js';
import { LinearKernels, type LinearVariant } from '../kernels/linear.js';
import { SpmmKernels, uploadCsr, type CsrBuffers } from '../kernels/spmm.js';
import { NO_ACTIVATION, RELU } from '../layers/activation.js';

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

/** Runtime names of the two weights in the parameter arena (checkpoints map them to PyTorch Geometric's). */
export const GRAPH_PARAM = { w0: 'conv1.weight', head: 'head.weight' } as const;

/** Sizes and kind of a graph VAE. */
export interface GraphModelConfig {
  /** `vgae`: z sampled from the posterior, KL term; `gae`: z = mu, no KL. */
  kind: 'vgae' | 'gae';
  /** Nodes N. */
  nodes: number;
  /** Feature columns F (N for identity features). */
  features: number;
  /** Whether the features are the identity (the paper's "without features"). */
  identity: boolean;
  hidden: number;
  latent: number;
}

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
  /** X W0 (for the identity, W0 in the parameter arena). */
  xw: BufferRange;
  h: BufferRange;
  /** Â H. */
  s: BufferRange;
  /** Rows [mu | log sigma]. */
  head: BufferRange;
  z: BufferRange;
  eps: BufferRange;
  dz: BufferRange;
  /** N floats: sum_k (1 + 2 log sigma - mu^2 - sigma^2) per node. */
  klRows: BufferRange;
  dhead: BufferRange;
  ds: BufferRange;
  /** dL/dH times ReLU'(H). */
  dp: BufferRange;
  /** dL/d(X W0) (for the identity, dW0 in the gradient arena). */
  dxw: BufferRange;
  /** (loss, recon, kl, 0) of the last step. */
  out: BufferRange;
}

/** The graph's buffers and the activations and segments of one graph VAE on one scheduler. */
export class GraphNetwork {
  readonly acts: GraphActivations;
  /** pos_weight and norm of the loss, from the training edges. */
  readonly posWeight: number;
  readonly norm: number;
  /** Nonzeros of A_train (both directions). */
  readonly nnz: number;
  private readonly adj: CsrBuffers;
  private readonly labels: LabelBuffers;
  private readonly x: CsrBuffers | null;
  private readonly xt: CsrBuffers | null;
  private readonly zeroBias: BufferRange;
  private readonly dbScratch: BufferRange;

  constructor(
    private readonly sched: Scheduler,
    readonly config: GraphModelConfig,
    graph: GraphInput,
  ) {
    const res = sched.res;
    const { nodes: N, hidden: H, latent: L } = config;
    const a = graphAdjacency(graph.n, graph.trainEdges);
    this.posWeight = a.posWeight;
    this.norm = a.norm;
    this.nnz = a.nnz;
    this.adj = uploadCsr(res, 'Â', a.adj);
    this.labels = uploadLabels(res, 'labels (A_train + I)', a.adj);
    const X = graph.features;
    this.x = X ? uploadCsr(res, 'X', X) : null;
    this.xt = X ? uploadCsr(res, 'X^T', transposeCsr(X)) : null;
    const m = (label: string, cols: number) => matrix(res, label, N, cols);
    this.acts = {
      xw: X ? m('X W0', H) : sched.param(GRAPH_PARAM.w0),
      h: m('H', H),
      s: m('Â H', H),
      head: m('head [mu | log sigma]', 2 * L),
      z: m('z', L),
      eps: m('eps', L),
      dz: m('dz', L),
      klRows: whole(res.storage('kl rows', pad4(N) * 4)),
      dhead: m('dhead', 2 * L),
      ds: m('d(Â H)', H),
      dp: m('dH * [H > 0]', H),
      dxw: X ? m('d(X W0)', H) : sched.grad(GRAPH_PARAM.w0),
      out: whole(res.storage('loss (loss, recon, kl)', 16)),
    };
    this.zeroBias = whole(res.storage('zero bias', pad4(H) * 4));
    this.dbScratch = whole(res.storage('unused column sums of d(Â H)', pad4(H) * 4));
  }

  /** Builds every segment; each dispatch inside a validation scope so a mistake names its kernel. */
  async build(variant: LinearVariant): Promise<void> {
    const { sched, acts, config: cfg } = this;
    const res = sched.res;
    const device = sched.device;
    const { nodes: N, hidden: H, latent: L } = cfg;
    const vgae = cfg.kind === 'vgae';
    const spmm = new SpmmKernels(res);
    const linear = new LinearKernels(res, variant);
    const gauss = new GaussianLogstdKernels(res);
    const ipl = new InnerProductLossKernels(res, variant);
    const scoped = async (make: () => Promise<Dispatch[]>): Promise<Dispatch[]> => {
      device.pushErrorScope('validation');
      const made = await make();
      const err = await device.popErrorScope();
      if (err) throw new Error(`${made.map((d) => d.label).join(', ')}: ${err.message}`);
      return made;
    };
    const W0 = sched.param(GRAPH_PARAM.w0);
    const Whead = sched.param(GRAPH_PARAM.head);
    const dW0 = sched.grad(GRAPH_PARAM.w0);
    const dWhead = sched.grad(GRAPH_PARAM.head);
    const g: GaussianLogstdArgs = {
      step: sched.stepUniform, head: acts.head, eps: acts.eps, z: acts.z, dz: acts.dz, klRows: acts.klRows, dhead: acts.dhead, rows: N, latent: L, kl: vgae,
    };
    const s = sched.segments;
    s.define(GRAPH_SEGMENT.encoder, await scoped(async () => [
      ...(this.x ? [await spmm.forward('X W0', { a: this.x, b: W0, c: acts.xw, cols: H })] : []),
      await spmm.forward('H = ReLU(Â X W0)', { a: this.adj, b: acts.xw, c: acts.h, cols: H, act: RELU }),
      await spmm.forward('Â H', { a: this.adj, b: acts.h, c: acts.s, cols: H }),
      await linear.backwardInput('head = (Â H) W_head', { dy: acts.s, w: Whead, mask: null, dx: acts.head, rows: N, inSize: 2 * L, outSize: H }),
    ]));
    s.define(GRAPH_SEGMENT.sample, await scoped(async () => [await gauss.forward(vgae ? 'z = mu + eps sigma' : 'z = mu', g, vgae ? 'gpu' : 'mean')]));
    const loss = await scoped(async () => (await ipl.build('decoder loss', {
      z: acts.z, labels: this.labels, klRows: vgae ? acts.klRows : null, dz: acts.dz, out: acts.out, n: N, latent: L, posWeight: this.posWeight, norm: this.norm,
      record: { step: sched.stepUniform, history: whole(sched.history.ring) },
    })).all);
    s.define(GRAPH_SEGMENT.loss, loss);
    s.define(GRAPH_SEGMENT.backward, await scoped(async () => [
      await gauss.backward('dhead', g),
      await linear.backwardWeight('dW_head = (Â H)^T dhead', { dy: acts.s, x: acts.dhead, dw: dWhead, db: this.dbScratch, rows: N, inSize: 2 * L, outSize: H }),
      await linear.forward('d(Â H) = dhead W_head^T', { x: acts.dhead, w: Whead, b: this.zeroBias, y: acts.ds, rows: N, inSize: 2 * L, outSize: H, act: NO_ACTIVATION }),
      await spmm.forward('dH * [H > 0] = Â d(Â H) * [H > 0]', { a: this.adj, b: acts.ds, c: acts.dp, cols: H, mask: { y: acts.h, act: RELU } }),
      await spmm.forward('d(X W0) = Â dP', { a: this.adj, b: acts.dp, c: acts.dxw, cols: H }),
      ...(this.xt ? [await spmm.forward('dW0 = X^T d(X W0)', { a: this.xt, b: acts.dxw, c: dW0, cols: H })] : []),
    ]));
    await sched.defineOptimizer();
  }
}
