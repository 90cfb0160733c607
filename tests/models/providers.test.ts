/**
 * Contract suite for the LLM providers: the real Anthropic and OpenAI SDKs against the local
 * fake model server (tests/fakes/model-server.ts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { modelSchema, type ModelConfig } from '../../src/config/schema.js';
import { CancelledError, ProviderError } from '../../src/errors.js';
import { createAnthropicModel } from '../../src/agent/models/anthropic.js';
import { createOpenAICompatibleModel } from '../../src/agent/models/openai-compatible.js';
import type { ModelProvider, ToolSpec } from '../../src/agent/models/types.js';
import { startFakeModelServer, type FakeModelServer } from '../fakes/model-server.js';

let server: FakeModelServer;
beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(async () => {
  await server.close();
});

const tools: ToolSpec[] = [
  {
    name: 'describe_dataset',
    description: 'Schema and profile of a dataset',
    parameters: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
  },
];

const suites = [
  {
    api: 'anthropic' as const,
    make: (over: Partial<ModelConfig>) =>
      createAnthropicModel(modelSchema.parse({ provider: 'anthropic', model: 'claude-test', apiKey: 'k', baseUrl: server.anthropicUrl, ...over }), {
        retry: { baseDelayMs: 5 },
      }),
  },
  {
    api: 'openai' as const,
    make: (over: Partial<ModelConfig>) =>
      createOpenAICompatibleModel(
        modelSchema.parse({ provider: 'openai-compatible', model: 'gpt-test', apiKey: 'k', baseUrl: server.openaiUrl, ...over }),
        { retry: { baseDelayMs: 5 } },
      ),
  },
];

describe.each(suites)('$api provider', ({ api, make }) => {
  let model: ModelProvider;
  beforeEach(() => {
    server.requests.length = 0;
    model = make({ retries: 2, timeoutMs: 2_000, price: { inputPerMTok: 3, outputPerMTok: 15 } });
  });

  it('answers text with usage and cost, system prompt in the right place', async () => {
    server.enqueue({ text: 'The data has 11 columns.', usage: { inputTokens: 1000, outputTokens: 200 } });
    const res = await model.complete({
      messages: [
        { role: 'system', content: 'You are dsbot.' },
        { role: 'user', content: 'How many columns?' },
      ],
    });
    expect(res.text).toBe('The data has 11 columns.');
    expect(res.usage).toEqual({ inputTokens: 1000, outputTokens: 200 });
    expect(res.costUsd).toBeCloseTo((1000 * 3 + 200 * 15) / 1e6, 10);
    expect(res.toolCalls).toBeUndefined();
    const body = server.requests[0].body;
    expect(server.requests[0].api).toBe(api);
    if (api === 'anthropic') {
      expect(body.system).toBe('You are dsbot.');
      expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'How many columns?' }] }]);
    } else {
      expect(body.messages[0]).toEqual({ role: 'system', content: 'You are dsbot.' });
    }
  });

  it('passes stop sequences (the server cuts there)', async () => {
    server.enqueue({ text: 'Thought: look\nObservation: fake' });
    const res = await model.complete({ messages: [{ role: 'user', content: 'go' }], stop: ['Observation:'] });
    expect(res.text).toBe('Thought: look\n');
    const body = server.requests[0].body;
    expect(api === 'anthropic' ? body.stop_sequences : body.stop).toEqual(['Observation:']);
  });

  it('maps tool calls both ways', async () => {
    server.enqueue({ toolCalls: [{ id: 'call_1', name: 'describe_dataset', arguments: { name: 'turtle_reviews' } }] });
    const first = await model.complete({ messages: [{ role: 'user', content: 'describe turtle' }], tools });
    expect(first.toolCalls).toEqual([{ id: 'call_1', name: 'describe_dataset', arguments: { name: 'turtle_reviews' } }]);
    const sentTools = server.requests[0].body.tools;
    if (api === 'anthropic') expect(sentTools[0]).toMatchObject({ name: 'describe_dataset', input_schema: { type: 'object', required: ['name'] } });
    else expect(sentTools[0]).toMatchObject({ type: 'function', function: { name: 'describe_dataset', parameters: { required: ['name'] } } });

    server.enqueue({ text: 'It has 11 columns.' });
    const second = await model.complete({
      messages: [
        { role: 'user', content: 'describe turtle' },
        { role: 'assistant', content: '', toolCalls: first.toolCalls },
        { role: 'tool', content: '{"columns": 11}', toolCallId: 'call_1' },
      ],
      tools,
    });
    expect(second.text).toBe('It has 11 columns.');
    const msgs = server.requests[1].body.messages;
    if (api === 'anthropic') {
      expect(msgs[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'describe_dataset', input: { name: 'turtle_reviews' } }] });
      expect(msgs[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '{"columns": 11}' }] });
    } else {
      expect(msgs[1].tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'describe_dataset', arguments: '{"name":"turtle_reviews"}' } }]);
      expect(msgs[2]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '{"columns": 11}' });
    }
  });

  it('retries a 500 and succeeds', async () => {
    server.enqueue({ fault: 'error500' }, { text: 'ok' });
    const res = await model.complete({ messages: [{ role: 'user', content: 'hi' }] });
    expect(res.text).toBe('ok');
    expect(server.requests).toHaveLength(2);
  });

  it('honours retry-after on 429', async () => {
    server.enqueue({ fault: 'rate-limit', retryAfterSec: 1 }, { text: 'ok' });
    const res = await model.complete({ messages: [{ role: 'user', content: 'hi' }] });
    expect(res.text).toBe('ok');
    expect(server.requests).toHaveLength(2);
    // Backoff alone is 5 ms here: only retry-after explains the wait.
    expect(server.requests[1].at - server.requests[0].at).toBeGreaterThanOrEqual(950);
  });

  it('times out a hanging request and retries', async () => {
    model = make({ retries: 1, timeoutMs: 300 });
    server.enqueue({ fault: 'hang' }, { text: 'after the hang' });
    const res = await model.complete({ messages: [{ role: 'user', content: 'hi' }] });
    expect(res.text).toBe('after the hang');
    expect(server.requests).toHaveLength(2);
  });

  it('fails with ProviderError after the retry budget (hangs)', async () => {
    model = make({ retries: 1, timeoutMs: 200 });
    server.enqueue({ fault: 'hang' }, { fault: 'hang' });
    const err = await model.complete({ messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toMatch(/timed out.*2 attempts/);
    expect(err.cause).toBeDefined();
    expect(server.requests).toHaveLength(2);
  });

  it('retries malformed JSON, then fails clearly when it persists', async () => {
    server.enqueue({ fault: 'malformed-json' }, { text: 'fine' });
    expect((await model.complete({ messages: [{ role: 'user', content: 'hi' }] })).text).toBe('fine');
    server.requests.length = 0;
    server.enqueue({ fault: 'malformed-json' }, { fault: 'empty-body' }, { fault: 'malformed-json' });
    const err = await model.complete({ messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.kind).toBe('provider');
    expect(server.requests).toHaveLength(3);
  });

  it('returns an empty answer as empty text (the agent treats it as the model\'s mistake)', async () => {
    server.enqueue({ fault: 'empty' });
    const res = await model.complete({ messages: [{ role: 'user', content: 'hi' }] });
    expect(res.text).toBe('');
    expect(res.toolCalls).toBeUndefined();
  });

  it('does not retry a 401', async () => {
    server.enqueue({ fault: 'unauthorized' }, { text: 'never' });
    const err = await model.complete({ messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.status).toBe(401);
    expect(server.requests).toHaveLength(1);
    server.respondWith(() => ({ text: 'drain' }));
    await model.complete({ messages: [{ role: 'user', content: 'drain' }] });
  });

  it('stops on abort with CancelledError, not a retry', async () => {
    server.enqueue({ fault: 'hang' });
    const ac = new AbortController();
    const p = model.complete({ messages: [{ role: 'user', content: 'hi' }], signal: ac.signal }).catch((e) => e);
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    expect(await p).toBeInstanceOf(CancelledError);
    expect(server.requests).toHaveLength(1);
  });
});

describe('openai-compatible tool arguments', () => {
  it('keeps unparseable arguments under _unparsed (the model\'s mistake, not an outage)', async () => {
    const model = createOpenAICompatibleModel(modelSchema.parse({ provider: 'openai-compatible', model: 'm', baseUrl: server.openaiUrl }));
    server.enqueue({ toolCalls: [{ id: 'x1', name: 'query_data', arguments: '{"dataset": "turtle_sales", "expression": ' }] });
    const res = await model.complete({ messages: [{ role: 'user', content: 'q' }], tools });
    expect(res.toolCalls).toEqual([{ id: 'x1', name: 'query_data', arguments: { _unparsed: '{"dataset": "turtle_sales", "expression": ' } }]);
    // No key: local servers (Ollama, vLLM) need none; the SDK gets a placeholder.
    expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer not-needed');
  });
});
