/**
 * The layer contract and the registry of layer types. A model spec (src/model/spec.ts) names its
 * layers' types as text; everything that depends on a type lives in its `LayerType`, one file
 * under src/layers/ each (linear.ts, conv2d.ts, gcn.ts), registered here at run time:
 *
 *   - which fields its spec entries take, and how an entry resolves on an input shape (`resolve`),
 *     so spec errors name the layer and the numbers before any GPU work;
 *   - its parameter tensors: shapes, checkpoint layout and initialisation (`parameters`);
 *   - its forward and backward dispatches (`forward`, `backward`), and `checkLimits`;
 *   - its float64 reference (`reference`), the specification its kernels are tested against.
 *
 * The scheduler, the parameter arena, initialisation, checkpoints, the model description and
 * the CPU reference loop over layers through this table and never switch on a type. This module
 * imports no GPU code (types only), and neither does anything that only describes a model: a
 * layer type's file is what brings its kernels, so an application registers only the types it
 * uses (`registerLayerTypes`; src/layers/all.ts registers every one, as the CLI and the page do).
 *
 * Every layer reads one activation and writes one, each a padded row-major matrix of batch rows
 * (src/gpu/buffers.ts), plus the operands of its family: a GCN layer also reads the graph's
 * normalised adjacency and, as a first layer, the node features (`GraphOperands`). An image
 * activation stores each row in (channels, height, width) order, so flatten and reshape are views.
 */
import type { BufferRange, Dispatch, GpuResources } from '../gpu/resources.js';
import type { CsrBuffers } from '../kernels/spmm.js';
import type { Activation } from './activation.js';

/** The two kinds of kernel variant: register-blocked (software adapters) or workgroup-tiled (GPUs). */
export type KernelVariant = 'register' | 'tiled';

/** Which models a layer type serves: `vae` (an encoder and decoder over fixed-shape inputs) or `graph` (node features on a graph). */
export type ModelFamily = 'vae' | 'graph';

/** What every resolved layer has; each type adds its own fields. */
export interface LayerBase {
  /** A registered type (LayerType.type). */
  type: string;
  /** Unique in the model; parameters are `<name>.weight` and so on. */
  name: string;
  /** Input and output shapes per row: [features] or [channels, height, width]. */
  inShape: number[];
  outShape: number[];
  /** Flattened widths: the products of the shapes. */
  inSize: number;
  outSize: number;
  /** The activation fused onto the output. */
  activation: Activation;
  /** Whether that activation is ReLU (what code written before other activations reads). */
  relu: boolean;
}

/** Every resolved layer: a registered type's own fields on top of LayerBase. */
export type LayerSpec = LayerBase & Record<string, unknown>;

/** One layer of a spec as written (JSON): `type`, `name` and the type's own fields. */
export interface SpecEntry {
  type: string;
  name?: string;
  [field: string]: unknown;
}

/** What a field of a spec entry accepts: a whole number in a range, with a default when it may be left out. */
export interface FieldRule {
  min: number;
  max: number;
  default?: number;
  /** What it means, for messages and the documentation. */
  doc: string;
}

/** How a parameter tensor is initialised (seeded; see src/model/init.ts). */
export type ParameterInit =
  /** U(-bound, bound), torch.nn.Linear's and torch.nn.Conv2d's default. */
  | { kind: 'uniform'; bound: number }
  /**
   * Glorot (Xavier) uniform, as the graph VAE's code: `blocks` column blocks of cols / blocks
   * columns, each drawn as its own rows x (cols / blocks) tensor with bound sqrt(6 / (rows + cols / blocks)).
   */
  | { kind: 'glorot'; blocks: number }
  | { kind: 'zeros' };

/**
 * One parameter tensor of a layer, stored in the arena as a padded matrix of `rows` x `cols`
 * (a bias is one row). `shape` is the tensor as checkpoints hold it (PyTorch's layout): its
 * row-major order is the matrix's, or the transposed matrix's when `transposed`.
 */
export interface ParameterSpec {
  /** Suffix after the layer name: `weight` is stored as `<layer>.weight`. */
  name: string;
  rows: number;
  cols: number;
  /** A bias: one row, no padding rows. */
  bias: boolean;
  shape: number[];
  /** The checkpoint tensor is the transpose of the arena matrix (a GCN weight: stored (in, out), written [out, in]). */
  transposed?: boolean;
  init: ParameterInit;
}

/** Kernels of every layer type for one device, made once and shared by all layers of a model. */
export class KernelContext {
  private readonly made = new Map<string, unknown>();

