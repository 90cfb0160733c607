/** What happens around failures: a reply that fails, an audit log that fails, a worker that cannot post, resume and the channel limit. */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/bots/audit.js';
import type { IncomingMessage, RouterContext } from '../../src/bots/types.js';
import { createRouter } from '../../src/bots/router.js';
import { loadConfig } from '../../src/config/load.js';
import { openQueueStack, REDIS_URL, type QueueStack } from '../helpers/queue-stack.js';
import { tempDir } from '../helpers/run-harness.js';
import { scriptedEngine } from './event-script.js';
import { createHarness, type Harness } from './harness.js';
import { createChatAgent } from '../../src/agent/chat/index.js';

let h: Harness | undefined;
let stack: QueueStack | undefined;
afterEach(async () => {
  await h?.close();
  await stack?.close();
  h = stack = undefined;
});

const msg = (text: string, id: string, thread = 'console:f1'): IncomingMessage => ({
  platform: 'console', threadRef: thread, channelRef: thread, messageId: id, user: { id: 'admin' }, text, files: [], isSelf: false, kind: 'message',
});

describe('chat-ops failures', () => {
  it('a run whose "queued" reply fails still runs, stays known and can be stopped', async () => {
    h = await createHarness({ run: scriptedEngine({ blockAfterFirstChunk: true }) });
    const router = createRouter({ config: h.config, registry: h.registry, producer: h.producer, control: h.control, chat: createChatAgent(h.config), audit: h.audit, log: () => {} });
    let calls = 0;
    const replies: string[] = [];
    const flaky: RouterContext = {
      reply: async (r) => {
        if (calls++ === 0) throw new Error('HTTP 429 from the platform');
        replies.push(r.text);
      },
    };
    await router(msg('clean turtle_sales', 'm1'), flaky);
    const runId = (await h.registry.findByRef('console:f1'))!;
    expect(runId).toBeTruthy();
    expect(await h.waitForState(runId, ['running'])).toBe('running');
    await router(msg('stop', 'm2'), flaky);
    expect(await h.waitForState(runId, ['stopped'], 2_000)).toBe('stopped');
  });

  it('a failed audit write neither fails the action nor the writes after it', async () => {
    const dir = tempDir();
    const audit = createAuditLog(dir);
    mkdirSync(path.join(dir, 'audit.log')); // appendFile fails: EISDIR
    await expect(audit.write({ platform: 'console', userId: 'u', channelRef: 'c', threadRef: 't', action: 'trigger' })).resolves.toBeUndefined();
    rmSync(path.join(dir, 'audit.log'), { recursive: true });
    await audit.write({ platform: 'console', userId: 'u', channelRef: 'c', threadRef: 't', action: 'stop' });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(path.join(dir, 'audit.log'), 'utf8')).toContain('"action":"stop"');
  });

  it('resume counts against the channel limit', async () => {
    h = await createHarness({ run: scriptedEngine({ blockAfterFirstChunk: true }) });
    await h.console.say('clean turtle_sales');
    const first = (await h.registry.findByRef(h.console.threadRef))!;
    await h.waitForState(first, ['running']);
    await h.console.say('stop');
    await h.waitForState(first, ['stopped'], 5_000);
    await h.console.say('clean turtle_reviews');
    const second = (await h.registry.activeRuns(h.console.threadRef))[0];
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    await h.console.say(`resume ${first}`);
    expect(h.transcript.join('')).toMatch(/already has 1 active run/);
    expect((await h.registry.get(first))!.state).toBe('stopped');
    await h.console.say(`stop ${second}`);
  });

  it('a worker that cannot post to the thread fails the run and frees the channel', async () => {
    const dir = tempDir();
    const config = loadConfig({ env: { REDIS_URL }, overrides: { dataDir: dir, knowledge: { kind: 'memory' }, queue: { prefix: `dsbot-fail-${Date.now().toString(36)}`, backoffMs: 100 } } });
    const logs: string[] = [];
    stack = await openQueueStack({
      config,
      run: scriptedEngine(),
      createSink: () => {
        throw new Error('no token for this platform');
      },
      log: (l) => logs.push(l),
    });
    const replies: string[] = [];
    const ctx: RouterContext = { reply: async (r) => void replies.push(r.text) };
    await stack.router(msg('clean turtle_sales', 'w1', 'console:f2'), ctx);
    const runId = (await stack.registry.findByRef('console:f2'))!;
    expect(await stack.waitForState(runId, ['failed'], 10_000)).toBe('failed');
    expect(logs.join('\n')).toMatch(/cannot report to console:f2: no token/);
    await stack.router(msg('clean turtle_reviews', 'w2', 'console:f2'), ctx);
    expect(replies.join('\n')).not.toMatch(/already has 1 active run/);
  });

  it('a bare /stop in a channel stops its one active run, even when the last command-started run is over', async () => {
    h = await createHarness({ run: scriptedEngine({ chunks: 1 }) });
    const router = createRouter({ config: h.config, registry: h.registry, producer: h.producer, control: h.control, chat: createChatAgent(h.config), audit: h.audit, log: () => {} });
    const replies: string[] = [];
    const base = { platform: 'console' as const, channelRef: 'console:chan', user: { id: 'admin' }, files: [], isSelf: false };
    const ctx: RouterContext = { reply: async (r) => void replies.push(r.text), openRunThread: async (runId) => `console:thread-${runId}` };
    await router({ ...base, threadRef: 'console:chan', messageId: 'c1', text: 'clean turtle_sales', kind: 'command' }, ctx);
    const first = (await h.registry.findByRef('console:chan'))!;
    expect(await h.waitForState(first, ['succeeded'])).toBe('succeeded');
    await h.worker!.close(); // the next run stays queued: something to stop
    await router({ ...base, threadRef: 'console:other', messageId: 'c2', text: 'clean turtle_reviews', kind: 'message' }, { reply: ctx.reply });
    const second = (await h.registry.activeRuns('console:chan'))[0];
    expect(second).toBeTruthy();
    await router({ ...base, threadRef: 'console:chan', messageId: 'c3', text: 'stop', kind: 'command' }, ctx);
    expect((await h.registry.get(second))!.state).toBe('stopped');
  });

  it('a slot reserved by a trigger still making its run record (an upload downloading) counts as active', async () => {
    const dir = tempDir();
    const config = loadConfig({ env: { REDIS_URL }, overrides: { dataDir: dir, knowledge: { kind: 'memory' }, queue: { prefix: `dsbot-slot-${Date.now().toString(36)}` } } });
    stack = await openQueueStack({ config, worker: false });
    expect(await stack.registry.reserveSlot('console:ch', 'run-a', 1)).toBe(true);
    expect(await stack.registry.activeRuns('console:ch')).toEqual(['run-a']); // not dropped for lack of a record
    expect(await stack.registry.reserveSlot('console:ch', 'run-b', 1)).toBe(false);
    await stack.registry.releaseSlot('console:ch', 'run-a');
    expect(await stack.registry.activeRuns('console:ch')).toEqual([]);
    expect(await stack.registry.reserveSlot('console:ch', 'run-b', 1)).toBe(true);
  });
});
