/**
 * `npm run bench:chatops [-- --runs N]`: the chat-ops path with real Redis, BullMQ, the real
 * engine and the local sandbox, on a small file. For each run: an admin trigger goes through
 * the router (enqueue) to a worker, which posts the status message ("run started"); once the
 * scripted model's cell (`time.sleep(60)`) runs, `stop` goes through the router and Redis
 * pub/sub to the worker, which aborts the cell and posts "stopped".
 * Prints p50/p99 of trigger → started and stop → stopped. Last line: one JSON object.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { createScriptedModel } from '../src/agent/models/scripted.js';
import { MemoryKnowledgeStore } from '../src/knowledge/memory-store.js';
import { createSandbox } from '../src/sandbox/index.js';
import { createRedis, deleteKeys, ensureRedis } from '../src/queue/redis.js';
import { createRunRegistry } from '../src/queue/run-registry.js';
import { createRunProducer } from '../src/queue/producer.js';
import { createRunControl } from '../src/queue/control.js';
import { createRunWorker } from '../src/queue/worker.js';
import { createRouter } from '../src/bots/router.js';
import { createAuditLog } from '../src/bots/audit.js';
import { createConsoleSink } from '../src/bots/console/sink.js';
import { threadReporters } from '../src/bots/sinks.js';
import { createChatAgent } from '../src/agent/chat/index.js';
import type { IncomingMessage, RouterContext, ThreadSink } from '../src/bots/types.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '50' } } });
const runs = Number(values.runs);
const dataDir = mkdtempSync(path.join(tmpdir(), 'dsbot-bench-chatops-'));
const csv = path.join(dataDir, 'small.csv');
writeFileSync(csv, ['id,name,age', ...Array.from({ length: 200 }, (_, i) => `${i + 1},p${i + 1},${20 + (i % 40)}`)].join('\n') + '\n');

const redisHandle = await ensureRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { log: console.log });
const prefix = `dsbot-bench-${randomUUID().slice(0, 8)}`;
const config = loadConfig({
  env: { REDIS_URL: redisHandle.url },
  overrides: {
    dataDir,
    datasets: { small: { path: csv } },
    knowledge: { kind: 'memory' },
    model: { provider: 'builtin' },
    queue: { prefix, concurrency: 4 },
    admin: { users: { console: ['admin'] } },
  },
});

/** Sink events by thread ref: `post`/`status` with their text, stamped when the sink was called. */
const bus = new EventEmitter();
bus.setMaxListeners(0);
const watched = (s: ThreadSink): ThreadSink => ({
  threadRef: s.threadRef,
  limits: s.limits,
  async post(text) {
    const ref = await s.post(text);
    bus.emit(s.threadRef, { kind: 'post', text, at: performance.now() });
    return ref;
  },
  async status(view, ref) {
    const r = await s.status(view, ref);
    bus.emit(s.threadRef, { kind: 'status', text: view.state, at: performance.now() });
    return r;
  },
  upload: (f, c) => s.upload(f, c),
  flush: () => s.flush(),
});

let cellRunning: (() => void) | undefined;
const model = createScriptedModel((req) => {
  if (req.purpose === 'plan') return 'Plan: wait.';
  setTimeout(() => cellRunning?.(), 300); // the kernel is inside time.sleep by then
  return 'Thought: wait.\n```py\nimport time\ntime.sleep(60)\n```';
});

const redis = createRedis(redisHandle.url);
const workerConn = createRedis(redisHandle.url);
const registry = createRunRegistry(redis, prefix);
const producer = createRunProducer(config.queue, redis, registry);
const control = createRunControl(redis, prefix, () => createRedis(redisHandle.url));
const quiet = { write: () => true };
const worker = createRunWorker({
  config,
  connection: workerConn,
  registry,
  control: createRunControl(redis, prefix, () => createRedis(redisHandle.url)),
  runDeps: { config, model, knowledge: new MemoryKnowledgeStore(), createSandbox: () => createSandbox(config.sandbox) },
  createReporter: threadReporters(config, (threadRef, runId) => watched(createConsoleSink(threadRef, config, { out: quiet, runsDir: path.join(dataDir, 'runs-out'), runId }))),
  log: () => {},
});
await worker.start();
const router = createRouter({ config, registry, producer, control, chat: createChatAgent(config), audit: createAuditLog(dataDir), log: () => {} });
const ctx: RouterContext = { reply: async () => {} };

function until(threadRef: string, pred: (e: { kind: string; text: string }) => boolean, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      bus.off(threadRef, on);
      reject(new Error(`timed out on ${threadRef}`));
    }, timeoutMs);
    const on = (e: { kind: string; text: string; at: number }) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      bus.off(threadRef, on);
      resolve(e.at);
    };
    bus.on(threadRef, on);
  });
}

const msg = (threadRef: string, text: string, id: string): IncomingMessage => ({
  platform: 'console', threadRef, channelRef: threadRef, messageId: id, user: { id: 'admin' }, text, files: [], isSelf: false, kind: 'message',
});

const started: number[] = [];
const stopped: number[] = [];
for (let i = 0; i < runs; i++) {
  const thread = `console:bench-${prefix}-${i}`;
  const startedAt = until(thread, (e) => e.kind === 'status', 30_000);
  const running = new Promise<void>((r) => (cellRunning = r));
  const t0 = performance.now();
  await router(msg(thread, 'clean small', `t${i}`), ctx);
  started.push((await startedAt) - t0);
  await running;
  const stoppedAt = until(thread, (e) => e.kind === 'post' && e.text.includes('stopped after'), 30_000);
  const t1 = performance.now();
  await router(msg(thread, 'stop', `s${i}`), ctx);
  stopped.push((await stoppedAt) - t1);
  // Let the engine release its sandbox before the next trigger: measure an idle worker, not teardown contention.
  const runId = (await registry.findByRef(thread))!;
  while ((await producer.queue.getJobState(runId)) === 'active') await new Promise((r) => setTimeout(r, 50));
  console.log(`run ${i + 1}/${runs}: trigger→started ${started.at(-1)!.toFixed(1)} ms, stop→stopped ${stopped.at(-1)!.toFixed(1)} ms`);
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] * 10) / 10;
}

await worker.close();
workerConn.disconnect();
await control.close();
await producer.close();
await deleteKeys(redis, prefix);
redis.disconnect();
await redisHandle.stop();

const result = {
  trigger_to_started_p50_ms: pct(started, 50),
  trigger_to_started_p99_ms: pct(started, 99),
  stop_p50_ms: pct(stopped, 50),
  stop_p99_ms: pct(stopped, 99),
};
console.log(`${runs} runs on a 200-row file (real Redis, BullMQ, engine, local sandbox).`);
console.log(`trigger → "run started": p50 ${result.trigger_to_started_p50_ms} ms, p99 ${result.trigger_to_started_p99_ms} ms (target ≤ 150 ms p50)`);
console.log(`stop → "stopped":        p50 ${result.stop_p50_ms} ms, p99 ${result.stop_p99_ms} ms (target ≤ 2000 ms p99)`);
console.log(JSON.stringify(result));
process.exit(0);
