/**
 * The chat-ops core end to end over real Redis and BullMQ, with a stand-in engine yielding
 * real event sequences: trigger → job → worker → events in order in the console sink; a
 * non-admin refused and audited; a double trigger starts one run; stop → stopped; resume.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, REDIS_URL, type Harness } from './harness.js';
import { createRedis } from '../../src/queue/redis.js';
import { createRunWorker } from '../../src/queue/worker.js';
import { createRunControl } from '../../src/queue/control.js';
import { createConsoleSink } from '../../src/bots/console/sink.js';
import { threadReporters } from '../../src/bots/sinks.js';
import { scriptedEngine } from './event-script.js';
import type { IncomingMessage, RouterContext } from '../../src/bots/types.js';
import { createRouter } from '../../src/bots/router.js';
import { createChatAgent } from '../../src/agent/chat/index.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function auditLines(harness: Harness): Record<string, string>[] {
  const file = path.join(harness.config.dataDir, 'audit.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

describe('chat-ops over real Redis', () => {
  it('admin trigger → job → worker → status, steps, validation, summary and files in order', async () => {
    h = await createHarness({ run: scriptedEngine({ chunks: 3 }) });
    await h.console.say('clean turtle_sales', { user: 'admin' });
    expect(h.transcript.join('')).toMatch(/Run `run-[0-9a-f]+` queued: cleaning turtle_sales/);
    const runId = (await h.registry.findByRef(h.console.threadRef))!;
    expect(runId).toMatch(/^run-/);
    expect(await h.waitForState(runId, ['succeeded', 'failed'])).toBe('succeeded');
    await h.worker!.close();
    const entries = h.sinks[0].entries;
    // The status message comes first and is edited in place (same ref throughout).
    expect(entries[0].kind).toBe('status');
    const statusRefs = new Set(entries.filter((e) => e.kind === 'status').map((e) => e.ref));
    expect(statusRefs.size).toBe(1);
    const last = entries.filter((e) => e.kind === 'status').at(-1)!;
    expect(last.view?.state).toBe('succeeded');
    expect(last.view?.chunksDone).toBe(3);
    const posts = entries.filter((e) => e.kind === 'post').map((e) => e.text).join('\n');
    const order = ['profile done', 'Step 1 (draft)', 'Validation (draft, sample)', 'Validation (replay): 3 of 3 chunks passed', 'succeeded', 'Removed duplicate rows', '| Year |'];
    let at = -1;
    for (const needle of order) {
      const i = posts.indexOf(needle);
      expect(i, needle).toBeGreaterThan(at);
      at = i;
    }
    const upload = entries.find((e) => e.kind === 'upload')!;
    expect(upload.files!.map((f) => path.basename(f))).toEqual(['cleaned.csv', 'report.md', 'changes.csv']);
    expect(readFileSync(path.join(h.runsDir, runId, 'cleaned.csv'), 'utf8')).toBe('a,b\n1,2\n');
    // The upload is the last thing posted.
    expect(entries.at(-1)!.kind).toBe('upload');
    const audit = auditLines(h);
    expect(audit).toEqual([expect.objectContaining({ action: 'trigger', runId, userId: 'admin' })]);
    await h.console.say(`resume ${runId}`);
    expect(h.transcript.join('')).toContain(`Run \`${runId}\` already succeeded`);
  });

  it('refuses a non-admin politely, audits it, and enqueues nothing', async () => {
    h = await createHarness({ run: scriptedEngine() });
    await h.console.say('clean turtle_sales', { user: 'guest' });
    expect(h.transcript.join('')).toContain('only admins can start cleaning runs');
    expect(await h.producer.queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed')).toBe(0);
    expect(auditLines(h)).toEqual([expect.objectContaining({ action: 'refusal', reason: 'not_admin', userId: 'guest' })]);
  });

  it('a trigger delivered twice starts one run', async () => {
    let attempts = 0;
    h = await createHarness({ run: scriptedEngine({ onAttempt: () => attempts++ }) });
    const router = createRouter({
      config: h.config, registry: h.registry, producer: h.producer, control: h.control,
      chat: createChatAgent(h.config), audit: h.audit, log: () => {},
    });
    const replies: string[] = [];
    const ctx: RouterContext = { reply: async (r) => void replies.push(r.text) };
    const msg: IncomingMessage = {
      platform: 'console', threadRef: 'console:dup', channelRef: 'console:dup', messageId: 'same-id', user: { id: 'admin' },
      text: 'clean turtle_reviews', files: [], isSelf: false, kind: 'command',
    };
    await Promise.all([router(msg, ctx), router(msg, ctx)]);
    const runId = (await h.registry.findByRef('console:dup'))!;
    await h.waitForState(runId, ['succeeded']);
    expect(await h.producer.queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed')).toBe(1);
    expect(attempts).toBe(1);
    expect(replies.filter((r) => r.includes('queued'))).toHaveLength(1);
    expect(auditLines(h).map((a) => a.action).sort()).toEqual(['duplicate', 'trigger']);
  });

  it('`stop` in the thread stops the run, says what was kept, and `resume` continues it', async () => {
    h = await createHarness({ run: scriptedEngine({ chunks: 3, blockAfterFirstChunk: true }) });
    await h.console.say('clean turtle_sales');
    const runId = (await h.registry.findByRef(h.console.threadRef))!;
    await h.waitForState(runId, ['running']);
    await waitFor(() => h!.sinks[0]?.entries.some((e) => e.kind === 'status' && e.view?.chunksDone === 1));
    await h.console.say('stop', { user: 'guest' });
    expect(h.transcript.join('')).toContain('only admins or the person who started the run can stop');
    await h.console.say('stop');
    expect(await h.waitForState(runId, ['stopped', 'failed'], 2_000)).toBe('stopped');
    await waitFor(() => h!.sinks[0].entries.some((e) => e.text.includes('stopped after')));
    const stoppedPost = h.sinks[0].entries.find((e) => e.text.includes('stopped after'))!;
    expect(stoppedPost.text).toContain('Kept: 1 committed chunk');
    const actions = auditLines(h).map((a) => `${a.action}:${a.reason ?? ''}`);
    expect(actions).toEqual(['trigger:', 'refusal:stop:not_admin', 'stop:']);
    // A reaction on the status message of a finished run changes nothing.
    await h.console.react(h.sinks[0].entries[0].ref!, '🛑');
    expect(auditLines(h)).toHaveLength(3);
    await h.console.say(`resume ${runId}`);
    expect(h.transcript.join('')).toContain(`Resuming \`${runId}\``);
    expect(await h.waitForState(runId, ['running', 'succeeded'])).toBeTruthy();
    // The resumed attempt edits the same status message.
    await waitFor(() => h!.sinks[1]?.entries.some((e) => e.kind === 'status'));
    expect(h.sinks[1].entries.find((e) => e.kind === 'status')!.ref).toBe(h.sinks[0].entries[0].ref);
  });

  it('`stop` before any worker took the run removes it from the queue', async () => {
    h = await createHarness({ worker: false });
    await h.console.say('clean turtle_sales');
    const runId = (await h.registry.findByRef(h.console.threadRef))!;
    expect(await h.producer.queue.getJobState(runId)).toBe('waiting');
    await h.console.say('stop');
    expect(h.transcript.join('')).toContain(`Run \`${runId}\` stopped before it started`);
    expect(await h.producer.queue.getJobState(runId)).toBe('unknown');
    expect((await h.registry.get(runId))!.state).toBe('stopped');
    expect(await h.registry.activeRuns(h.console.threadRef)).toEqual([]);
    expect(auditLines(h).map((a) => a.action)).toEqual(['trigger', 'stop']);
  });

  it('a stop whose pub/sub message was missed is still honoured (registry flag polled)', async () => {
    h = await createHarness({ run: scriptedEngine({ blockAfterFirstChunk: true }) });
    await h.console.say('clean turtle_sales');
    const runId = (await h.registry.findByRef(h.console.threadRef))!;
    await h.waitForState(runId, ['running']);
    await h.registry.setCancelRequested(runId, true); // no publish
    expect(await h.waitForState(runId, ['stopped'], 5_000)).toBe('stopped');
  });

  it('a 🛑 reaction on a message the worker posted stops the run', async () => {
    h = await createHarness({ run: scriptedEngine({ chunks: 3, blockAfterFirstChunk: true }) });
    await h.console.say('clean turtle_reviews');
    const runId = (await h.registry.findByRef(h.console.threadRef))!;
    await waitFor(() => h!.sinks[0]?.entries.some((e) => e.kind === 'status'));
    await h.console.react(h.sinks[0].entries[0].ref!, 'octagonal_sign');
    expect(await h.waitForState(runId, ['stopped'], 2_000)).toBe('stopped');
  });

  it('a 🛑 reaction on a person\'s message in the run\'s thread stops the run too', async () => {
    h = await createHarness({ run: scriptedEngine({ chunks: 3, blockAfterFirstChunk: true }) });
    await h.console.say('clean turtle_reviews');
    const runId = (await h.registry.findByRef(h.console.threadRef))!;
    await waitFor(() => h!.sinks[0]?.entries.some((e) => e.kind === 'status'));
    await h.console.react(`${h.console.threadRef}:not-a-bot-message`, 'octagonal_sign');
    expect(await h.waitForState(runId, ['stopped'], 2_000)).toBe('stopped');
  });

  it('a second trigger in a channel with an active run is refused', async () => {
    h = await createHarness({ run: scriptedEngine({ blockAfterFirstChunk: true }) });
    await h.console.say('clean turtle_reviews');
    await h.console.say('clean turtle_sales');
    expect(h.transcript.join('')).toContain('already has 1 active run');
    expect(auditLines(h).map((a) => a.reason ?? a.action)).toEqual(['trigger', 'too_many_runs']);
    await h.console.say('stop');
  });

  it('two different triggers at the same moment cannot both pass a limit of one run per channel', async () => {
    h = await createHarness({ worker: false });
    const router = createRouter({
      config: h.config, registry: h.registry, producer: h.producer, control: h.control,
      chat: createChatAgent(h.config), audit: h.audit, log: () => {},
    });
    const replies: string[] = [];
    const ctx: RouterContext = { reply: async (r) => void replies.push(r.text) };
    const msg = (id: string, ds: string): IncomingMessage => ({
      platform: 'console', threadRef: 'console:race', channelRef: 'console:race', messageId: id, user: { id: 'admin' },
      text: `clean ${ds}`, files: [], isSelf: false, kind: 'command',
    });
    await Promise.all([router(msg('a', 'turtle_sales'), ctx), router(msg('b', 'turtle_reviews'), ctx), router(msg('c', 'turtle_sales'), ctx)]);
    expect(await h.producer.queue.getWaitingCount()).toBe(1);
    expect(replies.filter((r) => r.includes('queued'))).toHaveLength(1);
    expect(replies.filter((r) => r.includes('active run'))).toHaveLength(2);
    expect(await h.registry.activeRuns('console:race')).toHaveLength(1);
  });

  it('input failures are not retried; sandbox failures are retried', async () => {
    let attempts = 0;
    h = await createHarness({ run: scriptedEngine({ throwKind: 'input', onAttempt: () => attempts++ }) });
    await h.console.say('clean turtle_sales');
    const runId = (await h.registry.findByRef(h.console.threadRef))!;
    expect(await h.waitForState(runId, ['failed'])).toBe('failed');
    await waitFor(async () => (await h!.producer.queue.getJobState(runId)) === 'failed');
    expect(attempts).toBe(1);
    expect(h.sinks[0].entries.map((e) => e.text).join('\n')).toContain('Not retried: fix the input');
    await h.close();

    attempts = 0;
    h = await createHarness({ run: scriptedEngine({ throwKind: 'sandbox', onAttempt: () => attempts++ }) });
    await h.console.say('clean turtle_sales');
    const id2 = (await h.registry.findByRef(h.console.threadRef))!;
    await waitFor(async () => (await h!.producer.queue.getJobState(id2)) === 'failed', 20_000);
    expect(attempts).toBe(h.config.queue.attempts);
  });

  it('a CSV attached to `clean` runs on the saved upload; a binary one is refused and audited', async () => {
    h = await createHarness({ run: scriptedEngine({ onAttempt: () => {} }), overrides: {} });
    const dir = h.config.dataDir;
    writeFileSync(path.join(dir, 'mine.csv'), 'a,b\n1,2\n');
    writeFileSync(path.join(dir, 'blob.csv'), Buffer.from([0x50, 0x4b, 0x00, 0x01]));
    await h.console.say('clean', { files: [path.join(dir, 'blob.csv')], kind: 'command' });
    expect(h.transcript.join('')).toContain('"blob.csv" is a binary file');
    expect(auditLines(h).at(-1)).toMatchObject({ action: 'refusal', reason: expect.stringContaining('input: ') });
    await h.console.say('clean', { files: [path.join(dir, 'mine.csv')], kind: 'command' });
    const runId = (await h.registry.findByRef(h.console.threadRef))!;
    expect(await h.waitForState(runId, ['succeeded'])).toBe('succeeded');
    const rec = (await h.registry.get(runId))!;
    expect(rec.request.source).toMatchObject({ kind: 'upload', originalName: 'mine.csv', bytes: 8 });
    if (rec.request.source.kind === 'upload') {
      expect(readFileSync(rec.request.source.path, 'utf8')).toBe('a,b\n1,2\n');
      expect(rec.request.source.path.startsWith(path.join(dir, 'uploads'))).toBe(true);
    }
    await h.console.say('status');
    expect(h.transcript.join('')).toContain(`\`${runId}\` (mine.csv, by admin): succeeded`);
  });

  it('SIGTERM-style close: a running job is handed back and another worker resumes it', async () => {
    let attempts = 0;
    h = await createHarness({ run: scriptedEngine({ blockAfterFirstChunk: true, onAttempt: () => attempts++ }) });
    await h.console.say('clean turtle_sales');
    const runId = (await h.registry.findByRef(h.console.threadRef))!;
    await waitFor(() => h!.sinks[0]?.entries.some((e) => e.kind === 'status' && e.view?.chunksDone === 1));
    await h.worker!.close();
    expect(h.sinks[0].entries.map((e) => e.text).join('\n')).toContain('shut down; the run continues on another worker');
    expect(['delayed', 'waiting']).toContain(await h.producer.queue.getJobState(runId));
    expect((await h.registry.get(runId))!.state).toBe('queued');
    expect((await h.producer.queue.getJob(runId))!.attemptsMade).toBe(0); // the hand-back used up no retry
    const conn = createRedis(REDIS_URL);
    const second = createRunWorker({
      config: h.config, connection: conn, registry: h.registry,
      control: createRunControl(h.redis, h.prefix, () => createRedis(REDIS_URL)),
      run: scriptedEngine({ chunks: 2, onAttempt: () => attempts++ }),
      runDeps: {} as never,
      createReporter: threadReporters(h!.config, (ref, id) => createConsoleSink(ref, h!.config, { out: { write: () => true }, runsDir: h!.runsDir, runId: id })),
      log: () => {},
    });
    await second.start();
    try {
      expect(await h.waitForState(runId, ['succeeded'])).toBe('succeeded');
      expect(attempts).toBe(2);
    } finally {
      await second.close();
      conn.disconnect();
    }
  });

  it('per-run options in the trigger reach the engine; unknown ones are refused, nothing enqueued', async () => {
    const inputs: unknown[] = [];
    h = await createHarness({ run: scriptedEngine({ onAttempt: (_id, input) => inputs.push(input.options) }) });
    await h.console.say('clean turtle_sales colour=blue');
    expect(h.transcript.join('')).toMatch(/Invalid run request: options: .*colour/);
    expect(await h.producer.queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed')).toBe(0);
    await h.console.say('clean turtle_sales outliers=remove chunk_rows=100');
    const runId = (await h.registry.findByRef(h.console.threadRef))!;
    expect(await h.waitForState(runId, ['succeeded'])).toBe('succeeded');
    expect(inputs).toEqual([{ outliers: 'remove', chunkRows: 100 }]);
  });

  it('a job whose payload is not a valid RunRequest is rejected by the worker without retries', async () => {
    let attempts = 0;
    h = await createHarness({ run: scriptedEngine({ onAttempt: () => attempts++ }) });
    await h.producer.queue.add('clean', { version: 1, runId: 'run-0123456789abcdef', source: { kind: 'dataset' } }, { jobId: 'bad-1', attempts: 3 });
    await waitFor(async () => (await h!.producer.queue.getJobState('bad-1')) === 'failed');
    const job = (await h.producer.queue.getJob('bad-1'))!;
    expect(job.failedReason).toMatch(/Rejected job bad-1: Invalid run request: .*source.name/);
    expect(job.attemptsMade).toBe(1);
    expect(attempts).toBe(0);
  });

  it('anything else goes to chat mode', async () => {
    h = await createHarness({ worker: false });
    await h.console.say('which datasets do you have?', { user: 'guest' });
    expect(h.transcript.join('')).toContain('turtle_sales');
    await h.console.say('clean up the year column?', { user: 'guest' });
    expect(auditLines(h)).toEqual([]);
  });
});

async function waitFor(cond: () => boolean | undefined | Promise<boolean | undefined>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
