/**
 * The chat sandbox is the boundary, not the allow-list: with the allow-list switched off inside
 * the kernel (as if it had a hole), a query still cannot write files, start processes, touch the
 * warm parent's memory or change what later queries see. Real local sandbox.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatData } from '../../src/agent/chat/data-service.js';
import { createSandbox } from '../../src/sandbox/index.js';
import type { Sandbox } from '../../src/sandbox/types.js';
import { chatConfig, pandas } from '../chat/helpers.js';

const config = chatConfig();
let sandbox: Sandbox | undefined;
let workDir = '';
const data = createChatData(config, {
  createSandbox: () => {
    const s = createSandbox(config.sandbox);
    const start = s.start.bind(s);
    s.start = async (o) => ((workDir = o.workDir), start(o));
    return (sandbox = s);
  },
});
afterAll(() => data.close());

const AGE_MEAN = pandas(`df = pd.read_csv("data/turtle/turtle_reviews.csv"); print(df["age"].mean())`);
const os = 'pd.io.common.os';
const py = 'pd.core.common.builtins';

beforeAll(async () => {
  expect((await data.query('turtle_reviews', 'df["age"].mean()')).result).toBe(AGE_MEAN);
  // A hole in the allow-list: every expression passes. The spare job process was forked before: drop it.
  const r = await sandbox!.exec(
    "import ast, dsbot_chat\ndsbot_chat.check_expression = lambda e, cols=(): ast.parse(e.strip(), mode='eval')\ndsbot_chat.isolate._drop_spare()",
  );
  expect(r.error).toBeUndefined();
});

describe('a query with the allow-list bypassed', () => {
  it('runs (the hole is real)', async () => {
    const r = await data.query('turtle_reviews', `${os}.getpid() > 1`);
    expect(r).toMatchObject({ ok: true, result: 'True' });
  });

  it('cannot write file contents', async () => {
    const r = await data.query('turtle_reviews', `${py}.open("/sandbox/planted.py", "wb", 0).write(b"print(1)" * 1000)`);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/File too large|EFBIG|Errno 27/);
    await data.query('turtle_reviews', `${py}.open("/sandbox/buffered.py", "w").write("print(1)" * 1000)`);
    for (const f of readdirSync(workDir)) expect(readFileSync(path.join(workDir, f)).length).toBe(0);
  });

  it('cannot start processes', async () => {
    const r = await data.query('turtle_reviews', `${os}.popen("id").read()`);
    expect(r.result ?? '').not.toMatch(/uid=/);
    const fork = await data.query('turtle_reviews', `${os}.fork()`);
    expect(fork.ok).toBe(false);
    expect(fork.error).toMatch(/BlockingIOError|Resource temporarily unavailable|Errno 11/);
  });

  it("cannot read or write the warm parent's memory", async () => {
    for (const mode of ['rb', 'r+b']) {
      const r = await data.query('turtle_reviews', `${py}.open("/proc/%d/mem" % ${os}.getppid(), "${mode}").read(1)`);
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/PermissionError|Errno 13/);
    }
  });

  it('cannot change what the next query sees', async () => {
    await data.query('turtle_reviews', `${py}.exec("import pandas as p; p.Series.mean = lambda *a, **k: 4242.0")`);
    await data.query('turtle_reviews', `${py}.exec("import sys; sys.modules['dsbot_chat'].FRAMES.clear()")`);
    expect((await data.query('turtle_reviews', 'df["age"].mean()')).result).toBe(AGE_MEAN);
  });

  it('is stopped at its time limit, and the kernel keeps serving', async () => {
    const slow = await createChatData(config, { createSandbox: () => createSandbox(config.sandbox), queryTimeoutMs: 1_000 });
    try {
      const r = await slow.query('turtle_sales', 'len(df)');
      expect(r.result).toBe('352');
      // Catastrophic backtracking: an allowed expression that would run for hours.
      const busy = await slow.query('turtle_reviews', 'df["review"].str.contains(r"(\\w+\\s?)*§").sum()');
      expect(busy).toMatchObject({ ok: false, error: expect.stringMatching(/longer than 1 s/) });
      expect((await slow.query('turtle_sales', 'len(df)')).result).toBe('352');
    } finally {
      await slow.close();
    }
  });
});
