/**
 * The builtin offline embedding (no download, no network): signed feature hashing of words,
 * light stems, character trigrams and concepts from a small synonym table (./concepts.ts),
 * sublinear term weights, L2-normalised. Not a language model: good for finding the column a
 * question is about ("income" → `remuneration (k£)`), not for paraphrase in general.
 */
import type { EmbeddingFunction } from '../types.js';
import { CONCEPTS_BY_WORD } from './concepts.js';

/** Vector size. */
export const BUILTIN_DIMENSIONS = 1024;

const STOP = new Set(
  'a an and are as at be by can do does for from has have how i in is it its me of on or our per show tell that the their them there these this to was we what when where which who why will with you your about into than then'.split(' '),
);

/** Lowercased word tokens; splits snake_case and camelCase; keeps `£`. */
export function tokenize(text: string): string[] {
  const spaced = text.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return spaced.match(/[a-z0-9£$]+/g) ?? [];
}

/** A light suffix stripper (enough to match "spending" with "spend", "reviews" with "review"). */
export function stem(word: string): string {
  if (word.length <= 4) return word;
  for (const suffix of ['ations', 'ation', 'ings', 'ing', 'ies', 'ers', 'er', 'ed', 'es', 's']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) return suffix === 'ies' ? `${word.slice(0, -3)}y` : word.slice(0, -suffix.length);
  }
  return word;
}

function hash(s: string, seed: number): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

function add(v: Float64Array, feature: string, weight: number): void {
  const h = hash(feature, 0x9e37);
  const sign = hash(feature, 0x85eb) & 1 ? 1 : -1;
  v[h % v.length] += sign * weight;
}

/** Embeds one text. */
export function embedText(text: string, dimensions = BUILTIN_DIMENSIONS): number[] {
  const v = new Float64Array(dimensions);
  const counts = new Map<string, number>();
  for (const w of tokenize(text)) if (!STOP.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
  // A concept counts once per text (its strongest word), so a text listing many regions does not
  // outweigh one that names the region asked about.
  const concepts = new Map<string, number>();
  for (const [word, tf] of counts) {
    const weight = 1 + 0.5 * Math.log(tf);
    const s = stem(word);
    add(v, `w:${s}`, weight);
    for (const c of [...(CONCEPTS_BY_WORD.get(word) ?? []), ...(CONCEPTS_BY_WORD.get(s) ?? [])]) concepts.set(c, Math.max(concepts.get(c) ?? 0, weight));
    if (!/^\d+$/.test(word)) {
      const padded = `^${s}$`;
      const grams = padded.length - 2;
      for (let i = 0; i < grams; i++) add(v, `g:${padded.slice(i, i + 3)}`, (0.5 * weight) / Math.sqrt(grams));
    }
  }
  for (const [c, weight] of concepts) add(v, `c:${c}`, 1.2 * weight);
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  return Array.from(v, (x) => x / norm);
}

/** Creates the builtin embedding function. */
export function createBuiltinEmbedding(dimensions = BUILTIN_DIMENSIONS): EmbeddingFunction {
  return {
    name: `builtin-v1-${dimensions}`,
    async embed(texts) {
      return texts.map((t) => embedText(t, dimensions));
    },
  };
}
