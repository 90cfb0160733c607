/** Shared set-up for the Slack tests: a fake Slack, a real Bolt app on a free port, a recording handler. */
import { createServer } from 'node:net';
import { createSlackPlatform, type SlackPlatform } from '../../src/bots/slack/platform.js';
import type { IncomingMessage, MessageHandler, RouterContext } from '../../src/bots/types.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import { BOT_TOKEN, SIGNING_SECRET, startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Silences Bolt (tests assert outcomes, not logs). */
export const quietLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => 'error' as never,
  setName() {},
};

export interface Recorded {
  message: IncomingMessage;
  ctx: RouterContext;
}

/** A handler that records what it gets, lets a test react, and can be awaited. */
export function recordingHandler(onMessage?: (m: IncomingMessage, ctx: RouterContext) => Promise<void>) {
  const received: Recorded[] = [];
  const waiters = new Set<() => void>();
  const handler: MessageHandler = async (message, ctx) => {
    received.push({ message, ctx });
    for (const w of [...waiters]) w();
    await onMessage?.(message, ctx);
  };
  const waitForCount = (n: number, timeoutMs = 5_000) =>
    new Promise<void>((resolve, reject) => {
      if (received.length >= n) return resolve();
      const timer = setTimeout(() => reject(new Error(`expected ${n} messages, got ${received.length}`)), timeoutMs);
      const check = () => {
        if (received.length < n) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });
  return { handler, received, waitForCount };
}

export interface SlackRig {
  fake: FakeSlack;
  config: Config;
  platform: SlackPlatform;
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts the fake Slack and a real Bolt app (HTTP receiver) with `handler`. */
export async function startRig(handler: MessageHandler, overrides: Record<string, unknown> = {}): Promise<SlackRig> {
  const fake = await startFakeSlack();
  const port = await freePort();
  const config = configSchema.parse({
    slack: { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, apiUrl: fake.apiUrl, port },
    ...overrides,
  });
  const platform = createSlackPlatform(config, { logger: quietLogger as never });
  await platform.start(handler);
  return {
    fake,
    config,
    platform,
    endpoint: `http://127.0.0.1:${platform.port}/slack/events`,
    async stop() {
      await platform.stop();
      await fake.close();
    },
  };
}
