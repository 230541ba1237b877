// Serves the training page: index.html at / and the built bundles and data under /dist/, on
// 127.0.0.1 (HOST to change it) and PORT (default 8080; 0 picks a free port). Prints the URL.
// `npm start` builds first, then runs this. Only those two places are served, nothing else of
// the repository.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const DEFAULT_PORT = 8080;

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  // The embedded data is gzipped IDX: sent as bytes, never with Content-Encoding, so the page
  // gets the .gz file itself and decompresses it with its own reader.
  '.gz': 'application/octet-stream',
};

/** The file a request path maps to, or null when it is outside what is served. */
function resolvePath(urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path === '/' || path === '/index.html') return join(root, 'index.html');
  if (!path.startsWith('/dist/')) return null;
  const file = normalize(join(root, path));
  return file.startsWith(dist + sep) ? file : null;
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const file = resolvePath(url.pathname);
  let size = -1;
  try {
    if (file && statSync(file).isFile()) size = statSync(file).size;
  } catch {
    size = -1;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  if (!file || size < 0) {
    const hint = url.pathname.startsWith('/dist/') ? ' (run `npm run build`)' : '';
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${url.pathname}${hint}\n`);
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
});

const host = process.env.HOST || '127.0.0.1';
const portText = process.env.PORT ?? String(DEFAULT_PORT);
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`serve: PORT must be a whole number from 0 to 65535, got "${portText}"`);
  process.exit(2);
}
server.on('error', (e) => {
  console.error(`serve: cannot listen on ${host}:${port}: ${e.message}${e.code === 'EADDRINUSE' ? ' (set PORT to another port)' : ''}`);
  process.exit(1);
});
server.listen(port, host, () => {
  const { port: actual } = server.address();
  const shown = host.includes(':') ? `[${host}]` : host;
  if (!process.env.PORT) console.log(`serve: PORT not set, using the default ${DEFAULT_PORT}`);
  console.log(`webgpu-vae training page: http://${shown}:${actual}/`);
  console.log('press Ctrl+C to stop');
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
