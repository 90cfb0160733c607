/** Real data end to end with the builtin pipeline: beers (scored against ground truth) and Turtle Games. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pyOk, workDirs } from './py.js';

const work = workDirs();

const CLEAN = (file: string, extra = '') => `
from dsbot_toolkit.__main__ import clean
res = clean(os.path.join(DATA, ${JSON.stringify(file)}), WORK, chunk_rows=1000, quiet=True ${extra})
import pandas as pd
cleaned = pd.read_csv(os.path.join(WORK, "cleaned.csv"), dtype=str, keep_default_na=False)
removed = pd.read_csv(os.path.join(WORK, "removed_rows.csv"), dtype=str, keep_default_na=False)
dirty = pd.read_csv(os.path.join(DATA, ${JSON.stringify(file)}), dtype=str, keep_default_na=False)
report = json.load(open(os.path.join(WORK, "report.json")))
`;

describe('beers benchmark (Raha/Baran scoring, no labels)', () => {
  it('reaches correction F1 >= 0.87 with the builtin pipeline', () => {
    const d = work();
    const r = pyOk(
      `${CLEAN('benchmarks/beers/dirty.csv')}
sc = score_cells(os.path.join(DATA, "benchmarks/beers/dirty.csv"), os.path.join(DATA, "benchmarks/beers/clean.csv"), os.path.join(WORK, "cleaned.csv"))
out({"score": sc, "rows": len(cleaned), "ok": all(c["ok"] for c in report["chunks"])})`,
      d,
    );
    console.log('beers', JSON.stringify({ detection: r.score.detection, correction: r.score.correction }));
    expect(r.rows).toBe(2410);
    expect(r.ok).toBe(true);
    expect(r.score.counts.errors).toBe(4362);
    expect(r.score.correction.f1).toBeGreaterThanOrEqual(0.87);
    expect(r.score.per_column.ibu.correction.f1).toBeGreaterThan(0.99);
  });
});

describe('whole-file decisions', () => {
  it('the chunk size does not change the recipe or the cleaned file', () => {
    const r = pyOk(
      `from dsbot_toolkit.__main__ import clean
import hashlib
res = {}
for n in (100, 5000):
    out_dir = os.path.join(WORK, "c%d" % n)
    rec = clean(os.path.join(DATA, "benchmarks/beers/dirty.csv"), out_dir, chunk_rows=n, quiet=True)["recipe"]
    res[n] = [rec, hashlib.sha256(open(os.path.join(out_dir, "cleaned.csv"), "rb").read()).hexdigest(),
              json.load(open(os.path.join(out_dir, "report.json")))["chunks"].__len__()]
out(res)`,
      work(),
    );
    expect(r['100'][2]).toBe(25);
    expect(r['5000'][2]).toBe(1);
    expect(r['100'][0]).toEqual(r['5000'][0]);
    expect(r['100'][1]).toBe(r['5000'][1]);
  });
});

describe('Turtle Games', () => {
  it('sales: every row kept or removed with a reason, Year as integers, gaps filled only with evidence, Global >= NA + EU checked', () => {
    const d = work();
    const r = pyOk(
      `${CLEAN('turtle/turtle_sales.csv', ', dictionary=os.path.join(DATA, "turtle/metadata_turtle_games.txt")')}
ch = pd.read_csv(os.path.join(WORK, "changes.csv"), dtype=str, keep_default_na=False)
out({"rows": len(cleaned), "removed": len(removed), "reasons": removed.iloc[:, -1].tolist() if len(removed) else [],
     "years": sorted(set(cleaned["Year"])), "rules": [s.get("expr") for s in res["recipe"] if s["op"] == "rule"],
     "ranking": cleaned["Ranking"].tolist() + removed["Ranking"].tolist() if len(removed) else cleaned["Ranking"].tolist(),
     "dirty_ranking": dirty["Ranking"].tolist(), "chunks_ok": all(c["ok"] for c in report["chunks"]),
     "year_fills": ch[(ch["column"] == "Year") & (ch["old"] == "")][["rule", "evidence"]].values.tolist()})`,
      d,
    );
    expect(r.rows + r.removed).toBe(352);
    expect(r.reasons.every((x: string) => x.length > 0)).toBe(true);
    expect([...r.ranking].sort()).toEqual([...r.dirty_ranking].sort());
    expect(r.years.every((y: string) => /^(19|20)\d\d$/.test(y))).toBe(true);
    // the two missing years: the same Product on other platforms has one year
    expect(r.year_fills).toHaveLength(2);
    for (const [rule, ev] of r.year_fills) {
      expect(rule).toBe('fd_fill:Product->Year');
      expect(ev).toMatch(/^Product=\d+: '\d{4}' in (\d+) of \1 other rows$/);
    }
    expect(r.rules).toEqual(['Global_Sales >= EU_Sales + NA_Sales']);
    expect(r.chunks_ok).toBe(true);
    const md = readFileSync(join(d, 'report.md'), 'utf8');
    // '2006.0' -> '2006' is a format fix (350 cells), not an invalid value
    expect(md).toMatch(/\| Year \| integer \| 2 → 0 \| 0 → 0 \| 0 → 0 \| 350 → 0 \|/);
    expect(md).toMatch(/Rule `Global_Sales >= EU_Sales \+ NA_Sales` checked on every row/);
  });

  it('reviews: spending_score range from the dictionary applied, every row accounted for', () => {
    const d = work();
    const r = pyOk(
      `${CLEAN('turtle/turtle_reviews.csv', ', dictionary=os.path.join(DATA, "turtle/metadata_turtle_games.txt")')}
out({"rows": len(cleaned), "removed": len(removed), "ranges": [[s["column"], s["min"], s["max"]] for s in res["recipe"] if s["op"] == "range"],
     "same_reviews": bool((cleaned["review"] == dirty["review"]).all()) if len(cleaned) == len(dirty) else None,
     "chunks_ok": all(c["ok"] for c in report["chunks"])})`,
      d,
    );
    expect(r.rows + r.removed).toBe(2000);
    expect(r.ranges).toEqual([['spending_score (1-100)', 1, 100]]);
    expect(r.same_reviews).toBe(true);
    expect(r.chunks_ok).toBe(true);
  });
});

describe('synthetic errors injected into Turtle sales', () => {
  it('repairs case, spacing, null tokens, units, float-typed years and rare typos without touching clean cells', () => {
    const d = work();
    const r = pyOk(
      `import numpy as np, pandas as pd
rng = np.random.default_rng(11)
c = pd.read_csv(os.path.join(DATA, "turtle/turtle_sales.csv"), dtype=str, keep_default_na=False)
# the clean file follows the conventions dsbot writes: whole numbers without '.0'
for col in ("Year", "NA_Sales", "EU_Sales", "Global_Sales"):
    c[col] = c[col].str.replace(r"\\.0$", "", regex=True)
d = c.copy()
n = len(d)
pick = lambda f: rng.random(n) < f
m = pick(0.05); d.loc[m, "Platform"] = d.loc[m, "Platform"].str.lower()
m = pick(0.05); d.loc[m, "Genre"] = " " + d.loc[m, "Genre"] + " "
m = pick(0.04) & (d["NA_Sales"] != ""); d.loc[m, "NA_Sales"] = "N/A"
m = pick(0.04); d.loc[m, "EU_Sales"] = d.loc[m, "EU_Sales"] + " M"
m = pick(0.05) & (d["Year"] != ""); d.loc[m, "Year"] = d.loc[m, "Year"] + ".0"
def typo(s):
    s = list(s); s[int(rng.integers(1, len(s) - 1))] = "x"; return "".join(s)
m = pick(0.02) & (d["Publisher"].str.len() > 5); d.loc[m, "Publisher"] = [typo(x) for x in d.loc[m, "Publisher"]]
c.loc[d["NA_Sales"] == "N/A", "NA_Sales"] = ""
d.to_csv(os.path.join(WORK, "dirty.csv"), index=False)
c.to_csv(os.path.join(WORK, "clean.csv"), index=False)
from dsbot_toolkit.__main__ import clean
clean(os.path.join(WORK, "dirty.csv"), os.path.join(WORK, "out"), quiet=True)
sc = score_cells(os.path.join(WORK, "dirty.csv"), os.path.join(WORK, "clean.csv"), os.path.join(WORK, "out", "cleaned.csv"))
ch = pd.read_csv(os.path.join(WORK, "out", "changes.csv"), dtype=str, keep_default_na=False)
out(dict(sc, rules=sorted(set(ch["rule"]))))`,
      d,
    );
    expect(r.counts.errors).toBe(91);
    expect(r.correction.r).toBeGreaterThanOrEqual(0.95);
    // changes beyond the injected errors are repairs the data's own dependencies support (listed with evidence)
    expect(r.correction.p).toBeGreaterThanOrEqual(0.95);
    expect(r.counts.flagged - r.counts.corrected).toBeLessThanOrEqual(4);
    for (const col of ['Ranking', 'Product', 'Global_Sales']) expect(r.per_column[col].flagged, col).toBe(0);
    expect(r.rules.filter((x: string) => !/^(null_token|whitespace|category_variant|typo|number_format|unit:|fd)/.test(x))).toEqual([]);
  });
});
