/**
 * The model description: a VAE's typed layers in three named parts (encoder, head, decoder) and
 * the padded storage layout of their parameters, shared by the GPU runtime, initialisation,
 * checkpoints and the CPU reference.
 *
 * The encoder's two heads (mu and logvar) are one layer of 2*latent outputs: its output row is
 * [mu | logvar]. Checkpoints split it back into the PyTorch example's fc21 and fc22.
 */
import type { VaeConfig } from '../config.js';
import { convLayer } from '../kernels/conv2d.js';
import { layerParameters, type LayerSpec } from '../layers/registry.js';

export { pad4 } from '../gpu/pad.js';
export type { LayerSpec } from '../layers/registry.js';

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

const linear = (name: string, inSize: number, outSize: number, relu: boolean): LayerSpec => ({ type: 'linear', name, inSize, outSize, relu });

/** The VAE of a configuration: `describeMlp` or `describeConv` by `cfg.arch`. */
export function describeModel(cfg: VaeConfig): ModelDescription {
  return cfg.arch === 'conv' ? describeConv(cfg) : describeMlp(cfg);
}

/**
 * The MLP VAE: encoder layers `enc1..encN` (ReLU), `head` (2*latent outputs, linear), decoder
 * layers `dec1..decN` (ReLU, mirrored widths), `out` (linear).
 */
function describeMlp(cfg: VaeConfig): ModelDescription {
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

/**
 * The convolutional VAE (keras-io's, in PyTorch's terms; layer names are the checkpoint's). For
 * channels c1..cn on (C, H, W) images:
 *
 *   encoder  enc1..encn  Conv2d(c_{i-1} -> c_i, 3, stride 2, padding 1) + ReLU   (c_0 = C; H, W halve each time)
 *            fc1         Linear(cn (H/2^n) (W/2^n) -> dense) + ReLU               (flatten: a view, (C, H, W) order)
 *   head     head        Linear(dense -> 2 latent): [mu | logvar]                 (fc21, fc22 in checkpoints)
 *   decoder  fc3         Linear(latent -> cn (H/2^n) (W/2^n)) + ReLU              (reshape: a view)
 *            dec1..decn  ConvTranspose2d(3, stride 2, padding 1, output padding 1) + ReLU, doubling H and W:
 *                        cn -> cn, then c_{n-i+2} -> c_{n-i+1}
 *            dec{n+1}    ConvTranspose2d(c1 -> C, 3, stride 1, padding 1): the logits
 *
 * With channels 32, 64 on 1x28x28: 28 -> 14 -> 7 -> 3136 -> dense ... 3136 -> 7 -> 14 -> 28.
 * resolveConfig has checked that H and W are multiples of 2^n, so the decoder gives the input's size.
 */
function describeConv(cfg: VaeConfig): ModelDescription {
  const [c0, h0, w0] = cfg.inputShape;
  const ch = cfg.channels;
  const n = ch.length;
  const encoder: LayerSpec[] = [];
  let [c, h, w] = [c0, h0, w0];
  ch.forEach((cout, i) => {
    encoder.push(convLayer('conv2d', `enc${i + 1}`, { cin: c, h, w, cout, k: 3, stride: 2, padding: 1 }, true));
    [c, h, w] = [cout, Math.ceil(h / 2), Math.ceil(w / 2)];
  });
  const flat = c * h * w;
  encoder.push(linear('fc1', flat, cfg.dense, true));
  const head = linear('head', cfg.dense, 2 * cfg.latent, false);
  const decoder: LayerSpec[] = [linear('fc3', cfg.latent, flat, true)];
  for (let i = 1; i <= n; i++) {
    const cout = ch[n - i];
    decoder.push(convLayer('conv_transpose2d', `dec${i}`, { cin: c, h, w, cout, k: 3, stride: 2, padding: 1, outputPadding: 1 }, true));
    [c, h, w] = [cout, 2 * h, 2 * w];
  }
  decoder.push(convLayer('conv_transpose2d', `dec${n + 1}`, { cin: c, h, w, cout: c0, k: 3, stride: 1, padding: 1 }, false));
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
