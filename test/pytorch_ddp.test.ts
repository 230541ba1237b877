// The road past one machine, tested: PyTorch DDP (examples/pytorch/train_ddp.py under torchrun,
// 2 processes on CPUs with gloo) continues one of our checkpoints, and `webgpu-vae eval` of the
// result equals PyTorch's own evaluation of it within 0.5 nats. Needs Debian's python3-torch
// (.ci/run installs it); without it this fails, with the command to install it, rather than skip.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, PYTHON, exec } from './util/python.js';

const tmp = mkdtempSync(join(tmpdir(), 'webgpu-vae-ddp-'));

describe('PyTorch beside us', () => {
  it('PyTorch is installed', async () => {
    const r = await exec(PYTHON, ['-c', 'import torch; print(torch.__version__)']);
    expect(r.code, `${PYTHON} cannot import torch (${r.stderr.trim().split('\n').at(-1)}): apt-get install -y python3-torch`).toBe(0);
  });

  it('the examples\' own unit tests pass (safetensors codec, tensor names, losses, IDX)', async () => {
    const r = await exec(PYTHON, ['-m', 'unittest', 'discover', '-s', 'examples/pytorch', '-p', 'test_*.py']);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
  });

  it('torchrun, 2 processes: DDP continues our checkpoint; our eval of the result equals PyTorch\'s within 0.5 nats', async () => {
    const data = join(tmp, 'data');
    const ours = join(tmp, 'ours.safetensors');
    const theirs = join(tmp, 'ddp.safetensors');
    expect((await exec(process.execPath, [CLI, 'export-data', '--out', data])).code).toBe(0);
    const t = await exec(process.execPath, [CLI, 'train', '--max-steps', '20', '--hidden', '64', '--latent', '8', '--json', '--save', ours]);
    expect(t.code, t.stderr).toBe(0);
    // Debian's PyTorch 1.13 on Python 3.11: plain torchrun fails in its launcher before starting
    // a worker (fixed in PyTorch 2.0); torchrun_compat.py is the same launcher with the fix.
    const ddp = await exec(PYTHON, [
      'examples/pytorch/torchrun_compat.py', '--nproc_per_node=2', 'examples/pytorch/train_ddp.py',
      '--data', data, '--init', ours, '--max-steps', '10', '--seed', '3', '--out', theirs,
    ]);
    expect(ddp.code, ddp.stderr.slice(-3000)).toBe(0);
    expect(existsSync(theirs)).toBe(true);
    const torchEval = await exec(PYTHON, ['examples/pytorch/evaluate.py', theirs, '--data', data]);
    expect(torchEval.code, torchEval.stderr.slice(-2000)).toBe(0);
    const pt = JSON.parse(torchEval.stdout.trim().split('\n').at(-1)!) as { test_loss: number };
    const e = await exec(process.execPath, [CLI, 'eval', '--model', theirs, '--data', data, '--json']);
    expect(e.code, e.stderr).toBe(0);
    const ev = JSON.parse(e.stdout) as { test_loss: number; n: number };
    expect(ev.n).toBe(2000);
    // Both average fresh noise draws of the same model on the same 2,000 images; a draw moves
    // the mean by about 0.1 nats.
    expect(Math.abs(ev.test_loss - pt.test_loss), `webgpu-vae ${ev.test_loss} vs PyTorch ${pt.test_loss}`).toBeLessThan(0.5);
  });
});
