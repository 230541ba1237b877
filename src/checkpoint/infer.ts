/**
 * Configurations of checkpoints written without our metadata, by PyTorch itself
 * (`safetensors.torch.save_file(model.state_dict(), path)`): the model family is recognised by
 * its tensor names and the sizes are read from their shapes. What shapes cannot tell (the
 * batch, the objective) takes the defaults of the PyTorch example: batch 128, a VAE with a
 * Bernoulli decoder. Every tensor is then checked against the inferred configuration
 * (fromCheckpointTensors), so a missing, unexpected or mis-shaped one fails naming it.
 */
import { resolveConfig, type VaeConfig } from '../config.js';
import { shapeText, show } from './safetensors.js';

type Shapes = Map<string, { shape: number[] }>;

/** `a [1, 2], b [3]` of the first few tensors, for messages. */
function listed(tensors: Shapes, most = 6): string {
  const names = [...tensors.keys()];
  const text = names.slice(0, most).map((k) => `${/^[\w.-]+$/.test(k) ? k : show(k)} ${shapeText(tensors.get(k)!.shape)}`).join(', ');
  return names.length > most ? `${text} and ${names.length - most} more` : text || 'no tensors';
}

/** The [out, in] shape of a weight, or an Error naming it. */
function matrixShape(tensors: Shapes, key: string, name: string): [number, number] {
  const s = tensors.get(key)?.shape;
  if (!s) throw new Error(`${name}: missing tensor ${key}`);
  if (s.length !== 2) throw new Error(`${name}: tensor ${key} has shape ${shapeText(s)}, a linear layer's weight is [out, in]`);
  return [s[0], s[1]];
}

/** The configuration of an MLP VAE named as the PyTorch example (fc1, fc21, fc22, fc3, fc4) or with encoder.{i} / decoder.{i}. */
function mlpConfig(tensors: Shapes, name: string): Partial<VaeConfig> {
  const [latent] = matrixShape(tensors, 'fc21.weight', name);
  if (tensors.has('fc1.weight')) {
    const [hidden, inputSize] = matrixShape(tensors, 'fc1.weight', name);
    return { inputSize, hidden: [hidden], latent };
  }
  const hidden: number[] = [];
  let inputSize = 0;
  for (let i = 0; tensors.has(`encoder.${i}.weight`); i++) {
    const [out, inp] = matrixShape(tensors, `encoder.${i}.weight`, name);
    if (i === 0) inputSize = inp;
    hidden.push(out);
  }
  return { inputSize, hidden, latent };
}

/** The [out, in, k, k] shape of a (transposed) convolution's weight, or an Error naming it. */
function kernelShape(tensors: Shapes, key: string, name: string): number[] {
  const s = tensors.get(key)?.shape;
  if (!s) throw new Error(`${name}: missing tensor ${key}`);
  if (s.length !== 4) throw new Error(`${name}: tensor ${key} has shape ${shapeText(s)}, a convolution's weight is [out, in, k, k]`);
  return s;
}

/**
 * The configuration of a conv VAE named as REFERENCE.md's module (enc1..encN, fc1, fc21, fc22,
 * fc3, dec1..dec{N+1}). The shapes give channels, dense width and latent size, and the
 * flattened size C_N (H / 2^N) (W / 2^N) of fc1's input; without metadata the image is taken
 * to be square (as MNIST's 28 x 28), which is the one assumption the names cannot settle.
 */
function convConfig(tensors: Shapes, name: string): Partial<VaeConfig> {
  const channels: number[] = [];
  let inChannels = 0;
  for (let i = 1; tensors.has(`enc${i}.weight`); i++) {
    const [out, inp] = kernelShape(tensors, `enc${i}.weight`, name);
    if (i === 1) inChannels = inp;
    channels.push(out);
  }
  const [dense, flat] = matrixShape(tensors, 'fc1.weight', name);
  const [latent] = matrixShape(tensors, 'fc21.weight', name);
  const last = channels[channels.length - 1];
  const side = Math.round(Math.sqrt(flat / last));
  if (side * side * last !== flat) {
    throw new Error(`${name}: fc1.weight ${shapeText([dense, flat])} takes ${flat} values, not ${last} channels of a square image; a file without metadata must hold a square image's model`);
  }
  const size = side * 2 ** channels.length;
  return { arch: 'conv', inputShape: [inChannels, size, size], channels, dense, latent };
}

/** The families a file without our metadata can be, recognised by the names of their tensors. */
const FAMILIES: { what: string; matches: (t: Shapes) => boolean; config: (t: Shapes, name: string) => Partial<VaeConfig> }[] = [
  {
    what: "the MLP VAE (the PyTorch example's fc1, fc21, fc22, fc3, fc4, or encoder.{i}, fc21, fc22, decoder.{i}, fc4)",
    matches: (t) => t.has('fc21.weight') && t.has('fc4.weight') && (t.has('fc1.weight') || t.has('encoder.0.weight')),
    config: mlpConfig,
  },
  {
    what: 'the convolutional VAE (enc1..encN, fc1, fc21, fc22, fc3, dec1..dec{N+1})',
    matches: (t) => t.has('enc1.weight') && t.has('fc1.weight') && t.has('fc21.weight') && t.has('dec1.weight'),
    config: convConfig,
  },
];

/** The configuration of a checkpoint without our metadata, from its tensor names and shapes. */
export function inferConfig(tensors: Shapes, name: string): VaeConfig {
  const family = FAMILIES.find((f) => f.matches(tensors));
  if (!family) {
    throw new Error(`${name}: no webgpu-vae metadata, and its tensors (${listed(tensors)}) are not those of a model this runtime knows: ${FAMILIES.map((f) => f.what).join('; ')}`);
  }
  const partial = family.config(tensors, name);
  try {
    return resolveConfig({ ...partial, batch: 128 });
  } catch (e) {
    throw new Error(`${name}: its tensors describe an invalid model (${(e as Error).message})`);
  }
}
