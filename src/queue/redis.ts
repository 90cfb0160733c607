/**
 * Redis connections for the queue, and for the demo a private redis-server when none answers.
 * Only src/queue imports ioredis and bullmq.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { DsbotError } from '../errors.js';

/** A connection usable by BullMQ workers and for pub/sub (no per-request retry limit). */
export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

/** True when a Redis at `url` answers PING within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * Connects and checks; throws a config error that says what to fix (one line). With `waitMs`
 * it keeps asking until then (queue.connectWaitMs: e.g. a Redis starting alongside).
 */
export async function connectRedis(url: string, waitMs = 0): Promise<Redis> {
  const end = Date.now() + waitMs;
  let answers = await redisAnswers(url, 2_000);
  while (!answers && Date.now() < end) {
    await new Promise((r) => setTimeout(r, Math.min(1_000, Math.max(0, end - Date.now()))));
    answers = await redisAnswers(url, 2_000);
  }
  if (!answers) {
    throw new DsbotError(
      'config',
      `No Redis answers at ${url} (queue.redisUrl / REDIS_URL)${waitMs ? ` after ${Math.round(waitMs / 1000)} s` : ''}. Start one (apt-get install -y redis-server; redis-server --port 6379 --save '' --appendonly no) or point REDIS_URL at a reachable Redis.`,
    );
  }
  return createRedis(url);
}

/** A Redis the process may use, and how to release it. */
export interface RedisHandle {
  /** URL to connect to. */
  url: string;
  /** True when this process started the server. */
  private: boolean;
  /** Stops the private server (no-op for an external one). Idempotent. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Uses `url` if a Redis answers there; otherwise starts a private `redis-server` on a free
 * port (nothing saved to disk) and stops it when the process exits.
 */
export async function ensureRedis(url: string, options: { redisServer?: string; log?: (line: string) => void } = {}): Promise<RedisHandle> {
  if (await redisAnswers(url)) return { url, private: false, stop: async () => {} };
  const port = await freePort();
  const bin = options.redisServer ?? 'redis-server';
  options.log?.(`No Redis at ${url}; starting a private redis-server on 127.0.0.1:${port}.`);
  const child: ChildProcess = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new DsbotError(
          'config',
          err.code === 'ENOENT'
            ? `No Redis answers at ${url} and redis-server is not installed. Install it (apt-get install -y redis-server) or set REDIS_URL to a reachable Redis.`
            : `Could not start redis-server: ${err.message}`,
          { cause: err },
        ),
      ),
    ),
  );
  const privateUrl = `redis://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      if (await redisAnswers(privateUrl, 200)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new DsbotError('config', `redis-server started on port ${port} but did not answer within 5 s.`);
  })();
  const kill = () => {
    if (child.exitCode === null && !child.killed) child.kill('SIGTERM');
  };
  process.once('exit', kill);
  try {
    await Promise.race([ready, spawnError]);
  } catch (err) {
    kill();
    throw err;
  }
  return {
    url: privateUrl,
    private: true,
    stop: async () => {
      process.removeListener('exit', kill);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      kill();
      await exited;
    },
  };
}

/** Deletes every key under `prefix:` with SCAN (never KEYS or a flush: the Redis may be shared). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}
