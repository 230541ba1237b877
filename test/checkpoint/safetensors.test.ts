// Safetensors checkpoints: bit-exact round trips, the PyTorch example's names and shapes, and
// one hand-built file per rejection, each checked for a one-line message with the right numbers.
import { describe, expect, it } from 'vitest';
import { messageOf } from '../util/errors.js';
import {
  checkpointMetadata,
  configFromMetadata,
  extraFromMetadata,
  fromCheckpointTensors,
  loadCheckpoint,
  saveCheckpoint,
  toCheckpointTensors,
} from '../../src/checkpoint/checkpoint.js';
import { decodeSafetensors, encodeSafetensors, type F32Tensor } from '../../src/checkpoint/safetensors.js';
import { DEFAULT_CONFIG, resolveConfig, type VaeConfig } from '../../src/config.js';
import { initParameters, type ParameterSet } from '../../src/model/init.js';
import { layerParameters } from '../../src/layers/registry.js';
import { describeModel, layerSpecs } from '../../src/model/describe.js';

const NAME = 'm.safetensors';
const DEFAULT: VaeConfig = resolveConfig(DEFAULT_CONFIG);
const ODD: VaeConfig = resolveConfig({ inputSize: 13, hidden: [7, 5], latent: 3, batch: 9 });
const CONV: VaeConfig = resolveConfig({ arch: 'conv' });

/** A hand-built file: declared header length (default: the real one), header text, data bytes. */
function file(header: string, data: Uint8Array | number = 0, declared?: number | bigint): Uint8Array {
  const h = new TextEncoder().encode(header);
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declared ?? h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}
const entry = (dtype: unknown, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

/** Asserts decoding `bytes` fails with `${NAME}: ` and a message matching `re`. */
function rejects(bytes: Uint8Array, re: RegExp): void {
  const m = messageOf(() => decodeSafetensors(bytes, NAME));
  expect(m.startsWith(`${NAME}: `), m).toBe(true);
  expect(m).toMatch(re);
}

/** Bit patterns, so -0 and NaN payloads count. */
const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
/** Asserts identical bits; on failure prints the label, first differing index and both values. */
function expectBits(got: Float32Array, want: Float32Array, label: string): void {
  expect(got.length, `${label} length`).toBe(want.length);
  const g = bits(got);
  const w = bits(want);
  let i = 0;
  while (i < w.length && g[i] === w[i]) i++;
  expect(i === w.length, `${label}: first difference at ${i}: ${got[i]} vs ${want[i]}`).toBe(true);
}
function expectSameParams(got: ParameterSet, want: ParameterSet): void {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [k, w] of want) expectBits(got.get(k)!, w, k);
}
function headerOf(bytes: Uint8Array): { length: number; text: string } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { length, text: new TextDecoder().decode(bytes.subarray(8, 8 + length)) };
}

