/** Tokens of a question: lowercase words and numbers with their original text. Linear in the text's length. */
import pluralize from 'pluralize';

/** One token. */
export interface Token {
  /** Lowercase text (`phd`, `2010`, `>=`). */
  w: string;
  /** As typed (`PhD`). */
  raw: string;
  /** Number value, for numeric tokens (`70k` → 70 000, `1,234.5` → 1234.5). */
  num?: number;
  /** The number was written with a `k` / `m` suffix or followed by thousand/million. */
  scale?: 'k' | 'm';
  /** Year-like integer (1900–2100). */
  year?: boolean;
}

const TOKEN_RE = /(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(k|m)?\b|\d+[A-Za-z][A-Za-z0-9]*|[A-Za-z\u00C0-\u024F][A-Za-z\u00C0-\u024F0-9]*(?:'[a-z]+)?|>=|<=|!=|==|[<>=≠≥≤%+£$€]/gi;

/** Splits a question into tokens (camelCase and snake_case split into words; possessive 's dropped). */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const spaced = text.replace(/([a-z]{2,})([A-Z][a-z]{2,})/g, '$1 $2').replace(/_/g, ' ');
  for (const m of spaced.matchAll(TOKEN_RE)) {
    const raw = m[0];
    if (m[1] !== undefined) {
      let num = Number(m[1].replace(/,/g, ''));
      const suffix = m[2]?.toLowerCase() as 'k' | 'm' | undefined;
      if (suffix === 'k') num *= 1_000;
      if (suffix === 'm') num *= 1_000_000;
      out.push({ w: raw.toLowerCase(), raw, num, scale: suffix, year: !suffix && Number.isInteger(num) && num >= 1900 && num <= 2100 });
      continue;
    }
    const w = raw.toLowerCase().replace(/'s$/, '').replace(/'$/, '');
    if (!w) continue;
    if ((w === 'thousand' || w === 'million' || w === 'millions' || w === 'thousands') && out.at(-1)?.num !== undefined) {
      const prev = out.at(-1)!;
      prev.num = prev.num! * (w.startsWith('thousand') ? 1_000 : 1_000_000);
      prev.scale = w.startsWith('thousand') ? 'k' : 'm';
      prev.year = false;
      continue;
    }
    out.push({ w, raw });
  }
  return out;
}

const singularCache = new Map<string, string>();
/** Singular form of a lowercase word (cached; short words and codes are kept). */
export function singular(w: string): string {
  if (w.length <= 3 || /\d/.test(w)) return w;
  let s = singularCache.get(w);
  if (s === undefined) {
    s = pluralize.singular(w);
    if (singularCache.size < 10_000) singularCache.set(w, s);
  }
  return s;
}

/** Lowercase words of a name (`spending_score (1-100)` → [spending, score, 1, 100]). */
export function nameWords(name: string): string[] {
  return tokenize(name).map((t) => t.w).filter((w) => /\w/.test(w));
}

/** True when two words are the same up to plural. */
export const sameWord = (a: string, b: string) => a === b || singular(a) === singular(b);
