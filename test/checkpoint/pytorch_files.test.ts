// Checkpoints PyTorch writes (safetensors.torch.save_file(model.state_dict(), path)): no
// webgpu-vae metadata, possibly other dtypes. They load when their tensor names and shapes are
// those of a model family we know; anything else fails in one line naming the tensors.
import { describe, expect, it } from 'vitest';
import { messageOf } from '../util/errors.js';
import { loadCheckpoint, saveCheckpoint, toCheckpointTensors } from '../../src/checkpoint/checkpoint.js';
import { decodeSafetensors, encodeSafetensors, type F32Tensor } from '../../src/checkpoint/safetensors.js';
import { resolveConfig, type VaeConfig } from '../../src/config.js';
import { initParameters } from '../../src/model/init.js';
import { layerSpecs } from '../../src/model/describe.js';

const NAME = 'torch.safetensors';


/** The tensors PyTorch's state_dict of `cfg`'s module holds (our writer's names and layouts). */
function torchTensors(cfg: VaeConfig, seed = 2): Map<string, F32Tensor> {
  return toCheckpointTensors(initParameters(layerSpecs(cfg), seed), cfg);
}

/** A safetensors file with every tensor stored as `dtype` (F64, F16 or BF16), as PyTorch would write a model in that precision. */
function withDtype(tensors: Map<string, F32Tensor>, dtype: 'F64' | 'F16' | 'BF16', metadata?: Record<string, string>): Uint8Array {
  const size = dtype === 'F64' ? 8 : 2;
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of [...tensors].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const bytes = new Uint8Array(t.data.length * size);
    const view = new DataView(bytes.buffer);
    t.data.forEach((v, i) => {
      if (dtype === 'F64') view.setFloat64(8 * i, v, true);
      else if (dtype === 'BF16') view.setUint16(2 * i, new Uint32Array(Float32Array.of(v).buffer)[0] >>> 16, true);
      else view.setUint16(2 * i, f16Bits(v), true);
    });
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    chunks.push(bytes);
  }
  let json = JSON.stringify(header);
  while (json.length % 8 !== 0) json += ' ';
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** IEEE half bits of v (round to nearest even; these values are normal halves). */
function f16Bits(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  if (v === 0) return sign;
  if (exp <= 0) return sign; // below half's normal range: the test's values never are
  let mant = (x >>> 13) & 0x3ff;
  const rest = x & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (mant & 1))) mant++;
  return sign | ((exp + (mant >> 10)) << 10) | (mant & 0x3ff);
}

