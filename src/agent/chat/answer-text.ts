/**
 * Builtin answers as text (DESIGN.md decision 11): the figure, then the computation behind it —
 * dataset, columns, filters and the rows it was computed on.
 */
import type { Filter, Frame, Refusal } from './parse/frame.js';

const code = (s: string) => `\`${s}\``;

/** A number as people read it: integers with separators, fractions to 2 decimals (4 below 1). */
export function fmt(v: unknown, plain = false): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return v === null || v === undefined ? 'n/a' : String(v);
  if (Number.isInteger(v)) return plain ? String(v) : v.toLocaleString('en-US');
  const digits = Math.abs(v) < 1 ? 4 : 2;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const OP_NAMES: Record<string, string> = { mean: 'mean', median: 'median', sum: 'total', min: 'minimum', max: 'maximum', std: 'standard deviation', var: 'variance', count: 'number of rows', nunique: 'number of distinct values' };

const FILTER_OPS: Record<string, string> = { eq: '=', ne: '≠', gt: '>', ge: '≥', lt: '<', le: '≤', in: 'in', notin: 'not in' };

/** "`education` = PhD and `age` > 40". */
export function filterText(filters: Filter[]): string {
  // Thresholds print as typed (no thousands separators: years read as 2010).
  const v = (x: unknown) => (Array.isArray(x) ? x.map((y) => fmt(y, true)).join(', ') : fmt(x, true));
  return filters
    .map((f) => (f.op === 'between' ? `${code(f.column)} between ${v((f.value as unknown[])[0])} and ${v((f.value as unknown[])[1])}` : `${code(f.column)} ${FILTER_OPS[f.op]} ${f.op === 'in' || f.op === 'notin' ? `(${v(f.value)})` : v(f.value)}`))
    .join(' and ');
}

/** "mean of `age`" / "number of rows". */
export function measureText(op: string, column?: string): string {
  if (op === 'count' || !column) return 'number of rows';
  return `${OP_NAMES[op] ?? op} of ${code(column)}`;
}

const where = (f: Frame) => (f.filters.length ? ` where ${filterText(f.filters)}` : '');
const rowsOf = (r: Result, f: Frame) => `${fmt(r.rows)} of ${fmt(r.total_rows)} rows of ${code(f.dataset)}`;

/** The kernel's answer to a frame (dsbot_chat/plan.py), as validated numbers and labels. */
export interface Result {
  rows: number;
  total_rows: number;
  value?: number | string | null;
  used?: number;
  groups?: { label: string[]; value: number | string | null; rows: number }[];
  groups_total?: number;
  /** Top N: groups equal to the last one shown but cut. */
  ties?: number;
  stats?: [string, number][];
  bins?: [number, number, number][];
  min?: number | string | null;
  max?: number | string | null;
  part?: number;
  /** Share with several filters: rows matching all but the last filter, and the share among them. */
  base_rows?: number;
  base_value?: number;
  whole?: number;
  q1?: number;
  q3?: number;
  lo?: number;
  hi?: number;
  low?: number;
  high?: number;
  examples?: number[];
}

function table(header: string[], rows: string[][]): string {
  return ['```', header.join(' | '), ...rows.map((r) => r.join(' | ')), '```'].join('\n');
}

const groupRows = (r: Result, withRows = true) => (r.groups ?? []).map((g) => [g.label.join(' / '), fmt(g.value), ...(withRows ? [fmt(g.rows)] : [])]);


