// Models written as data (src/model/spec.ts): every mistake refused in one line naming the layer
// and the numbers; the shorthands' specs; a spec of the issue's kind (kernel 4 / stride 2 /
// padding 1 convolutions, LeakyReLU, a decoder that is not the encoder's mirror) training one
// step equal to the float64 reference tensor by tensor; spec checkpoints round-trip.
import { describe, expect, it } from 'vitest';
import { configFromMetadata, checkpointMetadata, configName, loadCheckpoint, saveCheckpoint } from '../src/checkpoint/checkpoint.js';
import { resolveConfig, type VaeConfig } from '../src/config.js';
import { describeModel, layerSpecs, parameterCount } from '../src/model/describe.js';
import { initParameters } from '../src/model/init.js';
import { resolveSpec, type ModelSpec } from '../src/model/spec.js';
import { Vae } from '../src/vae/vae.js';
import { messageOf } from './util/errors.js';
import { RGB } from './util/specs.js';
import { testGpu } from './util/gpu.js';
import { expectStepsMatch, steps } from './util/step.js';

/** A small spec in the same spirit, with every activation kind somewhere and an asymmetric decoder (for the GPU step). */
const SMALL: ModelSpec = {
  input: [2, 8, 8], latent: 3,
  encoder: [
    { type: 'conv2d', name: 'enc1', out: 5, kernel: 4, stride: 2, padding: 1, activation: 'leaky_relu', slope: 0.2 },
    { type: 'conv2d', name: 'enc2', out: 6, kernel: 3, stride: 1, padding: 1, activation: 'elu' },
    { type: 'flatten' }, { type: 'linear', name: 'fc1', out: 9, activation: 'tanh' },
  ],
  decoder: [
    { type: 'linear', name: 'fc3', out: 7, activation: 'sigmoid' },
    { type: 'linear', name: 'fc4', out: 4 * 4 * 4, activation: 'leaky_relu' },
    { type: 'reshape', shape: [4, 4, 4] },
    { type: 'conv_transpose2d', name: 'dec1', out: 2, kernel: 4, stride: 2, padding: 1 },
  ],
};

