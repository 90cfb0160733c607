/**
 * OpenTelemetry traces, received by a fake OTLP/HTTP collector: a cleaning run through the real
 * queue (Redis), the real engine, the builtin model and the local sandbox is ONE trace with the
 * expected tree (queue wait → phases → model calls, sandbox cells, chunk commits), and its trace
 * id is in the run's report; a chat answer is a trace of its own.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../bots/harness.js';
import { startFakeCollector, type FakeCollector, type ReceivedSpan } from '../fakes/otlp-collector.js';
import { testConfig } from '../helpers/run-harness.js';
import { createModel } from '../../src/agent/models/index.js';
import { createChatAgent } from '../../src/agent/chat/index.js';
import { MemoryKnowledgeStore } from '../../src/knowledge/memory-store.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { tracedChat } from '../../src/agent/chat/traced.js';
import { registry } from '../../src/observability/metrics.js';
import { initTracing, type TracingHandle } from '../../src/observability/tracing.js';

let collector: FakeCollector;
let tracing: TracingHandle;
let h: Harness | undefined;

beforeAll(async () => {
  collector = await startFakeCollector();
  tracing = initTracing({ serviceName: 'dsbot-test', otlpEndpoint: collector.url, otlpHeaders: 'x-api-key=a%20secret', exportDelayMs: 100 });
});
afterEach(async () => {
  await h?.close();
  h = undefined;
});
afterAll(async () => {
  await tracing.shutdown();
  await collector.close();
});

function writePeople(dir: string, n: number): string {
  const rows = ['id,name,age,city'];
  for (let i = 1; i <= n; i++) rows.push(`${i},person ${i},${i % 7 === 0 ? 'N/A' : 20 + (i % 50)},${i % 2 ? 'Leeds' : ' leeds '}`);
  const file = path.join(dir, 'people.csv');
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId).sort((a, b) => a.startMs - b.startMs);

async function metricValue(name: string, labels: string): Promise<number> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('traces over OTLP/HTTP', () => {
  it('a cleaning run is one trace: queue wait, phases, model calls, sandbox cells, chunk commits; the trace id is in the report', async () => {
    h = await createHarness({
      overrides: { agent: { chunkRows: 100, sampleRows: 100 } },
      runDeps: async () => ({ config: h!.config, model: createModel(h!.config.model), knowledge: new MemoryKnowledgeStore(), createSandbox: () => createSandbox(h!.config.sandbox) }),
    });
    h.config.datasets.people = { path: writePeople(h.config.dataDir, 300) };
    const succeededBefore = await metricValue('dsbot_runs_total', 'outcome="succeeded"');
    await h.console.say('clean people');
    const runId = (await h.registry.findByRef(h.console.threadRef))!;
    expect(await h.waitForState(runId, ['succeeded', 'failed'], 120_000)).toBe('succeeded');
    // The attempt's root span ends when the processor returns, just after the state is recorded.
    const findRoot = () => collector.spans.find((s) => s.name === 'dsbot.run' && s.attributes['dsbot.run.id'] === runId);
    for (let i = 0; i < 100 && !findRoot(); i++) {
      await tracing.flush();
      if (!findRoot()) await new Promise((r) => setTimeout(r, 100));
    }
    const root = findRoot();
    expect(root, collector.spans.map((s) => s.name).join(', ')).toBeDefined();
    expect(root!.parentSpanId).toBeUndefined();
    expect(root!.service).toBe('dsbot-test');
    expect(root!.attributes).toMatchObject({ 'dsbot.run.outcome': 'succeeded', 'dsbot.run.status': 'succeeded', 'messaging.system': 'bullmq', 'dsbot.run.rows_in': 300 });
    expect(root!.headers['x-api-key']).toBe('a secret');
    const spans = collector.spans.filter((s) => s.traceId === root!.traceId);

    // Every span hangs off the root (no orphans), and the root's children are in order.
    const ids = new Set(spans.map((s) => s.spanId));
    for (const s of spans) if (s !== root) expect(ids.has(s.parentSpanId!), `${s.name} has no parent in the trace`).toBe(true);
    const top = childrenOf(spans, root!).map((s) => s.name);
    expect(top.filter((n) => n.startsWith('phase ') || n === 'queue.wait')).toEqual(['queue.wait', 'phase memory', 'phase profile', 'phase draft', 'phase replay', 'phase reflect']);
    expect(top).toContain('sandbox.start');
    const phase = (name: string) => spans.find((s) => s.name === `phase ${name}` && s.parentSpanId === root!.spanId)!;

    // Model calls (GenAI conventions) under the draft phase.
    const calls = childrenOf(spans, phase('draft')).filter((s) => s.name === 'chat builtin');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0].attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'builtin', 'gen_ai.provider.name': 'dsbot.builtin', 'gen_ai.response.model': 'builtin' });
    expect(typeof calls[0].attributes['gen_ai.usage.input_tokens']).toBe('number');

    // Sandbox cells under the phases; three chunk commits under replay, with their cells beside them.
    expect(childrenOf(spans, phase('profile')).some((s) => s.name === 'sandbox.exec')).toBe(true);
    const replay = childrenOf(spans, phase('replay'));
    const commits = replay.filter((s) => s.name === 'chunk.commit');
    expect(commits.map((s) => s.attributes['dsbot.chunk.index'])).toEqual([0, 1, 2]);
    expect(commits.map((s) => s.attributes['dsbot.chunk.rows_in'])).toEqual([100, 100, 100]);
    expect(replay.filter((s) => s.name === 'sandbox.exec' && String(s.attributes['dsbot.sandbox.code']).includes('replay_chunk(')).length).toBe(3);

    // The trace id is in the run's report.
    const outDir = path.join(h.config.dataDir, 'runs', runId);
    expect(JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8')).trace_id).toBe(root!.traceId);
    expect(readFileSync(path.join(outDir, 'report.md'), 'utf8')).toContain(`trace id: ${root!.traceId}`);
    expect(await metricValue('dsbot_runs_total', 'outcome="succeeded"')).toBe(succeededBefore + 1);
  }, 150_000);

  it('a chat answer is a trace of its own, with the sandbox cells that computed it', async () => {
    const config = testConfig({ dataDir: mkdtempSync(path.join(tmpdir(), 'dsbot-chat-trace-')) }); // no cached profile: the answer computes one
    const chat = tracedChat(createChatAgent(config));
    try {
      const before = await metricValue('dsbot_chat_answers_total', 'outcome="answered"');
      const a = await chat.answer({ threadRef: 'console:trace-test', userId: 'guest', text: 'which columns have missing values in turtle_sales?' });
      expect(a.datasets).toContain('turtle_sales');
      await tracing.flush();
      const root = collector.spans.find((s) => s.name === 'dsbot.chat' && s.attributes['dsbot.chat.thread'] === 'console:trace-test');
      expect(root).toBeDefined();
      expect(root!.parentSpanId).toBeUndefined();
      expect(root!.attributes).toMatchObject({ 'dsbot.chat.outcome': 'answered', 'dsbot.chat.datasets': ['turtle_sales'] });
      const inTrace = collector.spans.filter((s) => s.traceId === root!.traceId);
      expect(inTrace.some((s) => s.name === 'sandbox.exec')).toBe(true);
      expect(await metricValue('dsbot_chat_answers_total', 'outcome="answered"')).toBe(before + 1);
    } finally {
      await chat.close?.();
    }
  }, 90_000);
});
