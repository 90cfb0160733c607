/**
 * The chat-ops core with the REAL engine (real kernel in the local sandbox): a stop while a
 * cell sleeps 60 s ends the run as stopped within 2 s; a worker process killed with SIGKILL
 * mid-replay hands the job to a second worker process and the final cleaned.csv has every
 * kept row exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { createHarness, REDIS_URL, type Harness } from './harness.js';
import { createScriptedModel } from '../../src/agent/models/scripted.js';
import { MemoryKnowledgeStore } from '../../src/knowledge/memory-store.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { PROJECT_ROOT } from '../../src/config/load.js';

let h: Harness | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await h?.close();
  h = undefined;
});

function writePeople(dir: string, n: number): string {
  const rows = ['id,name,age,city'];
  for (let i = 1; i <= n; i++) rows.push(`${i},person ${i},${i % 7 === 0 ? 'N/A' : 20 + (i % 50)},${i % 2 ? 'Leeds' : ' leeds '}`);
  const file = path.join(dir, 'people.csv');
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('chat-ops with the real engine', () => {
  it('`stop` while a cell sleeps 60 s: "stopped" is posted within 2 s', async () => {
    let sleeping = 0;
    const model = createScriptedModel((req) => {
      if (req.purpose === 'plan') return 'Plan: wait.';
      sleeping = Date.now();
      return 'Thought: wait a minute.\n```py\nimport time\ntime.sleep(60)\n```';
    });
    h = await createHarness({
      overrides: { sandbox: { cellTimeoutMs: 120_000 } },
      runDeps: async () => ({
        config: h!.config,
        model,
        knowledge: new MemoryKnowledgeStore(),
        createSandbox: () => createSandbox(h!.config.sandbox),
      }),
    });
    h.config.datasets.people = { path: writePeople(h.config.dataDir, 200) };
    await h.console.say('clean people');
    const runId = (await h.registry.findByRef(h.console.threadRef))!;
    await waitFor(() => sleeping > 0, 30_000, 'the sleeping cell');
    await new Promise((r) => setTimeout(r, 500)); // the cell is running in the kernel now
    const t0 = Date.now();
    await h.console.say('stop');
    await waitFor(() => h!.sinks[0].entries.some((e) => e.kind === 'post' && e.text.includes('stopped after')), 5_000, '"stopped" post');
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(2_000);
    expect(await h.waitForState(runId, ['stopped'], 2_000)).toBe('stopped');
    await waitFor(async () => (await h!.producer.queue.getJobState(runId)) === 'completed', 30_000, 'job completed');
    expect(h.sinks[0].entries.filter((e) => e.kind === 'status').at(-1)!.view!.state).toBe('stopped');
  });

  it.each(['SIGKILL', 'SIGTERM'] as const)('a worker process sent %s mid-replay: a second worker process finishes it, every kept row once', async (signal) => {
    h = await createHarness({
      worker: false,
      overrides: { agent: { chunkRows: 100, sampleRows: 100 }, queue: { lockDurationMs: 3_000, stalledIntervalMs: 1_000 } },
    });
    const n = 3_000;
    const file = writePeople(h.config.dataDir, n);
    h.config.datasets.people = { path: file };
    const cfgFile = path.join(h.config.dataDir, 'worker.yaml');
    writeFileSync(
      cfgFile,
      toYaml({
        dataDir: h.config.dataDir,
        datasets: { people: { path: file } },
        agent: { chunkRows: 100, sampleRows: 100 },
        knowledge: { kind: 'memory' },
        model: { provider: 'builtin' },
        queue: { prefix: h.prefix, lockDurationMs: 3_000, stalledIntervalMs: 1_000, concurrency: 1 },
      }),
    );
    const startWorker = () => {
      const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/dsbot.js'), 'worker'], {
        cwd: h!.config.dataDir,
        env: { ...process.env, REDIS_URL, DSBOT_CONFIG: cfgFile, DSBOT_MODEL_PROVIDER: 'builtin', ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (out += d));
      return { child, output: () => out };
    };
    const first = startWorker();
    await waitFor(() => first.output().includes('ready'), 30_000, 'worker 1 ready');
    await h.console.say('clean people');
    const runId = (await h.registry.findByRef(h.console.threadRef))!;
    const commits = path.join(h.config.dataDir, 'runs', runId, 'commits.jsonl');
    const committed = () => {
      try {
        return readFileSync(commits, 'utf8').trim().split('\n').filter(Boolean).length;
      } catch {
        return 0;
      }
    };
    await waitFor(() => committed() >= 3, 120_000, 'three committed chunks');
    const exited = new Promise<number | null>((r) => first.child.once('exit', (code) => r(code)));
    first.child.kill(signal);
    const code = await exited;
    const atKill = committed();
    expect(atKill).toBeLessThan(n / 100); // it really stopped mid-replay
    if (signal === 'SIGTERM') {
      // Graceful: the run was handed back to the queue (not failed, no retry used) and the thread told.
      expect(code).toBe(0);
      expect(first.output()).toContain('shut down; the run continues on another worker');
      expect(['delayed', 'waiting']).toContain(await h.producer.queue.getJobState(runId));
      expect((await h.registry.get(runId))!.state).toBe('queued');
    }

    const second = startWorker();
    expect(await h.waitForState(runId, ['succeeded', 'failed'], 120_000)).toBe('succeeded');
    expect(second.output()).toMatch(/Resuming/);
    const cleaned = readFileSync(path.join(h.config.dataDir, 'runs', runId, 'cleaned.csv'), 'utf8').trim().split('\n').slice(1);
    const ids = cleaned.map((l) => l.split(',')[0]);
    const removedFile = path.join(h.config.dataDir, 'runs', runId, 'removed_rows.csv');
    let removed = 0;
    try {
      removed = readFileSync(removedFile, 'utf8').trim().split('\n').length - 1;
    } catch {
      /* none removed */
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length + removed).toBe(n);
  }, 300_000);
});
