/**
 * Typed layers and the registry of layer types. A model is a list of layer specs (src/model/describe.ts);
 * everything that depends on a layer's kind lives in its `LayerType`, registered here once:
 * its parameter tensors and their initialisation, its forward and backward dispatches, and its
 * float64 reference functions. The scheduler, the parameter arena, initialisation, checkpoints
 * and the CPU reference loop over layers through this table and never switch on a type.
 *
 * A new layer type adds: shaders/<type>.wgsl, its wrapper src/kernels/<type>.ts (which exports
 * the LayerType), src/reference/<type>.ts, their tests, and one entry in LAYER_TYPES below (see
 * docs/ARCHITECTURE.md).
 *
 * Every layer reads one activation and writes one, each a padded row-major matrix of batch rows
 * (see src/model/describe.ts): `inSize` and `outSize` are the flattened widths. An image activation
 * stores each row in (channels, height, width) order, so flatten and reshape are views.
 */
import type { BufferRange, Dispatch, GpuResources } from '../gpu/resources.js';
import type { LinearVariant } from '../kernels/linear.js';
import { LINEAR, type LinearSpec } from '../kernels/linear.js';
import { CONV2D, CONV_TRANSPOSE2D, type Conv2dSpec, type ConvTranspose2dSpec } from '../kernels/conv2d.js';

/** What every layer spec has; each type adds its own fields. */
export interface LayerBase {
  /** A key of LAYER_TYPES. */
  type: string;
  /** Unique in the model; parameters are `<name>.weight` and so on. */
  name: string;
  /** Flattened input and output widths (features, or channels x height x width). */
  inSize: number;
  outSize: number;
  /** ReLU fused onto the output. */
  relu: boolean;
}

/** Every layer spec: a `type` from LAYER_TYPES and that type's own fields. */
export type LayerSpec = LinearSpec | Conv2dSpec | ConvTranspose2dSpec;
/** The registered layer types. */
export type LayerTypeName = LayerSpec['type'];

/** How a parameter tensor is initialised (seeded; see src/model/init.ts). */
export type ParameterInit =
  /** U(-bound, bound), torch.nn.Linear's and torch.nn.Conv2d's default. */
  | { kind: 'uniform'; bound: number }
  | { kind: 'zeros' };

/**
 * One parameter tensor of a layer, stored in the arena as a padded matrix of `rows` x `cols`
 * (a bias is one row). `shape` is the tensor as checkpoints hold it (PyTorch's layout), whose
 * row-major order is the matrix's.
 */
export interface ParameterSpec {
  /** Suffix after the layer name: `weight` is stored as `<layer>.weight`. */
  name: string;
  rows: number;
  cols: number;
  /** A bias: one row, no padding rows. */
  bias: boolean;
  shape: number[];
  init: ParameterInit;
}

/** Kernels of every layer type for one device, made once and shared by all layers of a model. */
export class KernelContext {
  private readonly made = new Map<string, unknown>();

  constructor(
    readonly res: GpuResources,
    /** Register-blocked (software adapters) or workgroup-tiled (GPUs) variants. */
    readonly variant: LinearVariant,
  ) {}

  /** The kernel wrapper `key`, made by `make` on first use. */
  kernels<T>(key: string, make: () => T): T {
    if (!this.made.has(key)) this.made.set(key, make());
    return this.made.get(key) as T;
  }
}

/** A layer's parameter tensors and gradients in the arenas, by parameter name (`weight`, `bias`). */
export interface LayerTensors {
  param(name: string): BufferRange;
  grad(name: string): BufferRange;
}

/** Buffers of a layer's forward product: y = layer(x). */
export interface ForwardIo {
  x: BufferRange;
  y: BufferRange;
  /** Rows the buffers hold (the configured batch). */
  rows: number;
  tensors: LayerTensors;
}

/** Buffers of a layer's backward products. */
export interface BackwardIo extends ForwardIo {
  /** The loss gradient with respect to y (after this layer's ReLU, if any). */
  dy: BufferRange;
  /** Where the gradient with respect to x goes; null when no one needs it (the first layer). */
  dx: BufferRange | null;
  /** x came out of a ReLU: multiply dx by [x > 0], which is that ReLU's backward. */
  maskInput: boolean;
}

/** Float64 parameters of one layer, by parameter name. */
export type RefLayerParams = Map<string, Float64Array>;

/** What a layer type provides; see the file comment. */
export interface LayerType<S extends { type: string; name: string }> {
  /** The parameter tensors of a layer, in arena order. */
  parameters(spec: S): ParameterSpec[];
  /** Dispatches of y = layer(x): usually one, with bias and ReLU fused. */
  forward(k: KernelContext, label: string, spec: S, io: ForwardIo): Promise<Dispatch[]>;
  /** Dispatches of the parameter gradients (overwritten, not accumulated) and, when io.dx is set, the input gradient. */
  backward(k: KernelContext, label: string, spec: S, io: BackwardIo): Promise<Dispatch[]>;
  /** Throws a one-line Error when the layer at `rows` rows does not fit the device's limits. */
  checkLimits(spec: S, rows: number, limits: GPUSupportedLimits): void;
  /** The float64 reference of the same products, on unpadded row-major arrays of B rows. */
  reference: {
    forward(spec: S, p: RefLayerParams, x: ArrayLike<number>, B: number): Float64Array;
    /** Parameter gradients by name and, when `wantDx`, dx (masked by [x > 0] when `maskInput`). */
    backward(spec: S, p: RefLayerParams, x: ArrayLike<number>, dy: ArrayLike<number>, B: number, wantDx: boolean, maskInput: boolean): {
      dx: Float64Array | null;
      grads: RefLayerParams;
    };
  };
}

type Registry = { [K in LayerTypeName]: LayerType<Extract<LayerSpec, { type: K }>> };

/** The layer types, by `type` (made on first use, so that import order never matters). */
let registry: Registry | null = null;
const LAYER_TYPES = (): Registry => (registry ??= {
  linear: LINEAR,
  conv2d: CONV2D,
  conv_transpose2d: CONV_TRANSPOSE2D,
});

/** The LayerType of a spec. */
export function layerType<S extends LayerSpec>(spec: S): LayerType<S> {
  const t = (LAYER_TYPES() as Record<string, unknown>)[spec.type] as LayerType<S> | undefined;
  if (!t) throw new Error(`layer ${spec.name}: unknown layer type ${JSON.stringify(spec.type)}`);
  return t;
}

/** Parameters of a layer, with their full names (`enc1.weight`). */
export function layerParameters(spec: LayerSpec): (ParameterSpec & { fullName: string })[] {
  return layerType(spec).parameters(spec).map((p) => ({ ...p, fullName: `${spec.name}.${p.name}` }));
}
