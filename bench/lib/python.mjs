// Running the PyTorch scripts of bench/pytorch/ beside our benchmark, and reading what a process
// tree has cost: shared by the Node runner (bench/step.ts) and the browser launcher
// (bench/browser.mjs), which answers the page's requests with them.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Python that has PyTorch (Debian's python3-torch installs for /usr/bin/python3); PYTHON overrides. */
export const PYTHON = process.env.PYTHON || '/usr/bin/python3';

/**
 * Runs bench/pytorch/<script> from the repository root `root` with `args` and `--split FILE`
 * (`split` written to a temporary file), within `timeoutMs`; resolves to its JSON lines.
 */
export function runPythonScript(root, script, args, split, timeoutMs = 600_000) {
  const dir = mkdtempSync(join(tmpdir(), 'webgpu-vae-bench-'));
  const file = join(dir, 'split.json');
  writeFileSync(file, split);
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [join(root, 'bench/pytorch', script), ...args, '--split', file], { cwd: root, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      if (err) {
        const why = err.killed ? `no result within ${Math.round(timeoutMs / 1000)} s` : `${stderr.trim().split('\n').slice(-3).join(' | ') || err.message}`;
        reject(new Error(`${PYTHON} bench/pytorch/${script}: ${why}`));
        return;
      }
      resolve(stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)));
    });
  });
}

/**
 * CPU seconds (user + system) used so far by process `pid` and all its descendants, from
 * /proc (Linux): for Chromium, whose GPU process runs SwiftShader. Processes that ended before
 * the call are not counted. Null where /proc is missing.
 */
export function processTreeCpuSeconds(pid) {
  let entries;
  try {
    entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const children = new Map();
  const cpu = new Map();
  for (const d of entries) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces, inside parentheses).
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(f[1]);
      cpu.set(Number(d), Number(f[11]) + Number(f[12]));
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch {
      // The process ended while we read.
    }
  }
  let ticks = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    ticks += cpu.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  // Clock ticks per second: 100 on Linux (USER_HZ).
  return ticks / 100;
}
