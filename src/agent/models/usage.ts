/** Token usage and cost accounting (config `model.price`, USD per million tokens). */
import type { ModelConfig } from '../../config/schema.js';
import type { TokenUsage } from './types.js';

/** Cost of one call in USD, or undefined when no price table is configured. */
export function costUsd(usage: TokenUsage, price: ModelConfig['price']): number | undefined {
  if (!price) return undefined;
  return (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1_000_000;
}

/** Running totals over the calls of a step or a run. */
export interface UsageTotals extends TokenUsage {
  /** Number of model calls. */
  calls: number;
  /** Summed cost; undefined when no call had a price. */
  costUsd?: number;
}

/** Adds one call's usage (and cost) to `totals`, returning a new object. */
export function addUsage(totals: UsageTotals, usage: TokenUsage, cost?: number): UsageTotals {
  return {
    calls: totals.calls + 1,
    inputTokens: totals.inputTokens + usage.inputTokens,
    outputTokens: totals.outputTokens + usage.outputTokens,
    costUsd: cost === undefined ? totals.costUsd : (totals.costUsd ?? 0) + cost,
  };
}

/** Empty totals. */
export const emptyUsage = (): UsageTotals => ({ calls: 0, inputTokens: 0, outputTokens: 0 });
