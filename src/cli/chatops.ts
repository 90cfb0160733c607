/**
 * `dsbot demo` (everything in one process on the console), `dsbot bot` (Slack/Discord
 * connections) and `dsbot worker` (BullMQ workers): the chat-ops processes.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createChatAgent, type ChatAgent } from '../agent/chat/index.js';
import { createModel } from '../agent/models/index.js';
import { createKnowledgeStore, indexDatasetFiles } from '../knowledge/index.js';
import { MemoryKnowledgeStore } from '../knowledge/memory-store.js';
import type { KnowledgeStore } from '../knowledge/types.js';
import { createSandbox } from '../sandbox/index.js';
import { connectRedis, createRedis, deleteKeys, ensureRedis } from '../queue/redis.js';
import { createRunRegistry, type RunRegistry } from '../queue/run-registry.js';
import { createRunProducer, type RunProducer } from '../queue/producer.js';
import { createRunControl, type RunControl } from '../queue/control.js';
import { createRunWorker, type RunWorker } from '../queue/worker.js';
import { createRouter, runStatusFor } from '../bots/router.js';
import { createAuditLog } from '../bots/audit.js';
import { createPlatforms } from '../bots/platforms.js';
import { createConsolePlatform } from '../bots/console/platform.js';
import { threadReporters } from '../bots/sinks.js';
import type { MessageHandler } from '../bots/types.js';
import { logger } from '../observability/logger.js';
import { tracedChat } from '../agent/chat/traced.js';
import { serveOps, startTelemetry } from './observe.js';

/** The pieces every chat-ops process shares. */
interface Stack {
  config: Config;
  /** Chat mode (one warm sandbox per process, closed with the stack). */
  chat: ChatAgent;
  /** Dataset docs, insights and recipes: shared by chat mode and this process's workers. */
  knowledge: KnowledgeStore;
  redis: Redis;
  registry: RunRegistry;
  producer: RunProducer;
  control: RunControl;
  /** True when Chroma was unreachable at start and an in-memory store stands in. */
  knowledgeFallback: boolean;
  close(): Promise<void>;
}

/** The knowledge store (Chroma unless configured otherwise), with the datasets' docs indexed (re-embedded only when they change). */
async function openKnowledge(config: Config): Promise<{ knowledge: KnowledgeStore; fallback: boolean }> {
  let fallback = false;
  const knowledge = await createKnowledgeStore(config).catch((err) => {
    logger.warn(`dsbot: knowledge store unavailable (${(err as Error).message}); using an in-memory one (nothing is remembered across restarts).`);
    fallback = true;
    return new MemoryKnowledgeStore();
  });
  for (const r of await indexDatasetFiles(knowledge, config.datasets).catch(() => [])) {
    if (r.error) logger.warn(`dsbot: could not index dataset ${r.name}: ${r.error}`);
  }
  return { knowledge, fallback };
}

async function openStack(config: Config, redis: Redis, url: string): Promise<Stack> {
  const registry = createRunRegistry(redis, config.queue.prefix);
  const producer = createRunProducer(config.queue, redis, registry);
  const control = createRunControl(redis, config.queue.prefix, () => createRedis(url));
  const { knowledge, fallback } = await openKnowledge(config);
  const chat = tracedChat(createChatAgent(config, { knowledge, runStatus: runStatusFor(registry) }));
  return {
    config,
    chat,
    knowledge,
    redis,
    registry,
    producer,
    control,
    knowledgeFallback: fallback,
    async close() {
      await chat.close?.();
      await control.close();
      await producer.close();
      await knowledge.close();
      redis.disconnect();
    },
  };
}

