/** Picks the EmbeddingFunction from config (`knowledge.embedding`). */
import type { Config } from '../../config/schema.js';
import { DsbotError } from '../../errors.js';
import type { EmbeddingFunction } from '../types.js';
import { createBuiltinEmbedding } from './builtin.js';
import { createOllamaEmbedding, createOpenAIEmbedding } from './http.js';

export { createBuiltinEmbedding } from './builtin.js';
export { createOllamaEmbedding, createOpenAIEmbedding } from './http.js';

/** builtin (offline), openai (key of the openai-compatible model, or `embeddingBaseUrl`), ollama. */
export function createEmbeddingFunction(config: Config): EmbeddingFunction {
  const k = config.knowledge;
  switch (k.embedding) {
    case 'builtin':
      return createBuiltinEmbedding();
    case 'openai': {
      const apiKey = config.model.provider === 'openai-compatible' ? config.model.apiKey : undefined;
      if (!apiKey && !k.embeddingBaseUrl) {
        throw new DsbotError(
          'config',
          'knowledge.embedding is openai but there is no key (OPENAI_API_KEY with model.provider: openai-compatible) and no knowledge.embeddingBaseUrl. Set one, or use knowledge.embedding: builtin.',
        );
      }
      return createOpenAIEmbedding({
        baseUrl: k.embeddingBaseUrl ?? (config.model.provider === 'openai-compatible' ? config.model.baseUrl : undefined) ?? 'https://api.openai.com/v1',
        model: k.embeddingModel ?? 'text-embedding-3-small',
        apiKey,
      });
    }
    case 'ollama':
      return createOllamaEmbedding({ baseUrl: k.embeddingBaseUrl ?? 'http://127.0.0.1:11434', model: k.embeddingModel ?? 'nomic-embed-text' });
  }
}
