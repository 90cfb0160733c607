/**
 * From a question's spans to a frame: the computation it asks for (dataset, operation, value
 * column, filters, grouping, ranking, comparison), or a refusal that names the part that could
 * not be resolved and the closest candidates. Nothing is guessed: a word the dataset does not
 * explain, an ambiguous column or a number without a column refuses the question.
 */
import * as chrono from 'chrono-node';
import { distance } from 'fastest-levenshtein';
import { ENTITY_NOUNS, FILLERS, PERSON_NOUNS, type Op } from './lexicon.js';
import type { ColumnInfo, Schema } from './schema.js';
import { findSpans, type Cmp, type Span } from './spans.js';
import { singular, tokenize, type Token } from './tokens.js';

export type FilterOp = Cmp | 'between' | 'in' | 'notin';

/** One row filter. */
export interface Filter {
  column: string;
  op: FilterOp;
  /** eq, ne, gt…: one value; between: [low, high]; in / notin: the values. */
  value: string | number | (string | number)[];
}

/** What a question asks, resolved against one dataset. */
export interface Frame {
  dataset: string;
  op: Op | 'rows' | 'meaning' | 'schema';
  /** The value column (corr: the first). */
  column?: string;
  /** corr: the second column. */
  column2?: string;
  filters: Filter[];
  groupBy: string[];
  /** Top or bottom N groups (or rows) by `op` of `column` (count when no column). */
  top?: { n: number; desc: boolean };
  /** Two groups of one column, compared by `op` of `column`. */
  compare?: { column: string; values: [string, string] };
}

/** A question that cannot be fully resolved. */
export interface Refusal {
  dataset?: string;
  /** The part that is missing, as the user wrote it. */
  missing: string;
  /** Why, in a few words. */
  reason: string;
  /** The closest columns or values. */
  candidates: string[];
}

/** The parts of a question, before they make a frame (follow-ups merge them into the previous frame). */
export interface Pieces {
  dataset: string;
  ops: { op: Op; word: string }[];
  columns: { column: string; text: string; weak: boolean }[];
  ambiguous: { text: string; columns: string[] }[];
  /** A dataset word that could also mean several columns ("sales"): refused when a column is needed. */
  ambiguousWeak: { text: string; columns: string[] }[];
  /** Values and columns the question named (the better the dataset explains it, the more). */
  valueMatches: number;
  /** Columns with one value (e.g. `language` = EN) the question seemed to name: a poor match. */
  constantColumns: number;
  filters: Filter[];
  groupBy: string[];
  top?: { n?: number; desc: boolean };
  compare?: { column: string; values: [string, string] };
  compareWord: boolean;
  unknown: string[];
  /** Numbers with a comparator whose column could not be found. */
  orphanNumbers: string[];
  /** Values whose column is ambiguous. */
  ambiguousValues: { text: string; columns: string[] }[];
  datasetNamed: boolean;
  meaning: boolean;
  schemaAsk: boolean;
  which: boolean;
  /** "the 5 youngest": the word, whose direction depends on the column (age or time). */
  topWord?: string;
  /** "most common …": a ranking by row count. */
  mostCommon: boolean;
  /** "the most games", "fewest customers": a ranking by row count unless a measure is named. */
  mostEntities: boolean;
  /** How much of the question the dataset explained (spans matched). */
  matched: number;
  /** The question. */
  text: string;
}

const MEANING = /\bwhat (?:does|do|did) .*\b(?:mean|means|stand for|represent|represents|measure|measures|refer to)\b|\bmeaning\b|\bdefin(?:e|ition)\b|\bwhat is meant\b|\bexplain\b|\bdescribe the \S+ column\b/i;
const SCHEMA = /\b(columns|fields|variables|schema|dtypes?)\b/i;
const DATA_WORDS = new Set(['data', 'dataset', 'file', 'table', 'sheet', 'csv']);
const HANDLED = new Set(['higher', 'lower', 'more', 'less', 'better', 'worse', 'bigger', 'smaller', 'larger', 'greater', 'between', 'and', 'or', 'to', 'common', 'frequent', 'popular', 'often', 'which', 'what', 'level', 'levels', 'much', 'strongly', 'strong', 'closely', 'any', 'mostly', 'explain', 'describe', 'define', 'definition', 'mean', 'means', 'meaning', 'stand', 'represent', 'represents']);

