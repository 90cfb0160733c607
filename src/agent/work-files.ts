/**
 * What the host takes from the kernel's work dir (DESIGN.md decision 10: the kernel is an
 * adversary). Model-written code runs there and may leave symlinks, hard links, FIFOs, huge
 * files or names like `../../etc/x`. Every read here:
 * - takes a path relative to the work dir that stays inside it (no `..`, no absolute path);
 * - opens it without following a final link (O_NOFOLLOW, O_NONBLOCK so a FIFO cannot block);
 * - insists on a regular file with one link, the same inode as checked, whose real path (read
 *   back from the open descriptor) is inside the work dir, so a directory swapped for a link
 *   between the check and the open is caught too;
 * - reads at most `maxBytes`, and copies, never renames, into the run dir.
 * Remote sandboxes (E2B) keep their files in the VM: there the bytes come through the SDK and
 * only the size is checked (after reading).
 */
import { constants } from 'node:fs';
import { lstat, open, readlink, realpath, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { SandboxError } from '../errors.js';
import type { Sandbox } from '../sandbox/types.js';

/** A file the host refuses to take from the work dir; the message says which and why. */
export class RefusedFileError extends SandboxError {}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** A relative path inside the work dir, or a refusal. */
function checkRel(rel: string): string {
  const norm = path.posix.normalize(rel);
  if (!rel || path.isAbsolute(rel) || norm.startsWith('..') || norm.split('/').includes('..') || rel.includes('\0')) {
    throw new RefusedFileError(`${JSON.stringify(rel.slice(0, 200))} is not a path inside the work dir; refusing it.`);
  }
  return norm;
}

/** Opens `rel` under `workDir` for reading with every check above; undefined when it does not exist. */
async function openChecked(workDir: string, rel: string): Promise<{ fh: FileHandle; size: number } | undefined> {
  const root = await realpath(workDir);
  const abs = path.join(root, checkRel(rel));
  const st = await lstat(abs).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw err;
  });
  if (!st) return undefined;
  if (!st.isFile()) throw new RefusedFileError(`${rel} in the work dir is ${st.isSymbolicLink() ? 'a symlink' : 'not a regular file'}; refusing it.`);
  let fh: FileHandle;
  try {
    fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw new RefusedFileError(`${rel} in the work dir cannot be opened safely (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); refusing it.`, { cause: err });
  }
  try {
    const fst = await fh.stat();
    if (!fst.isFile() || fst.ino !== st.ino || fst.dev !== st.dev) throw new RefusedFileError(`${rel} in the work dir changed while it was opened; refusing it.`);
    if (fst.nlink !== 1) throw new RefusedFileError(`${rel} in the work dir has other hard links; refusing it.`);
    const real = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => realpath(abs));
    if (!isInside(root, real)) throw new RefusedFileError(`${rel} leaves the work dir through a link; refusing it.`);
    return { fh, size: fst.size };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

function tooLarge(rel: string, maxBytes: number): RefusedFileError {
  return new RefusedFileError(`${rel} in the work dir is larger than ${maxBytes} bytes; refusing it.`);
}

/** Reads a work-dir file with every check, at most `maxBytes`. Missing file: SandboxError. */
export async function readFromWorkDir(workDir: string, rel: string, maxBytes: number): Promise<Buffer> {
  const opened = await openChecked(workDir, rel);
  if (!opened) throw new SandboxError(`${rel} does not exist in the sandbox's work dir.`);
  const { fh, size } = opened;
  try {
    if (size > maxBytes) throw tooLarge(rel, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(rel, maxBytes); // it grew while being read
      chunks.push(buf.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total);
  } finally {
    await fh.close();
  }
}

/** Opens `dest` for writing without following a link; the host's own run dir, but never trust a name twice. */
async function openDest(dest: string): Promise<FileHandle> {
  return open(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
}

/**
 * Copies the work-dir file `name` to `dest` (written as `dest.part`, then renamed), at most
 * `maxBytes`; removes the work-dir copy afterwards. Returns the bytes copied, or undefined when
 * the file does not exist. Throws RefusedFileError for a link, a non-regular or oversized file.
 */
export async function copyFromWorkDir(workDir: string, name: string, dest: string, maxBytes: number): Promise<number | undefined> {
  const opened = await openChecked(workDir, name);
  if (!opened) return undefined;
  const { fh, size } = opened;
  const part = `${dest}.part`;
  let total = 0;
  try {
    if (size > maxBytes) throw tooLarge(name, maxBytes);
    await unlink(part).catch(() => undefined);
    const out = await openDest(part);
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        total += bytesRead;
        if (total > maxBytes) throw tooLarge(name, maxBytes);
        await out.write(buf, 0, bytesRead);
      }
    } finally {
      await out.close();
    }
    await rename(part, dest);
  } catch (err) {
    await unlink(part).catch(() => undefined);
    throw err;
  } finally {
    await fh.close();
  }
  // The outputs live in the run dir now; the work-dir copy is only disk space.
  await unlink(path.join(await realpath(workDir), checkRel(name))).catch(() => undefined);
  return total;
}

/** Writes bytes taken from a remote sandbox to `dest` in the host's run dir (never through a link). */
export async function writeHostFile(dest: string, content: Buffer): Promise<void> {
  const fh = await openDest(dest);
  try {
    await fh.writeFile(content);
  } finally {
    await fh.close();
  }
}

/** A sandbox whose `readFile` takes a size cap. */
export interface GuardedSandbox extends Sandbox {
  /** Reads a work-dir file with the checks above (local) or through the SDK (E2B), refusing more than `maxBytes` (default: the guard's cap). */
  readFile(rel: string, maxBytes?: number): Promise<Buffer>;
}

/**
 * Wraps a run's sandbox so every host read of its work dir goes through the checks above
 * (local sandboxes) or at least a size check (E2B). `workDir` is the host dir given to `start`.
 */
export function guardSandbox(inner: Sandbox, workDir: string, defaultMaxBytes: number): GuardedSandbox {
  return {
    get kind() {
      return inner.kind;
    },
    get paths() {
      return inner.paths;
    },
    start: (o) => inner.start(o),
    exec: (code, o) => inner.exec(code, o),
    writeFile: (rel, content) => inner.writeFile(rel, content),
    close: () => inner.close(),
    async readFile(rel, maxBytes = defaultMaxBytes) {
      if (inner.kind === 'local') return readFromWorkDir(workDir, rel, maxBytes);
      const buf = await inner.readFile(checkRel(rel));
      if (buf.length > maxBytes) throw tooLarge(rel, maxBytes);
      return buf;
    },
  };
}
