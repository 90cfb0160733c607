/** `dsbot clean FILE` and `dsbot eval --dirty D --clean C`: the cleaning engine from the shell. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { RunEvent, RunSummary } from '../agent/events.js';
import { createModel } from '../agent/models/index.js';
import { runCleaning } from '../agent/run.js';
import type { RunDeps } from '../agent/types.js';
import { checkDictionaryFile, checkInputFile } from '../agent/input-check.js';
import { loadConfig } from '../config/load.js';
import { configSchema, type Config } from '../config/schema.js';
import { DsbotError, toDsbotError } from '../errors.js';
import { createKnowledgeStore } from '../knowledge/index.js';
import { MemoryKnowledgeStore } from '../knowledge/memory-store.js';
import type { KnowledgeStore } from '../knowledge/types.js';
import { createSandbox } from '../sandbox/index.js';
import { scoreCleaning, type EvalScores } from './score.js';
import { renderEvent } from './render-terminal.js';

interface CleanOptions {
  out?: string;
  chunkRows?: string;
  dictionary?: string;
  runId?: string;
  outliers?: 'flag' | 'remove';
  verbose?: boolean;
  memory?: boolean;
  rerun?: boolean;
}

/** The config for help texts: the real one when it loads, else the schema's defaults (help must always show). */
function helpConfig(): Config {
  try {
    return loadConfig();
  } catch {
    return configSchema.parse({});
  }
}

/**
 * What `dsbot clean <file-or-dataset>` cleans: an existing file, or a registered dataset by name
 * (its CSV and data dictionary from config). Anything else is a clear error before any sandbox.
 */
export function resolveCleanInput(arg: string, config: Config, dictionary?: string): { file: string; dataset?: string; dictionary?: string } {
  const ds = config.datasets[arg];
  if (!existsSync(arg) && ds) return { file: ds.path, dataset: arg, dictionary: dictionary ?? ds.dictionary };
  if (!existsSync(arg)) {
    const names = Object.keys(config.datasets);
    const stem = path.basename(arg, path.extname(arg)).toLowerCase();
    const near = names.filter((n) => n.toLowerCase().includes(stem) || editDistance(n.toLowerCase(), stem) <= 2);
    throw new DsbotError(
      'input',
      `${arg} is not a file here${names.length ? `, nor a registered dataset (datasets: ${names.join(', ')})` : ''}.` +
        (near.length ? ` Did you mean \`dsbot clean ${near[0]}\` (or its file ${config.datasets[near[0]].path})?` : ' Give the path of a CSV file, or a dataset name from the config.'),
    );
  }
  return { file: arg, dictionary };
}

/** A path as a person reads it: relative to here when inside it. */
function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : p;
}

