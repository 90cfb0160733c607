/**
 * The text of a run's posts, each within a size budget: the final summary with the before/after
 * table cut to the columns with most problems ("… and 9,990 more columns in report.md"), and
 * the plan posted for approval. Pure functions: markdown in, markdown out.
 */
import type { RunPlan, RunSummary, ValidationCheck } from '../agent/events.js';

/** `12,345`. */
export const num = (n: number): string => n.toLocaleString('en-US');

/** The first non-empty line of `text`, without observation wrappers, cut to `max`. */
export function firstLine(text: string, max = 160): string {
  const line = text
    .replace(/^Observation:\s*/, '')
    .replace(/<\/?untrusted-data[^>]*>/g, '')
    .trim().split('\n').find((l) => l.trim()) ?? '';
  return clip(line, max);
}

/** Cuts `text` to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

/** `1.2 s` / `3 min 4 s`. */
export function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A validation verdict in one line: the failed checks, or how many passed (names capped). */
export function formatChecks(checks: ValidationCheck[]): string {
  const failed = checks.filter((c) => !c.ok);
  if (failed.length === 0) {
    const names = checks.map((c) => c.name);
    const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? ` and ${num(names.length - 8)} more` : '');
    return `${checks.length}/${checks.length} checks passed (${shown})`;
  }
  const shown = failed.slice(0, 5).map((c) => `${c.name}: ${firstLine(c.detail, 200)}`).join('; ');
  return `${failed.length} of ${checks.length} checks failed: ${shown}${failed.length > 5 ? `; and ${num(failed.length - 5)} more` : ''}`;
}

const RULE = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

function cellsOf(row: string): string[] {
  return row.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim());
}

/** A row's weight: the "before" figure of its `problems` column (else the sum of its "a → b" befores). */
function weight(cells: string[], problemsAt: number): number {
  const before = (c: string | undefined) => Number(/^(\d[\d,]*)\s*→/.exec(c ?? '')?.[1]?.replace(/,/g, '') ?? 0);
  if (problemsAt >= 0) return before(cells[problemsAt]);
  return cells.reduce((n, c) => n + before(c), 0);
}

export interface TrimmedTable {
  /** The table (header + shown rows) and, when rows were left out, the line saying where they are. */
  text: string;
  /** Data rows shown. */
  shown: number;
  /** Data rows left out. */
  hidden: number;
}

/**
 * Keeps a markdown table within `maxRows` column rows and `maxChars`: the columns with most
 * problems first (the table's `problems` column, "before → after"), cells cut to 40 characters,
 * summary rows (`(duplicate rows)`, `(rule …)`) that count something after them, then a line
 * naming how many columns were left out and that report.md has them all. Text that is not a
 * table is cut to `maxChars`.
 */
export function trimTable(markdown: string, maxRows: number, maxChars: number): TrimmedTable {
  const lines = markdown.trim().split('\n');
  if (lines.length < 2 || !RULE.test(lines[1])) return { text: clip(markdown.trim(), maxChars), shown: 0, hidden: 0 };
  const header = cellsOf(lines[0]);
  const problemsAt = header.findIndex((h) => /^problems?$/i.test(h));
  const rows = lines.slice(2).filter((l) => l.trim().startsWith('|')).map((l, i) => ({ cells: cellsOf(l), i, w: 0 }));
  for (const r of rows) r.w = weight(r.cells, problemsAt);
  // Column rows are ranked and cut; summary rows like `(duplicate rows)` stay when they count something.
  const ranked = rows.filter((r) => !r.cells[0]?.startsWith('(')).sort((a, b) => b.w - a.w || a.i - b.i);
  const extra = rows.filter((r) => r.cells[0]?.startsWith('(') && r.w > 0).slice(0, 3);
  const render = (n: number) => {
    const body = [...ranked.slice(0, n), ...extra].map((r) => `| ${r.cells.map((c) => clip(c, 40)).join(' | ')} |`);
    const left = ranked.length - n;
    const tail = left ? [`… and ${num(left)} more column${left === 1 ? '' : 's'} in report.md`] : [];
    return [`| ${header.map((h) => clip(h, 40)).join(' | ')} |`, lines[1].trim(), ...body, ...tail].join('\n');
  };
  let n = Math.min(maxRows, ranked.length);
  let text = render(n);
  while (n > 0 && text.length > maxChars) text = render(--n);
  if (text.length > maxChars) text = clip(text, maxChars);
  return { text, shown: n, hidden: ranked.length - n };
}

/**
 * Progress lines that did not fit the thread's post budget, within `maxChars`: as many as fit
 * (warnings were put first by the caller), then how many were left out (`alsoLeftOut` more).
 */
export function heldLines(held: string[], alsoLeftOut: number, maxChars: number): string {
  const note = (n: number) => `(${num(n)} more progress line${n === 1 ? '' : 's'} not posted, to keep the thread short.)`;
  const out: string[] = [];
  let size = 0;
  for (const l of held) {
    const line = clip(l, 300);
    if (size + line.length + 1 + note(held.length + alsoLeftOut).length + 1 > maxChars) break;
    out.push(line);
    size += line.length + 1;
  }
  const left = held.length - out.length + alsoLeftOut;
  if (left) out.push(note(left));
  return out.join('\n');
}

