/** One dirty/clean pair cleaned by the real engine (builtin model unless configured otherwise) and scored cell by cell. */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { RunSummary } from '../agent/events.js';
import type { Config } from '../config/schema.js';
import { DsbotError } from '../errors.js';
import { MemoryKnowledgeStore } from '../knowledge/memory-store.js';
import { cleanFile } from './clean-file.js';
import { drawLabels, scoreCleaning, type EvalScores } from './score.js';

/** What `evaluatePair` returns. */
export interface PairEvaluation {
  /** Scores of the cleaned file against the clean one. */
  scores: EvalScores;
  /** The run's summary (model calls, duration), when it reported one. */
  summary?: RunSummary;
  /** The run's headline. */
  message?: string;
  /** What the run learned from the labelled rows (with `labels`). */
  learned?: string[];
}

/**
 * Cleans `dirty` into `outDir` (fresh memory, outliers flagged) and scores it against `clean`. With
 * `labels`, that many rows of the clean file (drawn at random with `seed`, the Raha/Baran protocol)
 * are given to the run as corrected examples; all cells are scored.
 */
export async function evaluatePair(
  config: Config,
  files: { dirty: string; clean: string; outDir: string },
  opts: { chunkRows?: number; labels?: number; seed?: number; print?: (line: string) => void } = {},
): Promise<PairEvaluation> {
  const runId = `eval-${randomBytes(4).toString('hex')}`;
  const options = { outliers: 'flag' as const, ...(opts.chunkRows ? { chunkRows: opts.chunkRows } : {}) };
  const examples = opts.labels ? (await drawLabels(config, { dirty: files.dirty, clean: files.clean, workDir: path.join(files.outDir, 'labels') }, opts.labels, opts.seed ?? 0)).path : undefined;
  // A fresh memory: scores must not depend on what earlier runs remembered.
  const last = await cleanFile(files.dirty, config, { outDir: files.outDir, runId, options, knowledge: new MemoryKnowledgeStore(), print: opts.print, examples });
  if (last.status !== 'succeeded') throw new DsbotError('internal', `The cleaning run did not succeed: ${last.message}`);
  const cleaned = last.artifacts.find((a) => a.name === 'cleaned.csv');
  if (!cleaned) throw new DsbotError('internal', 'The run wrote no cleaned.csv.');
  const removed = last.artifacts.find((a) => a.name === 'removed_rows.csv');
  const changes = last.artifacts.find((a) => a.name === 'changes.csv');
  const scores = await scoreCleaning(config, {
    dirty: files.dirty, clean: files.clean, cleaned: cleaned.path, removed: removed?.path, changes: changes?.path, workDir: path.join(files.outDir, 'score'),
  });
  return { scores, summary: last.summary, message: last.message, learned: last.summary?.learned };
}

/** Lines describing the scores: totals, then per column the counts and what went wrong or was missed. */
export function scoreLines(s: EvalScores, summary?: RunSummary): string[] {
  const f = (x: number) => x.toFixed(3);
  const out = ['', 'scores (cell by cell, by position):'];
  out.push(`  detection   P ${f(s.detection.p)}  R ${f(s.detection.r)}  F1 ${f(s.detection.f1)}`);
  out.push(`  correction  P ${f(s.correction.p)}  R ${f(s.correction.r)}  F1 ${f(s.correction.f1)}`);
  const cols = Object.entries(s.per_column ?? {});
  if (cols.length) {
    out.push('', '  column                      errors  changed  correct  corr-P  corr-R  corr-F1');
    const q = (v: unknown) => JSON.stringify(String(v ?? '').slice(0, 40));
    for (const [name, c] of cols) {
      const untouched = c.errors === 0 && c.flagged === 0;
      const prf = (x: number) => (untouched ? '-' : f(x)).padStart(6);
      out.push(`  ${name.padEnd(26).slice(0, 26)}  ${String(c.errors).padStart(6)}  ${String(c.flagged).padStart(7)}  ${String(c.corrected).padStart(7)}  ${prf(c.correction.p)}  ${prf(c.correction.r)}  ${prf(c.correction.f1).padStart(7)}`);
      for (const w of (c.wrong ?? []).slice(0, 3)) out.push(`      wrong   ${q(w.dirty)} -> ${q(w.made)} (expected ${q(w.expected)}) x${w.count}`);
      for (const m of (c.missed ?? []).slice(0, 3)) out.push(`      missed  ${q(m.dirty)} (expected ${q(m.expected)}) x${m.count}`);
    }
  }
  if (summary?.learned?.length) out.push('', '  learned from the labelled rows:', ...summary.learned.map((l) => `    - ${l}`));
  if (summary) out.push('', `  model calls ${summary.modelCalls}, ${(summary.durationMs / 1000).toFixed(1)} s`);
  return out;
}
