import type { ModelProvider } from './types.js';

/** Placeholder until the cleaning engine lands. */
export function createBuiltinModel(): ModelProvider {
  return {
    name: 'builtin',
    model: 'builtin',
    contextWindow: 1_000_000,
    async complete() {
      throw new Error('builtin model not built yet');
    },
  };
}
