/**
 * Chat without a language model: deterministic answers from the profile, the data dictionary and
 * the knowledge store (columns and types, missing values, ranges, top values, what a column
 * means, averages and counts by group), and a plain "this needs a model" otherwise.
 */
import { parseDataDictionary } from '../../knowledge/docs-indexer.js';
import type { KnowledgeStore } from '../../knowledge/types.js';
import type { ColumnProfile, ChatData, DatasetProfile } from './data-service.js';
import { mentionedColumns, mentionedDatasets, resolveColumn, words } from './column-match.js';
import type { ChatHistory } from './history.js';
import type { ChatAnswer, ChatQuestion } from './types.js';

export const NEEDS_MODEL =
  'That question needs a language model, and none is configured (builtin mode). Without one I can answer from the profile and the data dictionary: ' +
  'which columns and types a dataset has, missing values, ranges, top values, what a column means, and averages or counts by group ' +
  '(e.g. "average spending score by education"). To ask anything else, set ANTHROPIC_API_KEY or OPENAI_API_KEY (or model.baseUrl for a local server).';

const has = (re: RegExp, t: string) => re.test(t);
const fmt = (v: unknown) => (typeof v === 'number' ? String(Math.round(v * 100) / 100) : String(v));
const code = (s: string) => `\`${s}\``;

/** Options of the builtin answerer. */
export interface BuiltinChatOptions {
  /** Datasets, profiles and queries. */
  data: ChatData;
  /** Dataset docs (column lookups such as income → remuneration). */
  knowledge: KnowledgeStore;
  /** Per-thread history (the last dataset talked about). */
  history: ChatHistory;
  /** Indexes a dataset's docs (dictionary + profile) before knowledge lookups. */
  ensureIndexed: (name: string, profile: DatasetProfile) => Promise<void>;
}

interface Ctx {
  signal?: AbortSignal;
  q: string;
  ds: string;
  p: DatasetProfile;
  cols: string[];
  o: BuiltinChatOptions;
}

const answer = (text: string, datasets: string[] = [], columns: string[] = []): ChatAnswer => ({ text, datasets, columns });
const colProfile = (p: DatasetProfile, c: string) => p.columns.find((x) => x.name === c)!;

function listDatasets(o: BuiltinChatOptions): ChatAnswer {
  const lines = o.data.datasets().map((d) => `• ${code(d.name)}${d.description ? ` — ${d.description}` : ''}`);
  return answer(lines.length ? `I know these datasets:\n${lines.join('\n')}` : 'No datasets are configured yet.', []);
}

async function pickDataset(q: ChatQuestion, o: BuiltinChatOptions): Promise<string | undefined> {
  const names = o.data.datasets().map((d) => d.name);
  const named = mentionedDatasets(q.text, names);
  if (named.length) return named[0];
  if (names.length === 1) return names[0];
  // The dataset whose columns the question names most.
  let best: { name: string; n: number } | undefined;
  for (const name of names) {
    const p = await o.data.profile(name).catch(() => undefined);
    if (p) await o.ensureIndexed(name, p).catch(() => undefined);
    const n = p ? mentionedColumns(q.text, p.columns.map((c) => c.name)).length : 0;
    if (n && (!best || n > best.n)) best = { name, n };
  }
  if (best) return best.name;
  // A column described like the question (e.g. "income" → remuneration), in any dataset.
  const hits = await o.knowledge.search('datasets', q.text, { k: 1, where: { kind: 'column' } }).catch(() => []);
  const found = hits[0] && hits[0].score >= 0.3 ? String(hits[0].metadata.dataset) : undefined;
  if (found && names.includes(found)) return found;
  const last = o.history.turns(q.threadRef).at(-1)?.datasets[0];
  return last && names.includes(last) ? last : undefined;
}

/** The question without the words that name the dataset ("reviews" is not the `review` column). */
function withoutDatasetWords(text: string, dataset: string): string {
  let t = ` ${words(text)} `;
  for (const w of [words(dataset), ...words(dataset).split(' ')]) if (w.length >= 3) t = t.split(` ${w} `).join(' ');
  return t.trim();
}

function describeRange(c: ColumnProfile): string {
  if (c.kind === 'numeric' && c.min !== undefined) return `${code(c.name)}: ${fmt(c.min)} to ${fmt(c.max)} (mean ${fmt(c.mean)}, median ${fmt(c.median)})`;
  if (c.kind === 'text' && c.min_length !== undefined) return `${code(c.name)} is text: ${c.unique} distinct values, ${c.min_length}–${c.max_length} characters long`;
  return `${code(c.name)}: no values`;
}

function topValues(c: ColumnProfile): string {
  const top = c.top.map(([v, n]) => `${v} (${n})`).join(', ');
  return `${code(c.name)} (${c.unique} distinct): ${top || 'no values'}`;
}

