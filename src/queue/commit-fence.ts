/**
 * The CommitFence of queued runs (src/agent/commit-log.ts), in Redis: `<prefix>:fence:<runId>`
 * holds the run's newest attempt epoch, `<prefix>:fence:<runId>:commits` the accepted commits by
 * chunk index. `begin` increments the epoch; `commit` is one Lua script (atomic in Redis):
 * accepted only when the caller's epoch is still the newest and the chunk is not committed yet.
 * A processor that lost its BullMQ lock and kept running can therefore never commit a chunk once
 * the job's next attempt has begun, and no chunk is ever committed twice.
 */
import type { Redis } from 'ioredis';
import type { ChunkCommit, CommitFence } from '../agent/commit-log.js';

/** Fence keys live as long as failed jobs are kept (producer.ts: 30 days), refreshed at every begin. */
const TTL_SECONDS = 30 * 24 * 3600;

const COMMIT_SCRIPT = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return -1 end
if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3]) == 0 then return 0 end
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
`;

export function createRedisFence(redis: Redis, prefix: string, runId: string): CommitFence {
  const key = `${prefix}:fence:${runId}`;
  const commitsKey = `${key}:commits`;
  let epoch: string | undefined;
  const mine = () => {
    if (epoch === undefined) throw new Error('CommitFence: call begin() first');
    return epoch;
  };
  return {
    async begin() {
      const replies = (await redis.multi().hincrby(key, 'epoch', 1).expire(key, TTL_SECONDS).expire(commitsKey, TTL_SECONDS).hgetall(commitsKey).exec()) ?? [];
      const failed = replies.find(([err]) => err);
      if (failed || replies.length !== 4) throw failed?.[0] ?? new Error('CommitFence: the Redis transaction was aborted');
      const [[, e], , , [, all]] = replies;
      epoch = String(e);
      return Object.values(all as Record<string, string>).map((v) => JSON.parse(v) as ChunkCommit);
    },
    async commit(c: ChunkCommit) {
      const r = await redis.eval(COMMIT_SCRIPT, 2, key, commitsKey, mine(), String(c.index), JSON.stringify(c), String(TTL_SECONDS));
      return r === 1;
    },
    async isCurrent() {
      return (await redis.hget(key, 'epoch')) === mine();
    },
  };
}
