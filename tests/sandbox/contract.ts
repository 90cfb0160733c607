/**
 * The Sandbox contract: one suite run against every implementation that can run here
 * (LocalSandbox with bubblewrap, E2BSandbox with the fake SDK, E2BSandbox live when a key is set).
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/load.js';
import type { Sandbox, SandboxStartOptions } from '../../src/sandbox/types.js';

export interface ContractTarget {
  /** Shown in the suite name. */
  name: string;
  /** A new, unstarted sandbox (cell timeout large; the tests pass short ones). */
  create(): Sandbox;
  /** Runs the isolation cases (network, host files, env). False for the fake E2B: it is a plain local process. */
  isolation: boolean;
  /** Runs the resource-limit cases (memory, fork bomb). False for the fake E2B: it has no limits. */
  limits: boolean;
  /** Where the work dir goes (a host dir for local; ignored by E2B). */
  tmpRoot?: string;
  /** Skips the whole suite (a target this machine cannot run). */
  skip?: boolean;
}

/** A host env var the sandbox must not see (set before start). */
export const FAKE_SECRET = 'dsbot-fake-secret-4d1f9a';

export function sandboxContract(target: ContractTarget): void {
  describe.skipIf(target.skip ?? false)(`Sandbox contract: ${target.name}`, () => {
    let sb: Sandbox;
    let tmp: string;
    const toolCalls: unknown[] = [];

    beforeAll(async () => {
      tmp = await mkdtemp(path.join(target.tmpRoot ?? os.tmpdir(), 'dsbot-contract-'));
      await chmod(tmp, 0o711); // a sandbox built by an unprivileged user must reach its inputs
      await mkdir(path.join(tmp, 'in'));
      await writeFile(path.join(tmp, 'in', 'people.csv'), 'name,age\nada,36\ngrace,45\n');
      await mkdir(path.join(tmp, 'pkgs', 'tinypkg'), { recursive: true });
      await writeFile(path.join(tmp, 'pkgs', 'tinypkg', '__init__.py'), 'VALUE = 7\n');
      process.env.DSBOT_TEST_FAKE_SECRET = FAKE_SECRET; // the sandbox must not see it
      const options: SandboxStartOptions = {
        workDir: path.join(tmp, 'work'),
        inputs: [{ hostPath: path.join(tmp, 'in', 'people.csv'), name: 'people.csv' }],
        files: [{ path: 'notes/hello.txt', content: 'hello from the host' }],
        pythonPackages: [{ hostDir: path.join(tmp, 'pkgs', 'tinypkg'), name: 'tinypkg' }],
        setupCode: 'import tinypkg\nSETUP_RUNS = globals().get("SETUP_RUNS", 0) + 1',
        hostTools: {
          search_knowledge: async (args, kwargs) => {
            toolCalls.push({ args, kwargs });
            return { hits: [`result for ${String(args[0])}`], k: kwargs.k ?? null };
          },
          broken_tool: () => {
            throw new Error('the knowledge store is down');
          },
        },
      };
      sb = target.create();
      await sb.start(options);
    });

    afterAll(async () => {
      await sb?.close();
      await sb?.close(); // idempotent
      delete process.env.DSBOT_TEST_FAKE_SECRET;
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it('keeps state across cells, echoes a trailing expression, and ran setupCode with the packages', async () => {
      expect((await sb.exec('x = 41\ny = [1, 2]')).error).toBeUndefined();
      const r = await sb.exec('x + len(y) - 1');
      expect(r.stdout).toBe('42\n');
      expect(r.stateLost).toBe(false);
      expect((await sb.exec('print(tinypkg.VALUE, SETUP_RUNS)')).stdout).toBe('7 1\n');
    });

    it('returns exceptions as results with the cell lines in the traceback, and survives SystemExit', async () => {
      const r = await sb.exec('def f(d):\n    return d["missing"]\nf({})');
      expect(r.error?.type).toBe('KeyError');
      expect(r.error?.traceback).toContain('<cell-');
      expect(r.error?.traceback).toContain('return d["missing"]');
      expect(r.error?.traceback).not.toContain('kernel.py');
      expect((await sb.exec('import sys; sys.exit(3)')).error?.type).toBe('SystemExit');
      expect((await sb.exec('raise KeyboardInterrupt')).error?.type).toBe('KeyboardInterrupt');
      expect((await sb.exec('1 +')).error?.type).toBe('SyntaxError');
      expect((await sb.exec('x')).stdout).toBe('41\n');
    });

    it('makes functions defined in cells inspectable', async () => {
      const r = await sb.exec('import inspect\ndef clean_chunk(df, ctx):\n    return df\nprint(inspect.getsource(clean_chunk))');
      expect(r.stdout).toContain('def clean_chunk(df, ctx):\n    return df');
    });

    it('reports final_answer with JSON-safe values and stops the cell there', async () => {
      const r = await sb.exec('import numpy as np, pandas as pd\nfinal_answer({"n": np.int64(3), "df": pd.DataFrame({"a": [1]}), "f": np.float64(0.5)})\nprint("not reached")');
      expect(r.hasFinalAnswer).toBe(true);
      expect(r.error).toBeUndefined();
      expect(r.stdout).toBe('');
      const fa = r.finalAnswer as { n: number; df: string; f: number };
      expect(fa.n).toBe(3);
      expect(fa.f).toBe(0.5);
      expect(fa.df).toContain('DataFrame');
      expect((await sb.exec('try:\n    final_answer(1)\nexcept Exception:\n    pass')).hasFinalAnswer).toBe(true);
      expect((await sb.exec('x')).hasFinalAnswer).toBe(false);
    });

    it('shows inputs read-only-by-name under paths.data and round-trips work dir files', async () => {
      const r = await sb.exec(`import pandas as pd\ndf = pd.read_csv(${JSON.stringify(`${sb.paths.data}/people.csv`)})\nprint(int(df.age.sum()))\nprint(open("notes/hello.txt").read())`);
      expect(r.error).toBeUndefined();
      expect(r.stdout).toBe('81\nhello from the host\n');
      await sb.writeFile('sub/dir/in.txt', 'from host');
      expect((await sb.exec('print(open("sub/dir/in.txt").read())\nopen("out.csv", "w").write("a,b\\n1,2\\n")')).error).toBeUndefined();
      expect((await sb.readFile('out.csv')).toString()).toBe('a,b\n1,2\n');
      await expect(sb.readFile('../../etc/passwd')).rejects.toThrow(/outside/);
    });

    it('truncates 50 MB of output with a marker', async () => {
      const r = await sb.exec('import sys\nfor _ in range(50):\n    sys.stdout.write("x" * 1_000_000)\nprint("err", file=sys.stderr)');
      expect(r.error).toBeUndefined();
      expect(r.stdout.length).toBeLessThan(64 * 1024 + 100);
      expect(r.stdout).toMatch(/\[truncated 4993\d{4} bytes\]$/);
      expect(r.stderr).toBe('err\n');
    });

    it('captures output of loggers configured in an earlier cell', async () => {
      await sb.exec('import logging\nlogging.basicConfig(level=logging.INFO, force=True)\nlog = logging.getLogger("t")');
      const r = await sb.exec('log.info("hello from a logger")');
      expect(r.stderr).toBe('INFO:t:hello from a logger\n');
    });

    it('round-trips host tools, and a failing handler becomes HostToolError', async () => {
      const r = await sb.exec('res = search_knowledge("null tokens", k=3)\nprint(res["hits"][0], res["k"])');
      expect(r.error).toBeUndefined();
      expect(r.stdout).toBe('result for null tokens 3\n');
      expect(toolCalls.at(-1)).toEqual({ args: ['null tokens'], kwargs: { k: 3 } });
      const e = await sb.exec('try:\n    broken_tool()\nexcept HostToolError as e:\n    print("caught:", e)');
      expect(e.stdout).toBe('caught: the knowledge store is down\n');
    });

    it('runs cells one at a time when exec is called concurrently', async () => {
      const [a, b] = await Promise.all([sb.exec('import time\ntime.sleep(0.2)\nseq = 1'), sb.exec('print(seq)')]);
      expect(a.error).toBeUndefined();
      expect(b.stdout).toBe('1\n');
    });

    it('kills a cell that loops forever at its timeout; the next cell works on a fresh kernel', async () => {
      const r = await sb.exec('while True:\n    pass', { timeoutMs: 1500 });
      expect(r.killed).toBe('timeout');
      expect(r.stateLost).toBe(true);
      const next = await sb.exec('print("x" in globals(), SETUP_RUNS, tinypkg.VALUE)');
      expect(next.error).toBeUndefined();
      expect(next.stdout).toBe('False 1 7\n'); // state lost, setupCode ran again
    });

    it('kills a cell sleeping 60 s within 1 s of an abort', async () => {
      const ac = new AbortController();
      const pending = sb.exec('import time\ntime.sleep(60)', { signal: ac.signal });
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      ac.abort();
      const r = await pending;
      const ms = performance.now() - t0;
      expect(r.killed).toBe('aborted');
      expect(r.stateLost).toBe(true);
      expect(ms).toBeLessThan(1000);
      expect((await sb.exec('print(1)')).stdout).toBe('1\n');
      const already = await sb.exec('print(2)', { signal: AbortSignal.abort() });
      expect(already.killed).toBe('aborted');
      expect(already.stateLost).toBe(false);
    });

    it.runIf(target.limits)('fails a 4 GiB allocation inside; the host and the kernel are fine', async () => {
      const r = await sb.exec('import numpy as np\nbig = np.ones(4 * 1024**3 // 8)\nbig[-1] = 2');
      expect(r.error?.type === 'MemoryError' || r.killed === 'memory').toBe(true);
      expect((await sb.exec('print("alive")')).stdout).toBe('alive\n');
    });

    it.runIf(target.limits)('contains a fork bomb', async () => {
      const bomb = 'import os, time\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        time.sleep(0.05)';
      const r = await sb.exec(bomb, { timeoutMs: 1500 });
      expect(r.killed).toBe('timeout');
      expect(spawnSync('true').status).toBe(0); // the host can still start processes
      const count = await sb.exec(
        'import os, signal\nkids = []\ntry:\n    while len(kids) < 1000:\n        pid = os.fork()\n        if pid == 0:\n            import time; time.sleep(5); os._exit(0)\n        kids.append(pid)\nexcept OSError:\n    pass\nfor pid in kids:\n    os.kill(pid, signal.SIGKILL)\n    os.waitpid(pid, 0)\nprint(len(kids))',
      );
      expect(count.error).toBeUndefined();
      expect(Number(count.stdout)).toBeGreaterThan(0);
      expect(Number(count.stdout)).toBeLessThan(200); // the process limit stopped it
    });

    it.runIf(target.isolation)('has no network: 127.0.0.1:6379 and outside addresses fail', async () => {
      const code = (host: string, port: number) =>
        `import socket\ntry:\n    socket.create_connection((${JSON.stringify(host)}, ${port}), timeout=2).close()\n    print("connected")\nexcept OSError as e:\n    print("failed", type(e).__name__)`;
      expect((await sb.exec(code('127.0.0.1', 6379))).stdout).toMatch(/^failed/);
      expect((await sb.exec(code('1.1.1.1', 443))).stdout).toMatch(/^failed/);
      expect((await sb.exec(code('8.8.8.8', 53))).stdout).toMatch(/^failed/);
    });

    it.runIf(target.isolation)('cannot read host files (/etc/hostname, the project, /root) or see host env secrets', async () => {
      const hostHostname = (await readFile('/etc/hostname', 'utf8').catch(() => '')).trim();
      const probe = (p: string) => `try:\n    import os\n    print(sorted(os.listdir(${JSON.stringify(p)}))[:5] if os.path.isdir(${JSON.stringify(p)}) else open(${JSON.stringify(p)}).read())\nexcept OSError as e:\n    print("denied", type(e).__name__)`;
      const hostname = (await sb.exec(probe('/etc/hostname'))).stdout.trim();
      if (hostHostname) expect(hostname).not.toBe(hostHostname);
      expect((await sb.exec(probe(path.join(PROJECT_ROOT, 'package.json')))).stdout).toMatch(/^denied/);
      expect((await sb.exec(probe('/root'))).stdout).toMatch(/^denied/);
      const env = await sb.exec('import os\nprint(FAKE in str(dict(os.environ)), FAKE in open("/proc/self/environ").read())'.replace(/FAKE/g, JSON.stringify(FAKE_SECRET)));
      expect(env.stdout).toBe('False False\n');
      expect((await sb.exec('import os\nprint(os.environ.get("DSBOT_TEST_FAKE_SECRET"))')).stdout).toBe('None\n');
    });
  });
}
