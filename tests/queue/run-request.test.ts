/** RunRequest validation on enqueue (real Redis): a bad request is rejected clearly and nothing is enqueued. */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/queue/redis.js';
import { createRunRegistry } from '../../src/queue/run-registry.js';
import { createRunProducer } from '../../src/queue/producer.js';
import { makeRunId, parseRunRequest } from '../../src/queue/run-request.js';
import { queueSchema } from '../../src/config/schema.js';
import { InputError } from '../../src/errors.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `dsbot-test-${randomUUID().slice(0, 8)}`;
const redis = createRedis(REDIS_URL);
const producer = createRunProducer(queueSchema.parse({ prefix }), redis, createRunRegistry(redis, prefix));

afterAll(async () => {
  await producer.queue.obliterate({ force: true });
  await producer.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const good = () => ({
  version: 1,
  runId: makeRunId({ channelRef: 'slack:T1:C1', source: 'dataset:turtle_sales', triggerMessageId: '1700000000.0001' }),
  source: { kind: 'dataset', name: 'turtle_sales' },
  requestedBy: { platform: 'slack', userId: 'U1' },
  threadRef: 'slack:T1:C1:1700000000.0001',
  channelRef: 'slack:T1:C1',
  triggerMessageId: '1700000000.0001',
  requestedAt: Date.now(),
});

describe('RunRequest', () => {
  it('run ids are deterministic per trigger and differ across triggers', () => {
    const a = makeRunId({ channelRef: 'c', source: 's', triggerMessageId: 'm' });
    expect(a).toBe(makeRunId({ channelRef: 'c', source: 's', triggerMessageId: 'm' }));
    expect(a).not.toBe(makeRunId({ channelRef: 'c', source: 's', triggerMessageId: 'm2' }));
    expect(parseRunRequest(good()).options).toEqual({});
  });

  it.each([
    ['wrong version', { version: 2 }, /version/],
    ['bad thread ref', { threadRef: 'irc:#x' }, /threadRef: must look like/],
    ['missing source name', { source: { kind: 'dataset', name: '' } }, /source.name/],
    ['unknown option', { options: { chunkRows: 10, rm_rf: true } }, /options/],
    ['non-hash run id', { runId: 'run-../../etc' }, /runId/],
  ])('rejects %s with a clear error and enqueues nothing', async (_label, patch, pattern) => {
    const err = await producer.enqueue({ ...good(), ...patch }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^Invalid run request: /);
    expect((err as Error).message).toMatch(pattern);
    expect(await producer.queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0, delayed: 0 });
  });

  it('a valid request is enqueued once under its run id', async () => {
    const req = good();
    expect(await producer.enqueue(req)).toEqual({ runId: req.runId, added: true });
    expect(await producer.enqueue(req)).toEqual({ runId: req.runId, added: false });
    const job = await producer.queue.getJob(req.runId);
    expect(job?.data.source).toEqual({ kind: 'dataset', name: 'turtle_sales' });
    expect(await producer.queue.getWaitingCount()).toBe(1);
  });
});
