/** Summaries of condensed steps: a deterministic digest (default) or one written by a model. */
import type { ChatMessage, ModelProvider } from '../models/types.js';
import { countTextTokens } from './tokens.js';

/** The messages of one step. */
export interface StepRecord {
  /** Step number. */
  step: number;
  /** The step's messages, in order. */
  messages: ChatMessage[];
}

/** Writes the summary of `steps` in at most `maxTokens` tokens. */
export type Summarizer = (steps: StepRecord[], maxTokens: number) => Promise<string>;

/** Shortens `text` to at most `maxTokens` tokens, keeping its head and tail around a marker. */
export function truncateToTokens(text: string, maxTokens: number): string {
  if (countTextTokens(text) <= maxTokens) return text;
  let chars = Math.max(0, Math.floor(text.length * (maxTokens / countTextTokens(text)) * 0.9));
  for (;;) {
    const head = text.slice(0, Math.ceil(chars * 0.7));
    const tail = chars - head.length > 0 ? text.slice(text.length - (chars - head.length)) : '';
    const out = `${head}\n…[${text.length - chars} chars cut]…\n${tail}`;
    if (chars === 0) return `…[${text.length} chars cut]…`;
    if (countTextTokens(out) <= maxTokens) return out;
    chars = Math.floor(chars * 0.8);
  }
}

const oneLine = (s: string, max: number) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
};

/** One line per step: what the assistant did (first words, tool names) and what came back. */
export function digestLine(record: StepRecord): string {
  const bits = record.messages.map((m) => {
    const calls = m.toolCalls?.length ? ` [calls ${m.toolCalls.map((c) => c.name).join(', ')}]` : '';
    const error = /Traceback|Error:|error/.test(m.content) && m.role === 'tool' ? ' (error)' : '';
    return `${m.role}${error}: ${oneLine(m.content, m.role === 'assistant' ? 160 : 120)}${calls}`;
  });
  return `- step ${record.step} · ${bits.join(' · ')}`;
}

/** Deterministic digest: newest lines kept when the budget is short, older ones counted. */
export const digestSummarizer: Summarizer = async (steps, maxTokens) => {
  const lines = steps.map(digestLine);
  let used = 0;
  let firstKept = lines.length;
  for (let i = lines.length - 1; i >= 0; i--) {
    const n = countTextTokens(lines[i]) + 1;
    if (used + n > maxTokens - 24) break;
    used += n;
    firstKept = i;
  }
  const omitted = firstKept > 0 ? [`- (${firstKept} earlier step${firstKept === 1 ? '' : 's'} omitted)`] : [];
  return [...omitted, ...lines.slice(firstKept)].join('\n');
};

/** A summarizer that asks `model` (purpose `summary`), falling back to the digest on failure. */
export function modelSummarizer(model: ModelProvider): Summarizer {
  return async (steps, maxTokens) => {
    const digest = await digestSummarizer(steps, Math.min(8_000, model.contextWindow / 4));
    try {
      const res = await model.complete({
        purpose: 'summary',
        maxTokens,
        messages: [
          {
            role: 'system',
            content:
              'Condense these agent steps into a short factual summary: what was tried, what was learned about the data, what failed and why. No advice.',
          },
          { role: 'user', content: digest },
        ],
      });
      return res.text.trim() ? truncateToTokens(res.text.trim(), maxTokens) : digest;
    } catch {
      return digest;
    }
  };
}
