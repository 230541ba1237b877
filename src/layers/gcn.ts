/**
 * The `gcn` layer type: a graph convolution of Kipf & Welling (2017), y = act(Â x W), with
 * Â = D^-1/2 (A + I) D^-1/2 the normalised adjacency and no bias (the graph VAE paper's). It reads
 * two tensors besides its weight: its input activation and Â (`GraphOperands`); a first layer
 * reads the node features instead of an activation (sparse X, or the identity).
 *
 * Spec entry (family graph): `{ "type": "gcn", "name": "conv1", "out": 32, "activation": "relu" }`.
 * The weight is stored (in, out) so that every product runs on the existing kernels with no
 * transposed copy; checkpoints hold it transposed, as PyTorch Geometric's `GCNConv.lin.weight`
 * [out, in]. The products, in the order src/reference/gcn.ts specifies:
 *
 *   first layer   X W (spmm; the identity's is W itself), act(Â (X W)) (spmm)
 *   later layer   Â x (spmm), act((Â x) W) (linear backward_input: dY W, W as stored)
 *   backward      first: Â dy (spmm), X^T (Â dy) (spmm on the transposed CSR; the identity's is Â dy itself)
 *                 later: (Â x)^T dy (linear backward_weight), dy W^T (linear forward), Â (dy W^T) act'(x) (spmm)
 *
 * Initialisation is Glorot uniform, as the paper's code; the head ([mu | log sigma], two PyTorch
 * Geometric layers) draws each half as its own Glorot tensor.
 */
import { LinearKernels } from '../kernels/linear.js';
import { SpmmKernels } from '../kernels/spmm.js';
import { gcnBackward, gcnForward, type GcnInput } from '../reference/gcn.js';
import { NO_ACTIVATION } from './activation.js';
import { layerBase, type KernelContext, type LayerBase, type LayerType, type RefGraph } from './registry.js';

/** A graph convolution: in -> out per node; `halves` 2 for the head ([mu | log sigma]). */
export interface GcnSpec extends LayerBase {
  type: 'gcn';
  halves: number;
}

const kernels = (k: KernelContext) => ({
  spmm: k.kernels('spmm', () => new SpmmKernels(k.res)),
  linear: k.kernels(`linear.${k.variant}`, () => new LinearKernels(k.res, k.variant)),
});

function graphOf<T>(graph: T | undefined, l: GcnSpec): T {
  if (!graph) throw new Error(`layer ${l.name}: a gcn layer needs the graph (it belongs to a graph model)`);
  return graph;
}

/** The reference's view of a layer's input: the node features for a first layer, else the activation. */
const refInput = (x: ArrayLike<number> | null, graph: RefGraph): GcnInput => (x === null ? { features: graph.features } : { dense: x });

/** The `gcn` layer type (see the file comment). */
export const GCN: LayerType<GcnSpec> = {
  type: 'gcn',
  family: 'graph',
  doc: "PyTorch Geometric's GCNConv(in, out, bias=False): y = Â x W",
  fields: { out: { min: 1, max: 4096, doc: 'output width per node' } },

  resolve(f, input, base) {
    if (input.length !== 1) throw new Error(`gcn takes [features] per node, got [${input.join(', ')}]`);
    return { ...layerBase('gcn', base.name, input, [f.out], base.activation), type: 'gcn', halves: base.halves ?? 1 };
  },

  entryFields: (l) => ({ out: l.outSize }),

  parameters(l) {
    return [{
      name: 'weight', rows: l.inSize, cols: l.outSize, bias: false, shape: [l.outSize, l.inSize], transposed: true, init: { kind: 'glorot', blocks: l.halves },
    }];
  },

  async forward(k, label, l, io) {
    const g = graphOf(io.graph, l);
    const { spmm, linear } = kernels(k);
    const w = io.tensors.param('weight');
    const [F, D] = [l.inSize, l.outSize];
    if (io.x === null) {
      const x = g.features;
      const t = x ? g.scratch(`${l.name}.t`, io.rows, D) : w;
      return [
        ...(x ? [await spmm.forward(`${label}: X W`, { a: x.x, b: w, c: t, cols: D })] : []),
        await spmm.forward(`${label}: Â (X W)`, { a: g.adjacency, b: t, c: io.y, cols: D, act: l.activation }),
      ];
    }
    const s = g.scratch(`${l.name}.s`, io.rows, F);
    return [
      await spmm.forward(`${label}: Â x`, { a: g.adjacency, b: io.x, c: s, cols: F }),
      await linear.backwardInput(`${label}: (Â x) W`, { dy: s, w, mask: null, dx: io.y, rows: io.rows, inSize: D, outSize: F, act: l.activation }),
    ];
  },

  async backward(k, label, l, io) {
    const g = graphOf(io.graph, l);
    const { spmm, linear } = kernels(k);
    const [F, D] = [l.inSize, l.outSize];
    const dw = io.tensors.grad('weight');
    if (io.x === null) {
      const x = g.features;
      const dt = x ? g.scratch(`${l.name}.dt`, io.rows, D) : dw;
      return [
        await spmm.forward(`${label}: Â dy`, { a: g.adjacency, b: io.dy, c: dt, cols: D }),
        ...(x ? [await spmm.forward(`${label}: dW = X^T (Â dy)`, { a: x.xt, b: dt, c: dw, cols: D })] : []),
      ];
    }
    const s = g.scratch(`${l.name}.s`, io.rows, F);
    const out = [
      await linear.backwardWeight(`${label}: dW = (Â x)^T dy`, { dy: s, x: io.dy, dw, db: g.scratch(`${l.name}.column sums (unused)`, 1, F), rows: io.rows, inSize: D, outSize: F }),
    ];
    if (io.dx) {
      const ds = g.scratch(`${l.name}.ds`, io.rows, F);
      out.push(
        await linear.forward(`${label}: dy W^T`, { x: io.dy, w: io.tensors.param('weight'), b: g.scratch(`${l.name}.zero bias`, 1, F), y: ds, rows: io.rows, inSize: D, outSize: F, act: NO_ACTIVATION }),
        await spmm.forward(`${label}: Â (dy W^T)${io.maskAct.kind === 'none' ? '' : ` * ${io.maskAct.kind}'(x)`}`, {
          a: g.adjacency, b: ds, c: io.dx, cols: F, mask: io.maskAct.kind === 'none' ? null : { y: io.x, act: io.maskAct },
        }),
      );
    }
    return out;
  },

  checkLimits(l, rows, limits) {
    // spmm's grid is rows x columns / 4 invocations (folded into 2-D); the GEMMs are the linear layer's.
    const maxGroups = limits.maxComputeWorkgroupsPerDimension;
    const groups = Math.ceil((Math.ceil(rows / 4) * 4 * Math.ceil(Math.max(l.inSize, l.outSize) / 4)) / 64);
    if (groups > maxGroups * maxGroups) throw new Error(`config: ${l.name} on ${rows} nodes needs ${groups} workgroups, more than this device's ${maxGroups} x ${maxGroups}`);
  },

  reference: {
    forward(l, p, x, _B, graph) {
      const g = graphOf(graph, l);
      return gcnForward(g.adjacency, refInput(x, g), p.get('weight')!, l.inSize, l.outSize, l.activation);
    },
    backward(l, p, x, dy, _B, wantDx, maskAct, graph) {
      const g = graphOf(graph, l);
      const r = gcnBackward(g.adjacency, refInput(x, g), p.get('weight')!, l.inSize, l.outSize, dy, wantDx, maskAct);
      return { dx: r.dx, grads: new Map([['weight', r.dw]]) };
    },
  },
};
