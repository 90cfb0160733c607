/**
 * Finds what each part of a question names: columns, values, the dataset, numbers and the
 * parser's keywords. Greedy from the left, longest phrase first at each position: linear in the
 * question's length times the longest phrase.
 */
import { COMPARATORS, COMPARE_WORDS, GROUP_MARKERS, NEGATIONS, OP_PHRASES, TRAILING_COMPARATORS, type Op } from './lexicon.js';
import type { Schema } from './schema.js';
import { singular, type Token } from './tokens.js';

export type Cmp = 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne';

/** One recognised piece of the question, tokens [start, end). */
export type Span = { start: number; end: number; text: string } & (
  | { kind: 'column'; columns: string[] }
  | { kind: 'value'; column: string; values: string[] }
  | { kind: 'dataset' }
  | { kind: 'number'; value: number; token: Token }
  | { kind: 'date'; from: string; to: string }
  | { kind: 'op'; op: Op; word: string }
  | { kind: 'cmp'; cmp: Cmp; word: string }
  | { kind: 'trailing'; cmp: 'gt' | 'ge' | 'lt' | 'le' }
  | { kind: 'group'; word: string }
  | { kind: 'negation' }
  | { kind: 'compare'; word: string }
  | { kind: 'top'; desc: boolean; n?: number }
  | { kind: 'word'; word: string }
);

type Keyword = { words: string[]; trailing?: boolean; make: (text: string) => Omit<Span, 'start' | 'end' | 'text'> };

const KEYWORDS: Keyword[] = [
  ...['top', 'best', 'highest ranked', 'leading'].map((w) => ({ words: w.split(' '), make: () => ({ kind: 'top' as const, desc: true }) })),
  ...['bottom', 'worst', 'lowest ranked'].map((w) => ({ words: w.split(' '), make: () => ({ kind: 'top' as const, desc: false }) })),
  ...TRAILING_COMPARATORS.filter(([p]) => !['+'].includes(p)).map(([p, cmp]) => ({ words: p.split(' '), trailing: true, make: () => ({ kind: 'trailing' as const, cmp }) })),
  ...COMPARATORS.map(([p, cmp]) => ({ words: p.split(' '), make: (text: string) => ({ kind: 'cmp' as const, cmp, word: text }) })),
  ...GROUP_MARKERS.map((p) => ({ words: p.split(' '), make: (text: string) => ({ kind: 'group' as const, word: text }) })),
  ...NEGATIONS.map((p) => ({ words: p.split(' '), make: () => ({ kind: 'negation' as const }) })),
  ...COMPARE_WORDS.map((p) => ({ words: [p], make: (text: string) => ({ kind: 'compare' as const, word: text }) })),
  ...OP_PHRASES.map(([p, op]) => ({ words: p.split(' '), make: (text: string) => ({ kind: 'op' as const, op, word: text }) })),
].sort((a, b) => b.words.length - a.words.length);

/** Keywords that stay keywords even where a column or value of one word has the same spelling. */
const STRONG = new Set(['by', 'per', 'in', 'of', 'and', 'or', 'than', 'not', 'no', 'over', 'under', 'after', 'before', 'since', 'between', 'top', 'bottom', 'each', 'across']);

const matchAt = (tokens: Token[], i: number, words: string[]) => words.every((w, k) => i + k < tokens.length && (tokens[i + k].w === w || singular(tokens[i + k].w) === w));

/** The spans of a question, in order; tokens no phrase covers become `word` spans. */
export function findSpans(tokens: Token[], schema: Schema): Span[] {
  const out: Span[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i];
    const text = (n: number) => tokens.slice(i, i + n).map((x) => x.raw).join(' ');
    if (t.num !== undefined) {
      // A number is a value of a text column only when written alone as one (e.g. platform "2600").
      out.push({ kind: 'number', value: t.num, token: t, start: i, end: i + 1, text: t.raw });
      i++;
      continue;
    }
    const phrase = schema.phrases.find((p) => matchAt(tokens, i, p.words));
    // A trailing comparator ("or more", "and younger") only follows a number.
    const afterNumber = i > 0 && tokens[i - 1].num !== undefined;
    const keyword = KEYWORDS.find((k) => (afterNumber || !k.trailing) && (matchAt(tokens, i, k.words.map(singular)) || matchAt(tokens, i, k.words)));
    const pLen = phrase?.words.length ?? 0;
    const kLen = keyword?.words.length ?? 0;
    if (keyword && (kLen > pLen || (kLen === pLen && STRONG.has(t.w)))) {
      out.push({ ...keyword.make(text(kLen)), start: i, end: i + kLen, text: text(kLen) } as Span);
      i += kLen;
    } else if (phrase) {
      // The same words may name several things (a column and a value, values of two columns): keep every reading.
      const key = phrase.words.join(' ');
      const base = { start: i, end: i + pLen, text: text(pLen) };
      for (const p of schema.phrases.filter((x) => x.words.length === pLen && x.words.join(' ') === key)) {
        const target = p.target;
        if (target.kind === 'column') out.push({ kind: 'column', columns: target.columns, ...base });
        else if (target.kind === 'value') out.push({ kind: 'value', column: target.column, values: target.values, ...base });
        else out.push({ kind: 'dataset', ...base });
      }
      i += pLen;
    } else {
      out.push({ kind: 'word', word: t.w, start: i, end: i + 1, text: t.raw });
      i++;
    }
  }
  return out;
}
