/**
 * The kernel program itself, over its wire protocol, on every Python 3.9+ found on this machine
 * (Debian's /usr/bin/python3 with pandas, plus any pyenv interpreters, which lack pandas: the
 * kernel must still speak the protocol and say why pandas is missing).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNEL_PATH, LineDecoder, encodeLine, type KernelMessage, type ResultMessage } from '../../src/sandbox/kernel-protocol.js';

function pythons(): string[] {
  const found = existsSync('/usr/bin/python3') ? ['/usr/bin/python3'] : [];
  const pyenv = '/root/.pyenv/versions';
  if (existsSync(pyenv)) {
    for (const v of readdirSync(pyenv)) {
      const m = /^3\.(\d+)\./.exec(v);
      if (m && Number(m[1]) >= 9 && existsSync(`${pyenv}/${v}/bin/python`)) found.push(`${pyenv}/${v}/bin/python`);
    }
  }
  return found;
}

/** Sends `lines`, answering tool calls with `toolReply`, and collects messages until `count` results. */
function converse(python: string, lines: Record<string, unknown>[], count: number): Promise<KernelMessage[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-I', KERNEL_PATH], { stdio: 'pipe' });
    const msgs: KernelMessage[] = [];
    const decoder = new LineDecoder(
      (m) => {
        msgs.push(m);
        if (m.type === 'tool_call') child.stdin.write(encodeLine({ type: 'tool_result', id: m.id, ok: true, value: { echoed: m.args } }));
        if (msgs.filter((x) => x.type === 'result').length === count) {
          child.stdin.end();
          resolve(msgs);
        }
      },
      (junk) => reject(new Error(`junk on the protocol stream: ${junk}`)),
    );
    child.stdout.setEncoding('utf8').on('data', (c: string) => decoder.push(c));
    child.once('error', reject);
    for (const l of lines) child.stdin.write(encodeLine(l));
  });
}

describe.each(pythons())('kernel on %s', (python) => {
  it('speaks the protocol: results, capped output, errors, tools, final_answer, fd-1 writes kept off the stream', async () => {
    const msgs = await converse(
      python,
      [
        { type: 'init', tools: ['echo'], max_output_bytes: 50, sys_path: [] },
        { type: 'exec', id: 1, code: 'x = 20\nprint("y" * 80)\nx * 2' },
        { type: 'exec', id: 2, code: 'def g():\n    return {}["k"]\ng()' },
        { type: 'exec', id: 3, code: 'print(echo(1, "two"))' },
        { type: 'exec', id: 4, code: 'import os\nos.write(1, b"raw bytes on fd 1\\n")\nfinal_answer({"n": x, "inf": float("inf")})' },
      ],
      4,
    );
    const ready = msgs[0];
    expect(ready.type).toBe('ready');
    const results = msgs.filter((m): m is ResultMessage => m.type === 'result');
    expect(results.map((r) => r.id)).toEqual([1, 2, 3, 4]);
    const [r1, r2, r3, r4] = results;
    expect(r1.stdout).toBe(`${'y'.repeat(50)}\n[truncated 34 bytes]`);
    expect(r2.error?.type).toBe('KeyError');
    expect(r2.error?.traceback).toContain('File "<cell-2>", line 2, in g');
    expect(r3.stdout).toBe("{'echoed': [1, 'two']}\n");
    expect(r4.has_final_answer).toBe(true);
    expect(r4.final_answer).toEqual({ n: 20, inf: null });
  });
});
