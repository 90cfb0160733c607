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
import { createBuiltinModel } from '../../src/agent/models/builtin.js';
import { createSlackPlatform, type SlackPlatform } from '../../src/bots/slack/platform.js';
import { createSlackSink } from '../../src/bots/slack/sink.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { MemoryKnowledgeStore } from '../../src/knowledge/memory-store.js';
import type { RunProducer } from '../../src/queue/producer.js';
import type { RunRegistry } from '../../src/queue/run-registry.js';
import type { RunFunction, RunWorker } from '../../src/queue/worker.js';
import { openQueueStack, REDIS_URL } from '../helpers/queue-stack.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { freePort, quietLogger } from './helpers.js';

export { REDIS_URL };
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

export async function startSlackStack(options: { run?: RunFunction; overrides?: Record<string, unknown>; socketMode?: boolean } = {}): Promise<SlackStack> {
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
      slack: options.socketMode
        ? { botToken: BOT_TOKEN, appToken: APP_TOKEN, apiUrl: fake.apiUrl }
        : { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, apiUrl: fake.apiUrl, port: await freePort() },
      queue: { prefix, lockDurationMs: 10_000, stalledIntervalMs: 5_000, backoffMs: 200 },
      ...options.overrides,
    },
  });
  const fast = { post: { intervalMs: 0 }, edit: { intervalMs: 0 }, upload: { intervalMs: 0 } };
  const stack = await openQueueStack({
    config,
    run: options.run,
    runDeps: { config, model: createBuiltinModel(), knowledge: new MemoryKnowledgeStore(), createSandbox: () => createSandbox(config.sandbox) },
    createSink: (threadRef) => createSlackSink(threadRef, config, { paces: fast }),
  });
  const { registry, producer } = stack;
  const worker = stack.worker!;
  const platform = createSlackPlatform(config, { logger: quietLogger as never, runs: registry });
  await platform.start(stack.router);
  if (options.socketMode) await fake.socketConnected();

  return {
    fake,
    config,
    platform,
    endpoint: `http://127.0.0.1:${platform.port}/slack/events`,
    registry,
    producer,
    worker,
    jobCount: () => producer.queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'),
    waitForState: (runId, states, timeoutMs = 60_000) => stack.waitForState(runId, states, timeoutMs),
    audit() {
      const file = path.join(config.dataDir, 'audit.log');
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l: string) => JSON.parse(l));
    },
    async close() {
      await platform.stop();
      await stack.close();
      await fake.close();
    },
  };
}
