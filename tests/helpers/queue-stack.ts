/**
 * The chat-ops core for end-to-end tests, shared by the console, Slack and Discord harnesses:
 * real Redis (REDIS_URL or 127.0.0.1:6379) under the config's own key prefix, the real
 * registry, producer, control, worker and router. Deletes its own keys on close (never a flush).
 */
import type { Redis } from 'ioredis';
import type { ChatAgent } from '../../src/agent/chat/types.js';
import { createChatAgent } from '../../src/agent/chat/index.js';
import type { RunDeps } from '../../src/agent/types.js';
import { createAuditLog, type AuditLog } from '../../src/bots/audit.js';
import { createRouter } from '../../src/bots/router.js';
import { threadReporters } from '../../src/bots/sinks.js';
import type { MessageHandler, ThreadSink } from '../../src/bots/types.js';
import type { Config } from '../../src/config/schema.js';
import { createRunControl, type RunControl } from '../../src/queue/control.js';
import { createRunProducer, type RunProducer } from '../../src/queue/producer.js';
import { createRedis, deleteKeys } from '../../src/queue/redis.js';
import { createRunRegistry, type RunRegistry } from '../../src/queue/run-registry.js';
import { createRunWorker, type RunFunction, type RunWorker } from '../../src/queue/worker.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface QueueStackOptions {
  /** Its `queue.prefix` must be unique to the test. */
  config: Config;
  /** Stand-in engine; default the real one. */
  run?: RunFunction;
  runDeps?: RunDeps | (() => Promise<RunDeps>);
  /** The worker's sink factory; default the platform's (from the thread ref). */
  createSink?: (threadRef: string, runId: string) => ThreadSink;
  /** Start a worker (default true). */
  worker?: boolean;
  chat?: ChatAgent;
  log?: (line: string) => void;
}

export interface QueueStack {
  config: Config;
  prefix: string;
  redis: Redis;
  registry: RunRegistry;
  producer: RunProducer;
  control: RunControl;
  audit: AuditLog;
  worker?: RunWorker;
  /** The router, to hand to a platform's start(). */
  router: MessageHandler;
  /** Waits until the registry shows the run in one of `states`; `explain` adds context to a timeout. */
  waitForState(runId: string, states: string[], timeoutMs?: number, explain?: () => string): Promise<string>;
  /** Closes the worker and connections and deletes the prefix's keys. */
  close(): Promise<void>;
}

export async function openQueueStack(options: QueueStackOptions): Promise<QueueStack> {
  const { config } = options;
  const prefix = config.queue.prefix;
  const log = options.log ?? (() => {});
  const redis = createRedis(REDIS_URL);
  const registry = createRunRegistry(redis, prefix);
  const producer = createRunProducer(config.queue, redis, registry);
  const control = createRunControl(redis, prefix, () => createRedis(REDIS_URL));
  const audit = createAuditLog(config.dataDir);
  const workerConn = createRedis(REDIS_URL);
  const workerControl = createRunControl(redis, prefix, () => createRedis(REDIS_URL));
  let worker: RunWorker | undefined;
  if (options.worker !== false) {
    worker = createRunWorker({ config, connection: workerConn, registry, control: workerControl, run: options.run, runDeps: options.runDeps, createReporter: threadReporters(config, options.createSink), log });
    await worker.start();
  }
  const chat = options.chat ?? createChatAgent(config);
  const router = createRouter({ config, registry, producer, control, chat, audit, log });
  return {
    config,
    prefix,
    redis,
    registry,
    producer,
    control,
    audit,
    worker,
    router,
    async waitForState(runId, states, timeoutMs = 60_000, explain) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const rec = await registry.get(runId);
        if (rec && states.includes(rec.state)) return rec.state;
        if (Date.now() > end) throw new Error(`run ${runId} did not reach ${states.join('/')} (state ${rec?.state})${explain ? `; ${explain()}` : ''}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      await worker?.close();
      workerConn.disconnect();
      await chat.close?.();
      await control.close();
      await workerControl.close();
      await producer.close();
      await deleteKeys(redis, prefix);
      redis.disconnect();
    },
  };
}
