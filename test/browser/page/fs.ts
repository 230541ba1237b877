/**
 * `node:fs` for test files bundled into a browser page: the reads the GPU tests make (their
 * data files, the shaders as written), answered synchronously by the harness's server, which
 * serves the repository read-only under /repo/ (test/browser/harness.ts). A path is a URL
 * path on that server: the harness rewrites each file's `import.meta.url` to its URL there.
 */

function get(path: string | URL, binary: boolean): XMLHttpRequest {
  const url = new URL(String(path), location.href);
  const xhr = new XMLHttpRequest();
  // Synchronous, as readFileSync is: the page has nothing else to do meanwhile.
  xhr.open('GET', url.href, false);
  // Bytes as they are: each char code of the response is one byte.
  if (binary) xhr.overrideMimeType('text/plain; charset=x-user-defined');
  xhr.send();
  if (xhr.status !== 200) {
    const e = new Error(`ENOENT: no such file or directory, open '${url.pathname}' (HTTP ${xhr.status})`) as Error & { code: string };
    e.code = 'ENOENT';
    throw e;
  }
  return xhr;
}

/** The file's bytes, or its text when an encoding is given. */
export function readFileSync(path: string | URL, options?: string | { encoding?: string | null }): Uint8Array | string {
  const encoding = typeof options === 'string' ? options : options?.encoding;
  if (encoding) return get(path, false).responseText;
  const text = get(path, true).responseText;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** A directory's entries (names, or entries with isDirectory / isFile when `withFileTypes`). */
export function readdirSync(path: string | URL, options?: { withFileTypes?: boolean }): unknown[] {
  const dir = String(path).replace(/\/?$/, '/');
  const entries = JSON.parse(get(`${dir}?list`, false).responseText) as { name: string; directory: boolean }[];
  if (!options?.withFileTypes) return entries.map((e) => e.name);
  return entries.map((e) => ({ name: e.name, isDirectory: () => e.directory, isFile: () => !e.directory }));
}

/** Whether the server has the file. */
export function existsSync(path: string | URL): boolean {
  try {
    get(path, true);
    return true;
  } catch {
    return false;
  }
}

export default { readFileSync, readdirSync, existsSync };
