/**
 * What the parser knows about one dataset: for each column the phrases it can be called by (its
 * name, its distinctive name words, everyday synonyms of concepts its name or dictionary meaning
 * names) and, for short text columns, every value; the words that name the dataset itself.
 */
import type { ColumnProfile, DatasetProfile } from '../data-service.js';
import { ENTITY_NOUNS, FILLERS, SYNONYMS, VALUE_SYNONYMS } from './lexicon.js';
import { nameWords, singular } from './tokens.js';

/** One column as the parser sees it. */
export interface ColumnInfo {
  /** The column's real name. */
  name: string;
  /** Profile kind. */
  kind: ColumnProfile['kind'];
  /** Words of the name without a parenthesised unit. */
  words: string[];
  /** The data dictionary's meaning, when there is one. */
  meaning?: string;
  /** Distinct values (text columns with few short values). */
  values?: string[];
  /** Whole numbers only (numeric columns). */
  integer?: boolean;
  /** An age in years: older/younger/oldest apply. */
  isAge: boolean;
  /** A year or a date: after/before/since and earliest/latest apply. */
  isTime: boolean;
  /** Numbers in thousands (`k£`, "k=1000"): "70k" means 70. */
  inThousands: boolean;
  /** Numbers in millions ("displayed in millions"): "10 million" means 10. */
  inMillions: boolean;
  /** Distinct non-missing values. */
  unique: number;
}

/** A phrase that names something in the dataset. */
export interface Phrase {
  /** Lowercase words, singular where it matters. */
  words: string[];
  /** What it names. */
  target: { kind: 'column'; columns: string[] } | { kind: 'value'; column: string; values: string[] } | { kind: 'dataset' };
}

/** The parser's index of one dataset. */
export interface Schema {
  dataset: string;
  rows: number;
  columns: ColumnInfo[];
  /** Every phrase, longest first. */
  phrases: Phrase[];
  /** The dataset's own words (e.g. `reviews`): an entity noun when nothing else needs them. */
  datasetWords: Set<string>;
}

const key = (words: string[]) => words.map(singular).join(' ');

/** Builds the index of a dataset from its profile, dictionary meanings and the names of all datasets. */
export function buildSchema(profile: DatasetProfile, meanings: Record<string, string>, allDatasets: string[]): Schema {
  const columns: ColumnInfo[] = profile.columns.map((c) => {
    const words = nameWords(c.name.replace(/\([^)]*\)/g, ' '));
    const meaning = meanings[c.name];
    const text = `${c.name} ${meaning ?? ''}`.toLowerCase();
    return {
      name: c.name,
      kind: c.kind,
      words: words.length ? words : nameWords(c.name),
      meaning,
      values: c.kind === 'text' || c.kind === 'boolean' ? c.values : undefined,
      integer: c.integer,
      isAge: c.kind === 'numeric' && words.some((w) => w === 'age' || w === 'ages'),
      isTime: c.kind === 'date' || words.some((w) => /^(year|years|date|month|day|time|released?|timestamp)$/.test(w)),
      inThousands: /k£|k\$|k€|\(k\)|k\s*=\s*1,?000|thousands/.test(text),
      inMillions: /\bmillions?\b/.test(text),
      unique: c.unique,
    };
  });
  const byKey = new Map<string, Set<string>>();
  const addColumnPhrase = (words: string[], column: string) => {
    if (!words.length) return;
    const k = key(words);
    byKey.set(k, (byKey.get(k) ?? new Set()).add(column));
  };
  const nameWordCount = new Map<string, number>();
  for (const c of columns) for (const w of new Set(c.words.map(singular))) nameWordCount.set(w, (nameWordCount.get(w) ?? 0) + 1);
  const meaningCount = new Map<string, number>();
  for (const c of columns) for (const w of new Set(c.meaning ? nameWords(c.meaning).map(singular) : [])) meaningCount.set(w, (meaningCount.get(w) ?? 0) + 1);
  for (const c of columns) {
    addColumnPhrase(nameWords(c.name), c.name);
    addColumnPhrase(c.words, c.name);
    // A word of the name no other column has ("global" in Global_Sales), or one several share ("sales": ambiguous).
    for (const w of c.words) if (w.length >= 2 && !/^\d+$/.test(w) && !(FILLERS.has(w) && !ENTITY_NOUNS.has(w))) addColumnPhrase([w], c.name);
    // Everyday words for a concept the name or the dictionary meaning names.
    const own = new Set([...c.words.map(singular), ...(c.meaning ? nameWords(c.meaning).map(singular) : [])]);
    for (const [concept, syns] of Object.entries(SYNONYMS)) {
      const inName = c.words.some((w) => singular(w) === singular(concept));
      if (!inName && !own.has(singular(concept))) continue;
      // A concept met only in a meaning must be in no other column's name or meaning.
      if (!inName && ((nameWordCount.get(singular(concept)) ?? 0) > 0 || (meaningCount.get(singular(concept)) ?? 0) > 1)) continue;
      addColumnPhrase([concept], c.name);
      for (const s of syns) addColumnPhrase(s.split(' '), c.name);
    }
  }
  const phrases: Phrase[] = [...byKey].map(([k, cols]) => ({ words: k.split(' '), target: { kind: 'column', columns: [...cols] } }));
  // Values of short text columns, by their words; a distinctive first word of a longer value too.
  const valueKeys = new Map<string, Map<string, Set<string>>>();
  const addValue = (words: string[], column: string, value: string) => {
    if (!words.length) return;
    const k = key(words);
    const m = valueKeys.get(k) ?? new Map<string, Set<string>>();
    m.set(column, (m.get(column) ?? new Set()).add(value));
    valueKeys.set(k, m);
  };
  for (const c of columns) {
    for (const v of c.values ?? []) {
      const ws = nameWords(v);
      addValue(ws, c.name, v);
      for (const syn of ws.length === 1 ? VALUE_SYNONYMS[ws[0]] ?? [] : []) addValue([syn], c.name, v);
      if (ws.length > 1 && ws[0].length >= 4 && !FILLERS.has(ws[0])) addValue([ws[0]], c.name, v);
    }
  }
  for (const [k, m] of valueKeys) for (const [column, values] of m) phrases.push({ words: k.split(' '), target: { kind: 'value', column, values: [...values] } });
  // The dataset's name and its distinctive words ("reviews" in turtle_reviews when another dataset is turtle_sales).
  const own = nameWords(profile.name);
  const shared = new Set(own.filter((w) => allDatasets.filter((d) => d !== profile.name).some((d) => nameWords(d).includes(w))));
  const datasetWords = new Set(own.filter((w) => !shared.has(w) && w.length >= 3).map(singular));
  phrases.push({ words: own.map(singular), target: { kind: 'dataset' } });
  phrases.sort((a, b) => b.words.length - a.words.length);
  return { dataset: profile.name, rows: profile.rows, columns, phrases, datasetWords };
}