describe('model specs: resolution', () => {
  it("the issue's RGB example: shapes flow from the input, views cost nothing", () => {
    const m = resolveSpec(RGB);
    expect(m.rows.map((r) => `${r.part} ${r.type} [${r.inShape}] -> [${r.outShape}]`)).toEqual([
      'encoder conv2d [3,32,32] -> [32,16,16]', 'encoder flatten [32,16,16] -> [8192]', 'encoder linear [8192] -> [256]',
      'head linear [256] -> [64]',
      'decoder linear [32] -> [2048]', 'decoder reshape [2048] -> [32,8,8]', 'decoder conv_transpose2d [32,8,8] -> [32,16,16]',
      'decoder conv_transpose2d [32,16,16] -> [3,32,32]',
    ]);
    expect(m.encoder.map((l) => `${l.name}:${l.activation.kind}(${l.activation.param})`)).toEqual(['enc1:leaky_relu(0.2)', 'fc1:relu(0)']);
    // Defaults written out: stride, padding, output padding, activations, the head, the objective.
    expect(m.spec.decoder![3]).toEqual({ type: 'conv_transpose2d', name: 'dec2', out: 3, kernel: 4, stride: 2, padding: 1, output_padding: 0, activation: 'none' });
    expect(m.spec).toMatchObject({ head: { mu: 'fc21', logvar: 'fc22' }, likelihood: 'bernoulli', kind: 'vae' });
    // 3*32*16 + 32 + 8192*256 + 256 + 256*64 + 64 + 32*2048 + 2048 + 32*32*16 + 32 + 32*3*16 + 3
    expect(parameterCount([...m.encoder, m.head, ...m.decoder])).toBe(1536 + 32 + 2097152 + 256 + 16384 + 64 + 65536 + 2048 + 16384 + 32 + 1536 + 3);
    // The resolved spec resolves to itself.
    expect(resolveSpec(m.spec).spec).toEqual(m.spec);
  });

  it('defaults: PyTorch\'s slope 0.01 and alpha 1; a Gaussian decoder\'s sigma 0.1', () => {
    const m = resolveSpec({
      input: [4], latent: 2, likelihood: 'gaussian', kind: 'ae',
      encoder: [{ type: 'linear', name: 'a', out: 3, activation: 'leaky_relu' }, { type: 'linear', name: 'b', out: 3, activation: 'elu' }],
      decoder: [{ type: 'linear', name: 'c', out: 4 }],
    });
    expect(m.encoder.map((l) => l.activation)).toEqual([{ kind: 'leaky_relu', param: 0.01 }, { kind: 'elu', param: 1 }]);
    expect([m.likelihood, m.sigma, m.kind]).toEqual(['gaussian', 0.1, 'ae']);
    expect(m.spec.encoder[0]).toEqual({ type: 'linear', name: 'a', out: 3, activation: 'leaky_relu', slope: 0.01 });
  });

  // Each mistake: one line, naming the place and the numbers.
  const bad = (doc: unknown, want: string) => {
    const msg = messageOf(() => resolveSpec(doc));
    expect(msg).toBe(want);
    expect(msg.includes('\n'), 'one line').toBe(false);
  };
  const mlp = (patch: Record<string, unknown>) => ({ input: [4], latent: 2, encoder: [{ type: 'linear', name: 'h', out: 3, activation: 'relu' }], decoder: [{ type: 'linear', name: 'o', out: 4 }], ...patch });

  it('refuses a shape that does not meet its input, with the numbers', () => {
    bad({ ...RGB, encoder: [{ type: 'linear', name: 'fc1', out: 8 }] }, 'spec: encoder layer 1 "fc1" (linear): linear takes a flat input, got [3, 32, 32]; put { "type": "flatten" } before it');
    bad({ ...RGB, encoder: [{ type: 'conv2d', name: 'enc1', out: 8, kernel: 40 }] }, 'spec: encoder layer 1 "enc1" (conv2d): kernel 40 with padding 0 does not fit a 32x32 input');
    bad(mlp({ encoder: [{ type: 'conv2d', name: 'c', out: 2, kernel: 3 }] }), 'spec: encoder layer 1 "c" (conv2d): conv2d takes a [channels, height, width] input, got [4]; put { "type": "reshape", "shape": [C, H, W] } before it');
    bad({ ...RGB, decoder: [{ type: 'conv_transpose2d', name: 'd', out: 3, kernel: 2, stride: 2, output_padding: 2 }] }, 'spec: decoder layer 1 "d" (conv_transpose2d): conv_transpose2d takes a [channels, height, width] input, got [32]; put { "type": "reshape", "shape": [C, H, W] } before it');
    bad({ ...RGB, decoder: [{ type: 'reshape', shape: [2, 4, 4] }, { type: 'conv_transpose2d', name: 'd', out: 3, kernel: 2, stride: 2, output_padding: 2 }] }, 'spec: decoder layer 2 "d" (conv_transpose2d): output padding 2 must be smaller than stride 2');
  });

  it('refuses a reshape whose sizes do not multiply out, and a decoder that does not end at the input\'s shape', () => {
    bad({ ...RGB, decoder: [{ type: 'linear', name: 'fc3', out: 2048 }, { type: 'reshape', shape: [32, 8, 9] }] }, 'spec: decoder layer 2 (reshape): shape [32, 8, 9] holds 2304 values, its input [2048] holds 2048');
    bad({ ...RGB, decoder: RGB.decoder!.slice(0, 3) }, 'spec: the decoder ends with [32, 16, 16], the input is [3, 32, 32]: its last layer must give the input\'s shape');
    bad(mlp({ decoder: [{ type: 'linear', name: 'o', out: 4, activation: 'sigmoid' }] }), 'spec: decoder layer "o": the last layer gives the Bernoulli logits, so it takes no activation, got sigmoid');
    bad(mlp({ decoder: [] }), 'spec: "decoder" must list at least one layer, from the latent code to the input\'s shape');
  });

  it('refuses unknown types and fields, missing or bad values, names used twice', () => {
    bad(mlp({ encoder: [{ type: 'conv3d', name: 'c', out: 2 }] }), 'spec: encoder layer 1: unknown layer type "conv3d" (registered: linear, conv2d, conv_transpose2d, gcn)');
    bad(mlp({ laten: 3 }), 'spec: unknown field "laten" (fields: family, input, latent, encoder, head, decoder, likelihood, sigma, kind)');
    bad(mlp({ encoder: [{ type: 'linear', name: 'h', out: 3, kernal: 3 }] }), 'spec: encoder layer 1 "h" (linear): unknown field "kernal" (fields: type, name, activation, out, and slope or alpha with their activation)');
    bad(mlp({ encoder: [{ type: 'linear', name: 'h' }] }), 'spec: encoder layer 1 "h" (linear): "out" is required (output width)');
    bad({ ...RGB, encoder: [{ type: 'conv2d', name: 'e', out: 3, kernel: 3, stride: 0 }] }, 'spec: encoder layer 1 "e" (conv2d): "stride" must be a whole number from 1 to 64, got 0');
    bad(mlp({ encoder: [{ type: 'linear', out: 3 }] }), 'spec: encoder layer 1 (linear) needs a "name" of letters, digits, _ and . (its parameters are <name>.weight, <name>.bias), got undefined');
    bad(mlp({ encoder: [{ type: 'flatten', name: 'f' }] }), 'spec: encoder layer 1 (flatten) takes no name (it is a view, with no parameters), got \'f\'');
    bad(mlp({ decoder: [{ type: 'linear', name: 'h', out: 4 }] }), 'spec: decoder layer 1 "h" (linear): the name h is already used by encoder layer 1');
    bad(mlp({ decoder: [{ type: 'linear', name: 'fc21', out: 4 }] }), 'spec: decoder layer 1 "fc21" (linear): the name fc21 is already used by the head\'s mu');
    bad(mlp({ encoder: [{ type: 'linear', name: 'head', out: 3 }] }), 'spec: encoder layer 1 "head" (linear): the name head is reserved for the head');
  });

  it('refuses bad activations, latent sizes, objectives and inputs', () => {
    bad(mlp({ encoder: [{ type: 'linear', name: 'h', out: 3, activation: 'gelu' }] }), "spec: encoder layer 1 \"h\" (linear): activation must be one of none, relu, leaky_relu, elu, tanh, sigmoid, got 'gelu'");
    bad(mlp({ encoder: [{ type: 'linear', name: 'h', out: 3, activation: 'relu', slope: 0.1 }] }), 'spec: encoder layer 1 "h" (linear): "slope" is leaky_relu\'s parameter, but the activation is relu');
    bad(mlp({ encoder: [{ type: 'linear', name: 'h', out: 3, activation: 'leaky_relu', slope: -1 }] }), 'spec: encoder layer 1 "h" (linear): "slope" must be a number >= 0, got -1');
    bad(mlp({ encoder: [{ type: 'linear', name: 'h', out: 3, activation: 'elu', alpha: 0 }] }), 'spec: encoder layer 1 "h" (linear): "alpha" must be a number > 0, got 0');
    bad(mlp({ latent: 0 }), 'spec: latent must be a whole number from 1 to 4096, got 0');
    bad(mlp({ likelihood: 'poisson' }), "spec: likelihood must be bernoulli or gaussian, got 'poisson'");
    bad(mlp({ sigma: 0.5 }), 'spec: "sigma" is the Gaussian decoder\'s; this spec\'s likelihood is bernoulli');
    bad(mlp({ input: [0] }), 'spec: "input" must be [features] or [channels, height, width] of whole numbers >= 1, got [0]');
    bad(mlp({ input: undefined }), 'spec: "input" is required: [features] or [channels, height, width]');
    bad([1, 2], 'spec: a model spec is a JSON object with "input", "latent", "encoder" and "decoder", got [1,2]');
    bad(mlp({ head: { mu: 'm', logvar: 'v', logstd: 's' } }), 'spec: head: unknown field "logstd" (fields: type, mu, logvar)');
  });

  it('the shorthands are specs: same layers, names and parameter counts', () => {
    const conv = resolveConfig({ arch: 'conv', inputShape: [3, 16, 24], channels: [8, 16], dense: 10, latent: 4 });
    const fromSpec = resolveConfig({ spec: describeModel(conv).spec, batch: conv.batch });
    expect(layerSpecs(fromSpec)).toEqual(layerSpecs(conv));
    expect(configName(fromSpec)).toBe(configName(conv));
    // The MLP's spec names its layers as its checkpoints do; its runtime names stay enc1, dec1, out.
    const mlpCfg = resolveConfig({ inputShape: [1, 28, 28] });
    expect(describeModel(mlpCfg).spec.encoder).toEqual([{ type: 'flatten' }, { type: 'linear', name: 'fc1', out: 400, activation: 'relu' }]);
    expect(layerSpecs(mlpCfg).map((l) => l.name)).toEqual(['enc1', 'head', 'dec1', 'out']);
    expect(layerSpecs(resolveConfig({ spec: describeModel(mlpCfg).spec })).map((l) => l.name)).toEqual(['fc1', 'head', 'fc3', 'fc4']);
  });

  it('a spec and the architecture shorthands together are refused in one line', () => {
    expect(messageOf(() => resolveConfig({ spec: RGB, hidden: [3] }))).toBe('config: hidden and spec together: the spec describes the model (its layers), so give it there');
    expect(messageOf(() => resolveConfig({ spec: RGB, latent: 3 }))).toBe('config: latent and spec together: the spec describes the model (its latent), so give it there');
    expect(messageOf(() => resolveConfig({ spec: RGB, arch: 'conv' }))).toBe('config: arch and spec together: the spec describes the model (its layers), so give it there');
  });
});

