/** Pieces → a frame or a refusal; a follow-up's pieces merged into the thread's previous frame. */
import type { Op } from './lexicon.js';
import { closest, type Filter, type Frame, type Pieces, type Refusal } from './frame.js';
import type { Schema } from './schema.js';

const AGGS: Op[] = ['mean', 'median', 'sum', 'std', 'var', 'min', 'max'];
const SPECIAL: Op[] = ['corr', 'outliers', 'duplicates', 'missing', 'distribution', 'share', 'range', 'values'];
const RANK_WORDS = /^(highest|lowest|most|least|largest|smallest|biggest|fewest|greatest|max|min|maximum|minimum|top|bottom)$/;
const DESC_WORDS = /^(highest|most|largest|biggest|greatest|max|maximum|top|best)$/;

const info = (s: Schema, name: string) => s.columns.find((c) => c.name === name)!;
const numeric = (s: Schema, name: string) => info(s, name).kind === 'numeric';
const groupable = (s: Schema, name: string) => {
  const c = info(s, name);
  return c.kind === 'text' || c.kind === 'date' || c.kind === 'boolean' || (c.kind === 'numeric' && Boolean(c.integer) && (c.isTime || c.unique < s.rows * 0.6) && !c.isAge);
};
const code = (x: string) => `\`${x}\``;

