/** Picks the ModelProvider from config. Only the provider files import vendor SDKs. */
import type { ModelConfig } from '../../config/schema.js';
import type { ModelProvider } from './types.js';
import { createBuiltinModel } from './builtin.js';
import { createAnthropicModel } from './anthropic.js';
import { createOpenAICompatibleModel } from './openai-compatible.js';
import { tracedModel } from './traced.js';

/** The configured provider, traced (a GenAI span and metrics per call). */
export function createModel(config: ModelConfig): ModelProvider {
  return tracedModel(createProvider(config));
}

function createProvider(config: ModelConfig): ModelProvider {
  switch (config.provider) {
    case 'builtin':
      return createBuiltinModel();
    case 'anthropic':
      return createAnthropicModel(config);
    case 'openai-compatible':
      return createOpenAICompatibleModel(config);
  }
}
