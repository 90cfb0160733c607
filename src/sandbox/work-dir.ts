/**
 * Host-side access to a local sandbox's work dir. The kernel can create symlinks there, so
 * every path is checked to stay inside the work dir after resolving links (a cell must not make
 * the host read `/etc/shadow` or overwrite a host file through a link it planted).
 */
import { constants } from 'node:fs';
import { chown, lchown, lstat, mkdir, open, readdir, realpath, unlink } from 'node:fs/promises';
import path from 'node:path';
import { SandboxError } from '../errors.js';

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Resolves `rel` under `root`, refusing anything that leaves it (also through symlinks). */
async function resolveInside(root: string, rel: string, forWrite: boolean): Promise<string> {
  const realRoot = await realpath(root);
  const abs = path.resolve(realRoot, rel.replace(/^\/+/, ''));
  if (!isInside(realRoot, abs) || abs === realRoot) throw new SandboxError(`Path ${rel} is outside the sandbox's work dir.`);
  const parent = path.dirname(abs);
  if (forWrite) {
    let existing = parent;
    while (!(await exists(existing))) existing = path.dirname(existing);
    if (!isInside(realRoot, await realpath(existing))) throw new SandboxError(`Path ${rel} leaves the work dir through a link.`);
    await mkdir(parent, { recursive: true });
  }
  const realParent = await realpath(parent).catch(() => parent);
  if (!isInside(realRoot, realParent)) throw new SandboxError(`Path ${rel} leaves the work dir through a link.`);
  return path.join(realParent, path.basename(abs));
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/** Reads a file under `root` without following a final symlink. */
export async function readInside(root: string, rel: string): Promise<Buffer> {
  const p = await resolveInside(root, rel, false);
  try {
    const fh = await open(p, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new SandboxError(`${rel} in the work dir is a symlink; refusing to follow it.`, { cause: err });
    if (code === 'ENOENT') throw new SandboxError(`${rel} does not exist in the sandbox's work dir.`, { cause: err });
    throw new SandboxError(`Cannot read ${rel} from the sandbox: ${(err as Error).message}`, { cause: err });
  }
}

/** Writes a file under `root` (replacing a symlink, never writing through it); chowns it when `owner` is set. */
export async function writeInside(root: string, rel: string, content: string | Buffer, owner?: { uid: number; gid: number }): Promise<void> {
  const p = await resolveInside(root, rel, true);
  const st = await lstat(p).catch(() => undefined);
  if (st?.isSymbolicLink()) await unlink(p);
  const fh = await open(p, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  try {
    await fh.writeFile(content);
    if (owner) await fh.chown(owner.uid, owner.gid);
  } finally {
    await fh.close();
  }
  if (owner) await chownParents(root, path.dirname(p), owner);
}

async function chownParents(root: string, dir: string, owner: { uid: number; gid: number }): Promise<void> {
  const realRoot = await realpath(root);
  for (let d = dir; isInside(realRoot, d) && d !== realRoot; d = path.dirname(d)) await chown(d, owner.uid, owner.gid);
}

/** Gives `dir` and everything under it to `owner` (symlinks themselves, not their targets). */
export async function chownTree(dir: string, owner: { uid: number; gid: number }): Promise<void> {
  await lchown(dir, owner.uid, owner.gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(p, owner);
    else await lchown(p, owner.uid, owner.gid);
  }
}
