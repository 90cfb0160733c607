/** OpenAI and Ollama embedding functions against the fake model server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { createEmbeddingFunction } from '../../src/knowledge/embeddings/index.js';
import { startFakeModelServer, fakeVector, type FakeModelServer } from '../fakes/model-server.js';

let server: FakeModelServer;
beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(() => server.close());

describe('HTTP embedding functions', () => {
  it('openai: batches, sends the key, keeps input order', async () => {
    server.requests.length = 0;
    const emb = createEmbeddingFunction(
      configSchema.parse({
        model: { provider: 'openai-compatible', model: 'gpt-test', apiKey: 'sk-test', baseUrl: server.openaiUrl },
        knowledge: { embedding: 'openai', embeddingModel: 'text-embedding-test' },
      }),
    );
    const texts = Array.from({ length: 70 }, (_, i) => `text number ${i} ${'abc'.repeat(i % 5)}`);
    const vectors = await emb.embed(texts);
    expect(vectors).toEqual(texts.map(fakeVector));
    expect(server.requests).toHaveLength(2); // 64 + 6
    expect(server.requests[0].headers.authorization).toBe('Bearer sk-test');
    expect(server.requests[0].body.model).toBe('text-embedding-test');
  });

  it('ollama: posts to /api/embed', async () => {
    server.requests.length = 0;
    const emb = createEmbeddingFunction(
      configSchema.parse({ knowledge: { embedding: 'ollama', embeddingBaseUrl: server.openaiUrl, embeddingModel: 'nomic-embed-text' } }),
    );
    expect(await emb.embed(['income', 'salary'])).toEqual([fakeVector('income'), fakeVector('salary')]);
    expect(server.requests[0].path).toBe('/api/embed');
  });

  it('openai without key or base URL is a config error', () => {
    expect(() => createEmbeddingFunction(configSchema.parse({ knowledge: { embedding: 'openai' } }))).toThrow(/embedding is openai/);
  });
});
