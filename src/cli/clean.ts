/** `dsbot clean FILE` and `dsbot eval --dirty D --clean C`: the cleaning engine from the shell. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { checkDictionaryFile, checkInputFile } from '../agent/input-check.js';
import { loadConfig } from '../config/load.js';
import { configSchema, type Config } from '../config/schema.js';
import { DsbotError, toDsbotError } from '../errors.js';
import { createKnowledgeStore } from '../knowledge/index.js';
import { MemoryKnowledgeStore } from '../knowledge/memory-store.js';
import type { KnowledgeStore } from '../knowledge/types.js';
import { cleanFile } from './clean-file.js';
import { evaluatePair, scoreLines } from './evaluate.js';
import { startTelemetry } from './observe.js';
import { logger } from '../observability/logger.js';

interface CleanOptions {
  out?: string;
  chunkRows?: string;
  dictionary?: string;
  examples?: string;
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
  const d = helpConfig();
  program
    .command('clean')
    .description('Clean a CSV file: profile, draft a recipe, replay it chunk by chunk, write cleaned.csv and a report')
    .argument('<file-or-dataset>', `CSV file to clean, or a registered dataset name (${Object.keys(d.datasets).join(', ') || 'none registered'})`)
    .option('--out <dir>', 'output directory (default: ./runs/<run-id>)')
    .option('--chunk-rows <n>', `rows per chunk (default: ${d.agent.chunkRows}, agent.chunkRows)`)
    .option('--dictionary <file>', "data dictionary (free text) with column meanings and ranges (default: the dataset's, for a dataset name)")
    .option('--examples <file>', "corrected rows to learn the file's conventions from: a CSV with the file's header plus `row` (the 0-based data-row index of changes.csv)")
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
        if (o.examples && !existsSync(o.examples)) throw new DsbotError('input', `--examples: ${o.examples} does not exist.`);
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
        const tracing = startTelemetry(config, 'clean');
        const knowledge = await openKnowledge(config, o.memory);
        try {
          const last = await cleanFile(input.file, config, { outDir, runId, dictionary: input.dictionary, datasetName: input.dataset, examples: o.examples, options, knowledge, verbose: o.verbose });
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
    .option('--chunk-rows <n>', `rows per chunk (default: ${d.agent.chunkRows}, agent.chunkRows)`)
    .option('--labels <n>', 'give the run N rows of the clean file, drawn at random, as corrected examples (Raha/Baran protocol)')
    .option('--seed <s>', 'seed of the random draw of --labels rows (default 0)')
    .option('--json', 'print the scores as one JSON object on the last line')
    .action(async (o: { dirty: string; clean: string; out?: string; chunkRows?: string; labels?: string; seed?: string; json?: boolean }) => {
      try {
        const config = loadConfig();
        const labels = positiveInt(o.labels, '--labels');
        if (o.seed !== undefined && !/^\d{1,9}$/.test(o.seed)) throw new DsbotError('input', `--seed must be a whole number, got "${o.seed}".`);
        if (o.seed !== undefined && !labels) throw new DsbotError('input', '--seed only makes sense with --labels N.');
        const outDir = path.resolve(o.out ?? mkdtempSync(path.join(tmpdir(), 'dsbot-eval-')));
        const { scores, summary } = await evaluatePair(config, { dirty: o.dirty, clean: o.clean, outDir }, { chunkRows: positiveInt(o.chunkRows, '--chunk-rows'), labels, seed: o.seed ? Number(o.seed) : 0 });
        for (const line of scoreLines(scores, summary)) console.log(line);
        if (o.json) console.log(JSON.stringify({ detection: scores.detection, correction: scores.correction, ...(labels ? { labels, seed: o.seed ? Number(o.seed) : 0 } : {}) }));
      } catch (err) {
        fail(err);
      }
    });
}
