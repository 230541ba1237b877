// writeFileAtomic: replaces files whole, never leaves a temporary behind, never damages the old
// file when a write fails (real failures and failures injected into each fs call), and
// concurrent writers in separate processes end with one complete file.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, type AtomicFs } from '../../src/node/atomic.js';

/** Writes `atomic.mjs` into `folder`: the real module compiled from its TypeScript source, for child processes. */
function compileAtomicModule(folder: string): void {
  const src = readFileSync(new URL('../../src/node/atomic.ts', import.meta.url), 'utf8');
  writeFileSync(join(folder, 'atomic.mjs'), transformSync(src, { loader: 'ts', format: 'esm' }).code);
}

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atomic-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const errno = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

describe('writeFileAtomic', () => {
  it('creates a file, then replaces it whole, leaving no temporary file', () => {
    const path = join(dir, 'model.safetensors');
    writeFileAtomic(path, bytes(1000, 1));
    expect(readFileSync(path)).toEqual(Buffer.from(bytes(1000, 1)));
    writeFileAtomic(path, bytes(10, 2));
    expect(readFileSync(path)).toEqual(Buffer.from(bytes(10, 2)));
    writeFileAtomic(path, new Uint8Array(0));
    expect(readFileSync(path).length).toBe(0);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it.skipIf(process.platform === 'win32')('keeps the permission bits of the file it replaces', () => {
    const path = join(dir, 'f');
    writeFileSync(path, 'old');
    fs.chmodSync(path, 0o640);
    writeFileAtomic(path, bytes(4, 3));
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });

  it('fails with the path and code when the folder does not exist, creating nothing', () => {
    const path = join(dir, 'missing', 'f');
    let err: NodeJS.ErrnoException | null = null;
    try {
      writeFileAtomic(path, bytes(8, 1));
    } catch (e) {
      err = e as NodeJS.ErrnoException;
    }
    expect(err?.message).toMatch(new RegExp(`^${path.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}: could not write 8 bytes \\(ENOENT`));
    expect(err?.code).toBe('ENOENT');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('fails when the target is a folder, leaving it and no temporary', () => {
    const path = join(dir, 'sub');
    fs.mkdirSync(path);
    writeFileSync(join(path, 'keep'), 'x');
    expect(() => writeFileAtomic(path, bytes(8, 1))).toThrow(/sub: could not write 8 bytes/);
    expect(readdirSync(dir)).toEqual(['sub']);
    expect(readdirSync(path)).toEqual(['keep']);
  });

  // Every step before the rename can fail; the old file must survive and the temporary vanish.
  const failures: [string, (real: AtomicFs) => Partial<AtomicFs>][] = [
    ['open', () => ({ openSync: () => { throw errno('EMFILE'); } })],
    ['a write after a partial one (disk full)', (real) => {
      let calls = 0;
      return { writeSync: ((fd: number, b: Uint8Array, off: number) => {
        if (calls++ === 0) return real.writeSync(fd, b, off, 100);
        throw errno('ENOSPC');
      }) as AtomicFs['writeSync'] };
    }],
    ['fsync of the file', (real) => ({ fsyncSync: (fd: number) => {
      // The folder fsync comes after the rename; only the file's fsync is failed here.
      if (fs.fstatSync(fd).isFile()) throw errno('EIO');
      real.fsyncSync(fd);
    } })],
    ['close (after the descriptor is released, as on Linux)', (real) => ({ closeSync: (fd: number) => {
      real.closeSync(fd);
      throw errno('EIO');
    } })],
    ['rename', () => ({ renameSync: () => { throw errno('EXDEV'); } })],
  ];
  for (const [label, patch] of failures) {
    it(`a failing ${label} leaves the old file intact and no temporary`, () => {
      const path = join(dir, 'f.bin');
      writeFileSync(path, bytes(64, 7));
      const io: AtomicFs = { ...fs, ...patch(fs) };
      let err: NodeJS.ErrnoException | null = null;
      try {
        writeFileAtomic(path, bytes(4096, 9), io);
      } catch (e) {
        err = e as NodeJS.ErrnoException;
      }
      expect(err?.message, label).toMatch(/f\.bin: could not write 4096 bytes \((EMFILE|ENOSPC|EIO|EXDEV): simulated\)/);
      expect(readFileSync(path)).toEqual(Buffer.from(bytes(64, 7)));
      expect(readdirSync(dir)).toEqual(['f.bin']);
    });
  }

  it('completes short writes', () => {
    const path = join(dir, 'f');
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const io: AtomicFs = { ...fs, writeSync: ((fd: number, b: Uint8Array, off: number) => fs.writeSync(fd, b, off, Math.min(7, b.length - off))) as AtomicFs['writeSync'] };
    writeFileAtomic(path, data, io);
    expect(readFileSync(path)).toEqual(Buffer.from(data));
  });

  it('tolerates platforms that refuse to fsync a folder, but reports other folder errors', () => {
    const path = join(dir, 'f');
    const refuse = (code: string): AtomicFs => ({
      ...fs,
      openSync: ((p: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode) => {
        if (p === dir) throw errno(code);
        return fs.openSync(p, flags, mode);
      }) as AtomicFs['openSync'],
    });
    for (const code of ['EISDIR', 'EPERM', 'EINVAL']) {
      writeFileAtomic(path, bytes(3, 1), refuse(code));
      expect(readFileSync(path)).toEqual(Buffer.from(bytes(3, 1)));
    }
    expect(() => writeFileAtomic(path, bytes(3, 2), refuse('EIO'))).toThrow(/could not fsync the folder after renaming into it \(EIO: simulated\)/);
    expect(readdirSync(dir)).toEqual(['f']);
  });

  it('concurrent writers in separate processes: readers only ever see a complete file', async () => {
    compileAtomicModule(dir);
    writeFileSync(join(dir, 'writer.mjs'), [
      "import { writeFileAtomic } from './atomic.mjs';",
      'const [path, id, n, size] = process.argv.slice(2).map((s, i) => (i ? Number(s) : s));',
      'for (let i = 0; i < n; i++) writeFileAtomic(path, new Uint8Array(size).fill(id));',
    ].join('\n'));
    const target = join(dir, 'out', 'shared.bin');
    fs.mkdirSync(join(dir, 'out'));
    const SIZE = 1 << 18;
    writeFileSync(target, bytes(SIZE, 0));
    const exits = [1, 2, 3, 4].map((id) => new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [join(dir, 'writer.mjs'), target, String(id), '25', String(SIZE)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(code) : reject(new Error(`writer ${id} exited ${code}: ${stderr}`))));
    }));
    let done = false;
    const all = Promise.all(exits).finally(() => (done = true));
    let reads = 0;
    while (!done) {
      const b = readFileSync(target);
      expect(b.length, `read ${reads}`).toBe(SIZE);
      expect(b.every((v) => v === b[0]), `read ${reads}: mixed contents`).toBe(true);
      reads++;
      await new Promise((r) => setTimeout(r, 1));
    }
    await all;
    const final = readFileSync(target);
    expect(final.length).toBe(SIZE);
    expect([1, 2, 3, 4]).toContain(final[0]);
    expect(final.every((v) => v === final[0])).toBe(true);
    expect(readdirSync(join(dir, 'out'))).toEqual(['shared.bin']);
    expect(reads).toBeGreaterThan(0);
  });
});

describe('temporaries left by a killed writer', () => {
  it('are removed by the next write when their process is gone; live writers are left alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-stale-'));
    const target = join(dir, 'model.safetensors');
    // pid 2^22 + 7 is above the largest pid Linux allows (2^22), so no such process; the parent is alive.
    const dead = `.model.safetensors.${4194311}.abcdef012345.tmp`;
    const live = `.model.safetensors.${process.ppid}.abcdef012345.tmp`;
    writeFileSync(join(dir, dead), 'partial');
    writeFileSync(join(dir, live), 'in progress');
    writeFileAtomic(target, new TextEncoder().encode('new'));
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(readdirSync(dir).sort()).toEqual([live, 'model.safetensors'].sort());
  });
});

