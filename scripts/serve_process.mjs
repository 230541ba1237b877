// scripts/serve.mjs as a child process on a free loopback port, for the page tests
// (test/e2e/browser_page.ts) and bench/graph_page.mjs: its URL once it prints one.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Starts scripts/serve.mjs on a free port; `url` resolves to its address (rejects after 15 s or when it exits). */
export function startServer() {
  const child = spawn(process.execPath, [join(root, 'scripts/serve.mjs')], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve.mjs printed no URL within 15 s; output: ${out}`)), 15_000);
    const onData = (d) => {
      out += String(d);
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}: ${out}`)));
  });
  return { url, child };
}
