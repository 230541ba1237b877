// Running PyTorch's side of the tests (examples/pytorch) and our CLI as child processes.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** The repository's root. */
export const ROOT = join(__dirname, '..', '..');
/** The built CLI (npm run build). */
export const CLI = join(ROOT, 'dist', 'cli.js');
/** Debian's interpreter, which python3-torch installs for (the python3 on PATH may be another). */
export const PYTHON = '/usr/bin/python3';

/** Runs `file args` in the repository's root with one OpenMP thread; never rejects. */
export function exec(file: string, args: string[], timeout = 170_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout, cwd: ROOT, env: { ...process.env, CI: 'true', OMP_NUM_THREADS: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