describe('checkpoint round trip', () => {
  for (const [label, cfg] of [
    ['default 784-400-20', DEFAULT], ['2 hidden layers 13-7-5-3', ODD], ['no hidden layer 13-3', resolveConfig({ inputSize: 13, hidden: [], latent: 3, batch: 2 })],
    ['conv 1x28x28-conv32-conv64-16-2', CONV], ['conv on 2x8x12, one convolution, latent 5', resolveConfig({ arch: 'conv', inputShape: [2, 8, 12], channels: [3], dense: 4, latent: 5, batch: 3 })],
  ] as const) {
    it(`${label}: parameters, configuration and metadata come back bit-exact`, () => {
      const params = initParameters(layerSpecs(cfg), 1234);
      // Special values survive too: bytes are copied, never re-rounded.
      const w = params.get(cfg.arch === 'conv' ? `dec${cfg.channels.length + 1}.weight` : 'out.bias')!;
      w[0] = -0;
      new Uint32Array(w.buffer, w.byteOffset)[1] = 0x7fc01234;
      w[2] = Infinity;
      const bytes = saveCheckpoint(params, cfg, { seed: 1234, step: 5678, loss: 104.25, test_loss: 101.5 });
      const back = loadCheckpoint(bytes, NAME);
      expectSameParams(back.params, params);
      expect(back.config).toEqual(cfg);
      expect(extraFromMetadata(back.metadata)).toEqual({ seed: 1234, step: 5678, loss: 104.25 });
      expect(back.metadata.test_loss).toBe('101.5');
      // Encoding is deterministic.
      const again = saveCheckpoint(params, cfg, { seed: 1234, step: 5678, loss: 104.25, test_loss: 101.5 });
      expect(Buffer.compare(again, bytes), 'second encoding differs').toBe(0);
    });
  }

  it('the default model uses the PyTorch example names and [out, in] shapes', () => {
    const params = initParameters(layerSpecs(DEFAULT), 7);
    const t = toCheckpointTensors(params, DEFAULT);
    const shapes = Object.fromEntries([...t].map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      'fc1.weight': [400, 784], 'fc1.bias': [400],
      'fc21.weight': [20, 400], 'fc21.bias': [20],
      'fc22.weight': [20, 400], 'fc22.bias': [20],
      'fc3.weight': [400, 20], 'fc3.bias': [400],
      'fc4.weight': [784, 400], 'fc4.bias': [784],
    });
    for (const v of t.values()) expect(v.dtype).toBe('F32');
    // fc21 is the mu half (first `latent` rows of head), fc22 the logvar half.
    const head = params.get('head.weight')!;
    expectBits(t.get('fc21.weight')!.data, head.subarray(0, 20 * 400), 'fc21.weight');
    expectBits(t.get('fc22.weight')!.data, head.subarray(20 * 400), 'fc22.weight');
    expectBits(t.get('fc22.bias')!.data, params.get('head.bias')!.subarray(20), 'fc22.bias');
    expectBits(t.get('fc1.weight')!.data, params.get('enc1.weight')!, 'fc1.weight');
    expectBits(t.get('fc3.weight')!.data, params.get('dec1.weight')!, 'fc3.weight');
    expectBits(t.get('fc4.bias')!.data, params.get('out.bias')!, 'fc4.bias');
  });

  it('several hidden layers use encoder.{i}, fc21/fc22, decoder.{i}, fc4', () => {
    const t = toCheckpointTensors(initParameters(layerSpecs(ODD), 7), ODD);
    const shapes = Object.fromEntries([...t].map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      'encoder.0.weight': [7, 13], 'encoder.0.bias': [7],
      'encoder.1.weight': [5, 7], 'encoder.1.bias': [5],
      'fc21.weight': [3, 5], 'fc21.bias': [3],
      'fc22.weight': [3, 5], 'fc22.bias': [3],
      'decoder.0.weight': [5, 3], 'decoder.0.bias': [5],
      'decoder.1.weight': [7, 5], 'decoder.1.bias': [7],
      'fc4.weight': [13, 7], 'fc4.bias': [13],
    });
  });

  it('the conv model uses the names and layouts of the PyTorch module (Conv2d [out, in, k, k], ConvTranspose2d [in, out, k, k])', () => {
    const params = initParameters(layerSpecs(CONV), 7);
    const t = toCheckpointTensors(params, CONV);
    const shapes = Object.fromEntries([...t].map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      'enc1.weight': [32, 1, 3, 3], 'enc1.bias': [32],
      'enc2.weight': [64, 32, 3, 3], 'enc2.bias': [64],
      'fc1.weight': [16, 3136], 'fc1.bias': [16],
      'fc21.weight': [2, 16], 'fc21.bias': [2],
      'fc22.weight': [2, 16], 'fc22.bias': [2],
      'fc3.weight': [3136, 2], 'fc3.bias': [3136],
      'dec1.weight': [64, 64, 3, 3], 'dec1.bias': [64],
      'dec2.weight': [64, 32, 3, 3], 'dec2.bias': [32],
      'dec3.weight': [32, 1, 3, 3], 'dec3.bias': [1],
    });
    expectBits(t.get('enc2.weight')!.data, params.get('enc2.weight')!, 'enc2.weight');
    expectBits(t.get('dec2.weight')!.data, params.get('dec2.weight')!, 'dec2.weight');
    expectBits(t.get('fc22.bias')!.data, params.get('head.bias')!.subarray(2), 'fc22.bias');
    const m = checkpointMetadata(CONV, { seed: 1, step: 2 });
    expect(m).toMatchObject({ arch: 'conv', channels: '32,64', dense: '16', latent: '2', inputShape: '1,28,28' });
    expect(m.hidden).toBeUndefined();
    // PyTorch's default initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias,
    // fan_in = weight.size(1) k k (cin k k for Conv2d, cout k k for ConvTranspose2d).
    const fanIn: Record<string, number> = { enc1: 9, enc2: 288, fc1: 3136, head: 16, fc3: 2, dec1: 576, dec2: 288, dec3: 9 };
    for (const l of layerSpecs(CONV)) {
      for (const p of layerParameters(l)) {
        expect(p.init, p.fullName).toEqual({ kind: 'uniform', bound: 1 / Math.sqrt(fanIn[l.name]) });
        const values = params.get(p.fullName)!;
        expect(Math.max(...values.map(Math.abs)), p.fullName).toBeLessThanOrEqual(1 / Math.sqrt(fanIn[l.name]));
        if (values.length >= 64) expect(Math.max(...values.map(Math.abs)), p.fullName).toBeGreaterThan(0.9 / Math.sqrt(fanIn[l.name]));
      }
    }
  });

  it('conv metadata is read back with validation', () => {
    const m = checkpointMetadata(CONV, { seed: 9, step: 0 });
    expect(configFromMetadata(m)).toEqual(CONV);
    const bad = (patch: Record<string, string | undefined>, re: RegExp) => {
      const meta = { ...m, ...patch } as Record<string, string>;
      for (const k of Object.keys(patch)) if (patch[k] === undefined) delete meta[k];
      expect(messageOf(() => configFromMetadata(meta, NAME))).toMatch(re);
    };
    bad({ arch: 'resnet' }, /metadata "arch" is "resnet", this runtime builds "mlp" and "conv"/);
    bad({ channels: undefined }, /metadata has no "channels"/);
    bad({ channels: '' }, /metadata "channels" is "", must be widths separated by commas/);
    bad({ dense: 'x' }, /metadata "dense" is "x", must be a whole number/);
    bad({ inputShape: '1,28,30', inputSize: '840' }, /invalid model \(config: arch conv halves the image 2 times \(channels 32,64\), so its height and width must be multiples of 4, got 28x30\)/);
    // A file without arch is an MLP, as every file written before the conv VAE.
    bad({ arch: undefined }, /metadata has no "hidden"/);
  });

  it('header: 8-aligned length, space padding, JSON with sorted packed tensors and string metadata', () => {
    const bytes = saveCheckpoint(initParameters(layerSpecs(DEFAULT), 3), DEFAULT, { seed: 3, step: 10 });
    const { length, text } = headerOf(bytes);
    expect(length % 8).toBe(0);
    expect(text).toMatch(/^\{.*\} *$/);
    expect(text.length - text.trimEnd().length).toBeLessThan(8);
    const h = JSON.parse(text) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> & { __metadata__: Record<string, string> };
    expect(h.__metadata__).toEqual({
      format: 'webgpu-vae', formatVersion: '1', inputSize: '784', inputShape: '784', hidden: '400', latent: '20', batch: '128', objective: 'bce+kl', seed: '3', step: '10',
      // Every checkpoint records its model's spec (examples/pytorch builds the module from it).
      spec: JSON.stringify(describeModel(DEFAULT).spec),
    });
    const names = Object.keys(h).filter((k) => k !== '__metadata__');
    expect(names).toEqual([...names].sort());
    let end = 0;
    for (const n of names) {
      expect(h[n].data_offsets[0], n).toBe(end);
      end = h[n].data_offsets[1];
    }
    expect(8 + length + end).toBe(bytes.length);
  });

  it('tensor order does not depend on insertion order; an empty file is valid', () => {
    const a: [string, F32Tensor] = ['b', { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }];
    const b: [string, F32Tensor] = ['a', { dtype: 'F32', shape: [1, 1], data: new Float32Array([3]) }];
    expect(encodeSafetensors(new Map([a, b]))).toEqual(encodeSafetensors(new Map([b, a])));
    const empty = encodeSafetensors(new Map());
    expect(headerOf(empty).text).toBe('{}      ');
    expect(decodeSafetensors(empty, NAME).tensors.size).toBe(0);
  });

  it('reads data at any alignment, copying into fresh arrays', () => {
    const enc = encodeSafetensors(new Map([['x', { dtype: 'F32', shape: [3], data: new Float32Array([1.5, -2, 3e-30]) }]]), { k: 'v' });
    const shifted = new Uint8Array(enc.length + 1);
    shifted.set(enc, 1);
    const { tensors, metadata } = decodeSafetensors(shifted.subarray(1), NAME);
    expect(Array.from(tensors.get('x')!.data)).toEqual([1.5, -2, Math.fround(3e-30)]);
    expect(tensors.get('x')!.data.buffer).not.toBe(shifted.buffer);
    expect(metadata).toEqual({ k: 'v' });
  });

  it('converts F16, BF16 and F64 to float32', () => {
    const data = new Uint8Array(2 * 3 + 2 * 2 + 8 * 2 + 1);
    const v = new DataView(data.buffer);
    // F16 1.0, -2.5, smallest subnormal 2^-24.
    [0x3c00, 0xc100, 0x0001].forEach((h, i) => v.setUint16(2 * i, h, true));
    // BF16 1.0 and -3.0 (top halves of their float32 bits), at odd offsets.
    [0x3f80, 0xc040].forEach((h, i) => v.setUint16(6 + 2 * i, h, true));
    v.setFloat64(10, 0.1, true);
    v.setFloat64(18, -1e300, true);
    const header = JSON.stringify({ h: entry('F16', [3], [0, 6]), b: entry('BF16', [2], [6, 10]), d: entry('F64', [2], [10, 26]), u: entry('F32', [0], [26, 26]) });
    const { tensors } = decodeSafetensors(file(header, data.subarray(0, 26)), NAME);
    expect(Array.from(tensors.get('h')!.data)).toEqual([1, -2.5, 2 ** -24]);
    expect(Array.from(tensors.get('b')!.data)).toEqual([1, -3]);
    expect(Array.from(tensors.get('d')!.data)).toEqual([Math.fround(0.1), -Infinity]);
    expect(tensors.get('d')!.dtype).toBe('F64');
    expect(tensors.get('u')!.data.length).toBe(0);
  });
});

