/** `dsbot clean FILE` and `dsbot eval --dirty D --clean C`: the cleaning engine from the shell. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { RunEvent, RunSummary } from '../agent/events.js';
import { createModel } from '../agent/models/index.js';
import { runCleaning } from '../agent/run.js';
import type { RunDeps } from '../agent/types.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { DsbotError, toDsbotError } from '../errors.js';
import { createKnowledgeStore } from '../knowledge/index.js';
import { MemoryKnowledgeStore } from '../knowledge/memory-store.js';
import type { KnowledgeStore } from '../knowledge/types.js';
import { createSandbox } from '../sandbox/index.js';
import { scoreCleaning, type EvalScores } from './score.js';
import { renderEvent } from './render-terminal.js';
import { startTelemetry } from './observe.js';
import { logger } from '../observability/logger.js';
import { traceRun, traceRunEvents } from '../observability/run-trace.js';
import { currentTraceId } from '../observability/spans.js';

interface CleanOptions {
  out?: string;
  chunkRows?: string;
  dictionary?: string;
  runId?: string;
  outliers?: 'flag' | 'remove';
  verbose?: boolean;
  memory?: boolean;
}

function positiveInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new DsbotError('input', `${name} must be a positive integer, got "${v}".`);
  return n;
}

/** Runs one cleaning with SIGINT wired to a stop; prints events; returns the final event. */
export async function cleanFile(
  file: string,
  config: Config,
  opts: { outDir: string; runId: string; dictionary?: string; options?: Partial<Config['agent']>; knowledge: KnowledgeStore; print?: (line: string) => void; verbose?: boolean },
): Promise<Extract<RunEvent, { type: 'run_finished' }>> {
  const print = opts.print ?? ((l: string) => console.log(l));
  const deps: RunDeps = { config, model: createModel(config.model), knowledge: opts.knowledge, createSandbox: () => createSandbox(config.sandbox) };
  const controller = new AbortController();
  const onSigint = () => {
    print('\n⏹ stopping (committed chunks are kept; run again with the same --run-id to resume)…');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    let last: Extract<RunEvent, { type: 'run_finished' }> | undefined;
    return await traceRun(opts.runId, async () => {
      const input = { runId: opts.runId, inputPath: path.resolve(file), dictionaryPath: opts.dictionary ? path.resolve(opts.dictionary) : undefined, outDir: opts.outDir, options: opts.options, traceId: currentTraceId() };
      for await (const e of traceRunEvents(runCleaning(input, deps, controller.signal))) {
        for (const line of renderEvent(e, opts.verbose)) print(line);
        if (e.type === 'run_finished') last = e;
      }
      if (!last) throw new DsbotError('internal', 'The run ended without a result.');
      return last;
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function openKnowledge(config: Config, useMemory: boolean | undefined): Promise<KnowledgeStore> {
  if (useMemory === false) return new MemoryKnowledgeStore();
  try {
    return await createKnowledgeStore(config);
  } catch (err) {
    logger.warn(`dsbot: knowledge store unavailable (${(err as Error).message}); continuing without memory.`);
    return new MemoryKnowledgeStore();
  }
}

function fail(err: unknown): void {
  const e = toDsbotError(err);
  console.error(`dsbot: ${e.message}`);
  process.exitCode = e.kind === 'input' || e.kind === 'config' ? 2 : 1;
}

export function registerCleanCommands(program: Command): void {
  program
    .command('clean')
    .description('Clean a CSV file: profile, draft a recipe, replay it chunk by chunk, write cleaned.csv and a report')
    .argument('<file>', 'CSV file to clean')
    .option('--out <dir>', 'output directory (default ./runs/<run-id>)')
    .option('--chunk-rows <n>', 'rows per chunk')
    .option('--dictionary <file>', 'data dictionary (free text) with column meanings and ranges')
    .option('--run-id <id>', 'run id; the same id resumes an interrupted run')
    .option('--outliers <policy>', 'flag (report only) or remove (into removed_rows.csv)')
    .option('--no-memory', 'do not consult or update the knowledge store')
    .option('-v, --verbose', 'print the code of every step')
    .action(async (file: string, o: CleanOptions) => {
      try {
        const config = loadConfig();
        const runId = o.runId ?? `clean-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
        if (!/^[\w.-]{1,80}$/.test(runId)) throw new DsbotError('input', `--run-id may only use letters, digits, "_", "-" and "." (got "${runId}").`);
        if (o.outliers && !['flag', 'remove'].includes(o.outliers)) throw new DsbotError('input', `--outliers must be flag or remove, got "${o.outliers}".`);
        const options = { ...(o.chunkRows ? { chunkRows: positiveInt(o.chunkRows, '--chunk-rows') } : {}), ...(o.outliers ? { outliers: o.outliers } : {}) };
        const tracing = startTelemetry(config, 'clean');
        const knowledge = await openKnowledge(config, o.memory);
        try {
          const outDir = path.resolve(o.out ?? path.join('runs', runId));
          const last = await cleanFile(file, config, { outDir, runId, dictionary: o.dictionary, options, knowledge, verbose: o.verbose });
          if (last.status !== 'succeeded') process.exitCode = 1;
        } finally {
          await knowledge.close();
          await tracing.shutdown();
        }
      } catch (err) {
        fail(err);
      }
    });

  program
    .command('eval')
    .description('Clean a dirty CSV and score it cell by cell against its clean version (Raha/Baran convention)')
    .requiredOption('--dirty <file>', 'the dirty CSV')
    .requiredOption('--clean <file>', 'the ground-truth clean CSV (same rows, same column order)')
    .option('--out <dir>', 'output directory (default: a temporary directory)')
    .option('--chunk-rows <n>', 'rows per chunk')
    .option('--json', 'print the scores as one JSON object on the last line')
    .action(async (o: { dirty: string; clean: string; out?: string; chunkRows?: string; json?: boolean }) => {
      try {
        const config = loadConfig();
        const outDir = path.resolve(o.out ?? mkdtempSync(path.join(tmpdir(), 'dsbot-eval-')));
        const runId = `eval-${randomBytes(4).toString('hex')}`;
        const options = { outliers: 'flag' as const, ...(o.chunkRows ? { chunkRows: positiveInt(o.chunkRows, '--chunk-rows') } : {}) };
        // A fresh memory: scores must not depend on what earlier runs remembered.
        const last = await cleanFile(o.dirty, config, { outDir, runId, options, knowledge: new MemoryKnowledgeStore() });
        if (last.status !== 'succeeded') throw new DsbotError('internal', `The cleaning run did not succeed: ${last.message}`);
        const cleaned = last.artifacts.find((a) => a.name === 'cleaned.csv');
        if (!cleaned) throw new DsbotError('internal', 'The run wrote no cleaned.csv.');
        const removed = last.artifacts.find((a) => a.name === 'removed_rows.csv');
        const scores = await scoreCleaning(config, { dirty: o.dirty, clean: o.clean, cleaned: cleaned.path, removed: removed?.path, workDir: path.join(outDir, 'score') });
        printScores(scores, last.summary);
        if (o.json) console.log(JSON.stringify({ detection: scores.detection, correction: scores.correction }));
      } catch (err) {
        fail(err);
      }
    });
}

function printScores(s: EvalScores, summary?: RunSummary): void {
  const f = (x: number) => x.toFixed(3);
  console.log('\nscores (cell by cell, by position):');
  console.log(`  detection   P ${f(s.detection.p)}  R ${f(s.detection.r)}  F1 ${f(s.detection.f1)}`);
  console.log(`  correction  P ${f(s.correction.p)}  R ${f(s.correction.r)}  F1 ${f(s.correction.f1)}`);
  const cols = Object.entries(s.per_column ?? {});
  if (cols.length) {
    console.log('\n  column                      errors  changed  correct  corr-P  corr-R  corr-F1');
    for (const [name, c] of cols) {
      const untouched = c.errors === 0 && c.flagged === 0;
      const prf = (x: number) => (untouched ? '-' : f(x)).padStart(6);
      console.log(`  ${name.padEnd(26).slice(0, 26)}  ${String(c.errors).padStart(6)}  ${String(c.flagged).padStart(7)}  ${String(c.corrected).padStart(7)}  ${prf(c.correction.p)}  ${prf(c.correction.r)}  ${prf(c.correction.f1).padStart(7)}`);
    }
  }
  if (summary) console.log(`\n  model calls ${summary.modelCalls}, ${(summary.durationMs / 1000).toFixed(1)} s`);
}