/** A worker whose close() also closes its own connection. */
function startWorker(stack: Stack, url: string): RunWorker {
  const connection = createRedis(url);
  const worker = createRunWorker({
    config: stack.config,
    connection,
    registry: stack.registry,
    control: createRunControl(stack.redis, stack.config.queue.prefix, () => createRedis(url)),
    runDeps: { config: stack.config, model: createModel(stack.config.model), knowledge: stack.knowledge, createSandbox: () => createSandbox(stack.config.sandbox) },
    createReporter: threadReporters(stack.config),
  });
  return {
    ...worker,
    worker: worker.worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}

function routerFor(stack: Stack): MessageHandler {
  return createRouter({
    config: stack.config,
    registry: stack.registry,
    producer: stack.producer,
    control: stack.control,
    chat: stack.chat,
    audit: createAuditLog(stack.config.dataDir),
  });
}

/** Runs `cleanup` once on SIGTERM/SIGINT, then exits. */
function onSignals(cleanup: () => Promise<void>): void {
  let done = false;
  const handler = (sig: NodeJS.Signals) => {
    if (done) return;
    done = true;
    logger.info(`dsbot: ${sig} received, shutting down…`);
    cleanup()
      .catch((err) => logger.error(`dsbot: shutdown: ${(err as Error).message}`))
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

async function waitForEnd(registry: RunRegistry, runId: string): Promise<string> {
  for (;;) {
    const rec = await registry.get(runId);
    if (rec && ['succeeded', 'stopped', 'failed'].includes(rec.state)) return rec.state;
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface DemoOptions {
  interactive?: boolean;
  dataset: string;
  script: boolean;
}

async function demo(opts: DemoOptions): Promise<number> {
  const base = loadConfig();
  const tracing = startTelemetry(base, 'demo');
  const handle = await ensureRedis(base.queue.redisUrl, { log: (l) => console.log(`dsbot demo: ${l}`) });
  // A prefix of its own: the demo never meets jobs of a real deployment on the same Redis.
  const config: Config = { ...base, queue: { ...base.queue, prefix: `${base.queue.prefix}-demo-${process.pid}`, redisUrl: handle.url } };
  const stack = await openStack(config, createRedis(handle.url), handle.url);
  const worker = startWorker(stack, handle.url);
  await worker.start();
  let quit: () => void = () => {};
  const quitting = new Promise<void>((r) => (quit = r));
  const platform = createConsolePlatform({ session: 'demo', user: 'admin', input: opts.interactive ? process.stdin : undefined, onQuit: () => quit() });
  await platform.start(routerFor(stack));
  const shutdown = async () => {
    await platform.stop();
    await worker.close();
    await deleteKeys(stack.redis, config.queue.prefix);
    await stack.close();
    await handle.stop();
    await tracing.shutdown();
  };
  onSignals(shutdown);
  console.log(`dsbot demo — Redis ${handle.url}${handle.private ? ' (private)' : ''}, model ${config.model.provider}, sandbox ${config.sandbox.kind}.`);
  let code = 0;
  if (opts.script) {
    console.log('\n— A question from anyone:');
    await platform.say(`which columns have missing values in ${opts.dataset}?`, { user: 'guest' });
    console.log('\n— A non-admin tries to start a run:');
    await platform.say(`clean ${opts.dataset}`, { user: 'guest' });
    console.log('\n— An admin starts one:');
    await platform.say(`clean ${opts.dataset}`, { user: 'admin' });
    const runId = await stack.registry.findByRef(platform.threadRef);
    if (!runId) code = 1;
    else {
      const state = await waitForEnd(stack.registry, runId);
      await new Promise((r) => setTimeout(r, 300)); // let the last posts out
      const dir = path.resolve('runs', runId);
      console.log(`\n— Run ${runId} ${state}.`);
      if (existsSync(dir)) for (const f of readdirSync(dir)) console.log(`   ${path.relative(process.cwd(), path.join(dir, f))}`);
      console.log(`   run directory: ${path.join(config.dataDir, 'runs', runId)}`);
      code = state === 'succeeded' ? 0 : 1;
    }
  }
  if (opts.interactive) {
    console.log('\nYour turn. Type a question, `clean <dataset>` (add `approve=yes` to review the plan first), `stop`, `status`, `approve`, `change <what you want>`, `/click stop|resume|approve|cancel <run>` (the buttons), `/as <user>`, `/upload <file.csv>`, `/quit`.');
    await quitting;
  }
  await shutdown();
  return code;
}

export function registerChatopsCommands(program: Command): void {
  program
    .command('demo')
    .description('Everything on this machine: Redis (REDIS_URL or a private one), a worker and the console chat, playing a short session on the Turtle Games data')
    .option('--interactive', 'keep the console open after the scripted session')
    .option('--no-script', 'skip the scripted session (with --interactive)')
    .option('--dataset <name>', 'dataset to clean in the scripted session', 'turtle_sales')
    .action(async (o: DemoOptions) => {
      process.exitCode = await demo(o);
    });

  program
    .command('worker')
    .description('Run cleaning jobs from the queue (scale out by starting more)')
    .option('--concurrency <n>', 'jobs at once (default queue.concurrency)')
    .action(async (o: { concurrency?: string }) => {
      const base = loadConfig();
      const concurrency = o.concurrency ? Number(o.concurrency) : base.queue.concurrency;
      const config: Config = { ...base, queue: { ...base.queue, concurrency } };
      const tracing = startTelemetry(config, 'worker');
      const stack = await openStack(config, await connectRedis(config.queue.redisUrl, config.queue.connectWaitMs), config.queue.redisUrl);
      const worker = startWorker(stack, config.queue.redisUrl);
      const ops = await serveOps(config, 'worker', { redis: stack.redis, knowledge: stack.knowledge, knowledgeFallback: stack.knowledgeFallback, queue: stack.producer.queue });
      onSignals(async () => {
        await ops?.close();
        await worker.close();
        await stack.close();
        await tracing.shutdown();
      });
      await worker.start();
      logger.info(`dsbot worker: ready (queue ${config.queue.prefix}:${config.queue.queueName}, concurrency ${concurrency}).`);
      await new Promise(() => {}); // until a signal
    });

  program
    .command('bot')
    .description('Connect to Slack and/or Discord (by the tokens set) and route messages')
    .action(async () => {
      const config = loadConfig();
      const tracing = startTelemetry(config, 'bot');
      let registry: RunRegistry | undefined; // the App Home lists recent runs once Redis is open
      const platforms = createPlatforms(config, { runs: { recent: async (n) => (registry ? registry.recent(n) : []) } });
      const stack = await openStack(config, await connectRedis(config.queue.redisUrl, config.queue.connectWaitMs), config.queue.redisUrl);
      registry = stack.registry;
      const router = routerFor(stack);
      const connected = new Map(platforms.map((p) => [p.name, false]));
      const ops = await serveOps(config, 'bot', { redis: stack.redis, knowledge: stack.knowledge, knowledgeFallback: stack.knowledgeFallback, queue: stack.producer.queue, platforms: () => Object.fromEntries(connected) });
      onSignals(async () => {
        await ops?.close();
        for (const p of platforms) await p.stop();
        await stack.close();
        await tracing.shutdown();
      });
      for (const p of platforms) {
        await p.start(router);
        connected.set(p.name, true);
        logger.info(`dsbot bot: ${p.name} connected.`);
      }
      await new Promise(() => {}); // until a signal
    });
}
