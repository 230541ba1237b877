// The command line, run as a user would: built CLI, real processes, small models.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../src/checkpoint/checkpoint.js';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'webgpu-vae-cli-'));

function run(args: string[], timeout = 110_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout, env: { ...process.env, CI: 'true' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('webgpu-vae CLI', () => {
  it('built', () => expect(existsSync(CLI), `${CLI} missing: run npm run build`).toBe(true));

  it('--help lists the commands; unknown commands and bad flags fail in one line with exit 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['train', 'eval', 'sample', 'reconstruct', 'anomalies']) expect(help.stdout).toContain(c);
    // A command's own usage: its lines, and the data options where it reads data.
    const train = await run(['train', '--help']);
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/^usage: webgpu-vae train \[options\]\n\n  train {9}train a VAE\n/);
    expect(train.stdout).toContain('--resume FILE');
    expect(train.stdout).toContain('--data PATH');
    expect(train.stdout).not.toContain('  eval ');
    const generate = await run(['graph', 'generate', '-h']);
    expect(generate.code).toBe(0);
    expect(generate.stdout).toMatch(/^usage: webgpu-vae graph generate \[options\]\n\n  graph generate  a seeded stochastic block model/);
    expect(generate.stdout).not.toContain('graph embed');
    expect((await run(['graph', 'fly', '--help'])).stderr).toMatch(/^webgpu-vae: unknown command 'graph fly'\n/);
    const unknown = await run(['fly']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^webgpu-vae: unknown command 'fly'\n/);
    for (const [args, msg] of [
      [['train', '--epochs', '0'], "--epochs must be a whole number from 1 to 100000, got '0'"],
      [['train', '--lr', 'fast'], "--lr must be a number > 0, got 'fast'"],
      [['train', '--hidden', '400,x'], "--hidden must be a whole number from 1 to 65536, got 'x'"],
      [['train', '--bogus'], "Unknown option '--bogus'"],
      [['train', '--save', join(tmp, 'nope', 'm.safetensors')], 'does not exist'],
      [['train', '--save', join(tmp, 'm.bin')], 'must end in .safetensors'],
      [['eval'], '--model is required'],
    ] as [string[], string][]) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('missing files and folders fail in one line with exit 1', async () => {
    const r = await run(['train', '--data', join(tmp, 'missing')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no such folder');
    const empty = mkdtempSync(join(tmp, 'empty-'));
    const r2 = await run(['train', '--data', empty]);
    expect(r2.stderr).toContain('missing train-images-idx3-ubyte');
    const big = await run(['train', '--batch', '9000']);
    expect(big.code).toBe(1);
    expect(big.stderr).toBe('webgpu-vae: --batch 9000 is larger than the 8000 training images\n');
    const m = await run(['eval', '--model', join(tmp, 'none.safetensors')]);
    expect(m.code).toBe(1);
    expect(m.stderr).toContain('no such file');
  });

  it('train --json --save, then eval, sample and reconstruct the saved model', async () => {
    const model = join(tmp, 'small.safetensors');
    const t = await run(['train', '--epochs', '2', '--max-steps', '5', '--batch', '64', '--hidden', '32', '--latent', '2', '--json', '--save', model]);
    expect(t.code, t.stderr).toBe(0);
    const lines = t.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(2); // epoch 1 (cut at 5 steps), then the final report
    for (const l of lines) {
      for (const k of ['epoch', 'step', 'train_loss', 'test_loss', 'recon', 'kl', 'ms_per_step', 'samples_per_s']) {
        expect(Number.isFinite(l[k]), `${k} in ${JSON.stringify(l)}`).toBe(true);
      }
    }
    expect(lines[1]).toMatchObject({ final: true, step: 5, n_test: 2000 });
    const ck = loadCheckpoint(readFileSync(model), model);
    expect(ck.config).toMatchObject({ inputSize: 784, hidden: [32], latent: 2 });

    const e = await run(['eval', '--model', model, '--json', '--draws', '2']);
    expect(e.code, e.stderr).toBe(0);
    const ev = JSON.parse(e.stdout);
    expect(ev.n).toBe(2000);
    expect(Math.abs(ev.test_loss - lines[1].test_loss)).toBeLessThan(5); // same model, other noise draws

    const png = join(tmp, 'samples.png');
    const s = await run(['sample', '--model', model, '--n', '16', '--out', png]);
    expect(s.code, s.stderr).toBe(0);
    expect([...readFileSync(png).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const anomalies = join(tmp, 'anomalies.png');
    const an = await run(['anomalies', '--model', model, '--top', '8', '--draws', '1', '--out', anomalies, '--json']);
    expect(an.code, an.stderr).toBe(0);
    const ranking = JSON.parse(an.stdout);
    expect(ranking.n).toBe(2000);
    expect(ranking.top.length).toBe(8);
    const sc = ranking.top.map((t: { score: number }) => t.score);
    expect(sc).toEqual([...sc].sort((a: number, b: number) => b - a)); // most anomalous first
    expect(ranking.top.every((t: { label: number; index: number }) => t.label >= 0 && t.label <= 9 && t.index >= 0 && t.index < 2000)).toBe(true);
    expect([...readFileSync(anomalies).subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
    const rec = join(tmp, 'recon.png');
    const r = await run(['reconstruct', '--model', model, '--n', '8', '--out', rec]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(rec).length).toBeGreaterThan(100);
  });

  it('objectives: --kind ae and --likelihood gaussian train and save; eval --iwae and anomalies --iwae on a VAE', async () => {
    for (const [args, msg] of [
      [['train', '--kind', 'ae', '--beta', '2'], '--beta weights the KL term, which --kind ae (the autoencoder) does not have'],
      [['train', '--kind', 'gan'], "--kind must be vae or ae, got 'gan'"],
      [['train', '--likelihood', 'poisson'], "--likelihood must be bernoulli or gaussian, got 'poisson'"],
      [['train', '--sigma', '0.5'], '--sigma is the Gaussian decoder\'s; add --likelihood gaussian'],
      [['train', '--likelihood', 'gaussian', '--sigma', '0'], "--sigma must be a number from 0.001 to 1000, got '0'"],
      [['eval', '--model', 'm.safetensors', '--iwae', '0'], "--iwae must be a whole number from 1 to 100000, got '0'"],
      [['anomalies', '--model', 'm.safetensors', '--iwae', '5', '--draws', '2'], 'not both'],
    ] as [string[], string][]) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(msg);
    }
    const small = ['--epochs', '1', '--max-steps', '5', '--batch', '64', '--hidden', '32', '--latent', '2', '--json'];
    const ae = join(tmp, 'ae.safetensors');
    const t = await run(['train', ...small, '--kind', 'ae', '--likelihood', 'gaussian', '--sigma', '0.2', '--save', ae]);
    expect(t.code, t.stderr).toBe(0);
    const last = JSON.parse(t.stdout.trim().split('\n').at(-1)!);
    expect(last.kl).toBe(0);
    expect(loadCheckpoint(readFileSync(ae), ae).config).toMatchObject({ kind: 'ae', likelihood: 'gaussian', sigma: 0.2 });
    const e = await run(['eval', '--model', ae, '--json', '--draws', '1', '--n', '100']);
    expect(e.code, e.stderr).toBe(0);
    const aeEval = JSON.parse(e.stdout);
    expect(aeEval).toMatchObject({ kl: 0, n: 100 });
    expect(aeEval.prior_mismatch, 'KL of the codes\' Gaussian fit against the prior').toBeGreaterThan(0);
    const noBound = await run(['eval', '--model', ae, '--iwae', '10']);
    expect(noBound.code).toBe(2);
    expect(noBound.stderr).toContain('--iwae: the model is an autoencoder');

    const vae = join(tmp, 'vae.safetensors');
    expect((await run(['train', ...small, '--save', vae])).code).toBe(0);
    const b = await run(['eval', '--model', vae, '--json', '--draws', '4', '--n', '64', '--iwae', '50']);
    expect(b.code, b.stderr).toBe(0);
    const ev = JSON.parse(b.stdout);
    expect(ev).toMatchObject({ n: 64, iwae_k: 50 });
    // The bound is tighter than the ELBO: -L_50 below the negative ELBO (by nats, not noise).
    expect(ev.iwae_nll, JSON.stringify(ev)).toBeLessThan(ev.test_loss - 0.5);
    const an = await run(['anomalies', '--model', vae, '--iwae', '5', '--top', '4', '--json', '--out', join(tmp, 'an-iwae.png')]);
    expect(an.code, an.stderr).toBe(0);
    const ranking = JSON.parse(an.stdout);
    expect(ranking).toMatchObject({ score: 'negative IWAE bound', iwae_k: 5, n: 2000 });
    expect(ranking.top.length).toBe(4);
  });

  it('Ctrl-C stops training, saves the model atomically and exits 130', async () => {
    const model = join(tmp, 'interrupted.safetensors');
    const child = spawn(process.execPath, [CLI, 'train', '--epochs', '50', '--batch', '64', '--hidden', '32', '--latent', '2', '--json', '--save', model], {
      env: { ...process.env, CI: 'true' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const firstLine = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await firstLine; // epoch 1 is done
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('interrupted: stopping after this step');
    const ck = loadCheckpoint(readFileSync(model), model);
    expect(Number(ck.metadata.step)).toBeGreaterThanOrEqual(125); // at least one epoch of 125 steps
    expect(readdirSync(tmp).filter((f) => f.startsWith('interrupted.safetensors') && f !== 'interrupted.safetensors')).toEqual([]);
  });

  it('a learning rate that diverges rolls back, then stops with a clear message and exit 1', async () => {
    const model = join(tmp, 'diverged.safetensors');
    writeFileSync(model, 'old contents');
    const r = await run(['train', '--epochs', '1', '--max-steps', '60', '--batch', '64', '--hidden', '32', '--latent', '2', '--lr', '1000', '--save', model]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/step \d+: the loss is not finite or exploded; rolled back to step \d+/);
    expect(r.stderr).toMatch(/webgpu-vae: training diverged: the loss of step \d+ is not finite or exploded after 3 rollbacks to step \d+; lower the learning rate \(lr=1000\)\n/);
    expect(readFileSync(model, 'utf8')).toBe('old contents');
  });

  it('broken inputs fail in one line with exit 1: a corrupt checkpoint, a broken IDX file, a model for other images', async () => {
    const bad = join(tmp, 'bad.safetensors');
    writeFileSync(bad, Buffer.from([1, 2, 3]));
    const r1 = await run(['eval', '--model', bad]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toBe(`webgpu-vae: ${bad}: file is 3 bytes, shorter than the 8-byte header length\n`);
    // An IDX folder of 4x4 images: a truncated images file, then a valid one for a 784-pixel model.
    const idx = mkdtempSync(join(tmp, 'idx-'));
    const images = (n: number, payload = n * 16) => {
      const b = Buffer.alloc(16 + payload);
      b.writeUInt32BE(0x803, 0);
      b.writeUInt32BE(n, 4);
      b.writeUInt32BE(4, 8);
      b.writeUInt32BE(4, 12);
      return b;
    };
    writeFileSync(join(idx, 'train-images-idx3-ubyte'), images(10, 100));
    writeFileSync(join(idx, 't10k-images-idx3-ubyte'), images(5));
    const r2 = await run(['train', '--data', idx]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toBe(`webgpu-vae: ${join(idx, 'train-images-idx3-ubyte')}: file is 116 bytes, header implies 176: truncated\n`);
    writeFileSync(join(idx, 'train-images-idx3-ubyte'), images(10));
    const r3 = await run(['eval', '--model', join(tmp, 'small.safetensors'), '--data', idx]);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain('images have 16 pixels, the model expects 784');
  });

  it('a failed run leaves an existing checkpoint untouched', async () => {
    const model = join(tmp, 'keep.safetensors');
    writeFileSync(model, 'old contents');
    const r = await run(['train', '--data', join(tmp, 'missing'), '--save', model]);
    expect(r.code).toBe(1);
    expect(readFileSync(model, 'utf8')).toBe('old contents');
  });

  it('denoising: train --corrupt, eval --corrupt and denoise; bad specs fail in one line', async () => {
    for (const [args, msg] of [
      [['train', '--corrupt', 'blur:2'], "--corrupt must be mask:P, gauss:S or saltpepper:P (P from 0 to 1, S from 0 to 10), got 'blur:2'"],
      [['train', '--corrupt', 'mask:1.5'], "--corrupt must be mask:P, gauss:S or saltpepper:P (P from 0 to 1, S from 0 to 10), got 'mask:1.5'"],
      [['eval', '--model', 'm.safetensors', '--corrupt', 'mask'], "--corrupt must be mask:P"],
      [['eval', '--model', 'm.safetensors', '--corrupt', 'mask:0.5', '--iwae', '10'], 'it does not take --corrupt'],
      [['denoise', '--model', 'm.safetensors', '--corrupt', 'none'], '--corrupt none leaves nothing to denoise'],
    ] as [string[], string][]) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(msg);
    }
    const model = join(tmp, 'denoising.safetensors');
    const t = await run(['train', '--epochs', '1', '--max-steps', '40', '--batch', '64', '--hidden', '32', '--latent', '2', '--corrupt', 'mask:0.5', '--json', '--save', model]);
    expect(t.code, t.stderr).toBe(0);
    const last = JSON.parse(t.stdout.trim().split('\n').at(-1)!);
    expect(Number.isFinite(last.test_loss_corrupted), JSON.stringify(last)).toBe(true);
    // Half the pixels hidden: once the model uses its input (40 steps), the clean images are predicted from less.
    expect(last.test_loss_corrupted).toBeGreaterThan(last.test_loss);
    expect(loadCheckpoint(readFileSync(model), model).config.corrupt).toEqual({ kind: 'mask', amount: 0.5 });
    const clean = JSON.parse((await run(['eval', '--model', model, '--json', '--draws', '1', '--n', '200'])).stdout);
    const e = await run(['eval', '--model', model, '--json', '--draws', '1', '--n', '200', '--corrupt', 'saltpepper:0.3']);
    expect(e.code, e.stderr).toBe(0);
    const corrupted = JSON.parse(e.stdout);
    expect(corrupted).toMatchObject({ corrupt: 'saltpepper:0.3', n: 200 });
    expect(corrupted.test_loss).toBeGreaterThan(clean.test_loss);
    const png = join(tmp, 'denoise.png');
    const d = await run(['denoise', '--model', model, '--n', '5', '--out', png]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain('wrote 5 test images, their mask:0.5 corruptions and the reconstructions');
    // Three rows of five 28x28 images with 2-pixel gaps: the PNG's width and height.
    const png8 = readFileSync(png);
    expect([png8.readUInt32BE(16), png8.readUInt32BE(20)]).toEqual([5 * 28 + 6 * 2, 3 * 28 + 4 * 2]);
  });

  it('the convolutional VAE: train --arch conv, then eval, latent (with the manifold) and sample', async () => {
    for (const [args, msg] of [
      [['train', '--arch', 'resnet'], "--arch must be mlp or conv, got 'resnet'"],
      [['train', '--arch', 'conv', '--hidden', '400'], '--hidden sizes the MLP\'s dense layers; --arch conv takes --channels and --dense'],
      [['train', '--channels', '16'], '--channels sizes the convolutional VAE; add --arch conv'],
      [['train', '--arch', 'conv', '--channels', '16,x'], "--channels must be a whole number from 1 to 4096, got 'x'"],
      [['train', '--arch', 'conv', '--dense', '0'], "--dense must be a whole number from 1 to 65536, got '0'"],
    ] as [string[], string][]) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(msg);
    }
    // 28x28 is halved three times to 3.5: the strides cannot divide it.
    const odd = await run(['train', '--arch', 'conv', '--channels', '4,4,4', '--max-steps', '1']);
    expect(odd.code).toBe(1);
    expect(odd.stderr).toBe('webgpu-vae: config: arch conv halves the image 3 times (channels 4,4,4), so its height and width must be multiples of 8, got 28x28\n');
    // Small channels keep the test short; the architecture is keras-io's (latent 2 by default).
    const model = join(tmp, 'conv.safetensors');
    const t = await run(['train', '--arch', 'conv', '--channels', '4,8', '--dense', '8', '--epochs', '1', '--max-steps', '4', '--batch', '32', '--json', '--save', model]);
    expect(t.code, t.stderr).toBe(0);
    const last = JSON.parse(t.stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ final: true, step: 4, n_test: 2000 });
    const ck = loadCheckpoint(readFileSync(model), model);
    expect(ck.config).toMatchObject({ arch: 'conv', inputShape: [1, 28, 28], channels: [4, 8], dense: 8, latent: 2 });
    expect(ck.metadata).toMatchObject({ arch: 'conv', channels: '4,8', dense: '8' });
    const e = await run(['eval', '--model', model, '--json', '--draws', '1', '--n', '64']);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout)).toMatchObject({ n: 64 });
    const latent = join(tmp, 'conv-latent.png');
    const l = await run(['latent', '--model', model, '--n', '200', '--out', latent]);
    expect(l.code, l.stderr).toBe(0);
    expect(l.stdout).toContain('and the decoded manifold over');
    // The other image commands (reconstruct, interpolate, anomalies, denoise) take the same
    // path: the model's input shape gives the cells' size. (Each command builds the model anew,
    // which on SwiftShader costs seconds of pipeline compilation, so the test runs one.)
    const outputs: [string[], string][] = [[['sample', '--model', model, '--n', '4'], 'wrote 4 samples']];
    for (const [args, msg] of outputs) {
      const png = join(tmp, `conv-${args[0]}.png`);
      const r = await run([...args, '--out', png]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(msg);
      // 28x28 cells: the image shape comes from the model's input shape.
      const head = readFileSync(png);
      expect((head.readUInt32BE(16) - 2) % 30, `${args[0]} width`).toBe(0);
    }
  }, 300_000); // 9 CLI processes (each starts Dawn on SwiftShader) and a conv test-set pass: about 40 s quiet, over 120 s on a loaded machine
});
