/**
 * Dataset documentation in the `datasets` collection: the data dictionary split per column,
 * the profile summary and the description. Each document carries a content hash; indexing again
 * re-embeds only documents whose text changed.
 *
 * Dictionaries are free text. The parser understands the common layout of
 * metadata_turtle_games.txt: optional per-file sections (a line holding just `name.csv`), a
 * header row (`Column  Sample value  Interpretation…`) whose column positions define the fields,
 * entries that start at the left margin and wrap over indented lines. Anything else is indexed
 * by paragraph.
 */
import { createHash } from 'node:crypto';
import type { KnowledgeDoc, KnowledgeStore } from './types.js';

/** One column's entry in a data dictionary. */
export interface DictionaryEntry {
  /** Column name (the dataset's own spelling when it could be matched). */
  column: string;
  /** Sample value / type column, when the table has one. */
  sample?: string;
  /** What the column means. */
  meaning: string;
}

interface Segment {
  start: number;
  text: string;
}

/** Pieces of a line separated by two or more spaces, with their start columns. */
function segments(line: string): Segment[] {
  const out: Segment[] = [];
  const re = /\S+(?: \S+)*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push({ start: m.index, text: m[0] });
  return out;
}

const SECTION = /^ ?([\w.\- ]+?)\.(csv|tsv|txt|xlsx?|json|parquet)\s*$/i;
const RULE = /^\s*[*=\-_#]{5,}\s*$/;

/** Splits the text into per-file sections (`{file: stem, lines}`); one unnamed section when there are none. */
function sections(lines: string[]): { file?: string; lines: string[] }[] {
  const out: { file?: string; lines: string[] }[] = [{ lines: [] }];
  for (const line of lines) {
    const m = SECTION.exec(line);
    if (m && !/^\s{2,}/.test(line)) out.push({ file: m[1].trim(), lines: [] });
    else if (RULE.test(line)) out.push({ lines: [] });
    else out[out.length - 1].lines.push(line);
  }
  return out.filter((s) => s.lines.some((l) => l.trim()));
}

/** Parses one section's table; [] when it has no `Column …` header row. */
function parseTable(lines: string[]): DictionaryEntry[] {
  const headerAt = lines.findIndex((l) => /^\s*(column|field|variable|attribute)s?\b/i.test(l) && segments(l).length >= 2);
  if (headerAt < 0) return [];
  const starts = segments(lines[headerAt]).map((s) => s.start);
  const names = segments(lines[headerAt]).map((s) => s.text.toLowerCase());
  const meaningIdx = Math.max(0, names.findIndex((n) => /interpret|descr|meaning|definition/.test(n)));
  const fieldIdx = meaningIdx > 0 ? meaningIdx : starts.length - 1;
  const sampleIdx = starts.length > 2 ? 1 : -1;
  const entries: { fields: string[] }[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    const segs = segments(line);
    if (segs.length === 0) continue;
    const fieldOf = (s: Segment) => {
      let f = 0;
      for (let i = 0; i < starts.length; i++) if (starts[i] <= s.start + 2) f = i;
      return f;
    };
    if (segs[0].start === 0 || entries.length === 0) entries.push({ fields: starts.map(() => '') });
    const cur = entries[entries.length - 1];
    for (const s of segs) {
      const f = fieldOf(s);
      cur.fields[f] = cur.fields[f] ? `${cur.fields[f]} ${s.text}` : s.text;
    }
  }
  return entries
    .filter((e) => e.fields[0])
    .map((e) => ({
      column: e.fields[0].trim(),
      sample: sampleIdx > 0 && sampleIdx !== fieldIdx ? e.fields[sampleIdx].trim() || undefined : undefined,
      meaning: e.fields[fieldIdx].replace(/\s+/g, ' ').trim(),
    }));
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Maps a dictionary's column name to the dataset's real column, when one matches. */
function matchColumn(name: string, columns: string[]): string | undefined {
  return (
    columns.find((c) => c === name) ??
    columns.find((c) => norm(c) === norm(name)) ??
    columns.find((c) => norm(c).startsWith(norm(name)) && norm(name).length >= 3) ??
    columns.find((c) => norm(name).startsWith(norm(c)) && norm(c).length >= 3)
  );
}

/**
 * Per-column entries for `dataset` from a dictionary text. With several file sections, picks the
 * one named like the dataset, else the one covering most of `columns`.
 */
export function parseDataDictionary(text: string, dataset: string, columns: string[] = []): DictionaryEntry[] {
  const lines = text.replace(/\t/g, '        ').replace(/\r/g, '').split('\n');
  const tables = sections(lines)
    .map((s) => ({ file: s.file, entries: parseTable(s.lines) }))
    .filter((t) => t.entries.length);
  if (tables.length === 0) return [];
  const named = tables.find((t) => t.file && norm(t.file) === norm(dataset));
  const overlap = (t: (typeof tables)[number]) => t.entries.filter((e) => matchColumn(e.column, columns)).length;
  const best = named ?? (columns.length ? [...tables].sort((a, b) => overlap(b) - overlap(a))[0] : tables.length === 1 ? tables[0] : undefined);
  if (!best || (columns.length && !named && overlap(best) === 0)) return [];
  return best.entries.map((e) => ({ ...e, column: (columns.length && matchColumn(e.column, columns)) || e.column }));
}

/** Documentation inputs of one dataset. */
export interface DatasetDocsInput {
  /** Free-text data dictionary. */
  dictionaryText?: string;
  /** Profile summary (text). */
  profileSummary?: string;
  /** One-line description from config. */
  description?: string;
  /** The dataset's real column names (to match dictionary entries). */
  columns?: string[];
}

/** What indexing did. */
export interface IndexResult {
  /** Documents embedded and written (new or changed). */
  upserted: number;
  /** Documents already up to date. */
  unchanged: number;
  /** Ids of all the dataset's documents. */
  ids: string[];
}

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** The documents describing `name`. */
export function datasetDocs(name: string, input: DatasetDocsInput): KnowledgeDoc[] {
  const docs: KnowledgeDoc[] = [];
  const add = (id: string, text: string, meta: Record<string, string>) =>
    docs.push({ id, text, metadata: { dataset: name, ...meta, contentHash: hashOf(text) } });
  if (input.description) add(`${name}::overview`, `Dataset ${name}: ${input.description}`, { kind: 'overview' });
  const entries = input.dictionaryText ? parseDataDictionary(input.dictionaryText, name, input.columns) : [];
  for (const e of entries) {
    const sample = e.sample ? ` (sample value: ${e.sample})` : '';
    add(`${name}::column::${e.column}`, `Column "${e.column}" of dataset ${name}: ${e.meaning}${sample}`, { kind: 'column', column: e.column });
  }
  if (input.dictionaryText && entries.length === 0) {
    input.dictionaryText
      .split(/\n\s*\n/)
      .map((p) => p.replace(/\s+/g, ' ').trim())
      .filter((p) => p.length > 20)
      .slice(0, 200)
      .forEach((p, i) => add(`${name}::dictionary::${i}`, `Data dictionary of ${name}: ${p.slice(0, 2_000)}`, { kind: 'dictionary' }));
  }
  if (input.profileSummary) add(`${name}::profile`, `Profile of dataset ${name}:\n${input.profileSummary.slice(0, 8_000)}`, { kind: 'profile' });
  return docs;
}

/** Writes `name`'s documentation into the `datasets` collection, embedding only what changed. */
export async function indexDatasetDocs(store: KnowledgeStore, name: string, input: DatasetDocsInput): Promise<IndexResult> {
  const docs = datasetDocs(name, input);
  const existing = await store.get('datasets', { where: { dataset: name } });
  const known = new Map(existing.map((d) => [d.id, d.metadata.contentHash]));
  const changed = docs.filter((d) => known.get(d.id) !== d.metadata.contentHash);
  if (changed.length) await store.upsert('datasets', changed);
  return { upserted: changed.length, unchanged: docs.length - changed.length, ids: docs.map((d) => d.id) };
}

/** Column names from a CSV's header line (quotes and doubled quotes handled; BOM dropped). */
export function csvHeader(line: string, sep = ','): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  const s = line.replace(/^\uFEFF/, '').replace(/\r?\n?$/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') (cur += '"'), i++;
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) out.push(cur), (cur = '');
    else cur += ch;
  }
  out.push(cur);
  return out.map((c) => c.trim());
}