describe('kill -9 during writes', () => {
  it('leaves the old or the new file, never a partial one, and the next write removes the temporaries', async () => {
    const work = mkdtempSync(join(tmpdir(), 'atomic-kill-'));
    compileAtomicModule(work);
    // Writes 8 MiB files of one repeated byte, forever, until killed.
    writeFileSync(join(work, 'writer.mjs'), [
      "import { writeFileAtomic } from './atomic.mjs';",
      'const path = process.argv[2];',
      'for (let i = 1; ; i++) writeFileAtomic(path, new Uint8Array(8 << 20).fill(i & 0xff));',
    ].join('\n'));
    const target = join(work, 'model.bin');
    writeFileAtomic(target, new Uint8Array(8 << 20).fill(0));
    for (const delayMs of [150, 300, 450]) {
      const child = spawn(process.execPath, [join(work, 'writer.mjs'), target], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      const b = readFileSync(target);
      expect(b.length).toBe(8 << 20);
      expect(b.every((v) => v === b[0]), `partial file after kill -9 at ${delayMs} ms`).toBe(true);
    }
    // A kill that lands between open and rename leaves a temporary (how often depends on the
    // disk); the next write removes any (the dead-pid case is tested deterministically above).
    const stray = readdirSync(work).filter((f) => f.endsWith('.tmp')).length;
    console.log(`kill -9: ${stray} temporaries left by 3 killed writers`);
    writeFileAtomic(target, new Uint8Array(4).fill(7));
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    rmSync(work, { recursive: true, force: true });
  });
});
