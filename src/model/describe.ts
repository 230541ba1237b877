/**
 * The model description: a model's typed layers in three named parts (encoder, head, decoder),
 * resolved from its spec (src/model/spec.ts; a configuration's shorthand is expanded into one by
 * src/model/shorthand.ts), and the padded storage layout of their parameters, shared by the GPU
 * runtime, initialisation, checkpoints and the CPU reference. It imports no kernel: layer types
 * are looked up in the registry (src/layers/registry.ts).
 *
 * The encoder's two heads (mu and logvar) are one layer of 2*latent outputs: its output row is
 * [mu | logvar]. Checkpoints split it back into the spec's head names (fc21 and fc22 by default).
 */
import type { VaeConfig } from '../config.js';
import { layerParameters, type LayerSpec } from '../layers/registry.js';
import { expandShorthand, graphShorthand } from './shorthand.js';
import { resolveSpec, type ModelDescription, type ModelSpec } from './spec.js';

export type { LayerSpec } from '../layers/registry.js';
export type { ModelDescription } from './spec.js';

/** Descriptions already resolved, by configuration object (configurations are not changed after resolveConfig). */
const described = new WeakMap<VaeConfig, ModelDescription>();

/** The model of a configuration: its spec (or its shorthand's) resolved into layers. */
export function describeModel(cfg: VaeConfig): ModelDescription {
  let m = described.get(cfg);
  if (!m) {
    const { spec, rename } = expandShorthand(cfg);
    m = resolveSpec(spec, { rename });
    described.set(cfg, m);
  }
  return m;
}

/** What a graph model is described from: its data's feature width and its spec (or the paper's model's sizes). */
export interface GraphModelFields {
  kind: 'vgae' | 'gae';
  features: number;
  hidden: number;
  latent: number;
  spec?: ModelSpec;
}

/** A graph model's spec: its own, or the paper's model of its kind and sizes. */
export function graphSpec(cfg: GraphModelFields): ModelSpec {
  return cfg.spec ?? graphShorthand(cfg.kind, cfg.hidden, cfg.latent);
}

/** The model of a graph configuration: its spec resolved on its data's feature width. */
export function describeGraphModel(cfg: GraphModelFields): ModelDescription {
  return resolveSpec(graphSpec(cfg), { input: [cfg.features] });
}

/** Every layer in execution order: encoder, head, decoder. */
export function modelLayers(m: ModelDescription): LayerSpec[] {
  return [...m.encoder, m.head, ...m.decoder];
}

/** Layers of a configuration's model in execution order (see describeModel). */
export function layerSpecs(cfg: VaeConfig): LayerSpec[] {
  return modelLayers(describeModel(cfg));
}

/** Index of the head layer in `layerSpecs(cfg)`. */
export function headIndex(cfg: VaeConfig): number {
  return describeModel(cfg).encoder.length;
}

/** Where one tensor lives in an arena, in floats. Padding rows and columns hold zeros. */
export interface TensorSlot {
  name: string;
  rows: number;
  cols: number;
  /** Row stride in floats (cols rounded up to 4). */
  ld: number;
  /** Stored rows (rows rounded up to 4; 1 for a bias). */
  paddedRows: number;
  /** Start in floats, aligned to the device's storage offset alignment. */
  offset: number;
  /** Stored floats: paddedRows * ld. */
  size: number;
}

/** The parameter arena: every layer's tensors, offsets aligned to `alignBytes`. */
export interface ArenaLayout {
  slots: TensorSlot[];
  /** Total floats, a multiple of 4. */
  size: number;
}

/** Lays out every parameter tensor of `layers` (as their layer types declare them) in one arena. */
export function parameterLayout(layers: LayerSpec[], alignBytes: number): ArenaLayout {
  const alignFloats = Math.max(4, alignBytes / 4);
  const slots: TensorSlot[] = [];
  let offset = 0;
  for (const l of layers) {
    for (const p of layerParameters(l)) {
      offset = Math.ceil(offset / alignFloats) * alignFloats;
      const ld = (p.cols + 3) & ~3;
      // A bias is one row; a weight's rows are padded so a 4-row block never reads past it.
      const paddedRows = p.bias ? 1 : (p.rows + 3) & ~3;
      slots.push({ name: p.fullName, rows: p.rows, cols: p.cols, ld, paddedRows, offset, size: paddedRows * ld });
      offset += paddedRows * ld;
    }
  }
  return { slots, size: Math.ceil(offset / alignFloats) * alignFloats };
}

/** Parameters of the layers (unpadded values), for reporting. */
export function parameterCount(layers: LayerSpec[]): number {
  return layers.reduce((s, l) => s + layerParameters(l).reduce((t, p) => t + p.rows * p.cols, 0), 0);
}
