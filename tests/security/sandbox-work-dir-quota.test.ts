/**
 * Issue 12 item 5: the work dir has a byte quota (`sandbox.local.workDirMb`). A cell writing past
 * it, in one burst or file after file, is stopped with an error naming the quota; the files it
 * wrote since the work dir was last seen under quota are removed (files from before stay); the
 * next cell runs on a fresh kernel.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxSchema } from '../../src/config/schema.js';
import { LocalSandbox } from '../../src/sandbox/local.js';

const QUOTA_MB = 32;

/** Bytes the host sees under `dir` (du, apparent sizes). */
function duBytes(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}

describe('local sandbox work-dir quota', () => {
  let tmp: string;
  let work: string;
  let sb: LocalSandbox;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dsbot-sec-quota-'));
    work = path.join(tmp, 'work');
    // Each file stays under the per-file cap (RLIMIT_FSIZE): only the quota can stop them.
    sb = new LocalSandbox(sandboxSchema.parse({ cellTimeoutMs: 30_000, local: { workDirMb: QUOTA_MB, maxFileMb: 20 } }));
    await sb.start({ workDir: work, files: [{ path: 'input-from-host.txt', content: 'keep me' }] });
  });
  afterAll(async () => {
    await sb?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('stops a cell that writes three files under the per-file cap but past the quota, removes them, and the next cell works', async () => {
    expect((await sb.exec('open("earlier.txt", "w").write("written by an earlier cell")\nkept = 1')).error).toBeUndefined();
    const r = await sb.exec('for name in ("a.bin", "b.bin", "c.bin"):\n    with open(name, "wb") as f:\n        f.write(b"x" * 15 * 2**20)\nprint("all written")');
    expect(r.killed).toBe('disk-quota');
    expect(r.stateLost).toBe(true);
    expect(r.stdout).not.toContain('all written');
    expect(r.stderr).toContain(`quota of ${QUOTA_MB} MiB`);
    expect(r.stderr).toContain('sandbox.local.workDirMb');
    // The host is unharmed: the work dir is back under quota, what was there before stays.
    expect(duBytes(work)).toBeLessThan(QUOTA_MB * 2 ** 20);
    expect(existsSync(path.join(work, 'c.bin'))).toBe(false);
    expect(await readFile(path.join(work, 'input-from-host.txt'), 'utf8')).toBe('keep me');
    expect(await readFile(path.join(work, 'earlier.txt'), 'utf8')).toBe('written by an earlier cell');
    const next = await sb.exec('import os\nprint("kept" in globals(), sorted(n for n in os.listdir(".") if n.endswith(".txt")))');
    expect(next.error).toBeUndefined();
    expect(next.killed).toBeUndefined();
    expect(next.stdout).toBe("False ['earlier.txt', 'input-from-host.txt']\n");
  });

  it('does not follow links the cell plants: a link to the host root is not counted, and removing never goes through it', async () => {
    const r = await sb.exec('import os\nos.symlink("/", "host-root")\nos.symlink("/usr", "usr-link")\nopen("small.txt", "w").write("x")\nprint("ok")');
    expect(r.killed).toBeUndefined();
    expect(r.stdout).toBe('ok\n');
    const over = await sb.exec('for name in ("d.bin", "e.bin", "f.bin"):\n    with open(name, "wb") as f:\n        f.write(b"z" * 15 * 2**20)');
    expect(over.killed).toBe('disk-quota');
    expect(existsSync('/usr/bin/python3')).toBe(true);
    expect(await readFile(path.join(work, 'input-from-host.txt'), 'utf8')).toBe('keep me');
  });

  it('stops a cell that keeps writing small files while it runs (not at its timeout)', async () => {
    const r = await sb.exec(
      'import time\nfor i in range(200):\n    with open("part-%03d.bin" % i, "wb") as f:\n        f.write(b"y" * 2**20)\n    time.sleep(0.02)\ntime.sleep(60)',
      { timeoutMs: 20_000 },
    );
    expect(r.killed).toBe('disk-quota');
    expect(r.stderr).toContain(`quota of ${QUOTA_MB} MiB`);
    expect(duBytes(work)).toBeLessThan(QUOTA_MB * 2 ** 20);
    expect((await sb.exec('print(1 + 1)')).stdout).toBe('2\n');
  });
});
