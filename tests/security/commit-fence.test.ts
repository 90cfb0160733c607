/**
 * Chunk commits are fenced by attempt (issue 12 item 4), on a real Redis: once a newer attempt of
 * a run begins, an older attempt's commit is refused and writes nothing; a chunk is committed once.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommitLog, StaleAttemptError, type ChunkCommit } from '../../src/agent/commit-log.js';
import { createRedisFence } from '../../src/queue/commit-fence.js';
import { createRedis, deleteKeys } from '../../src/queue/redis.js';
import { REDIS_URL } from '../helpers/queue-stack.js';
import { tempDir } from '../helpers/run-harness.js';

const redis = createRedis(REDIS_URL);
const prefix = `t-fence-${process.pid}-${Date.now().toString(36)}`;
afterAll(async () => {
  await deleteKeys(redis, prefix);
  redis.disconnect();
});

const chunk = (index: number): ChunkCommit => ({ index, rowsIn: 10, rowsOut: 10, rowsRemoved: 0, hash: 'a'.repeat(64), ok: true, at: Date.now() });
const lines = (dir: string) => readFileSync(path.join(dir, 'commits.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as ChunkCommit).index);

describe('commit fence (real Redis)', () => {
  it("refuses a stale attempt's commit once a newer attempt began; every chunk once", async () => {
    const dir = tempDir('dsbot-sec-');
    const first = new CommitLog(dir, createRedisFence(redis, prefix, 'run-a'));
    await first.begin();
    await first.commit(chunk(0));

    const second = new CommitLog(dir, createRedisFence(redis, prefix, 'run-a'));
    await second.begin();
    expect(second.indices()).toEqual([0]);

    await expect(first.commit(chunk(1))).rejects.toBeInstanceOf(StaleAttemptError);
    await expect(first.assertCurrent()).rejects.toBeInstanceOf(StaleAttemptError);
    expect(first.has(1)).toBe(false);
    await second.commit(chunk(0)); // already committed: ignored
    await second.commit(chunk(1));
    await second.assertCurrent();
    expect(lines(dir)).toEqual([0, 1]);
  });

  it('a commit accepted by the fence but not yet in the file is known to the next attempt', async () => {
    const dirA = tempDir('dsbot-sec-');
    const dirB = tempDir('dsbot-sec-'); // the same run seen by a machine that missed the line
    const a = new CommitLog(dirA, createRedisFence(redis, prefix, 'run-b'));
    await a.begin();
    await a.commit(chunk(0));
    await a.commit(chunk(1));
    const b = new CommitLog(dirB, createRedisFence(redis, prefix, 'run-b'));
    await b.begin();
    expect(b.indices()).toEqual([0, 1]);
    await expect(a.commit(chunk(2))).rejects.toBeInstanceOf(StaleAttemptError);
  });
});
