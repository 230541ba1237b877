// Models as data on the command line, run as a user would (the built CLI): `describe` on a spec
// file, a checkpoint and the shorthands; `train --spec` training a spec model whose checkpoint
// every image command then takes without flags; a spec beside the shorthands, a spec with a
// mistake and a graph spec given to `train` refused in one line with exit 2 (usage) or 1 (data).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../src/checkpoint/checkpoint.js';
import { readFileSync } from 'node:fs';
import { runCli } from './util/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'webgpu-vae-spec-cli-'));
const file = (name: string, doc: unknown) => {
  const p = join(tmp, name);
  writeFileSync(p, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return p;
};

/** A small model on MNIST's 28 x 28 digits: a kernel-4 convolution with LeakyReLU, a decoder of its own. */
const SPEC = {
  input: [1, 28, 28], latent: 4,
  encoder: [
    { type: 'conv2d', name: 'enc1', out: 4, kernel: 4, stride: 2, padding: 1, activation: 'leaky_relu', slope: 0.2 },
    { type: 'flatten' }, { type: 'linear', name: 'fc1', out: 16, activation: 'elu' },
  ],
  decoder: [{ type: 'linear', name: 'fc3', out: 64, activation: 'tanh' }, { type: 'linear', name: 'fc4', out: 784 }, { type: 'reshape', shape: [1, 28, 28] }],
};

describe('webgpu-vae with model specs', () => {
  it('describe: the shorthands, a spec file, --json', async () => {
    const mlp = await runCli(['describe']);
    expect(mlp.code, mlp.stderr).toBe(0);
    expect(mlp.stdout).toContain('encoder  fc1 (linear)          [784]  [400]   relu        314,000');
    expect(mlp.stdout).toContain('VAE, Bernoulli decoder (logits); latent 20; 652,824 parameters');
    const conv = await runCli(['describe', '--arch', 'conv', '--channels', '8,16']);
    expect(conv.stdout).toMatch(/enc2 \(conv2d\) +\[8, 14, 14\] +\[16, 7, 7\] +relu +1,168/);
    const spec = file('model.json', SPEC);
    const table = await runCli(['describe', '--spec', spec]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/enc1 \(conv2d\) +\[1, 28, 28\] +\[4, 14, 14\] +leaky_relu\(0\.2\) +68/);
    expect(table.stdout).toMatch(/reshape +\[784\] +\[1, 28, 28\] +0/);
    const json = JSON.parse((await runCli(['describe', '--spec', spec, '--json'])).stdout) as { spec: { encoder: unknown[] }; params: number; layers: { layer: string }[] };
    // enc1 68, fc1 784 x 16 + 16, head 16 x 8 + 8, fc3 4 x 64 + 64, fc4 64 x 784 + 784.
    expect(json.params).toBe(68 + 12560 + 136 + 320 + 50960);
    expect(json.layers.map((l) => l.layer)).toEqual(['enc1', '', 'fc1', 'fc21 + fc22', 'fc3', 'fc4', '']);
    expect(json.spec.encoder[0]).toEqual({ ...SPEC.encoder[0], stride: 2, padding: 1 });
  });

  it('train --spec: the checkpoint carries the spec; describe, eval and sample take it without flags', async () => {
    const spec = file('train.json', SPEC);
    const out = join(tmp, 'spec.safetensors');
    const t = await runCli(['train', '--spec', spec, '--max-steps', '4', '--batch', '32', '--save', out, '--json'], 300_000);
    expect(t.code, t.stderr).toBe(0);
    const ck = loadCheckpoint(readFileSync(out), out);
    expect(ck.config.arch).toBe('spec');
    expect(ck.metadata.arch).toBe('spec');
    expect(ck.config.spec?.encoder[0]).toMatchObject({ type: 'conv2d', kernel: 4, activation: 'leaky_relu', slope: 0.2 });
    expect((await runCli(['describe', '--model', out])).stdout).toContain('fc21 + fc22 (linear)');
    const e = await runCli(['eval', '--model', out, '--n', '64', '--json'], 200_000);
    expect(e.code, e.stderr).toBe(0);
    expect((JSON.parse(e.stdout) as { test_loss: number }).test_loss).toBeGreaterThan(0);
    const s = await runCli(['sample', '--model', out, '--n', '4', '--out', join(tmp, 's.png')], 200_000);
    expect(s.code, s.stderr).toBe(0);
  });

  it('refuses in one line: a spec beside the shorthands (exit 2), a spec with a mistake or a graph spec for train (exit 1 or 2)', async () => {
    const spec = file('ok.json', SPEC);
    for (const [args, code, msg] of [
      [['train', '--spec', spec, '--hidden', '64'], 2, 'webgpu-vae: --spec and --hidden together: the spec describes the model (layers, latent, kind, likelihood, sigma); the training settings (--lr, --batch, --beta, ...) apply to any spec'],
      [['describe', '--spec', spec, '--arch', 'conv'], 2, 'webgpu-vae: --spec and --arch together: describe one model'],
      [['train', '--spec', file('bad.json', { ...SPEC, decoder: SPEC.decoder.slice(0, 2) })], 1, `webgpu-vae: --spec ${join(tmp, 'bad.json')}: spec: the decoder ends with [784], the input is [1, 28, 28]: its last layer must give the input's shape`],
      [['train', '--spec', file('broken.json', '{"input": [1,')], 1, `webgpu-vae: --spec ${join(tmp, 'broken.json')}: not valid JSON`],
      [['train', '--spec', file('graph.json', { family: 'graph', latent: 8, encoder: [{ type: 'gcn', name: 'conv1', out: 16, activation: 'relu' }] })], 2, `webgpu-vae: --spec ${join(tmp, 'graph.json')}: a graph spec (family graph); train it with 'webgpu-vae graph train --spec'`],
      [['train', '--spec', join(tmp, 'missing.json')], 2, `webgpu-vae: --spec ${join(tmp, 'missing.json')}: no such file`],
    ] as [string[], number, string][]) {
      const r = await runCli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr.split('\n')[0].startsWith(msg), `${args.join(' ')}: ${r.stderr}`).toBe(true);
    }
  });

  it('graph train --spec (two gcn layers, tanh) and --kind ae; --kind and --model that disagree are refused', async () => {
    const spec = file('g.json', {
      family: 'graph', latent: 8,
      encoder: [{ type: 'gcn', name: 'conv1', out: 24, activation: 'relu' }, { type: 'gcn', name: 'conv2', out: 16, activation: 'tanh' }],
    });
    const r = await runCli(['graph', 'train', '--spec', spec, '--epochs', '2', '--json', '--hits', '0'], 200_000);
    expect(r.code, r.stderr).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { final: boolean; model: string; test_auc: number };
    expect(last).toMatchObject({ final: true, model: 'vgae' });
    const ae = await runCli(['graph', 'train', '--kind', 'ae', '--epochs', '1', '--json', '--hits', '0'], 200_000);
    expect(JSON.parse(ae.stdout.trim().split('\n').at(-1)!)).toMatchObject({ model: 'gae' });
    const clash = await runCli(['graph', 'train', '--kind', 'ae', '--model', 'vgae']);
    expect(clash.code).toBe(2);
    expect(clash.stderr.split('\n')[0]).toBe('webgpu-vae: --kind ae and --model vgae disagree (--model vgae is --kind vae, gae is ae)');
  });
});
