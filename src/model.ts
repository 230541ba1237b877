/**
 * The model description: a VAE's typed layers in three named parts (encoder, head, decoder) and
 * the padded storage layout of their parameters, shared by the GPU runtime, initialisation,
 * checkpoints and the CPU reference.
 *
 * The encoder's two heads (mu and logvar) are one layer of 2*latent outputs: its output row is
 * [mu | logvar]. Checkpoints split it back into the PyTorch example's fc21 and fc22.
 */
import type { VaeConfig } from './config.js';
import { layerParameters, type LayerSpec } from './layers.js';

export { pad4 } from './gpu/pad.js';
export type { LayerSpec } from './layers.js';

/** A VAE as layers: x -> encoder -> head [mu | logvar] -> z -> decoder -> output (the size of x). */
export interface ModelDescription {
  /** The input's shape: [features] or [channels, height, width]. */
  input: number[];
  /** Layers from the input to the head's input (each with ReLU). */
  encoder: LayerSpec[];
  /** The layer whose output rows are [mu | logvar], 2 * latent wide (no activation). */
  head: LayerSpec;
  latent: number;
  /** Layers from z to the output: the decoder's likelihood parameters (logits or means), the input's size. */
  decoder: LayerSpec[];
}

/**
 * The MLP VAE of a configuration: encoder layers `enc1..encN` (ReLU), `head` (2*latent outputs,
 * linear), decoder layers `dec1..decN` (ReLU, mirrored widths), `out` (linear).
 */
export function describeModel(cfg: VaeConfig): ModelDescription {
  const linear = (name: string, inSize: number, outSize: number, relu: boolean): LayerSpec => ({ type: 'linear', name, inSize, outSize, relu });
  const encoder: LayerSpec[] = [];
  let width = cfg.inputSize;
  cfg.hidden.forEach((h, i) => {
    encoder.push(linear(`enc${i + 1}`, width, h, true));
    width = h;
  });
  const head = linear('head', width, 2 * cfg.latent, false);
  const decoder: LayerSpec[] = [];
  width = cfg.latent;
  [...cfg.hidden].reverse().forEach((h, i) => {
    decoder.push(linear(`dec${i + 1}`, width, h, true));
    width = h;
  });
  decoder.push(linear('out', width, cfg.inputSize, false));
  return { input: cfg.inputShape, encoder, head, latent: cfg.latent, decoder };
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
