/**
 * Context-window refresher: keeps prompts under `budget × contextWindow` tokens (gpt-tokenizer).
 * When the prompt would pass it, older steps are condensed into one summary message while the
 * pinned parts (system prompt, task, plan, current recipe draft, insights) and the last few
 * steps stay verbatim. Steps are condensed in aligned blocks so a (model-written) summary is
 * reused for several steps instead of being rewritten on every call.
 */
import type { ChatMessage } from '../models/types.js';
import { countMessageTokens, countTextTokens, MESSAGE_OVERHEAD_TOKENS } from './tokens.js';
import { digestSummarizer, truncateToTokens, type StepRecord, type Summarizer } from './summarize.js';

export type { StepRecord, Summarizer } from './summarize.js';

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

/** Options of `createContextRefresher`. */
export interface RefresherOptions {
  /** Steps always kept verbatim at the end, when they fit. Default 3. */
  keepLastSteps?: number;
  /** Condensed steps are cut at multiples of this many steps (summary reuse). Default 4. */
  blockSteps?: number;
  /** Largest share of the budget the summary may take. Default 0.25. */
  maxSummaryShare?: number;
  /** Writes the summary. Default: a deterministic digest (no model call). */
  summarize?: Summarizer;
}

const SUMMARY_HEADER = '[Condensed history]';

/** Creates a refresher; one per run (it caches summaries by the steps they cover). */
export function createContextRefresher(options: RefresherOptions = {}): ContextRefresher {
  const keepLast = Math.max(1, options.keepLastSteps ?? 3);
  const block = Math.max(1, options.blockSteps ?? 4);
  const share = options.maxSummaryShare ?? 0.25;
  const summarize = options.summarize ?? digestSummarizer;
  const cache = new Map<string, string>();

  /** Summary of `steps`, written once per step range at `writeTokens`, then cut to `maxTokens`. */
  async function summaryFor(steps: StepRecord[], writeTokens: number, maxTokens: number): Promise<string> {
    const first = steps[0].step;
    const last = steps[steps.length - 1].step;
    const key = `${first}-${last}-${steps.length}`;
    let text = cache.get(key);
    if (text === undefined) {
      const body = await summarize(steps, Math.max(24, writeTokens - 24));
      text = `${SUMMARY_HEADER} Steps ${first}–${last} were condensed to fit the context window:\n${body}`;
      cache.set(key, text);
    }
    return truncateToTokens(text, maxTokens);
  }

  return {
    async fit(parts, { contextWindow, budget }) {
      const limit = Math.floor(contextWindow * budget);
      const counts = parts.map((p) => countMessageTokens(p.message));
      const total = counts.reduce((a, b) => a + b, 0);
      if (total <= limit) return parts.map((p) => p.message);

      const stepNums = [...new Set(parts.filter((p) => !p.pinned && p.step !== undefined).map((p) => p.step!))].sort((a, b) => a - b);
      const stepOf = (p: PromptPart) => (!p.pinned && p.step !== undefined ? p.step : undefined);
      // Nothing condensable (pinned parts are never touched): send as is.
      if (stepNums.length === 0) return parts.map((p) => p.message);

      // Candidate cut points: how many of the oldest steps to condense. Aligned cuts first.
      const maxCut = stepNums.length - keepLast;
      const cuts: number[] = [];
      const aligned = Math.floor(maxCut / block) * block;
      if (aligned > 0) cuts.push(aligned);
      for (let c = Math.max(1, maxCut); c < stepNums.length; c++) if (!cuts.includes(c)) cuts.push(c);

      for (const cut of cuts) {
        const condensed = new Set(stepNums.slice(0, cut));
        const fixed = parts.reduce((sum, p, i) => (condensed.has(stepOf(p) ?? NaN) ? sum : sum + counts[i]), 0);
        const room = Math.min(limit - fixed - MESSAGE_OVERHEAD_TOKENS, Math.floor(limit * share));
        if (room < 48) continue;
        const records: StepRecord[] = stepNums
          .slice(0, cut)
          .map((step) => ({ step, messages: parts.filter((p) => stepOf(p) === step).map((p) => p.message) }));
        const summary = await summaryFor(records, Math.floor(limit * share), room);
        return assemble(parts, condensed, stepOf, summary);
      }

      // Nothing fits by condensing alone: condense all but the last step and shorten its messages.
      const lastStep = stepNums[stepNums.length - 1];
      const condensed = new Set(stepNums.slice(0, -1));
      const records: StepRecord[] = stepNums
        .slice(0, -1)
        .map((step) => ({ step, messages: parts.filter((p) => stepOf(p) === step).map((p) => p.message) }));
      const pinnedTokens = parts.reduce((s, p, i) => (stepOf(p) === undefined ? s + counts[i] : s), 0);
      const summaryRoom = Math.max(0, Math.min(Math.floor(limit * 0.1), limit - pinnedTokens - 200));
      const summary = records.length && summaryRoom >= 48 ? await summaryFor(records, summaryRoom, summaryRoom) : undefined;
      const lastParts = parts.filter((p) => stepOf(p) === lastStep);
      const left = limit - pinnedTokens - (summary ? countTextTokens(summary) + MESSAGE_OVERHEAD_TOKENS : 0);
      const each = Math.max(32, Math.floor(left / Math.max(1, lastParts.length)) - MESSAGE_OVERHEAD_TOKENS - 8);
      const shortened = parts.map((p) =>
        stepOf(p) === lastStep ? { ...p, message: { ...p.message, content: truncateToTokens(p.message.content, each) } } : p,
      );
      return assemble(shortened, condensed, stepOf, summary);
    },
  };
}

/** Replaces the condensed steps' messages by one summary message where the first of them was. */
function assemble(
  parts: PromptPart[],
  condensed: Set<number>,
  stepOf: (p: PromptPart) => number | undefined,
  summary: string | undefined,
): ChatMessage[] {
  const out: ChatMessage[] = [];
  let placed = false;
  for (const p of parts) {
    const s = stepOf(p);
    if (s !== undefined && condensed.has(s)) {
      if (!placed && summary) out.push({ role: 'user', content: summary });
      placed = true;
      continue;
    }
    out.push(p.message);
  }
  return out;
}
