// PyTorch builds the same module from the same spec (examples/pytorch/models.py, model_from_spec):
// our checkpoints load into it with strict=True and its loss on the same parameters, batch and
// noise equals ours (the float64 reference, src/reference/vae.ts, and the GPU model), image by
// image; a checkpoint PyTorch trains from a spec (train_ddp.py --spec) loads into our runtime and
// gives PyTorch's figures. Needs Debian's python3-torch (.ci/run installs it); without it this
// fails, with the command to install it, rather than skip.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../src/checkpoint/checkpoint.js';
import { resolveConfig, type VaeConfig } from '../src/config.js';
import { describeModel, layerSpecs } from '../src/model/describe.js';
import { initParameters, type ParameterSet } from '../src/model/init.js';
import { resolveSpec, type ModelSpec } from '../src/model/spec.js';
import { toRefParams, vaeForward } from '../src/reference/vae.js';
import { Vae } from '../src/vae/vae.js';
import { expectClose } from './util/compare.js';
import { testGpu } from './util/gpu.js';
import { CLI, PYTHON, exec } from './util/python.js';
import { RGB } from './util/specs.js';
import { inputs } from './util/step.js';

const tmp = mkdtempSync(join(tmpdir(), 'webgpu-vae-torch-spec-'));

/**
 * Every activation kind (leaky_relu with its own and with PyTorch's default slope, elu with an
 * alpha, tanh, sigmoid, relu, none), names with dots that PyTorch must nest (enc.a, encoder.0,
 * the head's q.mu), a non-square image, a stride-2 transposed convolution with output padding.
 */
const ACTIVATIONS: ModelSpec = {
  input: [2, 8, 6], latent: 3,
  encoder: [
    { type: 'conv2d', name: 'enc.a', out: 3, kernel: 3, stride: 2, padding: 1, activation: 'leaky_relu', slope: 0.3 },
    { type: 'conv2d', name: 'enc.b', out: 4, kernel: 2, activation: 'elu', alpha: 0.7 },
    { type: 'flatten' },
    { type: 'linear', name: 'encoder.0', out: 10, activation: 'tanh' },
    { type: 'linear', name: 'encoder.1', out: 8, activation: 'relu' },
  ],
  head: { mu: 'q.mu', logvar: 'q.logvar' },
  decoder: [
    { type: 'linear', name: 'decoder.0', out: 12, activation: 'sigmoid' },
    { type: 'linear', name: 'decoder.1', out: 20, activation: 'leaky_relu' },
    { type: 'linear', name: 'decoder.2', out: 48, activation: 'none' },
    { type: 'reshape', shape: [4, 4, 3] },
    { type: 'conv_transpose2d', name: 'dec', out: 2, kernel: 3, stride: 2, padding: 1, output_padding: 1 },
  ],
};

/** A Gaussian decoder on flat 784-value inputs (so train_ddp.py can train it on 28x28 digits). */
const GAUSSIAN: ModelSpec = {
  input: [784], latent: 4, likelihood: 'gaussian', sigma: 0.3,
  encoder: [{ type: 'linear', name: 'enc', out: 24, activation: 'elu' }],
  decoder: [{ type: 'linear', name: 'dec', out: 24, activation: 'relu' }, { type: 'linear', name: 'out', out: 784 }],
};

/** A small convolutional spec on the digits' [1, 28, 28], for train_ddp.py --spec and `eval`. */
const DIGITS: ModelSpec = {
  input: [1, 28, 28], latent: 4,
  encoder: [
    { type: 'conv2d', name: 'enc.conv', out: 4, kernel: 4, stride: 2, padding: 1, activation: 'leaky_relu', slope: 0.2 },
    { type: 'flatten' }, { type: 'linear', name: 'enc.fc', out: 32, activation: 'elu' },
  ],
  decoder: [
    { type: 'linear', name: 'fc3', out: 784, activation: 'tanh' }, { type: 'reshape', shape: [4, 14, 14] },
    { type: 'conv_transpose2d', name: 'dec1', out: 1, kernel: 4, stride: 2, padding: 1 },
  ],
};

/** What spec_loss.py prints. */
interface TorchLoss {
  arch: string;
  spec: ModelSpec;
  count: number;
  float32: { recon: number[]; kl: number[] };
  float64: { recon: number[]; kl: number[] };
}

/** spec_loss.py on a checkpoint, with inputs x and noise eps written beside it as raw float32. */
async function torchLoss(file: string, x: Float32Array, eps: Float32Array): Promise<TorchLoss> {
  writeFileSync(`${file}.x.f32`, x);
  writeFileSync(`${file}.eps.f32`, eps);
  const r = await exec(PYTHON, ['examples/pytorch/spec_loss.py', file, '--inputs', `${file}.x.f32`, '--eps', `${file}.eps.f32`]);
  expect(r.code, r.stderr.slice(-2000)).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as TorchLoss;
}

