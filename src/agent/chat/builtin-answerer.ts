/**
 * Chat without a language model: a real question parser (./parse) over any registered dataset.
 * A question is resolved into a frame (dataset, operation, columns, filters, grouping), computed
 * in the sandbox (dsbot_chat/plan.py), and answered with the computation behind the figure; a
 * question with any unresolved part is refused, naming that part and the closest candidates
 * (DESIGN.md decision 11). Follow-ups reuse the thread's previous frame. Questions about
 * cleaning runs are answered from the runs' reports and lineage files.
 */
import { parseDataDictionary } from '../../knowledge/docs-indexer.js';
import type { KnowledgeStore } from '../../knowledge/types.js';
import { fmt, refusalText, resultText, type Result } from './answer-text.js';
import { mentionedDatasets, words } from './column-match.js';
import type { ChatData, DatasetProfile } from './data-service.js';
import type { ChatHistory } from './history.js';
import { buildFrame, looksLikeFollowUp, mergeFollowUp } from './parse/build.js';
import { questionPieces, type Frame, type Pieces, type Refusal } from './parse/frame.js';
import { buildSchema, type Schema } from './parse/schema.js';
import { describeRow, describeRun, type RunReader } from './runs.js';
import type { ChatAnswer, ChatQuestion } from './types.js';

/** Options of the builtin answerer. */
export interface BuiltinChatOptions {
  /** Datasets, profiles and computations. */
  data: ChatData;
  /** Dataset docs and past runs' insights and recipes. */
  knowledge: KnowledgeStore;
  /** Per-thread history (the previous frame, for follow-ups). */
  history: ChatHistory;
  /** Indexes a dataset's docs (dictionary + profile). */
  ensureIndexed: (name: string, profile: DatasetProfile) => Promise<void>;
  /** Finished cleaning runs (read-only). */
  runs?: RunReader;
}

const code = (s: string) => `\`${s}\``;
const answer = (text: string, datasets: string[] = [], columns: string[] = [], frame?: Frame): ChatAnswer & { frame?: Frame } => ({ text, datasets, columns, ...(frame ? { frame } : {}) });
const refused = (r: Refusal): ChatAnswer => ({ text: refusalText(r), datasets: [], columns: [], refused: { missing: r.missing, candidates: r.candidates } });
const isRefusal = (x: Frame | Refusal): x is Refusal => 'missing' in x;

const schemas = new WeakMap<DatasetProfile, Schema>();

async function schemaOf(o: BuiltinChatOptions, name: string, signal?: AbortSignal): Promise<Schema> {
  const profile = await o.data.profile(name, signal);
  await o.ensureIndexed(name, profile).catch(() => undefined);
  let s = schemas.get(profile);
  if (!s) {
    const dict = o.data.dictionaryText(name);
    const meanings = Object.fromEntries((dict ? parseDataDictionary(dict, name, profile.columns.map((c) => c.name)) : []).map((e) => [e.column, e.meaning]));
    s = buildSchema(profile, meanings, o.data.datasets().map((d) => d.name));
    schemas.set(profile, s);
  }
  return s;
}

const RUNS = /\b(runs?|cleaning|cleaned|clean)\b/i;
const RUN_ASPECT = /\b(chang\w*|remov\w*|drop\w*|delet\w*|flag\w*|why|do|did|happen\w*|fix\w*)\b/i;

async function answerRuns(o: BuiltinChatOptions, q: ChatQuestion): Promise<ChatAnswer | undefined> {
  const t = q.text;
  const row = /\brow\s+(\d{1,9})\b/i.exec(t);
  if (!(RUNS.test(t) && RUN_ASPECT.test(t)) && !(row && /\b(remov\w*|chang\w*|flag\w*|drop\w*)\b/i.test(t))) return undefined;
  if (!o.runs) return answer('Run reports are not available here.');
  const names = o.data.datasets().map((d) => d.name);
  const ds = mentionedDatasets(t, names)[0];
  const idMatch = /\b(?:run\s+)?`?([A-Za-z0-9]+-[A-Za-z0-9._-]+)`?/.exec(t);
  const byId = idMatch ? await o.runs.get(idMatch[1]) : undefined;
  const run = byId ?? (await o.runs.list(ds))[0];
  if (!run) return { ...answer(`No finished cleaning run${ds ? ` on ${code(ds)}` : ''} has a report yet.`, ds ? [ds] : []), refused: { missing: 'a finished run', candidates: [] } };
  const datasets = run.dataset ? [run.dataset] : [];
  if (row) return answer(await describeRow(o.runs, run, Number(row[1])), datasets);
  const cols = run.dataset ? (await o.data.cachedProfile(run.dataset).catch(() => undefined))?.columns.map((c) => c.name) ?? [] : [];
  const column = cols.find((c) => new RegExp(`(^|[^\\w])${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w])`, 'i').test(t));
  const aspect = /remov|drop|delet/i.test(t) ? 'removed' : /flag/i.test(t) ? 'flagged' : /chang|fix/i.test(t) ? 'changed' : 'all';
  return answer(await describeRun(o.runs, run, aspect, column), datasets, column ? [column] : []);
}

