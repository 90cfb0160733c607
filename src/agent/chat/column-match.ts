/** Finding the columns and datasets a text names (used for model answers and dataset mentions). */
/** Lowercase words joined by single spaces (underscores and punctuation become spaces). */
export const words = (s: string) =>
  s
    .toLowerCase()
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[^a-z0-9£]+/g, ' ')
    .trim();

/** Names a column can be called by: its words, without a parenthesised unit, simple plurals. */
export function columnAliases(column: string): string[] {
  const full = words(column);
  const bare = words(column.replace(/\([^)]*\)/g, ''));
  const out = new Set([full, bare]);
  for (const a of [full, bare]) if (a && !a.endsWith('s')) out.add(`${a}s`);
  return [...out].filter((a) => a.length >= 2);
}

/** Columns named in `text`, in order of appearance (longest alias wins at a position). */
export function mentionedColumns(text: string, columns: string[]): string[] {
  const t = ` ${words(text)} `;
  const found: { column: string; at: number; len: number }[] = [];
  for (const c of columns) {
    for (const a of columnAliases(c)) {
      const at = t.indexOf(` ${a} `);
      if (at >= 0) found.push({ column: c, at, len: a.length });
    }
  }
  found.sort((x, y) => x.at - y.at || y.len - x.len);
  const out: string[] = [];
  const covered: [number, number][] = [];
  for (const f of found) {
    if (out.includes(f.column)) continue;
    if (covered.some(([s, e]) => f.at >= s && f.at + f.len <= e)) continue;
    out.push(f.column);
    covered.push([f.at, f.at + f.len + 1]);
  }
  return out;
}

/** Datasets named in `text` (full name, or a distinctive word of it such as "sales"). */
export function mentionedDatasets(text: string, names: string[]): string[] {
  const t = ` ${words(text)} `;
  const exact = names.filter((n) => t.includes(` ${words(n)} `));
  if (exact.length) return exact;
  const parts = (n: string) => words(n).split(' ');
  const common = new Set(parts(names[0] ?? '').filter((w) => names.every((n) => parts(n).includes(w))));
  return names.filter((n) => parts(n).some((w) => !common.has(w) && w.length >= 3 && (t.includes(` ${w} `) || t.includes(` ${w.replace(/s$/, '')} `))));
}
