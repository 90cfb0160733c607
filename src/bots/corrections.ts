/**
 * Corrections in a run's thread (issue 11): an admin replies `fix <row> <column>=<value> …` (one
 * line per row, several lines allowed) or attaches a corrections CSV (the file's header plus
 * `row`) in the thread of a finished run. The router checks them against that run (its rows and
 * columns, kept in the run directory), then queues a follow-up run on the same input that reuses
 * the run's profile, learns the table's conventions from the corrections and posts what changed.
 * Refused like `clean` for non-admins; the values' types are checked by the run before it cleans.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Config } from '../config/schema.js';
import { toDsbotError } from '../errors.js';
import { makeRunId, parseRunRequest, type RunRequest } from '../queue/run-request.js';
import { isActiveState, type RunRegistry } from '../queue/run-registry.js';
import type { RunProducer } from '../queue/producer.js';
import { checkAction } from './admin-guard.js';
import type { AuditLog } from './audit.js';
import { acceptUpload } from './uploads.js';
import type { IncomingMessage, RouterContext } from './types.js';

/** One corrected cell. */
export interface Cell {
  row: number;
  column: string;
  value: string;
}

/** At most this many cells per follow-up (corrections are a few example rows). */
export const MAX_CELLS = 100_000;
const MAX_PROBLEMS = 6;

/** True when the text is a `fix` command (`fix 12 city=Boston`), not a question such as "fix the dates?". */
export function isFixText(text: string): boolean {
  return /^\s*\/?fix\s+\S+\s+\S*=/i.test(text) || /^\s*\/?fix\s+\d+(\s|$)/i.test(text);
}

const PAIR = /\s*("([^"]*)"|'([^']*)'|[^\s=]+)\s*=\s*("([^"]*)"|'([^']*)'|\S*)/y;

/**
 * The `fix …` parts of a text: one per line, or several on one line (a platform may fold the lines
 * of a message into one); a `fix` inside quotes is a value, not a new part.
 */