async function memory(o: BuiltinChatOptions, ds: string): Promise<ChatAnswer> {
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

/** Frames answered from the profile and the dictionary, without a computation. */
function describe(o: BuiltinChatOptions, f: Frame, s: Schema, p: DatasetProfile): ChatAnswer {
  if (f.op === 'schema') {
    const lines = p.columns.map((c) => `• ${code(c.name)}: ${c.kind} (${c.dtype})`);
    return answer(`${code(f.dataset)} has ${p.columns.length} columns and ${fmt(p.rows)} rows:\n${lines.join('\n')}`, [f.dataset]);
  }
  const c = p.columns.find((x) => x.name === f.column)!;
  const meaning = s.columns.find((x) => x.name === f.column)?.meaning;
  const facts =
    c.kind === 'numeric' && c.min !== undefined
      ? `${fmt(c.min)} to ${fmt(c.max)} (mean ${fmt(c.mean)}, median ${fmt(c.median)})`
      : `${c.kind}, ${fmt(c.unique)} distinct values${c.top.length ? `; most frequent: ${c.top.slice(0, 3).map(([v, n]) => `${v} (${n})`).join(', ')}` : ''}`;
  const text = meaning
    ? `${code(c.name)} in ${code(f.dataset)}: ${meaning}\nIn the data: ${facts}; ${fmt(c.missing)} missing.`
    : `The data dictionary of ${code(f.dataset)} has no entry for ${code(c.name)}. In the data: ${facts}; ${fmt(c.missing)} missing.`;
  return answer(text, [f.dataset], [c.name], f);
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const numOrText = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' ? v.slice(0, 200) : null);

/** The kernel's answer (untrusted JSON) as a Result. */
function validResult(raw: Record<string, unknown>): Result {
  const groups = Array.isArray(raw.groups)
    ? raw.groups.slice(0, 100).filter((g): g is Record<string, unknown> => Boolean(g) && typeof g === 'object').map((g) => ({ label: Array.isArray(g.label) ? g.label.map((x) => String(x).slice(0, 200)) : [String(g.label)], value: numOrText(g.value), rows: num(g.rows) ?? 0 }))
    : undefined;
  const pairs = (v: unknown) => (Array.isArray(v) ? v.filter(Array.isArray).slice(0, 20) : undefined);
  return {
    rows: num(raw.rows) ?? 0,
    total_rows: num(raw.total_rows) ?? 0,
    value: numOrText(raw.value),
    used: num(raw.used),
    groups,
    groups_total: num(raw.groups_total),
    ties: num(raw.ties),
    stats: pairs(raw.stats)?.map((x) => [String(x[0]), num(x[1]) ?? NaN]),
    bins: pairs(raw.bins)?.map((x) => [num(x[0]) ?? NaN, num(x[1]) ?? NaN, num(x[2]) ?? 0]),
    min: numOrText(raw.min),
    max: numOrText(raw.max),
    ...Object.fromEntries(['part', 'whole', 'q1', 'q3', 'lo', 'hi', 'low', 'high', 'base_rows', 'base_value'].map((k) => [k, num(raw[k])])),
    examples: Array.isArray(raw.examples) ? raw.examples.map(num).filter((x): x is number => x !== undefined).slice(0, 5) : undefined,
  };
}

const columnsOf = (f: Frame) => [...new Set([f.column, f.column2, ...f.groupBy, ...f.filters.map((x) => x.column), f.compare?.column].filter((c): c is string => Boolean(c)))];

async function compute(o: BuiltinChatOptions, f: Frame, s: Schema, signal?: AbortSignal): Promise<ChatAnswer> {
  if (f.op === 'meaning' || f.op === 'schema') return describe(o, f, s, await o.data.profile(f.dataset, signal));
  if (f.op === 'missing' && !f.filters.length) {
    // Whole-file missing counts are in the profile: no computation (and no sandbox) needed.
    const p = await o.data.profile(f.dataset, signal);
    const groups = p.columns.filter((c) => !f.column || c.name === f.column).map((c) => ({ label: [c.name], value: c.missing, rows: p.rows }));
    const used = f.column ? [f.column] : groups.filter((g) => g.value > 0).map((g) => g.label[0]);
    return answer(resultText(f, { rows: p.rows, total_rows: p.rows, groups, groups_total: groups.length }), [f.dataset], used, f);
  }
  const raw = await o.data.compute(f.dataset, f, signal);
  if (raw.ok !== true) return { ...answer(`I could not compute that: ${String(raw.error ?? 'no answer').slice(0, 300)}`, [f.dataset]), refused: { missing: 'a computation', candidates: [] } };
  const years = s.columns.filter((c) => c.isTime).map((c) => c.name);
  return answer(resultText(f, validResult(raw), years), [f.dataset], columnsOf(f), f);
}

/** Parses the question against each candidate dataset and keeps the one that explains it best. */
async function bestPieces(o: BuiltinChatOptions, text: string, names: string[], signal?: AbortSignal): Promise<{ pieces: Pieces; schema: Schema }[]> {
  const out: { pieces: Pieces; schema: Schema }[] = [];
  for (const n of names) {
    const schema = await schemaOf(o, n, signal);
    out.push({ pieces: questionPieces(text, schema), schema });
  }
  const cost = (p: Pieces) =>
    p.unknown.length * 100 + p.ambiguousValues.length * 10 + p.ambiguous.length * 10 + p.orphanNumbers.length * 10 + p.constantColumns * 5 - p.matched - 2 * p.valueMatches - (p.datasetNamed ? 50 : 0);
  return out.sort((a, b) => cost(a.pieces) - cost(b.pieces));
}

/** Answers one question without a model. */
export async function answerBuiltin(o: BuiltinChatOptions, q: ChatQuestion, signal?: AbortSignal): Promise<ChatAnswer> {
  const t = words(q.text);
  const names = o.data.datasets().map((d) => d.name);
  const named = mentionedDatasets(q.text, names);
  if (/\b(datasets?|data sets?|tables|files)\b/.test(t) && /\b(which|what|list|show|available|have|know)\b/.test(t) && !named.length) {
    const lines = o.data.datasets().map((d) => `• ${code(d.name)}${d.description ? ` — ${d.description}` : ''}`);
    return answer(lines.length ? `I know these datasets:\n${lines.join('\n')}` : 'No datasets are configured yet.');
  }
  if (/\b(insights?|learn|learned|learnt|lessons?|recipes?)\b/.test(t)) {
    const ds = named[0] ?? (names.length === 1 ? names[0] : undefined);
    if (ds) return memory(o, ds);
  }
  const runs = await answerRuns(o, q);
  if (runs) return runs;
  if (!names.length) return { ...answer('No datasets are configured yet.'), refused: { missing: 'a dataset', candidates: [] } };
  // A follow-up reuses the thread's previous frame ("and by gender?").
  const prev = o.history.turns(q.threadRef).at(-1)?.frame as Frame | undefined;
  if (prev && names.includes(prev.dataset) && !named.some((n) => n !== prev.dataset)) {
    const schema = await schemaOf(o, prev.dataset, signal);
    const pieces = questionPieces(q.text, schema);
    if (looksLikeFollowUp(q.text, pieces)) {
      const merged = mergeFollowUp(prev, pieces, schema);
      if (!isRefusal(merged)) return compute(o, merged, schema, signal);
      // Not a follow-up after all ("Wii games?" after a question on another dataset): read it on its own.
      const alone = await bestPieces(o, q.text, named.length ? named : names, signal);
      const frame = buildFrame(alone[0].pieces, alone[0].schema);
      return isRefusal(frame) ? refused(merged) : compute(o, frame, alone[0].schema, signal);
    }
  }
  const ranked = await bestPieces(o, q.text, named.length ? named : names, signal);
  const best = ranked[0];
  if (!named.length && ranked.length > 1 && best.pieces.matched === 0 && best.pieces.unknown.length) {
    const unknown = [...new Set(best.pieces.unknown)].map((w) => `"${w}"`).join(', ');
    return refused({ missing: unknown, reason: `nothing in ${names.map(code).join(' or ')} matches it (no column, value or known term)`, candidates: [] });
  }
  if (!named.length && ranked.length > 1 && best.pieces.matched === 0) {
    return { ...answer(`Which dataset do you mean? I know ${names.map(code).join(', ')}. Name it in the question.`), refused: { missing: 'the dataset', candidates: names.map(code) } };
  }
  const frame = buildFrame(best.pieces, best.schema);
  return isRefusal(frame) ? refused(frame) : compute(o, frame, best.schema, signal);
}
