/**
 * The whole Slack path for end-to-end tests: fake Slack ← real Bolt app (HTTP receiver) →
 * real router → real BullMQ queue on real Redis (unique prefix, own keys removed at the end,
 * never a flush) → real worker → Slack sink (real WebClient) → fake Slack. The engine is the
 * real one (builtin model, local sandbox) unless a test passes a stand-in.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { createChatAgent } from '../../src/agent/chat/index.js';
import { createBuiltinModel } from '../../src/agent/models/builtin.js';
import { createAuditLog } from '../../src/bots/audit.js';
import { createRouter } from '../../src/bots/router.js';
import { createSlackPlatform, type SlackPlatform } from '../../src/bots/slack/platform.js';
import { createSlackSink } from '../../src/bots/slack/sink.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { MemoryKnowledgeStore } from '../../src/knowledge/memory-store.js';
import { createRunControl, type RunControl } from '../../src/queue/control.js';
import { createRunProducer, type RunProducer } from '../../src/queue/producer.js';
import { createRedis } from '../../src/queue/redis.js';
import { createRunRegistry, type RunRegistry } from '../../src/queue/run-registry.js';
import { createRunWorker, type RunFunction, type RunWorker } from '../../src/queue/worker.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { BOT_TOKEN, SIGNING_SECRET, startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { freePort, quietLogger } from './helpers.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ADMIN = 'UADMIN';

export interface SlackStack {
  fake: FakeSlack;
  config: Config;
  platform: SlackPlatform;
  endpoint: string;
  registry: RunRegistry;
  producer: RunProducer;
  worker: RunWorker;
  /** Jobs in the queue in any state. */
  jobCount(): Promise<number>;
  /** Waits until the registry shows the run in one of `states`. */
  waitForState(runId: string, states: string[], timeoutMs?: number): Promise<string>;
  /** Lines of the audit log. */
  audit(): Record<string, string>[];
  close(): Promise<void>;
}

export async function startSlackStack(options: { run?: RunFunction; overrides?: Record<string, unknown> } = {}): Promise<SlackStack> {
  const fake = await startFakeSlack();
  const prefix = `dsbot-slack-${randomUUID().slice(0, 8)}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dsbot-slack-e2e-'));
  const config = loadConfig({
    env: { REDIS_URL },
    overrides: {
      dataDir,
      knowledge: { kind: 'memory' },
      sandbox: { cellTimeoutMs: 30_000 },
      admin: { users: { slack: [ADMIN] } },
      slack: { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, apiUrl: fake.apiUrl, port: await freePort() },
      queue: { prefix, lockDurationMs: 10_000, stalledIntervalMs: 5_000, backoffMs: 200 },
      ...options.overrides,
    },
  });
  const redis = createRedis(REDIS_URL);
  const workerConn = createRedis(REDIS_URL);
  const registry = createRunRegistry(redis, prefix);
  const producer = createRunProducer(config.queue, redis, registry);
  const control: RunControl = createRunControl(redis, prefix, () => createRedis(REDIS_URL));
  const workerControl: RunControl = createRunControl(redis, prefix, () => createRedis(REDIS_URL));
  const audit = createAuditLog(config.dataDir);
  const fast = { post: { intervalMs: 0 }, edit: { intervalMs: 0 }, upload: { intervalMs: 0 } };
  const worker = createRunWorker({
    config,
    connection: workerConn,
    registry,
    control: workerControl,
    run: options.run,
    runDeps: {
      config,
      model: createBuiltinModel(),
      knowledge: new MemoryKnowledgeStore(),
      createSandbox: () => createSandbox(config.sandbox),
    },
    createSink: (threadRef) => createSlackSink(threadRef, config, { paces: fast }),
    log: () => {},
  });
  await worker.start();
  const router = createRouter({ config, registry, producer, control, chat: createChatAgent(config), audit, log: () => {} });
  const platform = createSlackPlatform(config, { logger: quietLogger as never });
  await platform.start(router);

  return {
    fake,
    config,
    platform,
    endpoint: `http://127.0.0.1:${platform.port}/slack/events`,
    registry,
    producer,
    worker,
    jobCount: () => producer.queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'),
    async waitForState(runId, states, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const rec = await registry.get(runId);
        if (rec && states.includes(rec.state)) return rec.state;
        if (Date.now() > end) throw new Error(`run ${runId} did not reach ${states.join('/')} (state ${rec?.state})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    audit() {
      const file = path.join(config.dataDir, 'audit.log');
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l: string) => JSON.parse(l));
    },
    async close() {
      await platform.stop();
      await worker.close();
      workerConn.disconnect();
      await control.close();
      await workerControl.close();
      await producer.close();
      await deleteKeys(redis, prefix);
      redis.disconnect();
      await fake.close();
    },
  };
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}