describe('decodeSafetensors rejects', () => {
  const ok = (o: object, data = 8) => file(JSON.stringify(o), data);

  it('a file shorter than the 8-byte length field', () => {
    rejects(new Uint8Array(0), /file is 0 bytes, shorter than the 8-byte header length/);
    rejects(new Uint8Array(7), /file is 7 bytes/);
  });
  it('a header length longer than the file', () => {
    rejects(file('{}', 0, 3), /header length 3 bytes runs past the end of the 10-byte file/);
    rejects(file('{}', 0, 1000), /header length 1000 bytes runs past the end of the 10-byte file/);
  });
  it('a header over 100 MB, without reading it', () => {
    rejects(file('{}', 0, 100_000_001), /header length 100000001 bytes is over the 100000000-byte \(100 MB\) limit/);
    rejects(file('{}', 0, 2n ** 64n - 1n), /header length 18446744073709551615 bytes is over/);
  });
  it('a header that is not UTF-8', () => {
    const b = file('{"a":1}');
    b[10] = 0xff;
    rejects(b, /header \(7 bytes\) is not valid UTF-8/);
    // A UTF-16 surrogate encoded as UTF-8 (ED A0 80) is invalid UTF-8 too.
    const s = file('{"abc":1}');
    s.set([0xed, 0xa0, 0x80], 10);
    rejects(s, /header \(9 bytes\) is not valid UTF-8/);
  });
  it('a header that is not JSON', () => {
    rejects(file(''), /header \(0 bytes\) is not JSON/);
    rejects(file('{"a": {"dtype": "F32",\n'), /header \(23 bytes\) is not JSON/);
    rejects(file('{} trailing'), /is not JSON/);
  });
  it('a header that is not an object', () => {
    rejects(file('[]'), /header is an array, must be a JSON object/);
    rejects(file('42'), /header is 42, must be a JSON object/);
    rejects(file('null'), /header is null, must be a JSON object/);
    rejects(file('"x"'), /header is "x", must be a JSON object/);
  });
  it('duplicate tensor names, including names with escaped quotes and escapes', () => {
    const e = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    const e2 = '{"dtype":"F32","shape":[1],"data_offsets":[4,8]}';
    rejects(file(`{"w":${e},"w":${e2}}`, 8), /duplicate tensor name "w" in the header/);
    // The name a"b, written twice.
    rejects(file(`{"a\\"b":${e},"a\\"b":${e2}}`, 8), /duplicate tensor name "a\\"b"/);
    // The name ending in a backslash: the scanner must not treat \\" as an escaped quote.
    rejects(file(`{"x\\\\":${e}, "x\\\\" :${e2}}`, 8), /duplicate tensor name "x\\\\"/);
    // The same name spelled with a \u escape.
    rejects(file(`{"a":${e},"\\u0061":${e2}}`, 8), /duplicate tensor name "a"/);
    // Distinct names that only differ after an escaped quote, and key-like text inside values, are fine.
    const fine = `{"__metadata__":{"note":"{\\"w\\":1,\\"w\\":2}"},"a\\"b":${e},"a\\"c":${e2}}`;
    const { tensors, metadata } = decodeSafetensors(file(fine, 8), NAME);
    expect([...tensors.keys()]).toEqual(['a"b', 'a"c']);
    expect(metadata.note).toBe('{"w":1,"w":2}');
  });
  it('a key repeated inside an entry or the metadata', () => {
    rejects(file('{"w":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}', 4), /header entry "w" repeats the key "dtype"/);
    rejects(file('{"__metadata__":{"k":"1","k":"2"}}'), /header entry "__metadata__" repeats the key "k"/);
  });
  it('a __metadata__ that is not a string-to-string map', () => {
    rejects(ok({ __metadata__: 'x' }, 0), /__metadata__ is "x", must be an object of strings/);
    rejects(ok({ __metadata__: ['a'] }, 0), /__metadata__ is \["a"\], must be an object/);
    rejects(ok({ __metadata__: { step: 5 } }, 0), /__metadata__ "step" is 5, values must be strings/);
    rejects(ok({ __metadata__: { a: { b: 'c' } } }, 0), /__metadata__ "a" is \{"b":"c"\}, values must be strings/);
  });
  it('an entry missing a field, with a wrong type, or with an unknown field', () => {
    rejects(ok({ w: [1, 2] }), /tensor "w": entry is \[1,2\], must be an object with dtype, shape and data_offsets/);
    rejects(ok({ w: null }), /tensor "w": entry is null/);
    rejects(ok({ w: { shape: [2], data_offsets: [0, 8] } }), /tensor "w": missing "dtype"/);
    rejects(ok({ w: { dtype: 'F32', data_offsets: [0, 8] } }), /tensor "w": missing "shape"/);
    rejects(ok({ w: { dtype: 'F32', shape: [2] } }), /tensor "w": missing "data_offsets"/);
    rejects(ok({ w: { ...entry('F32', [2], [0, 8]), offsets: 1 } }), /tensor "w": unknown field "offsets"/);
    rejects(ok({ w: entry(5, [2], [0, 8]) }), /tensor "w": dtype is 5, must be a string/);
    rejects(ok({ w: entry('F32', '2', [0, 8]) }), /tensor "w": shape is "2", must be a list of whole numbers/);
    rejects(ok({ w: entry('F32', [2], 8) }), /tensor "w": data_offsets is 8, must be \[begin, end\]/);
    rejects(ok({ w: entry('F32', [2], [0, 4, 8]) }), /data_offsets is \[0,4,8\], must be \[begin, end\]/);
    rejects(ok({ w: entry('F32', [2], ['0', 8]) }), /tensor "w": data_offsets\[0\] is "0", must be a whole number/);
  });
  it('negative, fractional or unsafe dims and offsets', () => {
    rejects(ok({ w: entry('F32', [2, -1], [0, 8]) }), /tensor "w": shape\[1\] is -1, must be a whole number in \[0, 2\^53\)/);
    rejects(ok({ w: entry('F32', [1.5], [0, 8]) }), /shape\[0\] is 1.5/);
    rejects(ok({ w: entry('F32', [2 ** 53], [0, 8]) }), /shape\[0\] is 9007199254740992/);
    rejects(ok({ w: entry('F32', [2 ** 26, 2 ** 26], [0, 8]) }), /tensor "w": shape \[67108864, 67108864\] is too large to address/);
    rejects(ok({ w: entry('F32', [2], [-8, 0]) }), /data_offsets\[0\] is -8/);
    rejects(ok({ w: entry('F32', [2], [0, 8.5]) }), /data_offsets\[1\] is 8.5/);
    rejects(ok({ w: entry('F32', [0], [8, 0]) }), /tensor "w": data_offsets \[8, 0\] end before they begin/);
  });
  it('an unsupported dtype, listing the supported ones', () => {
    rejects(ok({ w: entry('I64', [1], [0, 8]) }), /tensor "w": dtype "I64" is not supported \(supported: F32, F16, BF16, F64\)/);
    rejects(ok({ w: entry('f32', [2], [0, 8]) }), /dtype "f32" is not supported/);
  });
  it('a byte size other than dtype size times the shape product', () => {
    rejects(ok({ w: entry('F32', [3], [0, 8]) }), /tensor "w": F32 \[3\] is 12 bytes but data_offsets \[0, 8\] hold 8/);
    rejects(ok({ w: entry('F16', [2, 2], [0, 8]), v: entry('F32', [1], [8, 8]) }), /tensor "v": F32 \[1\] is 4 bytes but data_offsets \[8, 8\] hold 0/);
  });
  it('offsets that run past the end, overlap, or leave holes; trailing bytes', () => {
    rejects(ok({ w: entry('F32', [4], [0, 16]) }), /tensor "w": data_offsets \[0, 16\] run past the end of the 8-byte data section/);
    rejects(ok({ a: entry('F32', [2], [0, 8]), b: entry('F32', [1], [4, 8]) }), /tensor "b" data_offsets \[4, 8\] overlap tensor "a" \[0, 8\]/);
    rejects(ok({ a: entry('F32', [1], [4, 8]) }), /data bytes \[0, 4\) before tensor "a" belong to no tensor \(a hole\)/);
    rejects(ok({ a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) }, 12), /data bytes \[4, 8\) before tensor "b" belong to no tensor/);
    rejects(ok({ a: entry('F32', [1], [0, 4]) }), /4 trailing bytes after the last tensor \(data section is 8 bytes, tensors end at 4\)/);
    rejects(ok({}, 3), /3 trailing bytes after the last tensor/);
  });
});