function fixParts(text: string): string[] {
  const parts: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (/\s/.test(ch) && i > start && /^\s+\/?fix\s+\S/i.test(text.slice(i))) {
      parts.push(text.slice(start, i));
      start = i;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/**
 * Parses `fix <row> <column>=<value> [<column>=<value> …]` lines (quote names or values with
 * spaces: `fix 3 "Room Type"="2br" city="New York"`). Every line must be a `fix` line.
 */
export function parseFix(text: string): { cells: Cell[] } | { error: string } {
  const cells: Cell[] = [];
  for (const line of text.split('\n').flatMap(fixParts)) {
    const m = /^\/?fix\s+(\S+)\s*(.*)$/i.exec(line);
    if (!m) return { error: `every line must read \`fix <row> <column>=<value>\`; this one does not: \`${line.slice(0, 80)}\`` };
    if (!/^\d+$/.test(m[1])) return { error: `\`${m[1].slice(0, 40)}\` is not a row number (use the 0-based data-row index, as in changes.csv)` };
    const rest = m[2];
    PAIR.lastIndex = 0;
    let pos = 0;
    let found = 0;
    while (pos < rest.length) {
      PAIR.lastIndex = pos;
      const p = PAIR.exec(rest);
      if (!p || p.index !== pos || PAIR.lastIndex === pos) break;
      const column = p[2] ?? p[3] ?? p[1];
      const value = p[5] ?? p[6] ?? p[4];
      cells.push({ row: Number(m[1]), column, value });
      found++;
      pos = PAIR.lastIndex;
    }
    if (rest.slice(pos).trim() || !found) {
      return { error: `I could not read \`${(rest.slice(pos).trim() || line).slice(0, 80)}\`: write \`fix ${m[1]} <column>=<value>\` (quote names or values with spaces: city="New York")` };
    }
  }
  return { cells };
}

/** The row-index column of a corrections CSV: `row`, or `_row` when the file has a `row` column. */
export function rowColumn(columns: string[]): string {
  let name = 'row';
  while (columns.includes(name)) name = `_${name}`;
  return name;
}

/** Cells of a corrections CSV (every cell it holds is a correction; an empty cell means an empty value). */
export function parseCorrectionsCsv(content: Buffer, name: string, fileColumns: string[] = []): { cells: Cell[] } | { error: string } {
  let rows: string[][];
  try {
    rows = parse(content, { bom: true, relax_column_count: false, skip_empty_lines: true }) as string[][];
  } catch (err) {
    return { error: `${name} is not a readable CSV (${(err as Error).message})` };
  }
  const [header, ...data] = rows;
  const rcol = rowColumn(fileColumns);
  if (!header || !header.includes(rcol)) return { error: `${name} has no \`${rcol}\` column: a corrections file has the data file's header plus \`${rcol}\`, the 0-based data-row index used in changes.csv` };
  if (!data.length) return { error: `${name} holds no corrected rows` };
  const at = header.indexOf(rcol);
  const cells: Cell[] = [];
  for (const r of data) {
    const rowText = r[at]?.trim() ?? '';
    if (!/^\d+$/.test(rowText)) return { error: `${name}: \`${rowText.slice(0, 40)}\` is not a row number (use the 0-based data-row index, as in changes.csv)` };
    header.forEach((column, j) => {
      if (j !== at) cells.push({ row: Number(rowText), column, value: r[j] ?? '' });
    });
  }
  return { cells };
}

/** What the finished run kept about its input (dsbot_toolkit/carry.py state.json). */
export interface RunShape {
  columns: string[];
  rows: number;
  chunkRows: number;
}

/** The finished run's input shape, from its kept state (undefined for a run that kept none). */
export function runShape(dataDir: string, runId: string): RunShape | undefined {
  const file = path.join(dataDir, 'runs', runId, 'state', 'state.json');
  if (!existsSync(file)) return undefined;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as { columns?: unknown; rows?: unknown; chunk_rows?: unknown };
    if (!Array.isArray(s.columns) || !s.columns.every((c) => typeof c === 'string') || !Number.isInteger(s.rows) || !Number.isInteger(s.chunk_rows)) return undefined;
    return { columns: s.columns as string[], rows: s.rows as number, chunkRows: s.chunk_rows as number };
  } catch {
    return undefined;
  }
}

/** Why the cells cannot correct that run's input (rows it does not have, columns it does not have), or undefined. */
export function checkCells(cells: Cell[], shape: RunShape): string | undefined {
  const problems: string[] = [];
  const known = new Set(shape.columns);
  for (const c of cells) {
    if (!known.has(c.column)) {
      const near = shape.columns.find((k) => k.toLowerCase() === c.column.toLowerCase() || k.replace(/[\s_-]/g, '').toLowerCase() === c.column.replace(/[\s_-]/g, '').toLowerCase());
      problems.push(`column \`${c.column}\` is not in the file${near ? ` (did you mean \`${near}\`?)` : ''}`);
    }
    if (c.row >= shape.rows) problems.push(`row ${c.row} does not exist (the file has ${shape.rows} data rows, numbered 0 to ${shape.rows - 1})`);
  }
  const uniq = [...new Set(problems)];
  if (!uniq.length) return undefined;
  return uniq.slice(0, MAX_PROBLEMS).join('; ') + (uniq.length > MAX_PROBLEMS ? `; and ${uniq.length - MAX_PROBLEMS} more` : '');
}

export interface Corrections {
  /** Handles `fix …` lines and/or corrections files in a finished run's thread: checks, then queues the follow-up run. */
  handle(m: IncomingMessage, ctx: RouterContext): Promise<void>;
}

export function createCorrections(deps: { config: Config; registry: RunRegistry; producer: RunProducer; audit: AuditLog; log: (line: string) => void }): Corrections {
  const { config, registry, producer, audit, log } = deps;
  const policy = config.admin;
  const base = (m: IncomingMessage) => ({ platform: m.platform, userId: m.user.id, channelRef: m.channelRef, threadRef: m.threadRef });
  const refuse = async (m: IncomingMessage, ctx: RouterContext, reason: string, text: string, runId?: string) => {
    await audit.write({ ...base(m), action: 'refusal', ...(runId ? { runId } : {}), reason, text: m.text });
    await ctx.reply({ text, ephemeral: true });
  };

  async function handle(m: IncomingMessage, ctx: RouterContext): Promise<void> {
    const prevId = await registry.findByRef(m.threadRef);
    const prev = prevId ? await registry.get(prevId) : undefined;
    if (!prevId || !prev) return refuse(m, ctx, 'fix:no_run', 'Corrections go in the thread of a finished cleaning run; there is no run in this thread.');
    const guard = checkAction(policy, { action: 'trigger', platform: m.platform, userId: m.user.id, roles: m.user.roles, channelRef: m.channelRef, activeRunsInChannel: (await registry.activeRuns(m.channelRef)).length });
    if (!guard.allowed) return refuse(m, ctx, `fix:${guard.reason}`, guard.message.replace('start cleaning runs', 'correct cleaning runs'), prevId);
    if (isActiveState(prev.state)) return refuse(m, ctx, 'fix:run_active', `Run \`${prevId}\` is ${prev.state.replace('_', ' ')}; send the corrections when it has finished.`, prevId);
    if (prev.state !== 'succeeded') return refuse(m, ctx, 'fix:run_not_finished', `Run \`${prevId}\` ${prev.state}; corrections need a run that finished (its profile and outputs are reused). Resume it first.`, prevId);
    const shape = runShape(config.dataDir, prevId);
    const runId = makeRunId({ channelRef: m.channelRef, source: `fix:${prevId}`, triggerMessageId: m.messageId });
    // Read and check everything before the run id is claimed: a refusal queues nothing.
    const cells: Cell[] = [];
    try {
      if (isFixText(m.text)) {
        const r = parseFix(m.text);
        if ('error' in r) return refuse(m, ctx, 'fix:syntax', `Corrections refused, nothing was run: ${r.error}.`, prevId);
        cells.push(...r.cells);
      }
      for (const file of m.files) {
        const saved = await acceptUpload(file, { dir: path.join(config.dataDir, 'uploads'), maxMb: policy.maxUploadMb, key: runId });
        const r = parseCorrectionsCsv(readFileSync(saved.path), saved.originalName, shape?.columns ?? []);
        if ('error' in r) return refuse(m, ctx, 'fix:file', `Corrections refused, nothing was run: ${r.error}.`, prevId);
        cells.push(...r.cells);
      }
    } catch (err) {
      const e = toDsbotError(err);
      return refuse(m, ctx, `fix:${e.kind}`, e.kind === 'input' ? e.message : `I could not read the corrections (${e.kind}): ${e.message}`, prevId);
    }
    if (!cells.length) return refuse(m, ctx, 'fix:empty', 'No corrections found: reply `fix <row> <column>=<value>` (row = the 0-based data-row index of changes.csv), or attach a CSV with the file\'s header plus `row`.', prevId);
    if (cells.length > MAX_CELLS) return refuse(m, ctx, 'fix:too_many', `Corrections refused, nothing was run: ${cells.length} cells; corrections are a few example rows (at most ${MAX_CELLS} cells).`, prevId);
    const bad = shape ? checkCells(cells, shape) : undefined;
    if (bad) return refuse(m, ctx, 'fix:check', `Corrections refused, nothing was run: ${bad}.`, prevId);
    if (!(await registry.claim(runId))) {
      await audit.write({ ...base(m), action: 'duplicate', runId, text: m.text });
      return;
    }
    if (!(await registry.reserveSlot(m.channelRef, runId, policy.maxActiveRunsPerChannel))) {
      await registry.remove(runId);
      return refuse(m, ctx, 'fix:too_many_runs', 'This channel is busy; send the corrections again when a run has finished.', prevId);
    }
    let request: RunRequest;
    try {
      const file = path.join(config.dataDir, 'corrections', `${runId}.json`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify({ cells: cells.map((c) => [c.row, c.column, c.value]) }));
      const options = { ...prev.request.options, ...(shape ? { chunkRows: shape.chunkRows } : {}) };
      request = parseRunRequest({
        version: 1,
        runId,
        source: prev.request.source,
        options,
        requestedBy: { platform: m.platform, userId: m.user.id, name: m.user.name },
        threadRef: prev.request.threadRef,
        channelRef: m.channelRef,
        triggerMessageId: m.messageId,
        requestedAt: Date.now(),
        followUp: { of: prevId, corrections: file, cells: cells.length },
      });
      await registry.create(request);
      await producer.enqueue(request);
    } catch (err) {
      const e = toDsbotError(err);
      await registry.remove(runId);
      await registry.releaseSlot(m.channelRef, runId);
      log(`dsbot router: follow-up of ${prevId} failed: ${e.message}`);
      return refuse(m, ctx, `fix:${e.kind}`, e.kind === 'input' ? e.message : `I could not start the follow-up run (${e.kind}): ${e.message}`, prevId);
    }
    try {
      await registry.linkRef(m.threadRef, runId);
      await audit.write({ ...base(m), action: 'trigger', runId, text: m.text || `corrections: ${m.files.map((f) => f.name).join(', ')}` });
      const rows = new Set(cells.map((c) => c.row)).size;
      await ctx.reply({ text: `🧹 Follow-up run \`${runId}\` queued: run \`${prevId}\` again with ${cells.length} corrected cell(s) in ${rows} row(s). It reuses that run's profile, learns from the corrections and posts what changed.` });
    } catch (err) {
      log(`dsbot router: follow-up ${runId} is queued, but telling the user failed: ${toDsbotError(err).message}`);
    }
  }

  return { handle };
}