/** The refusal for what the pieces could not resolve, if anything. */
export function unresolved(p: Pieces, schema: Schema): Refusal | undefined {
  const ds = schema.dataset;
  if (p.unknown.length) {
    const words = [...new Set(p.unknown)];
    return { dataset: ds, missing: words.map((w) => `"${w}"`).join(', '), reason: `nothing in ${code(ds)} matches ${words.length > 1 ? 'these words' : 'it'} (no column, value or known term)`, candidates: closest(schema, words[0]) };
  }
  if (p.ambiguousValues.length) {
    const a = p.ambiguousValues[0];
    return { dataset: ds, missing: `"${a.text}"`, reason: 'it matches more than one value or column; name the one you mean', candidates: a.columns.map((c) => c.replace(/^([^=]+?) = /, '`$1` = ').replace(/^([^`][^=]*)$/, '`$1`')) };
  }
  if (p.ambiguous.length) {
    const a = p.ambiguous[0];
    return { dataset: ds, missing: `"${a.text}"`, reason: 'it could mean several columns; name the one you mean', candidates: a.columns.map(code) };
  }
  if (p.orphanNumbers.length) {
    const numCols = schema.columns.filter((c) => c.kind === 'numeric').map((c) => code(c.name));
    return { dataset: ds, missing: `the column for "${p.orphanNumbers[0]}"`, reason: 'I cannot tell which column that number is about', candidates: numCols.slice(0, 6) };
  }
  return undefined;
}

const refuse = (schema: Schema, missing: string, reason: string, candidates: string[]): Refusal => ({ dataset: schema.dataset, missing, reason, candidates });
const numericCandidates = (s: Schema) => s.columns.filter((c) => c.kind === 'numeric').map((c) => code(c.name)).slice(0, 6);

/** The frame a question's pieces ask for (no previous frame). */
export function buildFrame(p: Pieces, schema: Schema): Frame | Refusal {
  const bad = unresolved(p, schema);
  if (bad) return bad;
  const base = { dataset: schema.dataset, filters: p.filters, groupBy: p.groupBy };
  const strong = p.columns.filter((c) => !c.weak).map((c) => c.column);
  const any = [...strong, ...p.columns.filter((c) => c.weak).map((c) => c.column)];
  const ops = p.ops.map((o) => o.op);
  if (p.meaning) {
    const column = any[0] ?? p.groupBy[0];
    return column ? { ...base, op: 'meaning', column } : refuse(schema, 'the column', 'I cannot tell which column you are asking about', schema.columns.map((c) => code(c.name)).slice(0, 6));
  }
  if (/^\s*(why|how come)\b/i.test(p.text)) return refuse(schema, '"why"', 'I compute figures from the data but cannot tell causes; ask for the figures (e.g. a comparison of averages)', []);
  const special = SPECIAL.find((o) => ops.includes(o)) ?? (ops.includes('min') && ops.includes('max') ? 'range' : undefined);
  if (special) return specialFrame(special, p, schema, strong, any);
  const rankWords = p.ops.filter((o) => RANK_WORDS.test(o.word));
  const aggWord = p.ops.find((o) => AGGS.includes(o.op) && !RANK_WORDS.test(o.word) && !/oldest|youngest|earliest|latest|newest/.test(o.word));
  if (p.compare) {
    const column = strong.find((c) => numeric(schema, c) && c !== p.compare!.column);
    const op: Op = aggWord?.op ?? (column ? 'mean' : 'count');
    return { ...base, op, column: op === 'count' ? undefined : column, compare: p.compare };
  }
  const needsMeasure = p.ambiguousWeak[0];
  const isTop = p.top || p.mostCommon || (p.mostEntities && p.which) || (p.which && rankWords.length > 0 && (strong.length + p.groupBy.length >= 2 || ops.includes('count') || Boolean(needsMeasure)));
  if (isTop) {
    const group = p.groupBy[0] ?? strong.find((c) => groupable(schema, c));
    const measure = strong.find((c) => c !== group && numeric(schema, c) && !p.groupBy.includes(c));
    const desc = p.top?.desc ?? (rankWords.length ? !rankWords.some((o) => !DESC_WORDS.test(o.word)) : !/\b(fewest|least)\b/i.test(p.text));
    const n = p.top?.n ?? 1;
    if (!measure && needsMeasure && !p.mostCommon && !ops.includes('count')) return refuse(schema, `"${needsMeasure.text}"`, 'it could mean several columns; name the one you mean', needsMeasure.columns.map(code));
    const op: Op = p.mostCommon || !measure ? 'count' : (aggWord?.op ?? (ops.includes('count') ? 'count' : 'sum'));
    if (!group || (p.topWord && !measure)) {
      const only = measure ?? strong[0];
      if (!only) return refuse(schema, 'what to rank', 'I cannot tell which column to rank by', numericCandidates(schema));
      // "the 5 youngest": smallest ages, but the 5 oldest years are the smallest years.
      const dir = p.topWord ? (info(schema, only).isAge ? /oldest/.test(p.topWord) : /latest|newest/.test(p.topWord)) : desc;
      return { ...base, op: 'values', column: only, top: { n, desc: dir } };
    }
    return { ...base, op, column: op === 'count' ? undefined : measure, groupBy: [group, ...p.groupBy.filter((g) => g !== group)].slice(0, 2), top: { n, desc } };
  }
  if (needsMeasure && !strong.some((c) => numeric(schema, c)) && p.ops.some((o) => AGGS.includes(o.op)))
    return refuse(schema, `"${needsMeasure.text}"`, 'it could mean several columns; name the one you mean', needsMeasure.columns.map(code));
  const oldest = p.ops.find((o) => /oldest|youngest|earliest|latest|newest/.test(o.word));
  const agg = aggWord ?? oldest ?? p.ops.find((o) => AGGS.includes(o.op));
  const counting = ops.includes('count') || ops.includes('nunique');
  if (agg && !(counting && /^(total|most|highest)$/.test(agg.word))) {
    const column = strong.find((c) => info(schema, c).kind === 'numeric' || info(schema, c).kind === 'date') ?? strong[0];
    if (!column) return refuse(schema, `the column for "${agg.word}"`, 'I cannot tell which column to compute it over', numericCandidates(schema));
    let op = agg.op;
    if (oldest && agg === oldest) op = info(schema, column).isAge ? (/oldest/.test(oldest.word) ? 'max' : 'min') : /oldest|earliest/.test(oldest.word) ? 'min' : 'max';
    if (info(schema, column).kind !== 'numeric' && !(info(schema, column).kind === 'date' && (op === 'min' || op === 'max')))
      return refuse(schema, `a number column for "${agg.word}"`, `${code(column)} is not numeric`, numericCandidates(schema));
    return { ...base, op, column };
  }
  if (counting) {
    const target = strong.find((c) => !p.groupBy.includes(c));
    if (target && (ops.includes('nunique') || info(schema, target).kind === 'text' || groupable(schema, target))) return { ...base, op: 'nunique', column: target };
    if (target && !ops.includes('nunique')) return { ...base, op: 'count', column: target };
    return { ...base, op: 'count' };
  }
  if (p.schemaAsk) return { ...base, op: 'schema' };
  if (strong.length === 1 && !p.filters.length && !p.groupBy.length) {
    const c = info(schema, strong[0]);
    return p.which && (c.kind === 'text' || groupable(schema, c.name)) ? { ...base, op: 'values', column: c.name } : { ...base, op: 'meaning', column: c.name };
  }
  if (!strong.length && (p.filters.length || p.groupBy.length)) return { ...base, op: 'count' };
  return refuse(schema, 'what to compute', 'I could not tell which figure you want (for example a count, an average, a total, a share or a ranking)', []);
}

function specialFrame(op: Op, p: Pieces, schema: Schema, strong: string[], any: string[]): Frame | Refusal {
  const base = { dataset: schema.dataset, filters: p.filters, groupBy: p.groupBy };
  switch (op) {
    case 'corr': {
      const nums = strong.filter((c) => numeric(schema, c));
      if (nums.length < 2) return refuse(schema, nums.length ? 'a second number column' : 'two number columns', 'a correlation needs two numeric columns', numericCandidates(schema).filter((c) => !nums.map(code).includes(c)));
      return { ...base, op, column: nums[0], column2: nums[1] };
    }
    case 'outliers': {
      const column = strong.find((c) => numeric(schema, c));
      return column ? { ...base, op, column } : refuse(schema, 'a number column', 'outliers are counted in one numeric column', numericCandidates(schema));
    }
    case 'share':
      if (!p.filters.length) return refuse(schema, 'which rows the share is of', 'name the part, e.g. "share of customers with a PhD"', []);
      return { ...base, op, column: strong.find((c) => numeric(schema, c)) };
    case 'distribution': {
      const column = strong[0] ?? p.groupBy[0] ?? any[0];
      return column ? { ...base, op, column, groupBy: p.groupBy.filter((g) => g !== column) } : refuse(schema, 'the column', 'name the column whose distribution you want', schema.columns.map((c) => code(c.name)).slice(0, 6));
    }
    case 'range': {
      const column = strong.find((c) => info(schema, c).isTime) ?? strong[0] ?? schema.columns.find((c) => c.isTime && /year|date|cover|span/.test(''))?.name;
      return column ? { ...base, op, column } : refuse(schema, 'the column', 'name the column whose range you want', schema.columns.filter((c) => c.kind !== 'text').map((c) => code(c.name)).slice(0, 6));
    }
    case 'values': {
      const column = strong[0] ?? any[0];
      return column ? { ...base, op, column } : refuse(schema, 'the column', 'name the column whose values you want', schema.columns.filter((c) => c.kind === 'text').map((c) => code(c.name)));
    }
    default:
      return { ...base, op, column: any[0] };
  }
}

const FOLLOW_UP = /^\s*(and|what about|how about|same|now|only|just|but|also|then|ok|okay|what if)\b|^\s*(for|by|per|in|among|excluding|without|with)\b/i;

/** True when the text reads as a follow-up of the previous question ("and by gender?", "what about EU sales?"). */
export function looksLikeFollowUp(text: string, p: Pieces): boolean {
  const hasVerb = /\b(how many|what is|what are|which|show|list|compare|top|correlation|distribution)\b/i.test(text) && !/^\s*(and|what about|how about)\b/i.test(text);
  return FOLLOW_UP.test(text) || (!hasVerb && !p.columns.some((c) => !c.weak) && !p.ops.length && text.trim().split(/\s+/).length <= 5) || /\b(that|this|the same) (column|field|one|figure)\b/i.test(text);
}

/** Merges a follow-up's pieces into the previous frame. */
export function mergeFollowUp(prev: Frame, p: Pieces, schema: Schema): Frame | Refusal {
  const bad = unresolved(p, schema);
  if (bad) return bad;
  const frame: Frame = { ...prev, filters: [...prev.filters], groupBy: [...prev.groupBy] };
  if (p.meaning) return { ...frame, op: 'meaning', column: p.columns[0]?.column ?? prev.column ?? prev.groupBy[0], filters: [], groupBy: [], top: undefined, compare: undefined };
  if (p.groupBy.length) frame.groupBy = p.groupBy;
  const replaced = new Set<string>();
  for (const f of p.filters) {
    // A new value for a column already filtered replaces it ("and for males?" after females).
    if (!replaced.has(f.column)) frame.filters = frame.filters.filter((x) => x.column !== f.column || (isRange(x) && !isRange(f)));
    replaced.add(f.column);
    frame.filters.push(f);
  }
  const strong = p.columns.filter((c) => !c.weak).map((c) => c.column);
  const newOp = p.ops.find((o) => !RANK_WORDS.test(o.word) || !prev.top)?.op;
  if (p.top || (prev.top && p.ops.some((o) => RANK_WORDS.test(o.word)))) {
    const desc = p.top?.desc ?? p.ops.some((o) => DESC_WORDS.test(o.word));
    frame.top = { n: p.top?.n ?? prev.top?.n ?? 1, desc };
  }
  if (newOp && newOp !== 'count' && ['mean', 'median', 'sum', 'std', 'var', 'min', 'max'].includes(newOp) && !(prev.top && RANK_WORDS.test(p.ops[0].word))) frame.op = newOp;
  if (strong.length) {
    const c = strong.find((x) => !frame.groupBy.includes(x) && !p.filters.some((f) => f.column === x));
    if (c && (numeric(schema, c) || frame.op === 'meaning' || frame.op === 'values' || frame.op === 'distribution' || frame.op === 'missing' || frame.op === 'range')) frame.column = c;
  }
  if (p.compare) frame.compare = p.compare;
  return frame;
}

const isRange = (f: Filter) => f.op !== 'eq' && f.op !== 'ne' && f.op !== 'in' && f.op !== 'notin';
