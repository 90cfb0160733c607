/**
 * Questions about cleaning runs, read-only: the finished runs' report.json and their lineage
 * files (changes.csv, removed_rows.csv, flags.csv) under one runs directory
 * (`dataDir/runs/<run-id>/`, where workers write them). Injected into the chat agent; it knows
 * nothing of queues or bots.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse';

/** One finished run, from its report.json. */
export interface RunInfo {
  runId: string;
  /** Registered dataset name, when the run was on one. */
  dataset?: string;
  inputFile?: string;
  /** Run directory. */
  dir: string;
  /** When report.json was written (epoch ms). */
  at: number;
  report: Record<string, unknown>;
}

/** Read-only access to the runs. */
export interface RunReader {
  /** Finished runs, newest first (optionally of one dataset or input file). */
  list(dataset?: string): Promise<RunInfo[]>;
  /** One run by id. */
  get(runId: string): Promise<RunInfo | undefined>;
  /** Lineage lines of one row (0-based, as in the lineage files), at most `limit` per file. */
  row(run: RunInfo, row: number, limit?: number): Promise<{ changes: Record<string, string>[]; removed: Record<string, string>[]; flags: Record<string, string>[] }>;
  /** Up to `limit` lineage lines of one file matching `where`. */
  lines(run: RunInfo, file: 'changes.csv' | 'removed_rows.csv' | 'flags.csv', where: (r: Record<string, string>) => boolean, limit: number): Promise<Record<string, string>[]>;
}