async function groupBy(ctx: Ctx, agg: 'mean' | 'count', valuePhrase: string, groupPhrase: string): Promise<ChatAnswer | undefined> {
  const names = ctx.p.columns.map((c) => c.name);
  const group = await resolveColumn(groupPhrase, ctx.ds, names, ctx.o.knowledge);
  if (!group) return undefined;
  let expression: string;
  let used: string[];
  let title: string;
  if (agg === 'mean') {
    const value = await resolveColumn(valuePhrase, ctx.ds, names.filter((n) => n !== group), ctx.o.knowledge);
    if (!value) return undefined;
    if (colProfile(ctx.p, value).kind !== 'numeric') return answer(`${code(value)} is not numeric, so it has no average.`, [ctx.ds], [value]);
    expression = `df.groupby(${JSON.stringify(group)})[${JSON.stringify(value)}].mean().round(2).sort_values(ascending=False)`;
    used = [value, group];
    title = `Average ${code(value)} by ${code(group)} in ${code(ctx.ds)}`;
  } else {
    expression = `df[${JSON.stringify(group)}].value_counts().head(20)`;
    used = [group];
    title = `Rows per ${code(group)} in ${code(ctx.ds)}`;
  }
  const r = await ctx.o.data.query(ctx.ds, expression, ctx.signal);
  if (!r.ok) return answer(`I could not compute that: ${r.error}`, [ctx.ds], used);
  const rows = (r.result ?? '').split('\n').filter((l) => l.trim() && l.trim() !== group && !/^Name: |^dtype:/.test(l));
  return answer(`${title}:\n\`\`\`\n${rows.join('\n')}\n\`\`\``, [ctx.ds], used);
}

async function meaning(ctx: Ctx): Promise<ChatAnswer | undefined> {
  const names = ctx.p.columns.map((c) => c.name);
  const column = ctx.cols[0] ?? (await resolveColumn(ctx.q.replace(/\b(what|does|do|is|are|the|column|mean|means|meaning|of|stand|for)\b/gi, ' '), ctx.ds, names, ctx.o.knowledge));
  if (!column) return undefined;
  const dict = ctx.o.data.dictionaryText(ctx.ds);
  const entry = dict ? parseDataDictionary(dict, ctx.ds, names).find((e) => e.column === column) : undefined;
  const facts = describeRange(colProfile(ctx.p, column));
  const text = entry
    ? `${code(column)} in ${code(ctx.ds)}: ${entry.meaning}${entry.sample ? ` (sample value: ${entry.sample})` : ''}\nIn the data: ${facts}.`
    : `The data dictionary of ${code(ctx.ds)} has no entry for ${code(column)}. In the data: ${facts}.`;
  return answer(text, [ctx.ds], [column]);
}

/** What past cleaning runs recorded about the dataset (insights, recipes) in the knowledge store. */
async function memory(ctx: Ctx): Promise<ChatAnswer> {
  const { ds, o } = ctx;
  const [insights, recipes] = await Promise.all([
    o.knowledge.get('insights', { where: { dataset: ds }, limit: 50 }).catch(() => []),
    o.knowledge.get('recipes', { where: { dataset: ds }, limit: 20 }).catch(() => []),
  ]);
  if (!insights.length && !recipes.length) return answer(`No cleaning run has recorded insights or recipes for ${code(ds)} yet.`, [ds]);
  const recent = [...insights].sort((a, b) => Number(b.metadata.at ?? 0) - Number(a.metadata.at ?? 0)).slice(0, 8);
  const lines = recent.map((d) => `• ${d.text.replace(/\s+/g, ' ').slice(0, 300)}${d.metadata.runId ? ` (run ${code(String(d.metadata.runId))})` : ''}`);
  const ok = recipes.filter((r) => r.metadata.outcome === 'succeeded').length;
  const recipeLine = recipes.length ? `\n${recipes.length} stored recipe${recipes.length === 1 ? '' : 's'} (${ok} succeeded) will be offered to the next run on the same schema.` : '';
  return answer(`What past runs learned about ${code(ds)}:\n${lines.join('\n') || '• (no insights)'}${recipeLine}`, [ds]);
}

