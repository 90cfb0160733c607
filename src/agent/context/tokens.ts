/** Token counting for prompts (gpt-tokenizer, o200k; close enough for every provider's budget). */
import { countTokens } from 'gpt-tokenizer';
import type { ChatMessage } from '../models/types.js';

/** Fixed cost of a message's envelope (role, separators), as in OpenAI's accounting. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

// Cell values may contain `<|endoftext|>` and friends: count them as text, never throw.
const OPTIONS = { disallowedSpecial: new Set<string>() };
const cache = new Map<string, number>();
const CACHE_MAX = 5_000;

/** Tokens of a piece of text. */
export function countTextTokens(text: string): number {
  if (!text) return 0;
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const n = countTokens(text, OPTIONS);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(text, n);
  return n;
}

/** Tokens of one message: content, tool calls, envelope. */
export function countMessageTokens(message: ChatMessage): number {
  let n = MESSAGE_OVERHEAD_TOKENS + countTextTokens(message.content);
  for (const c of message.toolCalls ?? []) n += countTextTokens(c.name) + countTextTokens(JSON.stringify(c.arguments)) + 3;
  return n;
}

/** Tokens of a whole prompt. */
export function countPromptTokens(messages: ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + countMessageTokens(m), 0);
}
