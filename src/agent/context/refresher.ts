/**
 * Context-window refresher: keeps prompts under budget by condensing older steps.
 * Placeholder (pass-through) until the models-and-knowledge issue lands.
 */
import type { ChatMessage } from '../models/types.js';

/** One message of a prompt and whether it must be kept verbatim. */
export interface PromptPart {
  message: ChatMessage;
  /** System prompt, task, plan, current recipe draft, insights: never condensed. */
  pinned: boolean;
  /** Step number for messages that belong to a step (condensed oldest first; the last few are kept). */
  step?: number;
}

export interface ContextRefresher {
  /** Returns the messages to send: `parts` as they are when they fit, else with older steps condensed. */
  fit(parts: PromptPart[], options: { contextWindow: number; budget: number }): Promise<ChatMessage[]>;
}

export function createContextRefresher(): ContextRefresher {
  return {
    async fit(parts) {
      return parts.map((p) => p.message);
    },
  };
}
