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
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { RunFunction, RunWorker } from '../../src/queue/worker.js';
import type { RunProducer } from '../../src/queue/producer.js';
import type { RunRegistry } from '../../src/queue/run-registry.js';
import { openQueueStack, REDIS_URL } from '../helpers/queue-stack.js';
import { createDiscordPlatform } from '../../src/bots/discord/platform.js';
import type { ChatPlatform } from '../../src/bots/types.js';
import type { RunDeps } from '../../src/agent/types.js';
import { APP_ID, startFakeDiscord, type FakeDiscord } from '../fakes/discord-server.js';

export { REDIS_URL };

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
  const stack = await openQueueStack({ config, run: options.run, runDeps: options.runDeps, log });
  const platform = createDiscordPlatform(config, { log: (line, err) => log(`${line} ${String(err ?? '')}`) });
  await platform.start(stack.router);
  return {
    fake,
    config,
    prefix,
    registry: stack.registry,
    producer: stack.producer,
    worker: stack.worker!,
    platform,
    logs,
    waitForState: (runId, states, timeoutMs = 60_000) => stack.waitForState(runId, states, timeoutMs, () => `logs: ${logs.join(' | ')}`),
    async close() {
      await platform.stop();
      await stack.close();
      await fake.close();
    },
  };
}