/**
 * Indexes the documentation of configured/registered datasets (dictionary per column and
 * description; no profile) — for start-up and registration. Unchanged documents are not
 * re-embedded. Unreadable files are skipped and reported.
 */
export async function indexDatasetFiles(
  store: KnowledgeStore,
  datasets: Record<string, { path: string; dictionary?: string; description?: string }>,
): Promise<{ name: string; result?: IndexResult; error?: string }[]> {
  const { open, readFile } = await import('node:fs/promises');
  const out: { name: string; result?: IndexResult; error?: string }[] = [];
  for (const [name, d] of Object.entries(datasets)) {
    try {
      const fh = await open(d.path, 'r');
      let head: string;
      try {
        const buf = Buffer.alloc(64 * 1024);
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        head = buf.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
      } finally {
        await fh.close();
      }
      const sep = [',', ';', '\t', '|'].sort((a, b) => head.split(b).length - head.split(a).length)[0];
      const dictionaryText = d.dictionary ? await readFile(d.dictionary, 'utf8') : undefined;
      out.push({ name, result: await indexDatasetDocs(store, name, { dictionaryText, description: d.description, columns: csvHeader(head, sep) }) });
    } catch (err) {
      out.push({ name, error: (err as Error).message });
    }
  }
  return out;
}
