/**
 * The shapes of the JSON values a cleaning run takes from the kernel (DESIGN.md decision 10):
 * every name, count and text the host uses is checked and bounded here before it reaches the
 * commit log, a thread or the knowledge store.
 */
import { z } from 'zod';

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const text = (max: number) => z.string().max(max);

/** Column names of the sample (the schema fingerprint is computed from them). */
export const columnsResult = z.array(text(10_000)).max(100_000);

/** What the profiling cell returns. */
export const profileResult = z.object({
  rows: count,
  chunks: z.number().int().min(0).max(10_000_000),
  summary: text(1 << 20),
  duplicate_rows: count.nullish(),
});

/** One validation check, as posted into the thread. */
export const checkResult = z.object({ name: text(500), ok: z.boolean(), detail: text(20_000).nullish().transform((d) => d ?? '') });

/** A validation verdict (check_clean_chunk). */
export const verdictResult = z.object({ ok: z.boolean(), checks: z.array(checkResult).max(10_000) });

/** replay_chunk(i): the host commits these figures; the index must be the chunk asked for. */
export const replayResult = verdictResult.extend({
  index: count,
  rows_in: count,
  rows_out: count,
  rows_removed: count,
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest'),
});

/** finalize(): figures and texts for the report (artifact names are NOT taken from here). */
export const finalizeResult = z.object({
  artifacts: z.array(z.unknown()).max(1000),
  rows_in: count,
  rows_out: count,
  rows_removed: z.number().int(),
  cells_changed: count,
  before_after_table: text(4 << 20),
  headline: text(10_000),
});

/** recipe_source(RECIPE) or None. */
export const recipeSourceResult = text(4 << 20).nullable();
