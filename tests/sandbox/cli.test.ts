/** `dsbot sandbox run FILE.py` end to end (real CLI, configured local sandbox). */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/load.js';

const run = promisify(execFile);
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dsbot-cli-')); // 0700, like any mkdtemp work dir
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function dsbot(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [path.join(PROJECT_ROOT, 'bin/dsbot.js'), ...args], { cwd: PROJECT_ROOT, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('dsbot sandbox run', () => {
  it('prints stdout and the final answer, exit code 0', async () => {
    const file = path.join(tmp, 'ok.py');
    await writeFile(file, 'import pandas as pd\nprint(pd.DataFrame({"a": [1, 2]}).a.sum())\nfinal_answer("done")\n');
    const r = await dsbot('sandbox', 'run', file, '--work-dir', path.join(tmp, 'kept'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3\n');
    expect(r.stdout).toContain('final_answer: "done"');
  });

  it('prints the traceback and exits 1 on a Python error; kills at --timeout-ms', async () => {
    const bad = path.join(tmp, 'bad.py');
    await writeFile(bad, 'print("before")\n{}["k"]\n');
    const r = await dsbot('sandbox', 'run', bad);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('before\n');
    expect(r.stderr).toContain('KeyError');
    expect(r.stderr).toContain('<cell-1>", line 2');
    const loop = path.join(tmp, 'loop.py');
    await writeFile(loop, 'while True:\n    pass\n');
    const k = await dsbot('sandbox', 'run', loop, '--timeout-ms', '800');
    expect(k.code).toBe(1);
    expect(k.stderr).toContain('killed (timeout)');
  });
});