export interface SummaryParts {
  runId: string;
  title: string;
  summary?: RunSummary;
  message: string;
  /** Attached files. */
  files: string[];
  /** Files kept in the run directory only. */
  others: string[];
  /** Progress lines that did not fit the thread's post budget (warnings first). */
  held: string[];
  /** Lines of progress left out altogether. */
  dropped: number;
  /** Table rows shown at most. */
  tableColumns: number;
}

/** The closing summary of a succeeded run, within `maxChars` (one post). */
export function summaryText(p: SummaryParts, maxChars: number): string {
  const s = p.summary;
  const head = [`✅ ${p.title}: run \`${p.runId}\` succeeded${s ? ` in ${seconds(s.durationMs)}` : ''}.`];
  if (s) {
    head.push(clip(s.headline, 600));
    if (s.comparison) head.push(`Compared with the earlier run: ${clip(s.comparison, 300)}.`);
    if (s.learned?.length) head.push(clip(`Learned: ${s.learned.join('; ')}.`, 800));
    head.push(
      `Rows: ${num(s.rowsIn)} in → ${num(s.rowsOut)} out (${num(s.rowsRemoved)} removed) · ${num(s.cellsChanged)} cells changed · ` +
        `${s.chunksCommitted}/${s.chunks} chunks · ${s.modelCalls} model calls` +
        (s.costUsd !== undefined ? ` · $${s.costUsd.toFixed(4)}` : ''),
    );
  } else if (p.message) head.push(clip(p.message, 600));
  const tail: string[] = [];
  if (p.files.length) tail.push('', `Files: ${p.files.join(', ')}`);
  if (p.others.length) tail.push(`Also in the run directory: ${p.others.join(', ')}`);
  // The table comes first; progress lines that waited get at most a quarter of the post.
  const fixed = [...head, ...tail].join('\n').length;
  const heldBudget = p.held.length || p.dropped ? Math.floor(maxChars / 4) : 0;
  const table = s?.beforeAfterTable.trim() ? trimTable(s.beforeAfterTable, p.tableColumns, maxChars - fixed - heldBudget - 4).text : '';
  const used = [...head, ...(table ? ['', table] : []), ...tail].join('\n').length;
  const held = heldBudget ? heldLines(p.held, p.dropped, Math.max(0, maxChars - used - 2)) : '';
  return clip([...head, ...(held ? ['', held] : []), ...(table ? ['', table] : []), ...tail].join('\n'), maxChars);
}

/** The plan posted for approval, within `maxChars` (one post). */
export function planText(runId: string, plan: RunPlan, tableColumns: number, maxChars: number): string {
  const removed = plan.sampleRows - plan.rowsKept;
  const changedCols = plan.columns.length + plan.moreColumns;
  const scope = plan.sampleRows >= plan.totalRows ? `all ${num(plan.totalRows)} rows` : `the first ${num(plan.sampleRows)} of ${num(plan.totalRows)} rows`;
  const head = [
    `📝 Plan for run \`${runId}\` — nothing has been changed yet. Measured on ${scope}:`,
    `${num(plan.cellsChanged)} cell${plan.cellsChanged === 1 ? '' : 's'} changed in ${num(changedCols)} column${changedCols === 1 ? '' : 's'}; ${num(removed)} row${removed === 1 ? '' : 's'} removed.`,
  ];
  const tail: string[] = [];
  if (plan.removed.length) tail.push(`Removed: ${plan.removed.slice(0, 5).map((r) => `${num(r.rows)} row${r.rows === 1 ? '' : 's'} (${clip(r.reason, 80)})`).join(', ')}.`);
  if (plan.flagged.length) tail.push(`Flagged for review, kept: ${plan.flagged.slice(0, 5).map((f) => `${num(f.cells)} cell${f.cells === 1 ? '' : 's'} (${clip(f.rule, 60)})`).join(', ')}.`);
  tail.push('**Approve** to clean every row this way, **Cancel** to stop, or reply `change …` to ask for something different.');
  const column = (c: RunPlan['columns'][number]) => {
    const rules = c.rules.map((r) => clip(r.rule, 40)).join(', ');
    const eg = c.examples.map((e) => `\`${clip(e.before, 30)}\` → \`${clip(e.after, 30)}\``).join(', ');
    return `• \`${clip(c.name, 40)}\`: ${num(c.cells)} cell${c.cells === 1 ? '' : 's'}${rules ? ` (${rules})` : ''}${eg ? `, e.g. ${eg}` : ''}`;
  };
  const render = (n: number) => {
    const left = changedCols - n;
    const list = plan.columns.slice(0, n).map(column);
    if (left > 0) list.push(`… and ${num(left)} more column${left === 1 ? '' : 's'} (report.md lists every change once the run is done).`);
    return [...head, ...list, ...tail].join('\n');
  };
  let n = Math.min(tableColumns, plan.columns.length);
  let text = render(n);
  while (n > 0 && text.length > maxChars) text = render(--n);
  return clip(text, maxChars);
}
