/** A stop (abort, timeout, close) during a two-process replay kills the forked child with the kernel. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sandboxSchema } from '../../src/config/schema.js';
import { LocalSandbox } from '../../src/sandbox/local.js';
import { FIX, ROOT } from './py.js';

const TOOLKIT = path.join(ROOT, 'src/agent/toolkit/dsbot_toolkit');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dsbot-replay-stop-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Host pids whose command name (/proc/PID/comm) is one of `names`. */
function pidsNamed(names: string[]): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${d}/comm`, 'utf8').trim())) pids.push(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A cell that names the kernel and its stage-B child, then blocks in the child (sleeps there). */
function replayCell(tag: string): string {
  return `import ctypes, time
from dsbot_toolkit import replay_fork
_libc = ctypes.CDLL(None)
_libc.prctl(15, b"dsk-${tag}", 0, 0, 0)  # PR_SET_NAME: the host finds the kernel by it
def _slow_stage_b(p):
    _libc.prctl(15, b"dsc-${tag}", 0, 0, 0)
    open("child-started", "w").close()
    time.sleep(120)
replay_fork.stage_b = _slow_stage_b
replay_begin(make_clean_chunk(suggest_recipe(profile())), [])
replay_chunk(0)`;
}

const cases: { name: string; unisolated: boolean; stop: 'abort' | 'timeout' | 'close' | 'kernel' }[] = [
  { name: 'an abort (stop) in bubblewrap', unisolated: false, stop: 'abort' },
  { name: 'a cell timeout in bubblewrap', unisolated: false, stop: 'timeout' },
  { name: 'closing the sandbox', unisolated: false, stop: 'close' },
  { name: 'an abort without isolation (process group)', unisolated: true, stop: 'abort' },
  // the OOM killer or RLIMIT_CPU kills the kernel alone: the child dies with it (PR_SET_PDEATHSIG)
  { name: 'the kernel alone was killed', unisolated: true, stop: 'kernel' },
];

describe('stopping a two-process replay', () => {
  for (const c of cases) {
    it(`leaves no child process after ${c.name}`, async () => {
      const tag = randomBytes(4).toString('hex');
      const names = [`dsk-${tag}`, `dsc-${tag}`];
      const workDir = path.join(tmp, `w-${tag}`);
      const cfg = sandboxSchema.parse({ cellTimeoutMs: 60_000, local: { allowUnisolated: c.unisolated } });
      const sb = new LocalSandbox(cfg, { warn: () => undefined });
      await sb.start({
        workDir,
        inputs: [{ hostPath: path.join(FIX, 'dups.csv'), name: 'dups.csv' }],
        pythonPackages: [{ hostDir: TOOLKIT, name: 'dsbot_toolkit' }],
        setupCode: (paths) => `from dsbot_toolkit import *\ninit_session(${JSON.stringify(`${paths.data}/dups.csv`)}, work_dir='.', chunk_rows=10, processes=2)`,
      });
      try {
        const ac = new AbortController();
        const running = sb.exec(replayCell(tag), { signal: ac.signal, timeoutMs: c.stop === 'timeout' ? 4_000 : 60_000 });
        await until('the stage-B child', () => existsSync(path.join(workDir, 'child-started')));
        await until('both processes named', () => pidsNamed(names).length === 2);
        if (c.stop === 'abort') ac.abort();
        if (c.stop === 'close') await sb.close();
        if (c.stop === 'kernel') process.kill(pidsNamed([names[0]])[0], 'SIGKILL');
        const r = await running;
        expect(r.killed).toBe({ abort: 'aborted', close: 'aborted', timeout: 'timeout', kernel: 'memory' }[c.stop]); // a SIGKILL from outside reads as the OOM killer
        await until('the kernel and its child to be gone', () => pidsNamed(names).length === 0, 5_000);
      } finally {
        await sb.close();
      }
    });
  }
});
