import type { ModelConfig } from '../../config/schema.js';
import type { ModelProvider } from './types.js';

/** Placeholder until the providers issue lands. */
export function createOpenAICompatibleModel(_config: ModelConfig): ModelProvider {
  throw new Error('The openai-compatible provider is not built yet; use model.provider: builtin.');
}
