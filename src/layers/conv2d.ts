/**
 * The `conv2d` and `conv_transpose2d` layer types: torch.nn.Conv2d and torch.nn.ConvTranspose2d
 * (square kernels, no dilation, no groups) on (channels, height, width) inputs, over one shader
 * pair whose three entry points serve both layers by duality (src/kernels/conv2d.ts).
 *
 * Spec entries: `{ "type": "conv2d", "name": "enc1", "out": 32, "kernel": 4, "stride": 2,
 * "padding": 1, "activation": "leaky_relu", "slope": 0.2 }`; conv_transpose2d also takes
 * `output_padding` (below the stride). stride defaults to 1, padding and output_padding to 0,
 * as PyTorch's constructors.
 */
import { Conv2dKernels, convLaunch } from '../kernels/conv2d.js';
import * as ref from '../reference/conv2d.js';
import { convFrame, convOutputSize, validateConvGeometry, type Conv2dGeometry, type ConvLayerKind } from './conv2d_geometry.js';
import { layerBase, type FieldRule, type KernelContext, type LayerBase, type LayerType } from './registry.js';

/** A convolution layer's sizes per image (the batch rows come from the network). */
export type ConvLayerGeometry = Omit<Conv2dGeometry, 'rows'>;

/**
 * torch.nn.Conv2d(cin, cout, k, stride, padding) on (cin, h, w) images, then the activation.
 * Weight [cout, cin, k, k], bias [cout]; inSize = cin h w, outSize = cout ho wo.
 */
export interface Conv2dSpec extends LayerBase {
  type: 'conv2d';
  geometry: ConvLayerGeometry;
}

/**
 * torch.nn.ConvTranspose2d(cin, cout, k, stride, padding, outputPadding) on (cin, h, w) images,
 * then the activation. Weight [cin, cout, k, k], bias [cout].
 */
export interface ConvTranspose2dSpec extends LayerBase {
  type: 'conv_transpose2d';
  geometry: ConvLayerGeometry;
}

const convKernels = (k: KernelContext) => k.kernels(`conv2d.${k.variant}`, () => new Conv2dKernels(k.res, k.variant));

/** The three products of each layer kind: Conv2dKernels' methods and the float64 functions. */
const PRODUCTS = {
  conv2d: {
    gpu: { forward: 'conv2dForward', backwardInput: 'conv2dBackwardInput', backwardWeight: 'conv2dBackwardWeight' },
    ref: { forward: ref.conv2dForward, backwardInput: ref.conv2dBackwardInput, backwardWeight: ref.conv2dBackwardWeight },
  },
  conv_transpose2d: {
    gpu: { forward: 'convTranspose2dForward', backwardInput: 'convTranspose2dBackwardInput', backwardWeight: 'convTranspose2dBackwardWeight' },
    ref: { forward: ref.convTranspose2dForward, backwardInput: ref.convTranspose2dBackwardInput, backwardWeight: ref.convTranspose2dBackwardWeight },
  },
} as const;

const SIZE = 1 << 16;
/** The fields of both types; output_padding is conv_transpose2d's only. */
const FIELDS: Record<string, FieldRule> = {
  out: { min: 1, max: SIZE, doc: 'output channels' },
  kernel: { min: 1, max: 64, doc: 'kernel size (square)' },
  stride: { min: 1, max: 64, default: 1, doc: 'stride' },
  padding: { min: 0, max: 64, default: 0, doc: 'zero padding' },
};

/**
 * A convolution layer type. Parameters in PyTorch's layouts, stored as arena matrices: Conv2d's
 * weight as cout rows of cin k k, ConvTranspose2d's as cin rows of cout k k (each the kernels'
 * frame weight, see src/layers/conv2d_geometry.ts), the bias as one row. PyTorch's default
 * initialisation, kaiming_uniform(a = sqrt 5) for the weight and the same bound for the bias:
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = weight.size(1) k k, which is cin k k for
 * Conv2d and cout k k for ConvTranspose2d. Forward with bias and activation fused; backward as
 * the weight gradient (bias gradient fused) and the input gradient (the previous layer's
 * activation derivative fused).
 */
