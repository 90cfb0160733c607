/**
 * Test harness of the chat-ops core: real Redis (REDIS_URL or 127.0.0.1:6379) under a unique
 * key prefix, the real producer/registry/control/worker/router, the console platform and
 * console sinks writing into memory. Cleans up its own keys (never a flush).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { RunDeps } from '../../src/agent/types.js';
import { createRedis } from '../../src/queue/redis.js';
import { createRunRegistry, type RunRegistry } from '../../src/queue/run-registry.js';
import { createRunProducer, type RunProducer } from '../../src/queue/producer.js';
import { createRunControl, type RunControl } from '../../src/queue/control.js';
import { createRunWorker, type RunFunction, type RunWorker } from '../../src/queue/worker.js';
import { createRouter } from '../../src/bots/router.js';
import { createAuditLog, type AuditLog } from '../../src/bots/audit.js';
import { createConsoleSink, type ConsoleSink } from '../../src/bots/console/sink.js';
import { createConsolePlatform, type ConsolePlatform } from '../../src/bots/console/platform.js';
import type { ChatAgent } from '../../src/agent/chat/types.js';
import { createChatAgent } from '../../src/agent/chat/index.js';
import { createScriptedModel } from '../../src/agent/models/scripted.js';
import { MemoryKnowledgeStore } from '../../src/knowledge/memory-store.js';
import type { SinkLimits } from '../../src/bots/types.js';

/** Collaborators for a stand-in engine that uses none of them. */
function stubRunDeps(config: Config): RunDeps {
  return {
    config,
    model: createScriptedModel(['unused']),
    knowledge: new MemoryKnowledgeStore(),
    createSandbox: () => {
      throw new Error('the stand-in engine starts no sandbox');
    },
  };
}

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface HarnessOptions {
  run?: RunFunction;
  runDeps?: RunDeps | (() => Promise<RunDeps>);
  /** Merged into the config (queue.prefix and dataDir are set by the harness). */
  overrides?: Record<string, unknown>;
  /** Start a worker (default true). */
  worker?: boolean;
  sinkLimits?: Partial<SinkLimits>;
  chat?: ChatAgent;
}

export interface Harness {
  config: Config;
  prefix: string;
  redis: Redis;
  registry: RunRegistry;
  producer: RunProducer;
  control: RunControl;
  audit: AuditLog;
  worker?: RunWorker;
  console: ConsolePlatform;
  /** Everything the console platform wrote (replies, echoes). */
  transcript: string[];
  /** Sinks the worker created, in order. */
  sinks: ConsoleSink[];
  runsDir: string;
  /** Waits until the registry shows the run in one of `states`. */
  waitForState(runId: string, states: string[], timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const prefix = `dsbot-test-${randomUUID().slice(0, 8)}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dsbot-chatops-'));
  const runsDir = path.join(dataDir, 'console-runs');
  const config = loadConfig({
    env: { REDIS_URL },
    overrides: {
      dataDir,
      knowledge: { kind: 'memory' },
      ...options.overrides,
      queue: { prefix, lockDurationMs: 10_000, stalledIntervalMs: 5_000, backoffMs: 200, ...(options.overrides?.queue as object) },
    },
  });
  const redis = createRedis(REDIS_URL);
  const registry = createRunRegistry(redis, prefix);
  const producer = createRunProducer(config.queue, redis, registry);
  const control = createRunControl(redis, prefix, () => createRedis(REDIS_URL));
  const audit = createAuditLog(config.dataDir);
  const sinks: ConsoleSink[] = [];
  const quiet = { write: () => true };
  let worker: RunWorker | undefined;
  const workerConn = createRedis(REDIS_URL);
  if (options.worker !== false) {
    worker = createRunWorker({
      config,
      connection: workerConn,
      registry,
      control: createRunControl(redis, prefix, () => createRedis(REDIS_URL)),
      run: options.run,
      runDeps: options.runDeps ?? (options.run ? stubRunDeps(config) : undefined),
      createSink: (threadRef, runId) => {
        const s = createConsoleSink(threadRef, config, { out: quiet, runsDir, runId, limits: options.sinkLimits });
        sinks.push(s);
        return s;
      },
      log: () => {},
    });
    await worker.start();
  }
  const transcript: string[] = [];
  const platform = createConsolePlatform({ session: prefix, user: 'admin', output: { write: (t: string) => transcript.push(t) } });
  const chat = options.chat ?? createChatAgent(config);
  await platform.start(createRouter({ config, registry, producer, control, chat, audit, log: () => {} }));

  return {
    config,
    prefix,
    redis,
    registry,
    producer,
    control,
    audit,
    worker,
    console: platform,
    transcript,
    sinks,
    runsDir,
    async waitForState(runId, states, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const rec = await registry.get(runId);
        if (rec && states.includes(rec.state)) return rec.state;
        if (Date.now() > end) throw new Error(`run ${runId} did not reach ${states.join('/')} (state ${rec?.state})`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      await platform.stop();
      await chat.close?.();
      await worker?.close();
      workerConn.disconnect();
      await control.close();
      await producer.close();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}
