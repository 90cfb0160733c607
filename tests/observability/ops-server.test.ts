/**
 * The operations HTTP server against a real Redis: /healthz, /readyz (Redis, knowledge store,
 * sandbox start, platforms; 503 naming what failed), /metrics (queue depth by state read from
 * BullMQ, runs by outcome), and the token-guarded, read-only queue dashboard listing a finished run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../bots/harness.js';
import { scriptedEngine } from '../bots/event-script.js';
import { readinessChecks, serveOps } from '../../src/cli/observe.js';
import { createRedis } from '../../src/queue/redis.js';
import type { OpsServer } from '../../src/observability/http.js';
import { REDIS_URL } from '../helpers/queue-stack.js';
import { MemoryKnowledgeStore } from '../../src/knowledge/memory-store.js';
import { freePort } from '../../src/knowledge/chroma-server.js';

const TOKEN = 'test-dashboard-token-1234';
let h: Harness | undefined;
let server: OpsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await h?.close();
  h = undefined;
});

/** A harness whose one run (scripted engine) has finished. */
async function finishedRun(): Promise<{ h: Harness; runId: string }> {
  const port = await freePort();
  h = await createHarness({ run: scriptedEngine({ chunks: 2 }), overrides: { observability: { http: { port, host: '127.0.0.1' }, dashboard: { token: TOKEN, publicUrl: 'https://dsbot.example.com/' } } } });
  h.config.datasets.people = { path: '/dev/null' };
  await h.console.say('clean people');
  const runId = (await h.registry.findByRef(h.console.threadRef))!;
  await h.waitForState(runId, ['succeeded']);
  for (let i = 0; i < 200 && (await h.producer.queue.getJobState(runId)) !== 'completed'; i++) await new Promise((r) => setTimeout(r, 25));
  return { h, runId };
}

const basic = (secret: string) => ({ authorization: `Basic ${Buffer.from(`anyone:${secret}`).toString('base64')}` });

describe('operations server', () => {
  it('/healthz, /readyz and /metrics of a worker with real Redis, and /readyz 503 naming a lost Redis', async () => {
    const { h, runId } = await finishedRun();
    const redis = createRedis(REDIS_URL);
    server = await serveOps(h.config, 'worker', { redis, knowledge: new MemoryKnowledgeStore(), queue: h.producer.queue });
    expect(server).toBeDefined();

    const health = await fetch(`${server!.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', service: 'dsbot-worker' });

    const ready = await fetch(`${server!.url}/readyz`);
    const body = await ready.json();
    expect(ready.status, JSON.stringify(body)).toBe(200);
    expect(body.checks).toMatchObject({ redis: { ok: true }, knowledge: { ok: true, detail: 'in-memory store' }, sandbox: { ok: true, detail: 'local sandbox started' } });

    const metrics = await fetch(`${server!.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toContain('dsbot_queue_jobs{state="completed"} 1');
    expect(text).toContain('dsbot_queue_jobs{state="waiting"} 0');
    expect(text).toMatch(/^dsbot_runs_total\{outcome="succeeded"\} [1-9]/m);
    expect(text).toMatch(/^dsbot_run_phase_duration_seconds_count\{phase="replay"\} [1-9]/m);
    expect(text).toMatch(/^dsbot_chunks_committed_total [1-9]/m);
    expect(text).toContain('process_resident_memory_bytes');
    expect(runId).toBeTruthy();

    redis.disconnect(); // Redis lost: not ready, and /readyz says which check failed
    const lost = await fetch(`${server!.url}/readyz`);
    const lostBody = await lost.json();
    expect(lost.status).toBe(503);
    expect(lostBody.status).toBe('not ready');
    expect(lostBody.checks.redis).toMatchObject({ ok: false });
    expect(lostBody.checks.redis.detail).toMatch(/closed|connect/i);
    expect(lostBody.checks.sandbox.ok).toBe(true);
  }, 90_000);

  it('the bot checks its platforms: not ready until every one is connected', async () => {
    h = await createHarness({ worker: false });
    const connected: Record<string, boolean> = { slack: true, discord: false };
    const checks = readinessChecks(h.config, { redis: h.redis, knowledge: new MemoryKnowledgeStore(), queue: h.producer.queue, platforms: () => connected });
    await expect(checks.platforms()).rejects.toThrow('not connected: discord');
    connected.discord = true;
    await expect(checks.platforms()).resolves.toBe('slack, discord');
  });

  it('the dashboard lists a finished run behind the token, and is read-only', async () => {
    const { h, runId } = await finishedRun();
    server = await serveOps(h.config, 'bot', { redis: h.redis, knowledge: new MemoryKnowledgeStore(), queue: h.producer.queue, platforms: () => ({}) });
    const base = `${server!.url}/queues`;

    const anonymous = await fetch(base);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="dsbot queues"/);
    expect((await fetch(base, { headers: basic('wrong-token-wrong-token') })).status).toBe(401);

    const page = await fetch(base, { headers: basic(TOKEN) });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>dsbot</title>');

    const api = await fetch(`${base}/api/queues?activeQueue=${h.config.queue.queueName}&status=completed&page=1`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(api.status).toBe(200);
    const queues = (await api.json()).queues as { name: string; readOnlyMode: boolean; jobs: { id: string; data: { runId: string } }[] }[];
    const q = queues.find((x) => x.name === h.config.queue.queueName)!;
    expect(q.readOnlyMode).toBe(true);
    expect(q.jobs.map((j) => j.id)).toContain(runId);

    const retry = await fetch(`${base}/api/queues/${h.config.queue.queueName}/${runId}/retry/completed`, { method: 'PUT', headers: basic(TOKEN) });
    expect(retry.status).toBe(405);
    expect(await h.producer.queue.getJobState(runId)).toBe('completed');
  }, 60_000);

  it('`status` links to the run on the dashboard when a public URL is configured', async () => {
    const { h, runId } = await finishedRun();
    await h.console.say('status');
    expect(h.transcript.join('\n')).toContain(`Queue dashboard: https://dsbot.example.com/queues/queue/${h.config.queue.queueName}/${runId}`);
  }, 60_000);
});