describe('model specs: checkpoints', () => {
  it('a spec model writes arch spec and its spec, and reads back as the same configuration and tensors', () => {
    const cfg = resolveConfig({ spec: RGB, batch: 4 });
    const params = initParameters(layerSpecs(cfg), 5);
    const bytes = saveCheckpoint(params, cfg, { seed: 5, step: 7 });
    const back = loadCheckpoint(bytes, 'rgb.safetensors');
    expect(back.config).toEqual(cfg);
    expect([...back.params.keys()]).toEqual([...params.keys()]);
    for (const [k, v] of params) expect(Buffer.compare(Buffer.from(back.params.get(k)!.buffer), Buffer.from(v.buffer)), k).toBe(0);
    expect(back.metadata).toMatchObject({ arch: 'spec', inputShape: '3,32,32', latent: '32', objective: 'bce+kl' });
    expect(JSON.parse(back.metadata.spec)).toEqual(cfg.spec);
    // The spec's names are the checkpoint's: enc1, fc1, fc21 / fc22 (the head), fc3, dec1, dec2.
    expect(configName(cfg)).toBe('3x32x32-conv32-256-32');
  });

  it('refuses a spec in the metadata that is not valid, or that disagrees with the recorded objective', () => {
    const m = checkpointMetadata(resolveConfig({ spec: SMALL, batch: 2 }), { seed: 1, step: 0 });
    expect(messageOf(() => configFromMetadata({ ...m, spec: '{"input": [2' }, 'x.safetensors'))).toMatch(/^x\.safetensors: metadata "spec" is not valid JSON/);
    expect(messageOf(() => configFromMetadata({ ...m, spec: JSON.stringify({ ...SMALL, latent: 0 }) }, 'x.safetensors'))).toBe(
      'x.safetensors: metadata describes an invalid model (spec: latent must be a whole number from 1 to 4096, got 0)',
    );
    expect(messageOf(() => configFromMetadata({ ...m, objective: 'gaussian+kl', sigma: '0.1' }, 'x.safetensors'))).toBe(
      'x.safetensors: metadata "objective" ("gaussian+kl", sigma 0.1) disagrees with its spec (bce+kl)',
    );
  });
});

describe('model specs: training', () => {
  const cfg: VaeConfig = resolveConfig({ spec: SMALL, batch: 5 });

  it('kernel 4 / stride 2 / padding 1, LeakyReLU, ELU, tanh, sigmoid, an asymmetric decoder: one step equals the reference, also for a ragged 3 of 5', async () => {
    expectStepsMatch(await steps(cfg, [5, 3]));
  });

  it('Vae.create({ spec }) takes the spec as an object or JSON text, with training settings beside it', async () => {
    const { device } = await testGpu();
    const a = await Vae.create({ spec: SMALL, config: { batch: 5 }, device });
    const b = await Vae.create({ spec: JSON.stringify(SMALL), config: { batch: 5 }, device });
    expect(a.config).toEqual(cfg);
    expect(b.config).toEqual(cfg);
    expect(a.layers.map((l) => l.name)).toEqual(['enc1', 'enc2', 'fc1', 'head', 'fc3', 'fc4', 'dec1']);
    a.destroy();
    b.destroy();
    await expect(Vae.create({ spec: '{"input"', device })).rejects.toThrow(/^spec: not valid JSON/);
  });
});