function convLayerType<S extends Conv2dSpec | ConvTranspose2dSpec>(kind: S['type']): LayerType<S> {
  const products = PRODUCTS[kind];
  const geometry = (l: S, rows: number): Conv2dGeometry => ({ rows, ...l.geometry });
  const transposed = kind === 'conv_transpose2d';
  return {
    type: kind,
    family: 'vae',
    doc: transposed
      ? 'torch.nn.ConvTranspose2d(in, out, kernel, stride, padding, output_padding) on [channels, height, width]'
      : 'torch.nn.Conv2d(in, out, kernel, stride, padding) on [channels, height, width]',
    fields: transposed ? { ...FIELDS, output_padding: { min: 0, max: 63, default: 0, doc: 'extra rows and columns of output, below the stride' } } : FIELDS,

    resolve(f, input, base) {
      if (input.length !== 3) throw new Error(`${kind} takes a [channels, height, width] input, got [${input.join(', ')}]; put { "type": "reshape", "shape": [C, H, W] } before it`);
      const [cin, h, w] = input;
      const g: Conv2dGeometry = { rows: 1, cin, h, w, cout: f.out, k: f.kernel, stride: f.stride, padding: f.padding, ...(transposed ? { outputPadding: f.output_padding } : {}) };
      validateConvGeometry(kind as ConvLayerKind, g);
      const { ho, wo } = convOutputSize(kind as ConvLayerKind, g);
      const { rows: _, ...per } = g;
      return { ...layerBase(kind, base.name, input, [f.out, ho, wo], base.activation), type: kind, geometry: per } as S;
    },

    entryFields(l) {
      const g = l.geometry;
      return { out: g.cout, kernel: g.k, stride: g.stride, padding: g.padding, ...(transposed ? { output_padding: g.outputPadding ?? 0 } : {}) };
    },

    parameters(l) {
      const { cin, cout, k } = l.geometry;
      const [rows, cols] = kind === 'conv2d' ? [cout, cin * k * k] : [cin, cout * k * k];
      const bound = 1 / Math.sqrt(cols);
      return [
        { name: 'weight', rows, cols, bias: false, shape: kind === 'conv2d' ? [cout, cin, k, k] : [cin, cout, k, k], init: { kind: 'uniform', bound } },
        { name: 'bias', rows: 1, cols: cout, bias: true, shape: [cout], init: { kind: 'uniform', bound } },
      ];
    },

    async forward(k, label, l, io) {
      const g = geometry(l, io.rows);
      return [await convKernels(k)[products.gpu.forward](label, g, { x: io.x!, w: io.tensors.param('weight'), b: io.tensors.param('bias'), y: io.y, act: l.activation })];
    },

    async backward(k, label, l, io) {
      const kernels = convKernels(k);
      const g = geometry(l, io.rows);
      const out = [await kernels[products.gpu.backwardWeight](`${label}.backward_weight`, g, { dy: io.dy, x: io.x!, dw: io.tensors.grad('weight'), db: io.tensors.grad('bias') })];
      if (io.dx) {
        const mask = io.maskAct.kind === 'none' ? null : { y: io.x!, act: io.maskAct };
        out.push(await kernels[products.gpu.backwardInput](`${label}.backward_input`, g, { dy: io.dy, w: io.tensors.param('weight'), mask, dx: io.dx }));
      }
      return out;
    },

    checkLimits(l, rows, limits) {
      const f = convFrame(kind, geometry(l, rows));
      const max = limits.maxComputeWorkgroupsPerDimension;
      for (const variant of ['register', 'tiled'] as const) {
        for (const entry of ['forward', 'backward_input', 'backward_weight'] as const) {
          try {
            convLaunch(variant, entry, f, max, l.name);
          } catch {
            throw new Error(`config: ${l.name} (${kind} ${l.geometry.cin}x${l.geometry.h}x${l.geometry.w} -> ${l.geometry.cout} channels) at batch ${rows} needs more workgroups in one dimension than this device's limit of ${max}; lower the batch size`);
          }
        }
      }
    },

    reference: {
      forward(l, p, x, B) {
        const y = new Float64Array(B * l.outSize);
        products.ref.forward(y, x!, p.get('weight')!, p.get('bias')!, geometry(l, B), l.activation);
        return y;
      },
      backward(l, p, x, dy, B, wantDx, maskAct) {
        const g = geometry(l, B);
        const dw = new Float64Array(l.geometry.cin * l.geometry.cout * l.geometry.k * l.geometry.k);
        const db = new Float64Array(l.geometry.cout);
        products.ref.backwardWeight(dw, db, dy, x!, g);
        let dx: Float64Array | null = null;
        if (wantDx) {
          dx = new Float64Array(B * l.inSize);
          products.ref.backwardInput(dx, dy, p.get('weight')!, maskAct.kind === 'none' ? null : { y: x!, act: maskAct }, g);
        }
        return { dx, grads: new Map([['weight', dw], ['bias', db]]) };
      },
    },
  };
}

/** torch.nn.Conv2d as a layer type. */
export const CONV2D: LayerType<Conv2dSpec> = convLayerType<Conv2dSpec>('conv2d');
/** torch.nn.ConvTranspose2d as a layer type. */
export const CONV_TRANSPOSE2D: LayerType<ConvTranspose2dSpec> = convLayerType<ConvTranspose2dSpec>('conv_transpose2d');