describe('checkpoints PyTorch wrote', () => {
  it('the PyTorch example (fc1, fc21, fc22, fc3, fc4) without metadata: the configuration from the shapes', () => {
    const cfg = resolveConfig({});
    const tensors = torchTensors(cfg);
    const { config, params, metadata } = loadCheckpoint(encodeSafetensors(tensors), NAME);
    expect(config).toEqual(cfg);
    expect(metadata).toEqual({});
    // The same parameters as a file we wrote ourselves.
    const ours = loadCheckpoint(saveCheckpoint(initParameters(layerSpecs(cfg), 2), cfg, { seed: 2, step: 0 }), 'ours.safetensors');
    expect(params).toEqual(ours.params);
  });

  it('deeper models (encoder.{i} / decoder.{i}) and transformers-style `format: pt` metadata', () => {
    const cfg = resolveConfig({ inputSize: 13, hidden: [9, 6], latent: 3 });
    const { config } = loadCheckpoint(encodeSafetensors(torchTensors(cfg), { format: 'pt' }), NAME);
    expect(config).toMatchObject({ inputSize: 13, hidden: [9, 6], latent: 3, batch: 128, kind: 'vae', likelihood: 'bernoulli' });
  });

  it("the conv VAE (REFERENCE.md's enc1..encN, fc1, fc21, fc22, fc3, dec1..dec{N+1}) without metadata: channels, dense, latent and the square image from the shapes", () => {
    const keras = resolveConfig({ arch: 'conv', inputShape: [1, 28, 28] });
    const tensors = torchTensors(keras);
    expect([...tensors.keys()].filter((k) => k.endsWith('.weight')).sort()).toEqual(['dec1.weight', 'dec2.weight', 'dec3.weight', 'enc1.weight', 'enc2.weight', 'fc1.weight', 'fc21.weight', 'fc22.weight', 'fc3.weight']);
    const { config, params } = loadCheckpoint(encodeSafetensors(tensors), NAME);
    expect(config).toEqual(keras);
    expect(params).toEqual(loadCheckpoint(saveCheckpoint(initParameters(layerSpecs(keras), 2), keras, { seed: 2, step: 0 }), 'ours.safetensors').params);
    // Three convolutions of odd widths on 3-channel 16 x 16 images.
    const odd = resolveConfig({ arch: 'conv', inputShape: [3, 16, 16], channels: [3, 5, 7], dense: 9, latent: 5 });
    expect(loadCheckpoint(encodeSafetensors(torchTensors(odd)), NAME).config).toEqual(odd);
  });

  it('a conv VAE file whose fc1 cannot take a square image, or whose convolution is not 4-D, fails in one line', () => {
    const cfg = resolveConfig({ arch: 'conv', inputShape: [1, 8, 12], channels: [2, 3], dense: 4, latent: 2 });
    expect(messageOf(() => loadCheckpoint(encodeSafetensors(torchTensors(cfg)), NAME))).toBe(
      `${NAME}: fc1.weight [4, 18] takes 18 values, not 3 channels of a square image; a file without metadata must hold a square image's model`,
    );
    const flat = torchTensors(resolveConfig({ arch: 'conv', inputShape: [1, 28, 28] }));
    flat.set('enc2.weight', { dtype: 'F32', shape: [64, 288], data: new Float32Array(64 * 288) });
    expect(messageOf(() => loadCheckpoint(encodeSafetensors(flat), NAME))).toBe(`${NAME}: tensor enc2.weight has shape [64, 288], a convolution's weight is [out, in, k, k]`);
  });

  it('converts F64, F16 and BF16 to f32 exactly (every value of those formats is an f32)', () => {
    const cfg = resolveConfig({ inputSize: 13, hidden: [9], latent: 3 });
    const tensors = torchTensors(cfg);
    const want = loadCheckpoint(encodeSafetensors(tensors), NAME).params;
    expect(loadCheckpoint(withDtype(tensors, 'F64'), NAME).params).toEqual(want);
    // The values the files hold: BF16 keeps the top 16 bits of an f32, F16 the rounded half.
    const bf16 = (v: number) => new Float32Array(new Uint32Array([new Uint32Array(Float32Array.of(v).buffer)[0] & 0xffff0000]).buffer)[0];
    const f16 = (v: number) => {
      const h = f16Bits(v);
      const e = (h >> 10) & 0x1f;
      return (h & 0x8000 ? -1 : 1) * (e === 0 ? (h & 0x3ff) * 2 ** -24 : (1 + (h & 0x3ff) / 1024) * 2 ** (e - 15));
    };
    for (const [dtype, value] of [['F16', f16], ['BF16', bf16]] as const) {
      const bytes = withDtype(tensors, dtype);
      expect([...decodeSafetensors(bytes, NAME).tensors.values()].every((t) => t.dtype === dtype)).toBe(true);
      const got = loadCheckpoint(bytes, NAME).params;
      for (const [k, v] of want) expect(got.get(k), `${dtype} ${k}`).toEqual(Float32Array.from(v, value));
    }
  });

  it('missing, unexpected and mis-shaped tensors, and unknown families, fail in one line with the names and shapes', () => {
    const cfg = resolveConfig({});
    const without = torchTensors(cfg);
    without.delete('fc3.bias');
    expect(messageOf(() => loadCheckpoint(encodeSafetensors(without), NAME))).toBe(`${NAME}: missing tensor fc3.bias (configuration 784-400-20 expects shape [400])`);
    const extra = torchTensors(cfg);
    extra.set('fc5.weight', { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) });
    expect(messageOf(() => loadCheckpoint(encodeSafetensors(extra), NAME))).toBe(`${NAME}: unexpected tensor fc5.weight with shape [2, 2], not part of configuration 784-400-20`);
    const bent = torchTensors(cfg);
    bent.set('fc22.weight', { dtype: 'F32', shape: [10, 400], data: new Float32Array(4000) });
    expect(messageOf(() => loadCheckpoint(encodeSafetensors(bent), NAME))).toBe(`${NAME}: tensor fc22.weight has shape [10, 400], configuration 784-400-20 expects [20, 400]`);
    const flat = torchTensors(cfg);
    flat.set('fc1.weight', { dtype: 'F32', shape: [400 * 784], data: new Float32Array(400 * 784) });
    expect(messageOf(() => loadCheckpoint(encodeSafetensors(flat), NAME))).toBe(`${NAME}: tensor fc1.weight has shape [313600], a linear layer's weight is [out, in]`);
    const other = new Map<string, F32Tensor>([['conv.weight', { dtype: 'F32', shape: [8, 1, 3, 3], data: new Float32Array(72) }], ['conv.bias', { dtype: 'F32', shape: [8], data: new Float32Array(8) }]]);
    const msg = messageOf(() => loadCheckpoint(encodeSafetensors(other), NAME));
    expect(msg).toMatch(/^torch\.safetensors: no webgpu-vae metadata, and its tensors \(conv\.bias \[8\], conv\.weight \[8, 1, 3, 3\]\) are not those of a model this runtime knows: the MLP VAE .*; the convolutional VAE \(enc1\.\.encN/);
    expect(msg).not.toContain('\n');
  });
});