/** Levenshtein distance (short strings: dataset names). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** Set when the run directory holds a finished run: its report and the files it wrote. */
function finishedRun(outDir: string): string[] | undefined {
  if (!existsSync(path.join(outDir, 'report.json')) || !existsSync(path.join(outDir, 'commits.jsonl'))) return undefined;
  return ['cleaned.csv', 'report.md', 'changes.csv', 'chart.png'].filter((f) => existsSync(path.join(outDir, f)));
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
  opts: { outDir: string; runId: string; dictionary?: string; datasetName?: string; options?: Partial<Config['agent']>; knowledge: KnowledgeStore; print?: (line: string) => void; verbose?: boolean },
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
    const input = { runId: opts.runId, inputPath: path.resolve(file), datasetName: opts.datasetName, dictionaryPath: opts.dictionary ? path.resolve(opts.dictionary) : undefined, outDir: opts.outDir, options: opts.options };
    for await (const e of runCleaning(input, deps, controller.signal)) {
      for (const line of renderEvent(e, opts.verbose)) print(line);
      if (e.type === 'run_finished') last = e;
    }
    if (!last) throw new DsbotError('internal', 'The run ended without a result.');
    return last;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function openKnowledge(config: Config, useMemory: boolean | undefined): Promise<KnowledgeStore> {
  if (useMemory === false) return new MemoryKnowledgeStore();
  try {
    return await createKnowledgeStore(config);
  } catch (err) {
    console.error(`dsbot: knowledge store unavailable (${(err as Error).message}); continuing without memory.`);
    return new MemoryKnowledgeStore();
  }
}

function fail(err: unknown): void {
  const e = toDsbotError(err);
  console.error(`dsbot: ${e.message}`);
  process.exitCode = e.kind === 'input' || e.kind === 'config' ? 2 : 1;
}

export function registerCleanCommands(program: Command): void {
  const d = helpConfig();
  program
    .command('clean')
    .description('Clean a CSV file: profile, draft a recipe, replay it chunk by chunk, write cleaned.csv and a report')
    .argument('<file-or-dataset>', `CSV file to clean, or a registered dataset name (${Object.keys(d.datasets).join(', ') || 'none registered'})`)
    .option('--out <dir>', 'output directory (default: ./runs/<run-id>)')
    .option('--chunk-rows <n>', `rows per chunk (default: ${d.agent.chunkRows}, agent.chunkRows)`)
    .option('--dictionary <file>', "data dictionary (free text) with column meanings and ranges (default: the dataset's, for a dataset name)")
    .option('--run-id <id>', 'run id; the same id resumes a stopped run (default: clean-<time>-<random>)')
    .option('--rerun', 'with --run-id of a finished run: keep its old directory aside (renamed) and clean again')
    .option('--outliers <policy>', `flag (report only) or remove (into removed_rows.csv) (default: ${d.agent.outliers}, agent.outliers)`)
    .option('--no-memory', 'do not consult or update the knowledge store')
    .option('-v, --verbose', 'print the code of every step')
    .action(async (arg: string, o: CleanOptions) => {
      try {
        const config = loadConfig();
        const runId = o.runId ?? `clean-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
        if (!/^[\w.-]{1,80}$/.test(runId)) throw new DsbotError('input', `--run-id may only use letters, digits, "_", "-" and "." (got "${runId}").`);
        if (o.outliers && !['flag', 'remove'].includes(o.outliers)) throw new DsbotError('input', `--outliers must be flag or remove, got "${o.outliers}".`);
        const options = { ...(o.chunkRows ? { chunkRows: positiveInt(o.chunkRows, '--chunk-rows') } : {}), ...(o.outliers ? { outliers: o.outliers } : {}) };
        // Inputs are checked before the knowledge store or any sandbox starts.
        const input = resolveCleanInput(arg, config, o.dictionary);
        if (input.dataset) console.error(`dsbot: "${arg}" is a registered dataset: cleaning ${input.file}${input.dictionary ? ` with the dictionary ${input.dictionary}` : ''}.`);
        checkInputFile(input.file);
        if (input.dictionary) checkDictionaryFile(input.dictionary);
        const outDir = path.resolve(o.out ?? path.join('runs', runId));
        const done = finishedRun(outDir);
        if (done && !o.rerun) {
          console.error(
            `dsbot: run ${runId} already finished; nothing was interrupted, so there is nothing to resume. Its outputs are in ${shown(outDir)}` +
              `${done.length ? ` (${done.join(', ')})` : ''}. To clean again, leave out --run-id (a new run starts), or add --rerun to start ${runId} over.`,
          );
          return;
        }
        if (done) {
          const aside = `${outDir}.replaced-${new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14)}`;
          renameSync(outDir, aside);
          console.error(`dsbot: the earlier outputs of ${runId} were moved to ${aside}; cleaning again.`);
        }
        const knowledge = await openKnowledge(config, o.memory);
        try {
          const last = await cleanFile(input.file, config, { outDir, runId, dictionary: input.dictionary, datasetName: input.dataset, options, knowledge, verbose: o.verbose });
          if (last.status !== 'succeeded') process.exitCode = 1;
        } finally {
          await knowledge.close();
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
    .option('--chunk-rows <n>', `rows per chunk (default: ${d.agent.chunkRows}, agent.chunkRows)`)
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
