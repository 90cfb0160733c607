/** LocalSandbox beyond the contract: start failures say what to install, unisolated mode, crashes. */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxSchema } from '../../src/config/schema.js';
import { SandboxError } from '../../src/errors.js';
import { classifyExit } from '../../src/sandbox/kernel-runner.js';
import { bwrapArgv } from '../../src/sandbox/local-command.js';
import { LocalSandbox } from '../../src/sandbox/local.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dsbot-local-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const cfg = (over: Record<string, unknown> = {}) => sandboxSchema.parse({ cellTimeoutMs: 20_000, ...over });

describe('LocalSandbox start failures', () => {
  it('says how to install bubblewrap when it is missing', async () => {
    const sb = new LocalSandbox(cfg({ local: { bwrap: '/nonexistent/bwrap' } }));
    const err = await sb.start({ workDir: path.join(tmp, 'w1') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as SandboxError).kind).toBe('sandbox');
    expect((err as Error).message).toContain('apt-get install -y bubblewrap');
    expect((err as Error).message).toContain('allowUnisolated');
  });

  it('says how to install Python when the configured one does not exist', async () => {
    const sb = new LocalSandbox(cfg({ python: '/usr/bin/python3-nonexistent' }));
    const err = await sb.start({ workDir: path.join(tmp, 'w2') }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('apt-get install -y python3-pandas python3-numpy');
  });

  it('says how to install pandas when the Python lacks it', async () => {
    // A Python that cannot see dist-packages (-S): the real interpreter, without pandas.
    const py = path.join(tmp, 'python-without-pandas');
    await writeFile(py, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n');
    await chmod(py, 0o755);
    const warnings: string[] = [];
    const sb = new LocalSandbox(cfg({ python: py, local: { allowUnisolated: true } }), { warn: (m) => warnings.push(m) });
    const err = await sb.start({ workDir: path.join(tmp, 'w3') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as Error).message).toContain('cannot import pandas');
    expect((err as Error).message).toContain('apt-get install -y python3-pandas python3-numpy');
    expect(warnings.join('\n')).toContain('WITHOUT isolation');
  });

  it('fails start with the traceback when setupCode raises', async () => {
    const sb = new LocalSandbox(cfg());
    const err = await sb.start({ workDir: path.join(tmp, 'w4'), setupCode: 'import dsbot_missing_toolkit' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as Error).message).toContain('ModuleNotFoundError');
    await expect(sb.exec('1')).rejects.toThrow(/closed/);
  });

  it('rejects exec before start', async () => {
    await expect(new LocalSandbox(cfg()).exec('1')).rejects.toThrow(/start\(\)/);
  });
});

describe('LocalSandbox unisolated (explicit opt-in)', () => {
  it('warns at every start, and still runs cells with inputs and packages', async () => {
    const warnings: string[] = [];
    await writeFile(path.join(tmp, 'in.csv'), 'a\n1\n2\n');
    const sb = new LocalSandbox(cfg({ local: { allowUnisolated: true } }), { warn: (m) => warnings.push(m) });
    try {
      await sb.start({ workDir: path.join(tmp, 'w5'), inputs: [{ hostPath: path.join(tmp, 'in.csv'), name: 'in.csv' }] });
      expect(warnings).toHaveLength(1);
      const r = await sb.exec(`import pandas as pd\nprint(pd.read_csv(${JSON.stringify(`${sb.paths.data}/in.csv`)}).a.sum())`);
      expect(r.error).toBeUndefined();
      expect(r.stdout).toBe('3\n');
    } finally {
      await sb.close();
    }
  });
});

describe('LocalSandbox kernel deaths', () => {
  const sb = new LocalSandbox(cfg());
  beforeAll(async () => {
    await sb.start({ workDir: path.join(tmp, 'w6'), setupCode: 'BOOTED = True' });
  });
  afterAll(async () => {
    await sb.close();
  });

  it('reports a crash inside a cell as killed: crashed, then restarts', async () => {
    await sb.exec('keep = 1');
    const r = await sb.exec('import os\nos.abort()');
    expect(r.killed).toBe('crashed');
    expect(r.stateLost).toBe(true);
    const next = await sb.exec('print(BOOTED, "keep" in globals())');
    expect(next.stdout).toBe('True False\n');
  });

  it('says stateLost on the next cell when the kernel died between cells', async () => {
    await sb.exec('keep = 2\nimport os, threading, time\nthreading.Thread(target=lambda: (time.sleep(0.2), os._exit(1)), daemon=True).start()');
    await new Promise((r) => setTimeout(r, 600));
    const next = await sb.exec('print("keep" in globals())');
    expect(next.stateLost).toBe(true);
    expect(next.killed).toBeUndefined();
    expect(next.stdout).toBe('False\n');
    expect((await sb.exec('print(1)')).stateLost).toBe(false);
  });

  it('refuses to read or write through a symlink the cell planted to a host file', async () => {
    await sb.exec('import os\nos.symlink("/etc/hostname", "leak.txt")\nos.symlink("/etc", "etc-link")');
    await expect(sb.readFile('leak.txt')).rejects.toThrow(/symlink/);
    await expect(sb.readFile('etc-link/hostname')).rejects.toThrow(/link/);
    await expect(sb.writeFile('etc-link/dsbot-pwned', 'x')).rejects.toThrow(/link/);
    await sb.writeFile('leak.txt', 'replaced'); // replaces the link, never writes through it
    expect((await sb.exec('print(open("leak.txt").read())')).stdout).toBe('replaced\n');
  });

  it('caps the private /tmp', async () => {
    const r = await sb.exec('import os\nst = os.statvfs("/tmp")\nprint(st.f_blocks * st.f_frsize // (1024 * 1024))');
    expect(Number(r.stdout)).toBe(256);
  });

  it('never crashes on values that are not JSON-serialisable', async () => {
    const r = await sb.exec('class Weird:\n    def __repr__(self):\n        raise RuntimeError("no repr")\nfinal_answer({"w": Weird(), "nan": float("nan"), "big": 2**80, "b": b"\\xff"})');
    expect(r.hasFinalAnswer).toBe(true);
    expect(r.finalAnswer).toEqual({ w: '<unrepresentable Weird>', nan: null, big: '1208925819614629174706176', b: '\ufffd' });
  });
});

describe('LocalSandbox close', () => {
  it('stops a running cell (aborted), is idempotent, and refuses later cells', async () => {
    const sb = new LocalSandbox(cfg());
    await sb.start({ workDir: path.join(tmp, 'w7') });
    const running = sb.exec('import time\ntime.sleep(60)');
    const queued = sb.exec('print(1)');
    await new Promise((r) => setTimeout(r, 200));
    await Promise.all([sb.close(), sb.close()]);
    expect((await running).killed).toBe('aborted');
    await expect(queued).rejects.toThrow(/closed/);
    await expect(sb.exec('1')).rejects.toThrow(/closed/);
  });

  it('closes cleanly while the kernel restarts after a timeout', async () => {
    const sb = new LocalSandbox(cfg());
    await sb.start({ workDir: path.join(tmp, 'w8') });
    expect((await sb.exec('while True: pass', { timeoutMs: 500 })).killed).toBe('timeout');
    await sb.close(); // the restart in flight is stopped
    await expect(sb.exec('1')).rejects.toThrow(/closed/);
  });
});

describe('local sandbox command and exit classification', () => {
  it('builds a bwrap command with no network, cleared env, no capabilities and limits', () => {
    const argv = bwrapArgv({
      bwrap: 'bwrap',
      python: '/usr/bin/python3',
      kernelPath: '/k/kernel.py',
      workDir: '/w',
      inputs: [{ hostPath: '/h/a.csv', name: 'a.csv' }],
      pythonPackages: [],
      limits: { cpuSeconds: 10, memoryMb: 512, maxProcesses: 16, maxFileMb: 8 },
    }).join(' ');
    expect(argv).toContain('--unshare-all --unshare-user --disable-userns');
    expect(argv).toContain(`--perms 1777 --size ${256 * 1024 * 1024} --tmpfs /tmp`);
    expect(argv).toContain('--clearenv');
    expect(argv).toContain('--cap-drop ALL');
    expect(argv).toContain('--ro-bind /h/a.csv /data/a.csv');
    expect(argv).toContain('--bind /w /sandbox');
    expect(argv).toContain(`--as=${512 * 1024 * 1024}`);
    expect(argv).toContain('--nproc=16');
    const asRoot = bwrapArgv({ ...{ bwrap: 'bwrap', python: '/usr/bin/python3', kernelPath: '/k', workDir: '/w', inputs: [], pythonPackages: [] }, limits: { cpuSeconds: 1, memoryMb: 1, maxProcesses: 1, maxFileMb: 1 }, runAs: { uid: 1234, gid: 1234 } }).join(' ');
    expect(asRoot).toContain('--unshare-net');
    expect(asRoot).not.toContain('--unshare-user'); // as root the seccomp filter keeps user namespaces out
    expect(asRoot).toContain('setpriv --reuid=1234 --regid=1234 --clear-groups --bounding-set=-all');
  });

  it('classifies deaths', () => {
    expect(classifyExit({ code: 152, signal: null }, '')).toBe('timeout'); // SIGXCPU through bwrap
    expect(classifyExit({ code: 134, signal: null }, 'MemoryError')).toBe('memory');
    expect(classifyExit({ code: 134, signal: null }, 'Fatal Python error: Aborted')).toBe('crashed');
  });
});
