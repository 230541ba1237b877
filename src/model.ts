/**
 * The layer list of an MLP VAE and the padded storage layout shared by the GPU runtime.
 *
 * The encoder's two heads (mu and logvar) are one dense layer of 2*latent outputs: its output
 * row is [mu | logvar]. Checkpoints split it back into the PyTorch example's fc21 and fc22.
 */
import type { VaeConfig } from './config.js';

/** One dense layer: y = x W^T + b, then ReLU when `relu`. W is (outSize, inSize), row-major. */
export interface LayerSpec {
  name: string;
  inSize: number;
  outSize: number;
  relu: boolean;
}

/**
 * Layers in execution order: encoder layers `enc1..encN` (ReLU), `head` (2*latent outputs,
 * linear), decoder layers `dec1..decN` (ReLU, mirrored widths), `out` (logits, linear).
 */
export function layerSpecs(cfg: VaeConfig): LayerSpec[] {
  const layers: LayerSpec[] = [];
  let width = cfg.inputSize;
  cfg.hidden.forEach((h, i) => {
    layers.push({ name: `enc${i + 1}`, inSize: width, outSize: h, relu: true });
    width = h;
  });
  layers.push({ name: 'head', inSize: width, outSize: 2 * cfg.latent, relu: false });
  width = cfg.latent;
  [...cfg.hidden].reverse().forEach((h, i) => {
    layers.push({ name: `dec${i + 1}`, inSize: width, outSize: h, relu: true });
    width = h;
  });
  layers.push({ name: 'out', inSize: width, outSize: cfg.inputSize, relu: false });
  return layers;
}

/** Index of the head layer in `layerSpecs(cfg)`. */
export function headIndex(cfg: VaeConfig): number {
  return cfg.hidden.length;
}

/** Rounds up to a multiple of 4: every stored matrix has rows and columns padded so (zeros). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
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

/** The parameter arena: every layer's weight then bias, offsets aligned to `alignBytes`. */
export interface ArenaLayout {
  slots: TensorSlot[];
  /** Total floats, a multiple of 4. */
  size: number;
}

/** Lays out weights (outSize x inSize) and biases (outSize) of every layer in one arena. */
export function parameterLayout(layers: LayerSpec[], alignBytes: number): ArenaLayout {
  const alignFloats = Math.max(4, alignBytes / 4);
  const slots: TensorSlot[] = [];
  let offset = 0;
  const add = (name: string, rows: number, cols: number, isBias: boolean) => {
    offset = Math.ceil(offset / alignFloats) * alignFloats;
    const ld = pad4(cols);
    // A bias is one row; a weight's rows are padded so a 4-row block never reads past it.
    const paddedRows = isBias ? 1 : pad4(rows);
    slots.push({ name, rows, cols, ld, paddedRows, offset, size: paddedRows * ld });
    offset += paddedRows * ld;
  };
  for (const l of layers) {
    add(`${l.name}.weight`, l.outSize, l.inSize, false);
    add(`${l.name}.bias`, 1, l.outSize, true);
  }
  return { slots, size: Math.ceil(offset / alignFloats) * alignFloats };
}

/** Floats a linear layer's tensors take, for reporting. */
export function parameterCount(layers: LayerSpec[]): number {
  return layers.reduce((s, l) => s + l.outSize * l.inSize + l.outSize, 0);
}
