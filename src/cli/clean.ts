/** `dsbot clean FILE` and `dsbot eval --dirty D --clean C`: the cleaning engine from the shell. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { DsbotError, toDsbotError } from '../errors.js';
import { createKnowledgeStore } from '../knowledge/index.js';
import { MemoryKnowledgeStore } from '../knowledge/memory-store.js';
import type { KnowledgeStore } from '../knowledge/types.js';
import { cleanFile } from './clean-file.js';
import { evaluatePair, scoreLines } from './evaluate.js';

interface CleanOptions {
  out?: string;
  chunkRows?: string;
  dictionary?: string;
  examples?: string;
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
  program
    .command('clean')
    .description('Clean a CSV file: profile, draft a recipe, replay it chunk by chunk, write cleaned.csv and a report')
    .argument('<file>', 'CSV file to clean')
    .option('--out <dir>', 'output directory (default ./runs/<run-id>)')
    .option('--chunk-rows <n>', 'rows per chunk')
    .option('--dictionary <file>', 'data dictionary (free text) with column meanings and ranges')
    .option('--examples <file>', "corrected rows to learn the file's conventions from: a CSV with the file's header plus `row` (the 0-based data-row index of changes.csv)")
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
        const knowledge = await openKnowledge(config, o.memory);
        try {
          const outDir = path.resolve(o.out ?? path.join('runs', runId));
          const last = await cleanFile(file, config, { outDir, runId, dictionary: o.dictionary, examples: o.examples, options, knowledge, verbose: o.verbose });
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
    .option('--chunk-rows <n>', 'rows per chunk')
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
