// The command line's exact resume and data export, run as a user would (built CLI, real processes).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../src/checkpoint/checkpoint.js';
import { loadTrainState } from '../src/checkpoint/train_state.js';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'webgpu-vae-resume-'));

function run(args: string[], timeout = 110_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout, env: { ...process.env, CI: 'true' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
// 8,000 training digits in batches of 500: 16 steps an epoch.
const small = ['--batch', '500', '--hidden', '32', '--latent', '2', '--json'];

describe('train --resume', () => {
  it('2 epochs saved, resumed for 1, equal 3 epochs straight; the state file beside the model', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((n) => join(tmp, `${n}.safetensors`));
    const two = await run(['train', '--epochs', '2', ...small, '--save', a]);
    expect(two.code, two.stderr).toBe(0);
    expect(readdirSync(tmp).sort()).toEqual(['a.safetensors', 'a.state.safetensors']);
    const state = loadTrainState(readFileSync(join(tmp, 'a.state.safetensors')), 'a.state.safetensors');
    expect(state).toMatchObject({ epochsDone: 2, epochStep: 0, seed: 1 });
    expect(state.state.step).toBe(32);
    const more = await run(['train', '--resume', a, '--epochs', '1', '--json', '--save', b]);
    expect(more.code, more.stderr).toBe(0);
    const three = await run(['train', '--epochs', '3', ...small, '--save', c]);
    expect(three.code, three.stderr).toBe(0);
    // The third epoch trains the same batches from the same state: the same training loss and step.
    const resumed = lines(more.stdout);
    const straight = lines(three.stdout);
    expect(resumed[0]).toMatchObject({ epoch: 3, step: 48, train_loss: straight[2].train_loss });
    const pb = loadCheckpoint(readFileSync(b), b);
    const pc = loadCheckpoint(readFileSync(c), c);
    expect(pb.params).toEqual(pc.params);
    expect(pb.metadata.step).toBe('48');
    // The resumed run's state file can be resumed again (the model file names it).
    expect(loadTrainState(readFileSync(join(tmp, 'b.state.safetensors')), 'b').epochsDone).toBe(3);
  });

  it('a resume that does not match the data, the flags or its files fails in one line, exit 1, nothing written', async () => {
    const a = join(tmp, 'a.safetensors');
    const fail = async (args: string[], msg: string | RegExp) => {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    };
    const never = join(tmp, 'never.safetensors');
    await fail(['train', '--resume', a, '--latent', '5', '--save', never], `--latent 5 does not match the run being resumed (latent 2 in ${join(tmp, 'a.state.safetensors')})`);
    expect(existsSync(never) || existsSync(join(tmp, 'never.state.safetensors'))).toBe(false);
    await fail(['train', '--resume', a, '--lr', '0.01'], '--lr 0.01 does not match the run being resumed (lr 0.001 in');
    const data = join(tmp, 'data');
    const exported = await run(['export-data', '--out', data]);
    expect(exported.code, exported.stderr).toBe(0);
    // The exported split is the embedded one: the same fingerprint, so resuming on it is allowed.
    const onExport = await run(['train', '--resume', a, '--data', data, '--epochs', '1', '--max-steps', '1', '--json']);
    expect(onExport.code, onExport.stderr).toBe(0);
    rmSync(join(data, 't10k-labels-idx1-ubyte'));
    rmSync(join(data, 'train-labels-idx1-ubyte'));
    await fail(['train', '--resume', a, '--data', data], /--resume .*a\.state\.safetensors: the run trained on other data \(embedded MNIST train, fingerprint 8000x28x28:[0-9a-f]{8}\); .* has fingerprint 8000x28x28:[0-9a-f]{8}/);
    rmSync(join(tmp, 'b.state.safetensors'));
    await fail(['train', '--resume', join(tmp, 'b.safetensors')], `a model file without its training state (${join(tmp, 'b.state.safetensors')} is missing; train --save writes both)`);
    await fail(['train', '--resume', join(tmp, 'nothing.safetensors')], 'no such file');
  });
});

describe('export-data', () => {
  it('writes the embedded split as the four IDX files, which --data reads back, and never overwrites', async () => {
    const out = join(tmp, 'export');
    const r = await run(['export-data', '--out', out, '--gzip']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
    expect(r.stdout).toContain('8000 training and 2000 test images');
    const again = await run(['export-data', '--out', out, '--gzip']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists: export into an empty folder (nothing was written)');
    const t = await run(['train', '--data', out, '--max-steps', '2', ...small]);
    expect(t.code, t.stderr).toBe(0);
    expect(lines(t.stdout).at(-1)).toMatchObject({ final: true, n_test: 2000 });
  });
});