/** The answer text of a computed frame. */
export function resultText(f: Frame, r: Result, yearColumns: string[] = []): string {
  // Years read as 2010, not 2,010.
  const fy = (v: unknown) => fmt(v, Boolean(f.column && yearColumns.includes(f.column)));
  const m = measureText(f.op, f.column);
  const on = `_Computed on ${rowsOf(r, f)}${where(f)}._`;
  const more = (r.groups_total ?? 0) > (r.groups?.length ?? 0) ? `\n(${fmt(r.groups?.length ?? 0)} of ${fmt(r.groups_total)} groups shown.)` : '';
  if (f.compare) {
    const [a, b] = r.groups ?? [];
    const diff = typeof a?.value === 'number' && typeof b?.value === 'number' ? `\nDifference: ${fmt(a.value - b.value)} (${a.value >= b.value ? a.label[0] : b.label[0]} ${a.value === b.value ? 'equal' : 'higher'}).` : '';
    return `${m[0].toUpperCase()}${m.slice(1)} for ${code(f.compare.column)} = ${f.compare.values.join(' vs ')}:\n${table([f.compare.column, m, 'rows'], groupRows(r))}${diff}\n${on}`;
  }
  switch (f.op) {
    case 'corr':
      return `Pearson correlation of ${code(f.column!)} and ${code(f.column2!)}: **${fmt(r.value)}** (${strength(r.value)}).\n_Computed on ${fmt(r.used)} rows with both values, of ${rowsOf(r, f)}${where(f)}._`;
    case 'outliers':
      return `**${fmt(r.value)}** values of ${code(f.column!)} are outliers by the 1.5 × IQR rule: outside [${fmt(r.lo)}, ${fmt(r.hi)}] (Q1 ${fmt(r.q1)}, Q3 ${fmt(r.q3)}; ${fmt(r.low)} below, ${fmt(r.high)} above${r.examples?.length ? `; most extreme: ${r.examples.map((x) => fmt(x)).join(', ')}` : ''}).\n_Computed on ${fmt(r.used)} non-missing values, of ${rowsOf(r, f)}${where(f)}._`;
    case 'duplicates':
      return f.column
        ? `**${fmt(r.value)}** rows repeat a value of ${code(f.column)} already seen in an earlier row.\n${on}`
        : `**${fmt(r.value)}** duplicate rows (identical in every column to an earlier row).\n${on}`;
    case 'missing': {
      const total = (r.groups ?? []).reduce((n, g) => n + Number(g.value ?? 0), 0);
      const lines = (r.groups ?? []).filter((g) => f.column || Number(g.value) > 0).map((g) => `• ${code(g.label[0])}: ${fmt(g.value)} missing (${fmt((100 * Number(g.value)) / Math.max(1, r.rows))}%)`);
      const head = f.column ? `${code(f.column)} has **${fmt(total)}** missing values.` : total ? `**${fmt(total)}** missing values in ${code(f.dataset)}, in ${lines.length} column${lines.length === 1 ? '' : 's'}:` : `**0** missing values: no column of ${code(f.dataset)} has any.`;
      return `${head}\n${f.column ? '' : lines.join('\n') + (lines.length ? '\n' : '')}_Computed on ${rowsOf(r, f)}${where(f)}; blank text counts as missing._`;
    }
    case 'range':
      return `${code(f.column!)} runs from **${fy(r.min)}** to **${fy(r.max)}**.\n_Computed on ${fmt(r.used)} non-missing values, of ${rowsOf(r, f)}${where(f)}._`;
    case 'share':
      if (r.base_rows !== undefined && f.filters.length > 1) {
        const [last] = f.filters.slice(-1);
        const baseF = f.filters.slice(0, -1);
        return `**${fmt(r.base_value)}%** of the rows where ${filterText(baseF)} (${fmt(r.rows)} of ${fmt(r.base_rows)}) have ${filterText([last])}; that is ${fmt(r.value)}% of all ${fmt(r.total_rows)} rows of ${code(f.dataset)}.`;
      }
      return f.column
        ? `**${fmt(r.value)}%** of the total of ${code(f.column)} (${fmt(r.part)} of ${fmt(r.whole)}) comes from rows where ${filterText(f.filters)}.\n_Computed on ${rowsOf(r, f)}._`
        : `**${fmt(r.value)}%** of rows (${fmt(r.rows)} of ${fmt(r.total_rows)}) of ${code(f.dataset)} have ${filterText(f.filters)}.`;
    case 'distribution':
    case 'values':
      if (r.stats) return `Distribution of ${code(f.column!)}:\n${table(['statistic', 'value'], r.stats.map(([k, v]) => [k, fmt(v)]))}\nHistogram (from–to: rows): ${(r.bins ?? []).map(([a, b, n]) => `${fmt(a)}–${fmt(b)}: ${n}`).join('; ')}.\n_Computed on ${fmt(r.used)} non-missing values, of ${rowsOf(r, f)}${where(f)}._`;
      if (f.top) return `${f.top.desc ? 'Largest' : 'Smallest'} ${f.top.n} values of ${code(f.column!)}${where(f)}:\n${table(['row', f.column!], groupRows(r, false))}\n${on}`;
      return `${f.op === 'values' ? 'Values' : 'Distribution'} of ${code(f.column!)} (${fmt(r.groups_total)} distinct; rows each):\n${table([f.column!, 'rows'], groupRows(r, false))}${more}\n${on}`;
    default:
      break;
  }
  if (r.groups) {
    const title = f.top ? `${f.top.desc ? 'Top' : 'Bottom'} ${f.top.n} ${f.groupBy.map(code).join(' × ')} by ${m}` : `${m[0].toUpperCase()}${m.slice(1)} by ${f.groupBy.map(code).join(' and ')}`;
    const header = [f.groupBy.join(' / '), f.op === 'count' ? 'rows' : m.replace(/`/g, ''), ...(f.op === 'count' ? [] : ['rows'])];
    const ties = r.ties ? `\n(${fmt(r.ties)} more group${r.ties === 1 ? ' ties' : 's tie'} with the last one shown.)` : '';
    return `${title}:\n${table(header, groupRows(r, f.op !== 'count'))}${more}${ties}\n${on}`;
  }
  if (f.op === 'count') return `**${fmt(r.value)}** rows of ${code(f.dataset)}${f.filters.length ? ` have ${filterText(f.filters)}` : ''} (of ${fmt(r.total_rows)}).`;
  if (f.op === 'nunique') return `**${fmt(r.value)}** distinct values of ${code(f.column!)}.\n${on}`;
  return `${m[0].toUpperCase()}${m.slice(1)}${where(f)}: **${fy(r.value)}**\n_Computed on ${fmt(r.used ?? r.rows)} non-missing values, of ${rowsOf(r, f)}._`;
}

function strength(v: unknown): string {
  if (typeof v !== 'number') return 'not defined';
  const a = Math.abs(v);
  const s = a < 0.1 ? 'almost none' : a < 0.3 ? 'weak' : a < 0.5 ? 'moderate' : a < 0.7 ? 'fairly strong' : 'strong';
  return a < 0.1 ? 'almost no linear relation' : `${s}, ${v > 0 ? 'positive' : 'negative'}`;
}

/** A refusal: what is missing, why, the closest candidates. Never an answer to another question. */
export function refusalText(r: Refusal): string {
  const where = r.dataset ? ` from ${code(r.dataset)}` : '';
  const cands = r.candidates.length ? `\nClosest: ${r.candidates.join(', ')}.` : '';
  return `I can't answer that${where}: I could not resolve ${r.missing} — ${r.reason}.${cands}`;
}