async function byIntent(ctx: Ctx): Promise<ChatAnswer | undefined> {
  const t = ctx.q.toLowerCase();
  const { p, ds, cols } = ctx;
  const targets = (filter: (c: ColumnProfile) => boolean) => (cols.length ? cols.map((c) => colProfile(p, c)) : p.columns.filter(filter));

  const grouped = /\b(average|mean|avg)\b(.+?)\b(by|per|for each|across|grouped by|for every)\b(.+)/i.exec(ctx.q);
  if (grouped) return groupBy(ctx, 'mean', grouped[2], grouped[4]);
  const counted = /\b(count|number of|how many)\b(.*?)\b(by|per|for each|in each|for every)\b(.+)/i.exec(ctx.q);
  if (counted) return groupBy(ctx, 'count', counted[2], counted[4]);

  if (has(/\b(insights?|learn|learned|learnt|lessons?|notes?|past runs?|previous runs?|earlier runs?|recipes?)\b/, t)) return memory(ctx);

  if (has(/\bmeaning\b|\bwhat (does|do|is|are)\b.*\b(mean|means|represent|represents|stand for|measure|measures)\b|\bdefin(e|ition)\b/, t)) return meaning(ctx);

  if (has(/\b(missing|nulls?|nan|empty|blanks?|incomplete|na values)\b/, t)) {
    const cs = targets((c) => c.missing > 0);
    const withMissing = cs.filter((c) => c.missing > 0);
    if (!cols.length && withMissing.length === 0) return answer(`No column of ${code(ds)} has missing values (${p.rows} rows; blank strings count as missing).`, [ds]);
    const lines = cs.map((c) => `• ${code(c.name)}: ${c.missing} missing (${c.missing_pct}%)`);
    return answer(`Missing values in ${code(ds)} (${p.rows} rows; blank strings count as missing):\n${lines.join('\n')}`, [ds], cs.map((c) => c.name));
  }
  if (has(/\b(range|min|max|minimum|maximum|lowest|highest|smallest|largest|oldest|youngest)\b/, t)) {
    const cs = targets((c) => c.kind === 'numeric');
    return answer(`Ranges in ${code(ds)}:\n${cs.map((c) => `• ${describeRange(c)}`).join('\n')}`, [ds], cs.map((c) => c.name));
  }
  if (has(/\b(top|most (common|frequent|popular)|frequent|distinct|unique|categories|levels|values of|possible values)\b/, t)) {
    const cs = targets((c) => c.kind === 'text' && c.unique <= 50);
    return answer(`Top values in ${code(ds)}:\n${cs.map((c) => `• ${topValues(c)}`).join('\n')}`, [ds], cs.map((c) => c.name));
  }
  if (has(/\b(average|mean|avg|median|typical)\b/, t) && cols.length) {
    const cs = cols.map((c) => colProfile(p, c));
    const lines = cs.map((c) => (c.kind === 'numeric' ? `• ${code(c.name)}: mean ${fmt(c.mean)}, median ${fmt(c.median)}` : `• ${code(c.name)} is not numeric`));
    return answer(`In ${code(ds)}:\n${lines.join('\n')}`, [ds], cols);
  }
  if (has(/\b(types?|dtypes?|schema|columns|fields|variables)\b/, t)) {
    const lines = p.columns.map((c) => `• ${code(c.name)}: ${c.kind} (${c.dtype})`);
    return answer(`${code(ds)} has ${p.columns.length} columns and ${p.rows} rows:\n${lines.join('\n')}`, [ds], []);
  }
  if (has(/\bhow many (rows|records|entries|lines|customers|products|games|reviews)\b|\b(row count|number of rows|size of)\b/, t))
    return answer(`${code(ds)} has ${p.rows} rows and ${p.columns.length} columns.`, [ds]);
  if (has(/\b(what is|what are|tell me about|explain)\b/, t)) {
    const m = await meaning(ctx);
    if (m) return m;
  }
  if (has(/\b(describe|summary|summarize|summarise|overview|tell me about)\b/, t)) {
    const lines = p.columns.map((c) => `• ${describeRange(c)}; ${c.missing} missing`);
    return answer(`${code(ds)}: ${p.rows} rows, ${p.columns.length} columns.\n${lines.join('\n')}`, [ds]);
  }
  return undefined;
}

/** Answers one question without a model. */
export async function answerBuiltin(o: BuiltinChatOptions, q: ChatQuestion, signal?: AbortSignal): Promise<ChatAnswer> {
  const t = words(q.text);
  if (/\b(datasets?|data sets?|tables|files)\b/.test(t) && /\b(which|what|list|show|available|have|know)\b/.test(t) && !mentionedDatasets(q.text, o.data.datasets().map((d) => d.name)).length)
    return listDatasets(o);
  const ds = await pickDataset(q, o);
  if (!ds) {
    const names = o.data.datasets().map((d) => code(d.name)).join(', ');
    return answer(`Which dataset do you mean? I know ${names || 'no datasets yet'}. Name it in the question.`);
  }
  const p = await o.data.profile(ds, signal);
  await o.ensureIndexed(ds, p).catch(() => undefined);
  const question = withoutDatasetWords(q.text, ds);
  const cols = mentionedColumns(question, p.columns.map((c) => c.name));
  const ctx: Ctx = { q: question, ds, p, cols, o, signal };
  const a = await byIntent(ctx);
  if (a) return a;
  // A bare column question ("income?") → what it means.
  if (t.split(' ').length <= 4) {
    const m = await meaning(ctx);
    if (m) return m;
  }
  return answer(NEEDS_MODEL, [], []);
}