const MAX_REPORT_BYTES = 5 * 1024 * 1024;
const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** A reader over `runsDir` (missing dir: no runs). */
export function createRunReader(runsDir: string): RunReader {
  async function load(runId: string): Promise<RunInfo | undefined> {
    if (!SAFE_ID.test(runId)) return undefined;
    const file = path.join(runsDir, runId, 'report.json');
    try {
      const st = await stat(file);
      if (!st.isFile() || st.size > MAX_REPORT_BYTES) return undefined;
      const report = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      if (!report || typeof report !== 'object') return undefined;
      const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
      return { runId, dataset: str(report.dataset), inputFile: str(report.input_file) ?? str(report.file), dir: path.join(runsDir, runId), at: st.mtimeMs, report };
    } catch {
      return undefined;
    }
  }

  async function lines(run: RunInfo, file: string, where: (r: Record<string, string>) => boolean, limit: number): Promise<Record<string, string>[]> {
    const p = path.join(run.dir, file);
    if (!existsSync(p)) return [];
    const out: Record<string, string>[] = [];
    const parser = createReadStream(p).pipe(parse({ columns: true, relax_column_count: true, skip_empty_lines: true }));
    for await (const rec of parser as AsyncIterable<Record<string, string>>) {
      if (where(rec)) out.push(rec);
      if (out.length >= limit) {
        parser.destroy();
        break;
      }
    }
    return out;
  }

  return {
    async list(dataset) {
      const ids = existsSync(runsDir) ? (await readdir(runsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name) : [];
      const runs = (await Promise.all(ids.map(load))).filter((r): r is RunInfo => Boolean(r));
      const mine = dataset ? runs.filter((r) => r.dataset === dataset || (!r.dataset && r.inputFile && path.parse(r.inputFile).name === dataset)) : runs;
      return mine.sort((a, b) => b.at - a.at);
    },
    get: load,
    async row(run, row, limit = 50) {
      const is = (r: Record<string, string>) => r.row === String(row);
      const [changes, removed, flags] = await Promise.all([lines(run, 'changes.csv', is, limit), lines(run, 'removed_rows.csv', is, limit), lines(run, 'flags.csv', is, limit)]);
      return { changes, removed, flags };
    },
    lines,
  };
}

const code = (s: string) => `\`${s}\``;
const counts = (v: unknown) => Object.entries(v && typeof v === 'object' ? (v as Record<string, unknown>) : {}).filter(([, n]) => typeof n === 'number') as [string, number][];
const sum = (v: unknown) => counts(v).reduce((n, [, x]) => n + x, 0);
const list = (v: unknown) => counts(v).sort((a, b) => b[1] - a[1]).map(([k, n]) => `  • ${k}: ${n.toLocaleString('en-US')}`).join('\n');

/** What a run did, for one aspect: changed cells, removed rows, flagged cells, or all. */
export async function describeRun(reader: RunReader, run: RunInfo, aspect: 'changed' | 'removed' | 'flagged' | 'all', column?: string): Promise<string> {
  const r = run.report;
  const head = `Run ${code(run.runId)}${run.dataset ? ` on ${code(run.dataset)}` : ''}${run.inputFile ? ` (file ${run.inputFile})` : ''}`;
  const src = `_From ${path.join(run.dir, 'report.json')}${aspect === 'all' ? '' : ' and its lineage files'}._`;
  const parts: string[] = [];
  if (column) {
    const n = counts(r.cells_changed_by_column).find(([k]) => k === column)?.[1] ?? 0;
    const ex = await reader.lines(run, 'changes.csv', (x) => x.column === column, 5);
    parts.push(`changed **${n.toLocaleString('en-US')}** cells of ${code(column)}${ex.length ? `, e.g. ${ex.map((x) => `row ${x.row}: ${JSON.stringify(x.old)} → ${JSON.stringify(x.new)} (${x.rule})`).join('; ')}` : ''}.`);
    return `${head} ${parts[0]}\n${src}`;
  }
  if (aspect === 'changed' || aspect === 'all') parts.push(`changed **${Number(r.cells_changed ?? sum(r.cells_changed_by_rule)).toLocaleString('en-US')}** cells${counts(r.cells_changed_by_rule).length ? `; by rule:\n${list(r.cells_changed_by_rule)}` : ''}${counts(r.cells_changed_by_column).length ? `\n  by column: ${counts(r.cells_changed_by_column).map(([k, n]) => `${code(k)} ${n}`).join(', ')}` : ''}`);
  if (aspect === 'removed' || aspect === 'all') parts.push(`removed **${Number(r.rows_removed ?? 0).toLocaleString('en-US')}** rows (of ${Number(r.rows_in ?? 0).toLocaleString('en-US')})${counts(r.rows_removed_by_reason).length ? `; by reason:\n${list(r.rows_removed_by_reason)}` : ''}`);
  if (aspect === 'flagged' || aspect === 'all') parts.push(`flagged **${sum(r.cells_flagged_by_rule).toLocaleString('en-US')}** cells for review (kept)${counts(r.cells_flagged_by_rule).length ? `; by rule:\n${list(r.cells_flagged_by_rule)}` : ''}`);
  const headline = aspect === 'all' && typeof r.headline === 'string' ? `\n${r.headline}` : '';
  return `${head} ${parts.join('\n')}${headline}\n${src}`;
}

/** Why one row was removed, changed or flagged. */
export async function describeRow(reader: RunReader, run: RunInfo, row: number): Promise<string> {
  const { changes, removed, flags } = await reader.row(run, row);
  const head = `Row ${row} (numbered from 0, as in the lineage files) in run ${code(run.runId)}${run.dataset ? ` on ${code(run.dataset)}` : ''}:`;
  const lines: string[] = [];
  for (const x of removed) lines.push(`• removed — reason: ${x.reason}`);
  for (const x of changes) lines.push(`• changed ${code(x.column)}: ${JSON.stringify(x.old)} → ${JSON.stringify(x.new)} (rule ${x.rule})`);
  for (const x of flags) lines.push(`• flagged ${code(x.column)} = ${JSON.stringify(x.value)} (${x.rule})`);
  if (!lines.length) lines.push('• nothing: the run neither removed, changed nor flagged it.');
  return `${head}\n${lines.join('\n')}\n_From ${run.dir}: removed_rows.csv, changes.csv, flags.csv._`;
}
