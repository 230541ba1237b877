/**
 * Crash-safe file replacement for Node: readers see the old file or the new one, never a
 * partial write. The bytes go to a temporary file in the target's folder (same file system, so
 * rename is atomic), are fsynced, renamed over the target, and the folder is fsynced so the
 * rename itself survives a power loss.
 */
import * as nodeFs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** The file-system calls used, injectable so tests can simulate failures. */
export type AtomicFs = Pick<typeof nodeFs, 'openSync' | 'writeSync' | 'fsyncSync' | 'closeSync' | 'renameSync' | 'unlinkSync' | 'statSync' | 'fchmodSync'>;

/** Codes with which platforms refuse to open or fsync a folder (Windows, some network mounts). */
const FOLDER_SYNC_REFUSED = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'EBADF', 'ENOTSUP', 'EOPNOTSUPP']);

/**
 * Writes `bytes` to `path` atomically. On any failure before the rename the temporary file is
 * removed and an existing `path` is left as it was; the error names the path and byte count.
 * An existing target's permission bits are kept.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, fs: AtomicFs = nodeFs): void {
  const dir = dirname(path);
  removeStaleTemporaries(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let mode: number | null = null;
  try {
    mode = fs.statSync(path).mode & 0o7777;
  } catch {
    // No target yet: the new file gets the default mode.
  }
  let fd = -1;
  let created = false;
  try {
    // 'wx': never reuse a file someone else created under the same name.
    fd = fs.openSync(tmp, 'wx', 0o666);
    created = true;
    if (mode !== null) fs.fchmodSync(fd, mode);
    // writeSync may write less than asked (signals, full pipes on odd file systems): loop.
    for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
    fs.fsyncSync(fd);
    // Never close twice: a failed close still releases the descriptor, which may be reused.
    const open = fd;
    fd = -1;
    fs.closeSync(open);
    fs.renameSync(tmp, path);
    created = false;
  } catch (e) {
    if (fd >= 0) {
      try {
        fs.closeSync(fd);
      } catch {
        // Already failing; the original error is the one to report.
      }
    }
    if (created) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        // Nothing more can be done; the original error is the one to report.
      }
    }
    const err = e as NodeJS.ErrnoException;
    const wrapped = new Error(`${path}: could not write ${bytes.length} bytes (${err.message ?? String(e)})`, { cause: e }) as NodeJS.ErrnoException;
    if (err.code) wrapped.code = err.code;
    throw wrapped;
  }
  syncFolder(dir, fs);
}

/** fsyncs a folder so a rename in it is durable; platforms that refuse are tolerated. */
function syncFolder(dir: string, fs: AtomicFs): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (!FOLDER_SYNC_REFUSED.has(code)) throw new Error(`${dir}: could not fsync the folder after renaming into it (${(e as Error).message})`, { cause: e });
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** True when a process with this pid exists (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files that an earlier writer of `path` left behind when it was killed
 * (kill -9 between open and rename): those whose writer process no longer exists. Temporaries
 * of live writers are left alone.
 */
export function removeStaleTemporaries(path: string): string[] {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = nodeFs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const m = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length));
    if (!m || alive(Number(m[1]))) continue;
    try {
      nodeFs.unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // Another writer removed it first, or it is not ours to remove: leave it.
    }
  }
  return removed;
}
