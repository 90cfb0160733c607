/**
 * Test harness of the chat-ops core: real Redis (REDIS_URL or 127.0.0.1:6379) under a unique
 * key prefix, the real producer/registry/control/worker/router, the console platform and
 * console sinks writing into memory. Cleans up its own keys (never a flush).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { RunDeps } from '../../src/agent/types.js';
import type { RunFunction } from '../../src/queue/worker.js';
import { openQueueStack, REDIS_URL, type QueueStack } from '../helpers/queue-stack.js';
import { createConsoleSink, type ConsoleSink } from '../../src/bots/console/sink.js';
import { createConsolePlatform, type ConsolePlatform } from '../../src/bots/console/platform.js';
import type { ChatAgent } from '../../src/agent/chat/types.js';
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

export { REDIS_URL };

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

export interface Harness extends Omit<QueueStack, 'router' | 'waitForState'> {
  console: ConsolePlatform;
  /** Everything the console platform wrote (replies, echoes). */
  transcript: string[];
  /** Sinks the worker created, in order. */
  sinks: ConsoleSink[];
  runsDir: string;
  /** Waits until the registry shows the run in one of `states`. */
  waitForState(runId: string, states: string[], timeoutMs?: number): Promise<string>;
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
  const sinks: ConsoleSink[] = [];
  const quiet = { write: () => true };
  const stack = await openQueueStack({
    config,
    worker: options.worker,
    run: options.run,
    runDeps: options.runDeps ?? (options.run ? stubRunDeps(config) : undefined),
    createSink: (threadRef, runId) => {
      const s = createConsoleSink(threadRef, config, { out: quiet, runsDir, runId, limits: options.sinkLimits });
      sinks.push(s);
      return s;
    },
    chat: options.chat,
  });
  const transcript: string[] = [];
  const platform = createConsolePlatform({ session: prefix, user: 'admin', output: { write: (t: string) => transcript.push(t) } });
  await platform.start(stack.router);
  return {
    ...stack,
    console: platform,
    transcript,
    sinks,
    runsDir,
    waitForState: (runId, states, timeoutMs = 30_000) => stack.waitForState(runId, states, timeoutMs),
    async close() {
      await platform.stop();
      await stack.close();
    },
  };
}
