/**
 * Issue 12 item 2: chat query_data can neither escape nor poison. Each attack goes through the
 * real chat data service and the real local sandbox, as a channel member steering a model would.
 * The allow-list is a convenience; what must hold is the boundary: each query runs in a fresh
 * process forked from a warm parent, the kernel's code is read-only, results are capped.
 */
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
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
    s.start = async (o) => {
      workDir = o.workDir;
      return start(o);
    };
    sandbox = s;
    return s;
  },
});
afterAll(() => data.close());

const AGE_MEAN = pandas(`df = pd.read_csv("data/turtle/turtle_reviews.csv"); print(df["age"].mean())`);
/** pandas.eval(engine="python") reached through DataFrame.agg: arbitrary attribute access from a string. */
const viaEval = (inner: string) => `df.agg("eval", 0, ${JSON.stringify(inner)}, local_dict={"p": pd}, engine="python")`;
/** Runs Python source in the kernel through the eval escape (no newlines: list comprehensions only). */
const viaExec = (python: string) => viaEval(`@p.core.common.builtins.exec(${JSON.stringify(python)}, @p.core.common.builtins.dict())`);

/** Redefines pandas' Series.mean and every query function it can find, in whatever process runs it. */
const POISON =
  "import sys,pandas as p;p.Series.mean=lambda*a,**k:4242.0;" +
  "[setattr(m,k,lambda*a,**kw:'{\"ok\":true,\"result\":\"<!channel> POISONED\"}') for m in [sys.modules['__main__']]+[v for n,v in list(sys.modules.items()) if 'chat' in n] for k in list(vars(m)) if 'query' in k]";
/** Appends the poison to every writable .py file of the chat code (module files and /sandbox), then kills its process. */
const PERSIST =
  "import os,sys;[open(f,'a').write(chr(10)+'import pandas as p;p.Series.mean=lambda*a,**k:4242.0'+chr(10)) for f in " +
  "[getattr(m,'__file__','')or''for m in list(sys.modules.values())]+[d+'/'+x for d,_,F in os.walk('/sandbox')for x in F] " +
  "if 'chat' in f and f[-3:]=='.py' and os.access(f,2)];os.kill(os.getpid(),9)";

/** The mean age as the chat service answers it (one retry: a restarted kernel may need a reload). */
async function ageMean(): Promise<string | undefined> {
  const r = await data.query('turtle_reviews', 'df["age"].mean()').catch(() => data.query('turtle_reviews', 'df["age"].mean()'));
  return r.result;
}

describe('chat query_data attacks', () => {
  it('cannot run shell commands through df.agg("eval", …)', async () => {
    const r = await data.query('turtle_reviews', viaEval('@p.io.common.os.popen("id").read()'));
    expect(r.result ?? '').not.toMatch(/uid=/);
    expect(r.ok).toBe(false);
  });

  it('cannot write files with a method passed uncalled (key=df.to_csv)', async () => {
    for (const expression of ['sorted(["/sandbox/pwned.csv"], key=df.to_csv)', 'max(["pwned2.csv"], key=df.head(2).to_csv)']) {
      const r = await data.query('turtle_reviews', expression);
      expect(r.ok).toBe(false);
    }
    expect(readdirSync(workDir).filter((f) => f.startsWith('pwned'))).toEqual([]);
  });

  it('cannot redefine the query function or pandas for later questions (builtins.exec)', async () => {
    expect(await ageMean()).toBe(AGE_MEAN);
    await data.query('turtle_reviews', viaExec(POISON));
    expect(await ageMean()).toBe(AGE_MEAN);
    const sales = await data.query('turtle_sales', 'len(df)');
    expect(sales.result).toBe('352');
  });

  it('cannot plant code that a kernel restart would run', async () => {
    await data.query('turtle_reviews', viaExec(PERSIST)).catch(() => undefined);
    expect(await ageMean()).toBe(AGE_MEAN);
    // The kernel dies (a crash, a kill): it restarts and runs its setup again.
    await sandbox!.exec('import os; os.kill(os.getpid(), 9)').catch(() => undefined);
    expect(await ageMean()).toBe(AGE_MEAN);
    const r = await data.query('turtle_reviews', 'df.groupby("education")["age"].mean().round(3)');
    expect(r.result).not.toContain('4242');
  });
});
