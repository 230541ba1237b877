// The built CLI (dist/cli.js) run as a user runs it: a real process, its exit code and output.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** The built CLI. */
export const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

/** Runs `webgpu-vae ARGS` (CI=true: no terminal), up to `timeout` ms. */
export function runCli(args: string[], timeout = 110_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout, env: { ...process.env, CI: 'true' }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