/**
 * PyTorch's per-image loss against the float64 reference's. In float64 PyTorch computes the same
 * sums in another order with its own exp / log1p: a few ulps of per-image values of at most a few
 * thousand (measured: 2e-15 relative, 4e-12 absolute on the RGB spec), so 1e-10 relative plus
 * 1e-10 absolute; a wrong tap, layout, activation parameter or constant is off by 1e-3 or more.
 * In float32 (training's precision) each layer's products carry about sqrt(K) 2^-24 relative
 * rounding with random signs (K up to 8192, the RGB fc1): measured 5e-8 relative on the
 * reconstruction (a sum of up to 3,072 terms), allowed 1e-6; the KL is a few terms of about 0.1
 * whose mu and logvar carry that rounding: measured 2e-7 absolute, allowed 1e-6 plus 1e-5 relative.
 */
function expectTorchMatches(label: string, py: TorchLoss, ref: ReturnType<typeof vaeForward>): void {
  expectClose(`${label}: PyTorch float64 recon`, py.float64.recon, ref.loss.recon, 1e-10, 1e-10);
  expectClose(`${label}: PyTorch float64 kl`, py.float64.kl, ref.loss.kl, 1e-10, 1e-10);
  expectClose(`${label}: PyTorch float32 recon`, py.float32.recon, ref.loss.recon, 0, 1e-6);
  expectClose(`${label}: PyTorch float32 kl`, py.float32.kl, ref.loss.kl, 1e-6, 1e-5);
}

/** One model of each kind: its configuration, the arch its checkpoint records, and how the library builds it. */
const CASES: { label: string; cfg: VaeConfig; arch: string }[] = [
  { label: "the issue's RGB spec", cfg: resolveConfig({ spec: RGB, batch: 3 }), arch: 'spec' },
  { label: 'every activation, dotted names', cfg: resolveConfig({ spec: ACTIVATIONS, batch: 5 }), arch: 'spec' },
  { label: 'the mlp shorthand, 2 hidden layers', cfg: resolveConfig({ arch: 'mlp', inputShape: [1, 28, 28], hidden: [32, 16], latent: 5, batch: 4 }), arch: 'mlp' },
  { label: 'the conv shorthand', cfg: resolveConfig({ arch: 'conv', inputShape: [1, 28, 28], channels: [4, 8], dense: 12, latent: 3, batch: 4 }), arch: 'conv' },
  { label: 'a Gaussian decoder', cfg: resolveConfig({ spec: GAUSSIAN, batch: 5 }), arch: 'spec' },
  { label: 'a Gaussian autoencoder', cfg: resolveConfig({ spec: { ...GAUSSIAN, kind: 'ae' }, batch: 5 }), arch: 'spec' },
];

/** The GPU model's per-image loss parts on x with noise eps, from `params`. */
async function gpuLoss(cfg: VaeConfig, params: ParameterSet, x: Float32Array, eps: Float32Array) {
  const { device } = await testGpu();
  const how = cfg.arch === 'spec' ? { spec: cfg.spec, config: { batch: cfg.batch } } : { config: cfg };
  const vae = await Vae.create({ ...how, device, noise: 'buffer', parameters: params });
  try {
    expect(vae.config).toEqual(cfg);
    if (cfg.kind === 'vae') vae.setNoise(eps);
    return await vae.evaluateRows(x, cfg.batch);
  } finally {
    vae.destroy();
  }
}

describe('PyTorch builds the same module from the same spec', () => {
  it('PyTorch is installed', async () => {
    const r = await exec(PYTHON, ['-c', 'import torch; print(torch.__version__)']);
    expect(r.code, `${PYTHON} cannot import torch (${r.stderr.trim().split('\n').at(-1)}): apt-get install -y python3-torch`).toBe(0);
  });

  CASES.forEach(({ label, cfg, arch }, i) => {
    it(`${label}: our checkpoint loads strictly, PyTorch's loss equals the reference's and the GPU's, image by image`, async () => {
      const params = initParameters(layerSpecs(cfg), 7);
      const file = join(tmp, `case${i}.safetensors`);
      writeFileSync(file, saveCheckpoint(params, cfg, { seed: 7, step: 0 }));
      const { x, eps } = inputs(cfg, 11);
      const ref = vaeForward(toRefParams(params), cfg, x, eps);
      const py = await torchLoss(file, x, eps);
      expect(py.arch).toBe(arch);
      expect(py.count).toBe(cfg.batch);
      // Python's resolution writes the same canonical spec (defaults spelled out) as ours.
      expect(py.spec).toEqual(describeModel(cfg).spec);
      expectTorchMatches(label, py, ref);
      if (cfg.kind === 'ae') expect(ref.loss.klSum).toBe(0);
      // The GPU's f32 loss kernels against the same reference: 1e-5 relative, as test/util/step.ts.
      const gpu = await gpuLoss(cfg, params, x, eps);
      expectClose(`${label}: GPU recon`, gpu.recon, ref.loss.recon, 0, 1e-5);
      expectClose(`${label}: GPU kl`, gpu.kl, ref.loss.kl, 1e-4, 1e-5);
    }, 240_000);
  });
});