  constructor(
    readonly res: GpuResources,
    /** Register-blocked (software adapters) or workgroup-tiled (GPUs) variants. */
    readonly variant: KernelVariant,
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

/** The graph a GCN layer reads besides its activation. */
export interface GraphOperands {
  /** Â = D^-1/2 (A + I) D^-1/2 (symmetric), N x N. */
  adjacency: CsrBuffers;
  /** The node features X (N x F) and X^T, or null: the identity (featureless). */
  features: { x: CsrBuffers; xt: CsrBuffers } | null;
  /** Scratch matrices a layer keeps between its forward and backward products, made once per key (zeros; one row: an unpadded vector). */
  scratch(key: string, rows: number, cols: number): BufferRange;
}

/** Buffers of a layer's forward product: y = layer(x). */
export interface ForwardIo {
  /** The input activation; null for a graph model's first layer, whose input is the node features. */
  x: BufferRange | null;
  y: BufferRange;
  /** Rows the buffers hold (the configured batch, or the graph's nodes). */
  rows: number;
  tensors: LayerTensors;
  /** The graph operands of a graph model's layers. */
  graph?: GraphOperands;
}

/** Buffers of a layer's backward products. */
export interface BackwardIo extends ForwardIo {
  /** The loss gradient with respect to y (after this layer's activation, which the next layer's backward applied). */
  dy: BufferRange;
  /** Where the gradient with respect to x goes; null when no one needs it (the first layer). */
  dx: BufferRange | null;
  /** The activation that produced x: dx is multiplied by its derivative, read from x (none: no mask). */
  maskAct: Activation;
}

/** Float64 parameters of one layer, by parameter name. */
export type RefLayerParams = Map<string, Float64Array>;

/** A sparse matrix's rows (CSR) in float64, for the reference. */
export interface RefSparse {
  rows: number;
  cols: number;
  rowPtr: ArrayLike<number>;
  colIdx: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** A dense row-major matrix in float64, for the reference. */
export interface RefDense {
  rows: number;
  cols: number;
  data: ArrayLike<number>;
}

/** The graph a GCN layer's reference reads: Â and the node features (sparse or dense; null: the identity). */
export interface RefGraph {
  adjacency: RefSparse;
  features: RefSparse | RefDense | null;
}

/** What every entry resolves with: its runtime name and activation; `halves` 2 for a model's head ([mu | logvar], two checkpoint tensors). */
export interface ResolveBase {
  name: string;
  activation: Activation;
  halves?: number;
}

/** What a layer type provides; see the file comment. */
export interface LayerType<S extends LayerBase = LayerSpec> {
  /** The spec's `type`. */
  readonly type: string;
  /** The models it serves. */
  readonly family: ModelFamily;
  /** What it computes, one line for `describe` and the documentation. */
  readonly doc: string;
  /** Its fields beyond `type`, `name`, `activation` (and `slope` / `alpha`), with their rules and defaults. */
  readonly fields: Record<string, FieldRule>;
  /**
   * The resolved layer of an entry whose fields were checked against `fields` (defaults filled)
   * on an input of shape `input`; throws an Error naming the numbers when the input does not fit
   * (src/model/spec.ts prefixes the layer's place in the spec).
   */
  resolve(fields: Record<string, number>, input: number[], base: ResolveBase): S;
  /** Its own fields of a resolved layer, as a spec entry writes them (the inverse of resolve). */
  entryFields(l: S): Record<string, number>;
  /** The parameter tensors of a layer, in arena order. */
  parameters(l: S): ParameterSpec[];
  /** Dispatches of y = layer(x): usually one, with bias and activation fused. */
  forward(k: KernelContext, label: string, l: S, io: ForwardIo): Promise<Dispatch[]>;
  /** Dispatches of the parameter gradients (overwritten, not accumulated) and, when io.dx is set, the input gradient. */
  backward(k: KernelContext, label: string, l: S, io: BackwardIo): Promise<Dispatch[]>;
  /** Throws a one-line Error when the layer at `rows` rows does not fit the device's limits. */
  checkLimits(l: S, rows: number, limits: GPUSupportedLimits): void;
  /** The float64 reference of the same products, on unpadded row-major arrays of B rows. */
  reference: {
    /** y = layer(x); x null: a graph model's first layer, on `graph.features`. */
    forward(l: S, p: RefLayerParams, x: ArrayLike<number> | null, B: number, graph?: RefGraph): Float64Array;
    /**
     * Parameter gradients by name given dy (the gradient after this layer's activation) and, when
     * `wantDx`, dx times the derivative of `maskAct` read from x.
     */
    backward(l: S, p: RefLayerParams, x: ArrayLike<number> | null, dy: ArrayLike<number>, B: number, wantDx: boolean, maskAct: Activation, graph?: RefGraph): {
      dx: Float64Array | null;
      grads: RefLayerParams;
    };
  };
}

/** The registered layer types, by `type`. */
const registry = new Map<string, LayerType>();

/**
 * Registers layer types so that specs may name them. Registering the same object again is a
 * no-op; a different object under a registered name is refused.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each type has its own resolved layer type
export function registerLayerTypes(...types: LayerType<any>[]): void {
  for (const t of types as LayerType[]) {
    const had = registry.get(t.type);
    if (had && had !== t) throw new Error(`layer type ${t.type} is already registered`);
    registry.set(t.type, t);
  }
}

/** The registered layer types. */
export function registeredLayerTypes(): LayerType[] {
  return [...registry.values()];
}

/** The registered type named `type`, or undefined. */
export function findLayerType(type: string): LayerType | undefined {
  return registry.get(type);
}

/** The LayerType of a layer; throws naming the layer when its type is not registered. */
export function layerType<S extends LayerBase>(spec: S): LayerType<S> {
  const t = registry.get(spec.type);
  if (!t) throw new Error(`layer ${spec.name}: ${unknownType(spec.type)}`);
  return t as unknown as LayerType<S>;
}

/** `unknown layer type "x" (registered: linear, conv2d)` with the hint to register it. */
export function unknownType(type: string): string {
  const names = [...registry.keys()];
  return `unknown layer type ${JSON.stringify(type)} (registered: ${names.join(', ') || 'none; import webgpu-vae/layers/all or call registerLayerTypes'})`;
}

/** Parameters of a layer, with their full names (`enc1.weight`). */
export function layerParameters(spec: LayerSpec): (ParameterSpec & { fullName: string })[] {
  return layerType(spec).parameters(spec).map((p) => ({ ...p, fullName: `${spec.name}.${p.name}` }));
}

/** The base fields of a resolved layer from its shapes and activation. */
export function layerBase(type: string, name: string, inShape: number[], outShape: number[], activation: Activation): LayerBase {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return { type, name, inShape: [...inShape], outShape: [...outShape], inSize: size(inShape), outSize: size(outShape), activation, relu: activation.kind === 'relu' };
}