describe('configuration and names', () => {
  const tensorsOf = (cfg: VaeConfig) => toCheckpointTensors(initParameters(layerSpecs(cfg), 1), cfg);

  it('rejects a missing tensor, an unexpected one, or a shape mismatch, naming both shapes', () => {
    const t = tensorsOf(DEFAULT);
    t.delete('fc22.bias');
    expect(messageOf(() => fromCheckpointTensors(t, DEFAULT, NAME))).toBe(`${NAME}: missing tensor fc22.bias (configuration 784-400-20 expects shape [20])`);
    const extra = tensorsOf(DEFAULT);
    extra.set('fc5.weight', { dtype: 'F32', shape: [2, 3], data: new Float32Array(6) });
    expect(messageOf(() => fromCheckpointTensors(extra, DEFAULT, NAME))).toBe(`${NAME}: unexpected tensor fc5.weight with shape [2, 3], not part of configuration 784-400-20`);
    const transposed = tensorsOf(DEFAULT);
    transposed.set('fc1.weight', { dtype: 'F32', shape: [784, 400], data: transposed.get('fc1.weight')!.data });
    expect(messageOf(() => fromCheckpointTensors(transposed, DEFAULT, NAME))).toBe(`${NAME}: tensor fc1.weight has shape [784, 400], configuration 784-400-20 expects [400, 784]`);
    // A checkpoint of another model: 2-layer names against the default configuration.
    expect(messageOf(() => fromCheckpointTensors(tensorsOf(ODD), DEFAULT))).toBe('checkpoint: missing tensor fc1.weight (configuration 784-400-20 expects shape [400, 784])');
    const wider = resolveConfig({ ...DEFAULT, latent: 2 });
    expect(messageOf(() => fromCheckpointTensors(tensorsOf(DEFAULT), wider))).toMatch(/tensor fc21\.weight has shape \[20, 400\], configuration 784-400-2 expects \[2, 400\]/);
  });

  it('toCheckpointTensors rejects parameters that do not fit the configuration', () => {
    const p = initParameters(layerSpecs(DEFAULT), 1);
    p.delete('dec1.bias');
    expect(messageOf(() => toCheckpointTensors(p, DEFAULT))).toMatch(/parameter dec1\.bias is missing \(configuration 784-400-20 needs 400 values\)/);
    const q = initParameters(layerSpecs(DEFAULT), 1);
    q.set('head.bias', new Float32Array(20));
    expect(messageOf(() => toCheckpointTensors(q, DEFAULT))).toMatch(/parameter head\.bias has 20 values, configuration 784-400-20 needs 40/);
    const r = initParameters(layerSpecs(DEFAULT), 1);
    r.set('extra.weight', new Float32Array(1));
    expect(messageOf(() => toCheckpointTensors(r, DEFAULT))).toMatch(/parameter extra\.weight is not part of configuration 784-400-20/);
  });

  it('encodeSafetensors rejects inconsistent tensors and non-string metadata', () => {
    expect(messageOf(() => encodeSafetensors(new Map([['w', { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }]])))).toMatch(/tensor "w" has shape \[2, 2\] = 4 values but 3 in its data/);
    expect(messageOf(() => encodeSafetensors(new Map([['__metadata__', { dtype: 'F32', shape: [0], data: new Float32Array(0) }]])))).toMatch(/__metadata__ is reserved/);
    expect(messageOf(() => encodeSafetensors(new Map(), { a: 1 as unknown as string }))).toMatch(/metadata "a" is 1, values must be strings/);
  });

  it('every model kind and decoder likelihood round-trips through the objective metadata', () => {
    const cases = [
      [{ kind: 'vae', likelihood: 'bernoulli' }, 'bce+kl', undefined],
      [{ kind: 'ae', likelihood: 'bernoulli' }, 'bce', undefined],
      [{ kind: 'vae', likelihood: 'gaussian', sigma: 0.25 }, 'gaussian+kl', '0.25'],
      [{ kind: 'ae', likelihood: 'gaussian', sigma: 0.1 }, 'gaussian', '0.1'],
    ] as const;
    for (const [objective, name, sigma] of cases) {
      const cfg = resolveConfig({ ...ODD, ...objective });
      const m = checkpointMetadata(cfg, { seed: 1, step: 2 });
      expect(m.objective).toBe(name);
      expect(m.sigma).toBe(sigma);
      expect(configFromMetadata(m)).toEqual(cfg);
    }
  });

  it('metadata records the configuration and reads it back with validation', () => {
    const m = checkpointMetadata(ODD, { seed: 9, step: 0 });
    expect(m).toMatchObject({ inputSize: '13', hidden: '7,5', latent: '3', batch: '9', objective: 'bce+kl', formatVersion: '1' });
    expect(configFromMetadata(m)).toEqual(ODD);
    const bad = (patch: Record<string, string | undefined>, re: RegExp) => {
      const meta = { ...m, ...patch } as Record<string, string>;
      for (const k of Object.keys(patch)) if (patch[k] === undefined) delete meta[k];
      expect(messageOf(() => configFromMetadata(meta, NAME))).toMatch(re);
    };
    bad({ formatVersion: undefined }, /m\.safetensors: metadata has no "formatVersion"/);
    bad({ formatVersion: '2' }, /checkpoint format version "2", this runtime reads version 1/);
    bad({ objective: 'mse' }, /metadata "objective" is "mse", this runtime trains "bce\+kl", "bce", "gaussian\+kl", "gaussian"/);
    bad({ objective: 'gaussian+kl' }, /metadata has no "sigma" \(a Gaussian decoder needs it\)/);
    bad({ objective: 'gaussian', sigma: 'wide' }, /metadata "sigma" is "wide", must be a number/);
    bad({ objective: 'gaussian+kl', sigma: '0' }, /invalid model \(config: sigma must be a number from 0.001 to 1000, got 0\)/);
    bad({ latent: undefined }, /metadata has no "latent"/);
    bad({ latent: '20x' }, /metadata "latent" is "20x", must be a whole number/);
    bad({ batch: '-1' }, /metadata "batch" is "-1", must be a whole number/);
    bad({ inputSize: '07' }, /metadata "inputSize" is "07"/);
    bad({ hidden: '7,,5' }, /metadata "hidden" is "7,,5", must be widths separated by commas/);
    bad({ hidden: undefined }, /metadata has no "hidden"/);
    bad({ inputShape: '1,2,7' }, /config: inputSize 13 does not match inputShape 1x2x7 = 14/);
    bad({ inputShape: '13,1' }, /config: inputShape must be \[features\] or \[channels, height, width\]/);
    bad({ inputShape: '1,x,3' }, /metadata "inputShape" is "1,x,3", must be sizes separated by commas/);
    bad({ latent: '0' }, /metadata describes an invalid model \(config: latent must be a whole number from 1 to 4096, got 0\)/);
    expect(messageOf(() => extraFromMetadata({ ...m, loss: 'abc' }, NAME))).toMatch(/metadata "loss" is "abc", must be a number/);
    expect(messageOf(() => extraFromMetadata({ ...m, seed: '' }, NAME))).toMatch(/metadata "seed" is "", must be a whole number/);
    expect(messageOf(() => checkpointMetadata(ODD, { seed: -1, step: 0 }))).toMatch(/seed must be a whole number >= 0, got -1/);
    expect(messageOf(() => checkpointMetadata(ODD, { seed: 1, step: 0, latent: 4 }))).toMatch(/metadata key latent is reserved/);
  });

  it('loadCheckpoint rejects a file whose metadata and tensors disagree', () => {
    const cfg = DEFAULT;
    const tensors = tensorsOf(cfg);
    const lie = encodeSafetensors(tensors, checkpointMetadata(resolveConfig({ ...cfg, latent: 10 }), { seed: 1, step: 1 }));
    expect(messageOf(() => loadCheckpoint(lie, NAME))).toBe(`${NAME}: tensor fc21.weight has shape [20, 400], configuration 784-400-10 expects [10, 400]`);
    // A file with our format but no version is refused (a PyTorch file without our metadata is
    // loaded by its tensor names: test/checkpoint/pytorch_files.test.ts).
    expect(messageOf(() => loadCheckpoint(encodeSafetensors(tensors, { format: 'webgpu-vae' }), NAME))).toMatch(/m\.safetensors: metadata has no "formatVersion"/);
  });
});