describe('a spec model PyTorch trains loads into our runtime', () => {
  const data = join(tmp, 'data');
  beforeAll(async () => {
    const r = await exec(process.execPath, [CLI, 'export-data', '--out', data]);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  /** train_ddp.py --spec for a few steps; the checkpoint it wrote, read by our loader. */
  async function trainSpec(spec: ModelSpec, name: string, steps: number) {
    const specFile = join(tmp, `${name}.json`);
    const out = join(tmp, `${name}.safetensors`);
    writeFileSync(specFile, JSON.stringify(spec));
    const t = await exec(PYTHON, ['examples/pytorch/train_ddp.py', '--data', data, '--spec', specFile, '--max-steps', String(steps), '--batch', '16', '--seed', '2', '--draws', '1', '--out', out]);
    expect(t.code, t.stderr.slice(-3000)).toBe(0);
    const loaded = loadCheckpoint(readFileSync(out), out);
    expect(loaded.config.arch).toBe('spec');
    expect(loaded.config.spec).toEqual(resolveSpec(spec).spec);
    expect(loaded.metadata).toMatchObject({ arch: 'spec', trainer: 'pytorch-ddp', step: String(steps), batch: '16' });
    return { out, ...loaded };
  }

  /** PyTorch's loss of the file on fixed inputs and noise against our reference on what our loader read. */
  async function expectSameLoss(label: string, out: string, config: VaeConfig, params: ParameterSet) {
    const cfg = { ...config, batch: 4 };
    const { x, eps } = inputs(cfg, 13);
    expectTorchMatches(label, await torchLoss(out, x, eps), vaeForward(toRefParams(params), cfg, x, eps));
  }

  it('train_ddp.py --spec refuses the architecture flags in one line', async () => {
    const specFile = join(tmp, 'refused.json');
    writeFileSync(specFile, JSON.stringify(DIGITS));
    const r = await exec(PYTHON, ['examples/pytorch/train_ddp.py', '--data', data, '--spec', specFile, '--latent', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('train_ddp: --latent and --spec together: the spec describes the model (its latent), so give it there');
  });

  it('a convolutional spec: its checkpoint loads, equals PyTorch\'s loss exactly, and `webgpu-vae eval` gives PyTorch\'s test loss within 0.5 nats', async () => {
    const { out, config, params } = await trainSpec(DIGITS, 'digits', 3);
    await expectSameLoss('trained DIGITS', out, config, params);
    const torchEval = await exec(PYTHON, ['examples/pytorch/evaluate.py', out, '--data', data]);
    expect(torchEval.code, torchEval.stderr.slice(-2000)).toBe(0);
    const pt = JSON.parse(torchEval.stdout.trim().split('\n').at(-1)!) as { test_loss: number; n: number };
    const e = await exec(process.execPath, [CLI, 'eval', '--model', out, '--data', data, '--json']);
    expect(e.code, e.stderr).toBe(0);
    const ev = JSON.parse(e.stdout) as { test_loss: number; n: number };
    expect([ev.n, pt.n]).toEqual([2000, 2000]);
    // Both average 4 fresh noise draws (torch's generator, our Philox) of the same model on the
    // same 2,000 images: a draw moves the mean by about 0.1 nats, as in test/pytorch_ddp.test.ts.
    expect(Math.abs(ev.test_loss - pt.test_loss), `webgpu-vae ${ev.test_loss} vs PyTorch ${pt.test_loss}`).toBeLessThan(0.5);
  }, 400_000);

  it('a Gaussian spec on flat inputs: PyTorch\'s checkpoint records sigma and its objective, and loads with the same loss', async () => {
    const { out, config, params, metadata } = await trainSpec(GAUSSIAN, 'gaussian', 2);
    expect(metadata).toMatchObject({ objective: 'gaussian+kl', sigma: '0.3', inputShape: '784' });
    expect([config.likelihood, config.sigma]).toEqual(['gaussian', 0.3]);
    await expectSameLoss('trained GAUSSIAN', out, config, params);
  }, 240_000);
});
