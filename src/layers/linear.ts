/**
 * The `linear` layer type: torch.nn.Linear, y = act(x W^T + b) on a flat input, W [out, in].
 *
 * Spec entry: `{ "type": "linear", "name": "fc1", "out": 400, "activation": "relu" }`. Its input
 * must be flat ([features]); after a convolution, put `{ "type": "flatten" }` before it, as a
 * PyTorch module would.
 */
import { pad4 } from '../gpu/pad.js';
import { LinearKernels } from '../kernels/linear.js';
import { linearBackwardInput, linearBackwardWeight, linearForward } from '../reference/linear.js';
import { layerBase, type KernelContext, type LayerBase, type LayerType } from './registry.js';

/** A dense layer: y = act(x W^T + b). W is (outSize, inSize), row-major. */
export interface LinearSpec extends LayerBase {
  type: 'linear';
}

const linearKernels = (k: KernelContext) => k.kernels(`linear.${k.variant}`, () => new LinearKernels(k.res, k.variant));

/**
 * PyTorch's nn.Linear initialisation (weight and bias ~ U(-1/sqrt(in), 1/sqrt(in))); forward with
 * bias and activation fused; backward as the weight gradient (with the bias gradient fused) and
 * the input gradient (with the previous layer's activation derivative fused).
 */
export const LINEAR: LayerType<LinearSpec> = {
  type: 'linear',
  family: 'vae',
  doc: 'torch.nn.Linear(in, out): y = x W^T + b on a flat input',
  fields: { out: { min: 1, max: 1 << 24, doc: 'output width' } },

  resolve(f, input, base) {
    if (input.length !== 1) {
      throw new Error(`linear takes a flat input, got [${input.join(', ')}]; put { "type": "flatten" } before it`);
    }
    return { ...layerBase('linear', base.name, input, [f.out], base.activation), type: 'linear' };
  },

  entryFields: (l) => ({ out: l.outSize }),

  parameters(l) {
    const bound = 1 / Math.sqrt(l.inSize);
    return [
      { name: 'weight', rows: l.outSize, cols: l.inSize, bias: false, shape: [l.outSize, l.inSize], init: { kind: 'uniform', bound } },
      { name: 'bias', rows: 1, cols: l.outSize, bias: true, shape: [l.outSize], init: { kind: 'uniform', bound } },
    ];
  },

  async forward(k, label, l, io) {
    return [await linearKernels(k).forward(label, {
      x: io.x!, w: io.tensors.param('weight'), b: io.tensors.param('bias'), y: io.y, rows: io.rows, inSize: l.inSize, outSize: l.outSize, act: l.activation,
    })];
  },

  async backward(k, label, l, io) {
    const kernels = linearKernels(k);
    const out = [await kernels.backwardWeight(`${label}.backward_weight`, {
      dy: io.dy, x: io.x!, dw: io.tensors.grad('weight'), db: io.tensors.grad('bias'), rows: io.rows, inSize: l.inSize, outSize: l.outSize,
    })];
    if (io.dx) {
      out.push(await kernels.backwardInput(`${label}.backward_input`, {
        dy: io.dy, w: io.tensors.param('weight'), mask: io.maskAct.kind === 'none' ? null : { y: io.x!, act: io.maskAct }, dx: io.dx, rows: io.rows, inSize: l.inSize, outSize: l.outSize,
      }));
    }
    return out;
  },

  checkLimits(l, rows, limits) {
    // GEMM grids: the largest are columns/64 by batch rows/16 and layer outputs/8 workgroups
    // (register variant; the tiled variant's 64x64 tiles need fewer).
    const maxGroups = limits.maxComputeWorkgroupsPerDimension;
    for (const [what, n] of [
      [`${l.name} width ${Math.max(l.inSize, l.outSize)}`, Math.ceil(pad4(Math.max(l.inSize, l.outSize)) / 64)],
      [`batch ${rows}`, Math.ceil(pad4(rows) / 16)],
      [`${l.name} output rows ${l.outSize}`, Math.ceil(pad4(l.outSize) / 8)],
    ] as [string, number][]) {
      if (n > maxGroups) throw new Error(`config: ${what} needs ${n} workgroups in one dimension, more than this device's limit of ${maxGroups}`);
    }
  },

  reference: {
    forward(l, p, x, B) {
      const y = new Float64Array(B * l.outSize);
      linearForward(y, x!, p.get('weight')!, p.get('bias')!, B, l.inSize, l.outSize, l.activation);
      return y;
    },
    backward(l, p, x, dy, B, wantDx, maskAct) {
      const dw = new Float64Array(l.outSize * l.inSize);
      const db = new Float64Array(l.outSize);
      linearBackwardWeight(dw, db, dy, x!, B, l.inSize, l.outSize);
      let dx: Float64Array | null = null;
      if (wantDx) {
        dx = new Float64Array(B * l.inSize);
        linearBackwardInput(dx, dy, p.get('weight')!, maskAct.kind === 'none' ? null : { y: x!, act: maskAct }, B, l.inSize, l.outSize);
      }
      return { dx, grads: new Map([['weight', dw], ['bias', db]]) };
    },
  },
};