const col = (schema: Schema, name: string) => schema.columns.find((c) => c.name === name)!;
const fillerish = (s: Span) => s.kind === 'word' && (FILLERS.has(s.word) || ENTITY_NOUNS.has(s.word) || DATA_WORDS.has(s.word));

/** Scales a number written with k / million to the column's unit ("70k" of `remuneration (k£)` is 70). */
function scaled(c: ColumnInfo | undefined, t: Token): number {
  if (!c || t.num === undefined) return t.num ?? NaN;
  if (t.scale === 'k' && c.inThousands) return t.num / 1_000;
  if (t.scale === 'm' && c.inMillions) return t.num / 1_000_000;
  return t.num;
}

/** Breaks a question into pieces against one dataset. */
export function questionPieces(text: string, schema: Schema): Pieces {
  // Dates written in words or ISO ("after March 2021", "before 2021-02-15") when the dataset has a date column.
  const dates: { from: string; to: string }[] = [];
  let plain = text;
  if (schema.columns.some((c) => c.kind === 'date')) {
    for (const r of chrono.parse(text, new Date(2000, 0, 1)).reverse()) {
      const start = r.start.date();
      // Only dates with a written year: "last year" would be relative to a clock the data does not share.
      if (!r.start.isCertain('year') || !/\b\d{4}\b/.test(r.text)) continue;
      const end = r.start.isCertain('day') ? start : r.start.isCertain('month') ? new Date(start.getFullYear(), start.getMonth() + 1, 0) : new Date(start.getFullYear(), 11, 31);
      const iso = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
      plain = `${plain.slice(0, r.index)} dsbotdate${dates.length} ${plain.slice(r.index + r.text.length)}`;
      dates.push({ from: iso(start), to: iso(end) });
    }
  }
  const tokens = tokenize(plain);
  const all = findSpans(tokens, schema).map((s): Span => {
    const m = s.kind === 'word' ? /^dsbotdate(\d+)$/.exec(s.word) : null;
    return m ? { kind: 'date', ...dates[Number(m[1])], start: s.start, end: s.end, text: `${dates[Number(m[1])].from}` } : s;
  });
  const p: Pieces = {
    dataset: schema.dataset, ops: [], columns: [], ambiguous: [], ambiguousWeak: [], valueMatches: 0, constantColumns: 0, filters: [], groupBy: [], compareWord: false, unknown: [],
    orphanNumbers: [], ambiguousValues: [], datasetNamed: false, meaning: MEANING.test(text), schemaAsk: false, which: /^\s*(which|what (are|were))\b/i.test(text),
    mostCommon: /\bmost (common|frequent|popular)\b|\b(commonest|most often)\b/i.test(text),
    mostEntities: new RegExp(`\\b(most|fewest|least)\\s+(${[...ENTITY_NOUNS, ...[...schema.datasetWords].flatMap((w) => [w, `${w}s`])].join('|')})\\b`, 'i').test(text),
    matched: 0,
    text,
  };
  // One reading per position: a word that is both a column and a value (e.g. "platform") is the
  // column after by/per/of, the value before a noun ("platform games").
  const spans: Span[] = [];
  for (let i = 0; i < all.length; ) {
    const group = all.filter((s) => s.start === all[i].start);
    i += group.length;
    if (group.length === 1) {
      spans.push(group[0]);
      continue;
    }
    const prev = spans.at(-1);
    const next = all[i];
    const values = group.filter((s) => s.kind === 'value');
    const column = group.find((s) => s.kind === 'column');
    const nextNoun = next?.kind === 'word' && ENTITY_NOUNS.has(next.word);
    if (column && (!values.length || !nextNoun || prev?.kind === 'group')) spans.push(column);
    else if (values.length === 1) spans.push(values[0]);
    else spans.push({ ...values[0], values: values.flatMap((v) => (v.kind === 'value' ? v.values : [])), column: values.map((v) => (v.kind === 'value' ? v.column : '')).join('\u0000') });
  }
  p.constantColumns = spans.filter((s) => s.kind === 'column' && s.columns.every((c) => col(schema, c).unique <= 1)).length;
  const used = new Set<number>(); // indexes into spans consumed
  const take = (i: number) => used.add(i);
  const at = (i: number) => spans[i];
  // "sales data", "the reviews dataset": the dataset, not a column.
  spans.forEach((s, i) => {
    if (s.kind === 'dataset') (p.datasetNamed = true), take(i);
    if (s.kind === 'column' && at(i + 1)?.kind === 'word' && DATA_WORDS.has((at(i + 1) as { word: string }).word) && s.text.split(' ').every((w) => schema.datasetWords.has(singular(w.toLowerCase())))) {
      p.datasetNamed = true;
      take(i);
    }
  });
  const columnNear = (from: number, dir: -1 | 1, reach: number) => {
    for (let k = from + dir, n = 0; k >= 0 && k < spans.length && n < reach; k += dir, n++) {
      const s = at(k);
      if (s.kind === 'column' && !used.has(k) && s.columns.length === 1) return k;
      if (!fillerish(s) && s.kind !== 'op' && s.kind !== 'negation') return -1;
    }
    return -1;
  };
  const impliedColumn = (word: string, num?: Token, at?: number) => {
    const w = word.toLowerCase();
    // "customers over 60": a bare comparator after a person is about their age.
    const before = at !== undefined ? spans.slice(Math.max(0, at - 3), at).find((s) => s.kind === 'word' && PERSON_NOUNS.has(s.word)) : undefined;
    if (before?.kind === 'word' && PERSON_NOUNS.has(before.word) && /^(over|above|under|below)$/.test(w) && !num?.scale) return schema.columns.filter((c) => c.isAge);
    if (/older|younger|aged|years old/.test(w)) return schema.columns.filter((c) => c.isAge);
    if (num?.year || /after|before|since|until|released/.test(w)) return num?.year ? schema.columns.filter((c) => c.isTime) : [];
    return [];
  };
  const addNumeric = (cmpAt: number, numAt: number, op: FilterOp, nums: Token[], word: string) => {
    // A comparator that says which column it is about ("older than", "after 2010") wins over a column nearby.
    // Order: a comparator that names its column ("older than", "after 2010"), a column next to it, then a person ("customers over 60": age).
    let implied = impliedColumn(word, nums[0]);
    let k = implied.length === 1 ? -1 : columnNear(cmpAt, -1, 3);
    if (k < 0 && implied.length !== 1) k = columnNear(numAt, 1, 2);
    if (k < 0 && implied.length !== 1) implied = impliedColumn(word, nums[0], cmpAt);
    let name: string | undefined;
    if (implied.length === 1) {
      name = implied[0].name;
      // The same column named next to it is part of the filter ("released after 2010").
      for (const j of [cmpAt - 1, cmpAt - 2]) {
        const s = at(j);
        if (s?.kind === 'column' && s.columns.includes(name) && at(j - 1)?.kind !== 'group') take(j);
      }
    } else if (k >= 0) {
      const s = at(k);
      if (s.kind === 'column') name = s.columns[0];
      take(k);
    }
    if (!name || col(schema, name).kind === 'text') {
      p.orphanNumbers.push(`${word} ${nums.map((n) => n.raw).join(' and ')}`.trim());
      return;
    }
    const c = col(schema, name);
    const vals = nums.map((n) => scaled(c, n));
    p.filters.push({ column: name, op, value: op === 'between' ? [Math.min(...vals), Math.max(...vals)] : vals[0] });
  };
  // Dates: a comparator (or between … and …) before them, on the dataset's one date column (or one named next to it).
  for (let i = 0; i < spans.length; i++) {
    const s = at(i);
    if (s.kind !== 'date') continue;
    take(i);
    const prev = at(i - 1);
    const second = at(i + 1)?.kind === 'word' && /^(and|to)$/.test(at(i + 1)!.text.toLowerCase()) && at(i + 2)?.kind === 'date' ? (at(i + 2) as Extract<Span, { kind: 'date' }>) : undefined;
    const near = [i - 2, i - 3, i + 1].map(at).find((x) => x?.kind === 'column' && x.columns.length === 1 && col(schema, x.columns[0]).kind === 'date');
    const dateCols = schema.columns.filter((c) => c.kind === 'date');
    const column = near?.kind === 'column' ? near.columns[0] : dateCols.length === 1 ? dateCols[0].name : undefined;
    if (near) take(spans.indexOf(near));
    if (!column) {
      p.orphanNumbers.push(s.text);
      continue;
    }
    if (second) {
      [i + 1, i + 2].forEach(take);
      if (prev?.kind === 'word' || prev?.kind === 'cmp') take(i - 1);
      p.filters.push({ column, op: 'between', value: [s.from, second.to] });
      i += 2;
      continue;
    }
    const cmp = prev?.kind === 'cmp' ? prev.cmp : 'eq';
    if (prev?.kind === 'cmp') take(i - 1);
    if (cmp === 'eq') p.filters.push({ column, op: 'between', value: [s.from, s.to] });
    else p.filters.push({ column, op: cmp, value: cmp === 'gt' || cmp === 'le' ? s.to : s.from });
  }
  // Numbers: between A and B, comparator N (trailing comparator), column N, top N, which N.
  for (let i = 0; i < spans.length; i++) {
    const s = at(i);
    if (s.kind !== 'number' || used.has(i)) continue;
    const prev = at(i - 1);
    const next = at(i + 1);
    const andNum = next?.kind === 'word' && (next.word === 'and' || next.word === 'to') && at(i + 2)?.kind === 'number';
    if (andNum && ((prev?.kind === 'word' && prev.word === 'between') || (prev?.kind === 'cmp' && /from|aged/.test(prev.word)))) {
      const hi = at(i + 2) as Extract<Span, { kind: 'number' }>;
      [i - 1, i, i + 1, i + 2].forEach(take);
      const word = at(i - 2)?.kind === 'cmp' ? (at(i - 2) as { word: string }).word : prev.kind === 'cmp' ? prev.word : 'between';
      if (at(i - 2)?.kind === 'cmp') take(i - 2);
      addNumeric(i - 1, i + 2, 'between', [s.token, hi.token], word);
      i += 2;
      continue;
    }
    if (andNum && prev?.kind === 'column' && prev.columns.length === 1 && col(schema, prev.columns[0]).kind === 'numeric') {
      const hi = at(i + 2) as Extract<Span, { kind: 'number' }>;
      const c = col(schema, prev.columns[0]);
      p.filters.push({ column: c.name, op: 'between', value: [Math.min(scaled(c, s.token), scaled(c, hi.token)), Math.max(scaled(c, s.token), scaled(c, hi.token))] });
      [i - 1, i, i + 1, i + 2].forEach(take);
      i += 2;
      continue;
    }
    if (next && /^years?$/i.test(next.text) && /^old$/i.test(at(i + 2)?.text ?? '')) {
      const ages = schema.columns.filter((c) => c.isAge);
      if (ages.length === 1) {
        const op = prev?.kind === 'cmp' ? prev.cmp : 'eq';
        if (prev?.kind === 'cmp') take(i - 1);
        [i, i + 1, i + 2].forEach(take);
        p.filters.push({ column: ages[0].name, op, value: s.value });
        i += 2;
        continue;
      }
    }
    if (next?.kind === 'op' && /^(highest|lowest|largest|smallest|biggest|youngest|oldest|earliest|latest|newest)$/.test(next.word.toLowerCase()) && (prev?.kind === 'word' || !prev)) {
      const w = next.word.toLowerCase();
      p.top = { n: s.value, desc: /^(highest|largest|biggest|oldest|latest|newest)$/.test(w) };
      if (/^(oldest|youngest|earliest|latest|newest)$/.test(w)) p.topWord = w;
      take(i);
      take(i + 1);
      continue;
    }
    if (prev?.kind === 'op' && /^(highest|lowest|largest|smallest|most|least|biggest|fewest)$/.test(prev.word.toLowerCase())) {
      p.top = { n: s.value, desc: /^(highest|largest|most|biggest)$/.test(prev.word.toLowerCase()) };
      take(i);
      continue;
    }
    if (prev?.kind === 'top' || (prev?.kind === 'word' && (prev.word === 'which' || prev.word === 'the' || prev.word === 'what') && (next?.kind === 'column' || next?.kind === 'op' || next?.kind === 'top'))) {
      p.top = { n: s.value, desc: prev.kind === 'top' ? prev.desc : true };
      take(i);
      if (prev.kind === 'top') take(i - 1);
      continue;
    }
    if (prev?.kind === 'cmp' || next?.kind === 'trailing') {
      const trailing = next?.kind === 'trailing' ? next.cmp : undefined;
      if (prev?.kind === 'cmp' && prev.cmp === 'eq' && prev.word.toLowerCase() === 'in' && !s.token.year) continue;
      const op = trailing ?? (prev as { cmp: Cmp }).cmp;
      if (prev?.kind === 'cmp') take(i - 1);
      if (trailing) take(i + 1);
      take(i);
      addNumeric(prev?.kind === 'cmp' ? i - 1 : i, i, op, [s.token], prev?.kind === 'cmp' ? prev.word : s.text);
      continue;
    }
    if (prev?.kind === 'column' && prev.columns.length === 1 && col(schema, prev.columns[0]).kind === 'numeric') {
      p.filters.push({ column: prev.columns[0], op: 'eq', value: s.value });
      take(i - 1);
      take(i);
    }
  }
  // Values: filters (negated after not/without/excluding), "A or B" → in, "A and B" with a comparison word → compare.
  p.compareWord =
    spans.some((s, i) => s.kind === 'compare' || (s.kind === 'cmp' && /than/.test(s.word) && at(i + 1)?.kind !== 'number')) ||
    /\b(who|which)\b.*\b(more|less|higher|lower|better|worse|bigger|smaller)\b.*\bor\b/i.test(text);
  const valueRuns: { column: string; values: string[]; negated: boolean; idx: number[] }[] = [];
  for (let i = 0; i < spans.length; i++) {
    const s = at(i);
    if (s.kind !== 'value') continue;
    take(i);
    p.valueMatches++;
    if (s.column.includes('\u0000')) {
      p.ambiguousValues.push({ text: s.text, columns: s.column.split('\u0000') });
      continue;
    }
    if (s.values.length > 1) {
      p.ambiguousValues.push({ text: s.text, columns: s.values.map((v) => `${s.column} = ${v}`) });
      continue;
    }
    let negated = false;
    for (let k = i - 1, n = 0; k >= 0 && n < 4; k--, n++) {
      const b = at(k);
      if (b.kind === 'negation') {
        negated = true;
        take(k);
        break;
      }
      if (b.kind === 'value' || b.kind === 'number') break;
    }
    const last = valueRuns.at(-1);
    const between = last ? spans.slice(last.idx.at(-1)! + 1, i) : [];
    const joined = last && last.column === s.column && between.length <= 3 && between.every((b) => fillerish(b) || b.kind === 'compare' || (b.kind === 'column' && b.columns.includes(s.column)));
    if (joined && last) {
      last.values.push(s.values[0]);
      last.idx.push(i);
    } else valueRuns.push({ column: s.column, values: [s.values[0]], negated, idx: [i] });
    // The column named next to its own value ("postgraduate degree", "education Basic") is part of the filter.
    for (const k of [i - 1, i + 1]) {
      const n = at(k);
      if (n?.kind === 'column' && n.columns.includes(s.column)) take(k);
    }
  }
  // Two values of one column in a comparison ("PhD vs graduate", "postgraduates … more than diploma holders").
  if (p.compareWord) {
    const plain = valueRuns.filter((r) => !r.negated);
    const pair = plain.find((r) => r.values.length === 2) ?? (plain.length === 2 && plain[0].column === plain[1].column ? { column: plain[0].column, values: [plain[0].values[0], plain[1].values[0]] } : undefined);
    if (pair) {
      p.compare = { column: pair.column, values: [pair.values[0], pair.values[1]] };
      for (let k = valueRuns.length - 1; k >= 0; k--) if (valueRuns[k].column === pair.column && !valueRuns[k].negated) valueRuns.splice(k, 1);
    }
  }
  for (const r of valueRuns) {
    if (r.values.length === 1) p.filters.push({ column: r.column, op: r.negated ? 'ne' : 'eq', value: r.values[0] });
    else p.filters.push({ column: r.column, op: r.negated ? 'notin' : 'in', value: r.values });
  }
  // Grouping: by / per / for each + one or two columns.
  for (let i = 0; i < spans.length; i++) {
    const s = at(i);
    if (s.kind !== 'group') continue;
    take(i);
    const cols: number[] = [];
    for (let k = i + 1; k < spans.length && cols.length < 2; k++) {
      const n = at(k);
      if (n.kind === 'column' && !used.has(k) && n.columns.length === 1) cols.push(k);
      else if (!(n.kind === 'word' && (n.word === 'and' || n.word === 'the' || n.word === 'level' || n.word === 'levels'))) break;
    }
    if (!cols.length) continue;
    const names = cols.map((k) => (at(k) as { columns: string[] }).columns[0]);
    // After "top N … by", a numeric column is what the ranking is by.
    if ((p.top || p.which) && names.length === 1 && col(schema, names[0]).kind === 'numeric' && !(col(schema, names[0]).integer && col(schema, names[0]).unique < 100)) continue;
    cols.forEach(take);
    for (const n of names) if (!p.groupBy.includes(n)) p.groupBy.push(n);
  }
  // Operations, columns, unknown words.
  spans.forEach((s, i) => {
    if (s.kind === 'op') {
      p.ops.push({ op: s.op, word: s.text.toLowerCase() });
      take(i);
    } else if (s.kind === 'top' && !used.has(i)) {
      p.top = p.top ?? { desc: s.desc };
      take(i);
    }
  });
  spans.forEach((s, i) => {
    if (used.has(i)) return;
    p.matched += s.kind === 'word' ? 0 : 1;
    if (s.kind === 'column') {
      const weak = s.text.split(' ').every((w) => schema.datasetWords.has(singular(w.toLowerCase())));
      if (s.columns.length === 1) {
        if (!p.columns.some((c) => c.column === s.columns[0])) p.columns.push({ column: s.columns[0], text: s.text, weak });
      } else if (!weak) p.ambiguous.push({ text: s.text, columns: s.columns });
      else p.ambiguousWeak.push({ text: s.text, columns: s.columns });
    } else if (s.kind === 'word' && !FILLERS.has(s.word) && !ENTITY_NOUNS.has(s.word) && !DATA_WORDS.has(s.word) && !HANDLED.has(s.word) && !schema.datasetWords.has(singular(s.word))) {
      p.unknown.push(s.text);
    } else if (s.kind === 'number') p.orphanNumbers.push(s.text);
  });
  // "sold … globally": an ambiguous word next to a column it could mean is that column.
  p.ambiguous = p.ambiguous.filter((a) => !a.columns.some((c) => p.columns.some((x) => x.column === c && !x.weak)));
  p.ambiguousWeak = p.ambiguousWeak.filter((a) => !a.columns.some((c) => p.columns.some((x) => x.column === c && !x.weak)));
  p.matched += used.size;
  p.schemaAsk = SCHEMA.test(text) && !p.columns.some((c) => !c.weak);
  return p;
}

/** The closest columns and values to a word (edit distance on names and their words). */
export function closest(schema: Schema, word: string, n = 4): string[] {
  const w = word.toLowerCase();
  const scored: [string, number][] = [];
  for (const c of schema.columns) {
    const d = Math.min(distance(w, c.name.toLowerCase()), ...c.words.map((x) => distance(w, x)));
    scored.push([`\`${c.name}\``, d / Math.max(w.length, 1)]);
    for (const v of c.values?.slice(0, 200) ?? []) scored.push([`${v} (\`${c.name}\`)`, distance(w, v.toLowerCase()) / Math.max(w.length, v.length, 1)]);
  }
  return scored.sort((a, b) => a[1] - b[1]).slice(0, n).map(([s]) => s);
}
