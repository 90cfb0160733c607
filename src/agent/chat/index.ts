import type { Config } from '../../config/schema.js';
import type { ChatAgent } from './types.js';

/** Placeholder until the chat agent lands: lists datasets. */
export function createChatAgent(config: Config, _deps: Record<string, unknown> = {}): ChatAgent {
  return {
    async answer() {
      const names = Object.keys(config.datasets);
      return { text: `I know these datasets: ${names.join(', ')}.`, datasets: names, columns: [] };
    },
  };
}
