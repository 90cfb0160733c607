/** ensureRedis: uses a Redis that answers; otherwise starts a private redis-server and stops it. */
import { describe, expect, it } from 'vitest';
import { ensureRedis, redisAnswers } from '../../src/queue/redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('ensureRedis', () => {
  it('uses the configured Redis when it answers', async () => {
    const h = await ensureRedis(REDIS_URL);
    expect(h).toMatchObject({ url: REDIS_URL, private: false });
    await h.stop();
    expect(await redisAnswers(REDIS_URL)).toBe(true);
  });

  it('starts a private redis-server when nothing answers, and stops it', async () => {
    const lines: string[] = [];
    const h = await ensureRedis('redis://127.0.0.1:1', { log: (l) => lines.push(l) });
    expect(h.private).toBe(true);
    expect(h.url).not.toBe('redis://127.0.0.1:1');
    expect(await redisAnswers(h.url)).toBe(true);
    expect(lines[0]).toMatch(/starting a private redis-server/);
    await h.stop();
    expect(await redisAnswers(h.url, 300)).toBe(false);
  });

  it('says how to install redis-server when it is missing', async () => {
    const err = await ensureRedis('redis://127.0.0.1:1', { redisServer: '/nonexistent/redis-server' }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('apt-get install -y redis-server');
    expect((err as { kind?: string }).kind).toBe('config');
  });
});
