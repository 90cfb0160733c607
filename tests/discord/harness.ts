/**
 * End-to-end harness of the Discord side: the fake Discord, the real Discord platform
 * (discord.js), the real router, real Redis (unique key prefix, own keys removed at the end,
 * never a flush), the real producer/registry/control/worker, and the worker's real Discord sink
 * (REST to the fake). The engine is the real one unless a stand-in is passed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createRedis } from '../../src/queue/redis.js';
import { createRunRegistry, type RunRegistry } from '../../src/queue/run-registry.js';
import { createRunProducer, type RunProducer } from '../../src/queue/producer.js';
import { createRunControl, type RunControl } from '../../src/queue/control.js';
import { createRunWorker, type RunFunction, type RunWorker } from '../../src/queue/worker.js';
import { createRouter } from '../../src/bots/router.js';
import { createAuditLog } from '../../src/bots/audit.js';
import { createChatAgent } from '../../src/agent/chat/index.js';
import { createDiscordPlatform } from '../../src/bots/discord/platform.js';
import type { ChatPlatform } from '../../src/bots/types.js';
import type { RunDeps } from '../../src/agent/types.js';
import { APP_ID, startFakeDiscord, type FakeDiscord } from '../fakes/discord-server.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface DiscordHarness {
  fake: FakeDiscord;
  config: Config;
  prefix: string;
  registry: RunRegistry;
  producer: RunProducer;
  worker: RunWorker;
  platform: ChatPlatform;
  /** Lines the router and worker logged. */
  logs: string[];
  /** Waits until the registry shows the run in one of `states`. */
  waitForState(runId: string, states: string[], timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export interface DiscordHarnessOptions {
  /** Stand-in engine; default the real one. */
  run?: RunFunction;
  runDeps?: RunDeps;
  /** Merged into the config. */
  overrides?: Record<string, unknown>;
}

export async function createDiscordHarness(options: DiscordHarnessOptions = {}): Promise<DiscordHarness> {
  const fake = await startFakeDiscord();
  const prefix = `dsbot-discord-${randomUUID().slice(0, 8)}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dsbot-discord-e2e-'));
  const config = loadConfig({
    env: { REDIS_URL },
    overrides: {
      dataDir,
      knowledge: { kind: 'memory' },
      sandbox: { cellTimeoutMs: 30_000 },
      discord: { botToken: 'fake-token', applicationId: APP_ID, apiUrl: fake.apiUrl },
      ...options.overrides,
      queue: { prefix, lockDurationMs: 10_000, stalledIntervalMs: 5_000, backoffMs: 200, attempts: 1 },
    },
  });
  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);
  const redis = createRedis(REDIS_URL);
  const workerConn = createRedis(REDIS_URL);
  const registry = createRunRegistry(redis, prefix);
  const producer = createRunProducer(config.queue, redis, registry);
  const control = createRunControl(redis, prefix, () => createRedis(REDIS_URL));
  const workerControl = createRunControl(redis, prefix, () => createRedis(REDIS_URL));
  const worker = createRunWorker({ config, connection: workerConn, registry, control: workerControl, run: options.run, runDeps: options.runDeps, log });
  await worker.start();
  const platform = createDiscordPlatform(config, { log: (line, err) => log(`${line} ${String(err ?? '')}`) });
  const audit = createAuditLog(config.dataDir);
  await platform.start(createRouter({ config, registry, producer, control, chat: createChatAgent(config), audit, log }));
  return {
    fake,
    config,
    prefix,
    registry,
    producer,
    worker,
    platform,
    logs,
    async waitForState(runId, states, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const rec = await registry.get(runId);
        if (rec && states.includes(rec.state)) return rec.state;
        if (Date.now() > end) throw new Error(`run ${runId} did not reach ${states.join('/')} (state ${rec?.state}); logs: ${logs.join(' | ')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      await platform.stop();
      await worker.close();
      workerConn.disconnect();
      await control.close();
      await workerControl.close();
      await producer.close();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
      await fake.close();
    },
  };
}

export type { Redis };
