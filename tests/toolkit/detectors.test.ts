/** Detectors (profile) and repairs (recipe replay) of the Python toolkit on small fixtures. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pyOk, workDirs } from './py.js';

const work = workDirs();

/** Python that runs the builtin pipeline on `file` and returns the cleaned rows and lineage. */
const PIPELINE = (file: string, extra = '', chunkRows = 5) => `
init_session(os.path.join(FIX, ${JSON.stringify(file)}), WORK, chunk_rows=${chunkRows} ${extra})
p = profile()
recipe = suggest_recipe(p)
replay_begin(make_clean_chunk(recipe))
results = [replay_chunk(i) for i in range(p["chunks"])]
fin = finalize(range(p["chunks"]))
import pandas as pd
cleaned = pd.read_csv(os.path.join(WORK, "cleaned.csv"), dtype=str, keep_default_na=False)
changes = pd.read_csv(os.path.join(WORK, "changes.csv"), dtype=str, keep_default_na=False)
`;

describe('profile detectors', () => {
  it('finds null tokens, units, float-typed integers, the dominant date format and category variants', () => {
    const r = pyOk(
      `init_session(os.path.join(FIX, "messy.csv"), WORK, chunk_rows=5)
p = profile()
out({c["name"]: c for c in p["columns"]} | {"_rows": p["rows"], "_chunks": p["chunks"]})`,
      work(),
    );
    expect(r._rows).toBe(12);
    expect(r._chunks).toBe(3);
    expect(r.rating.null_tokens).toEqual({ 'N/A': 1, 'n/a': 1, '-': 1, null: 1 });
    expect(r.rating.inferred_type).toBe('float');
    expect(r.weight.inferred_type).toBe('float');
    expect(Object.keys(r.weight.numeric.units)).toEqual(['oz']);
    expect(r.year.inferred_type).toBe('integer');
    expect(r.year.numeric.dot_zero).toBe(11);
    expect(r.year.null_count).toBe(1);
    expect(r.joined.inferred_type).toBe('date');
    expect(r.joined.dominant_format).toBe('%Y-%m-%d');
    expect(r.colour.variants).toEqual({ Blue: 'blue', ' red': 'red', RED: 'red', Red: 'red' });
    expect(r.colour.whitespace_issues).toBe(1);
  });

  it('repairs them, every change in the lineage with its rule', () => {
    const r = pyOk(
      `${PIPELINE('messy.csv')}
out({"rows": cleaned.to_dict("records"), "rules": changes["rule"].value_counts().to_dict(),
     "ok": all(x["ok"] for x in results),
     "row3": changes[changes["row"] == "2"][["column", "old", "new", "rule"]].values.tolist()})`,
      work(),
    );
    expect(r.ok).toBe(true);
    const rows = r.rows as Record<string, string>[];
    expect(rows.map((x) => x.weight)).toEqual(['12', '16', '12', '8.4', '12', '16', '12', '16', '12', '12', '16', '12']);
    expect(rows.map((x) => x.year)).toEqual(['2006', '2007', '2008', '', '2010', '2011', '2012', '2013', '2014', '2015', '2016', '2017']);
    // whole numbers lose their '.0' (the convention the benchmark pairs share: 2006.0 -> 2006, 4.0 -> 4)
    expect(rows.map((x) => x.rating)).toEqual(['4.5', '', '3.9', '', '', '4.1', '', '4.4', '3.3', '4', '4.8', '4.6']);
    expect(new Set(rows.map((x) => x.colour))).toEqual(new Set(['red', 'blue', 'green']));
    expect(rows[2].joined).toBe('2021-03-05');
    expect(rows.every((x) => /^\d{4}-\d{2}-\d{2}$/.test(x.joined))).toBe(true);
    expect(r.rules).toMatchObject({ 'unit:oz': 12, null_token: 4, number_format: 12, date_format: 1 });
    expect(r.row3).toEqual(
      expect.arrayContaining([
        ['weight', '12.0 ounce', '12', 'unit:oz'],
        ['year', '2008.0', '2008', 'number_format'],
        ['joined', '05/03/2021', '2021-03-05', 'date_format'],
      ]),
    );
  });

  it('flags IQR outliers by default and keeps every row', () => {
    const d = work();
    const r = pyOk(
      `${PIPELINE('outliers.csv', '', 80)}
flags = pd.read_csv(os.path.join(WORK, "flags.csv"), dtype=str, keep_default_na=False)
rz = [s for s in suggest_recipe(p, outlier_method="robust_z") if s["op"] == "outliers"][0]
out({"rows": len(cleaned), "flagged": sorted(flags["value"].tolist()), "rules": flags["rule"].unique().tolist(),
     "changed": len(changes), "removed": fin["rows_removed"], "rz": rz})`,
      d,
    );
    expect(r.rows).toBe(203);
    expect(r.removed).toBe(0);
    expect(r.changed).toBe(0);
    expect(r.flagged).toEqual(['-700', '1200', '900']);
    expect(r.rules[0]).toMatch(/^outlier:score outside/);
    expect(r.rz).toMatchObject({ column: 'score', method: 'robust_z3.5', action: 'flag' });
    expect(r.rz.lo).toBeGreaterThan(15);
    expect(r.rz.hi).toBeLessThan(85);
  });

  it('removes outliers into removed_rows.csv with the reason when the policy says so', () => {
    const d = work();
    const r = pyOk(
      `${PIPELINE('outliers.csv', ', outliers="remove"', 80)}
removed = pd.read_csv(os.path.join(WORK, "removed_rows.csv"), dtype=str, keep_default_na=False)
out({"rows": len(cleaned), "removed": removed[["id", "score", "row"]].values.tolist(), "reasons": removed["reason"].unique().tolist(),
     "scores": sorted(set(cleaned["score"].astype(int))), "fin": fin["rows_removed"]})`,
      d,
    );
    expect(r.rows).toBe(200);
    expect(r.fin).toBe(3);
    expect(r.removed).toEqual([
      ['200', '900', '200'],
      ['201', '-700', '201'],
      ['202', '1200', '202'],
    ]);
    expect(r.reasons).toHaveLength(1);
    expect(r.reasons[0]).toMatch(/^outlier:score outside \[/);
    expect(Math.max(...r.scores)).toBeLessThanOrEqual(60);
    expect(readFileSync(join(d, 'report.md'), 'utf8')).toMatch(/3 rows: outlier:score outside/);
  });

  it('derives ranges and a sum rule from the column name and the data dictionary', () => {
    const r = pyOk(
      `init_session(os.path.join(FIX, "scores.csv"), WORK, dictionary_path=os.path.join(FIX, "scores-dictionary.txt"))
p = profile()
recipe = suggest_recipe(p)
clean_chunk = make_clean_chunk(recipe)
sample = load_sample()
ctx = sample_context(sample)
cleaned = clean_chunk(sample, ctx)
v = validate_cleaning_results(sample, cleaned, ctx=ctx)
flags = ctx.flags_frame()
out({"rules": [{k: r[k] for k in ("kind", "column", "source") if k in r} | {"min": r.get("min"), "max": r.get("max"), "expr": r.get("expr")} for r in p["rules"]],
     "flags": flags[["row", "column", "value"]].values.tolist(), "ok": v["ok"],
     "checks": {c["name"]: c["ok"] for c in v["checks"]}})`,
      work(),
    );
    expect(r.rules).toEqual(
      expect.arrayContaining([
        { kind: 'range', column: 'spending_score (1-100)', source: 'column name', min: 1, max: 100, expr: null },
        { kind: 'range', column: 'visits', source: 'dictionary', min: 1, max: 6, expr: null },
        { kind: 'sum_ge', column: 'total_sales', source: 'dictionary', min: null, max: null, expr: 'total_sales >= na_sales + eu_sales' },
      ]),
    );
    expect(r.flags).toEqual(
      expect.arrayContaining([
        [3, 'spending_score (1-100)', '140'],
        [6, 'spending_score (1-100)', '0'],
        [5, 'visits', '7'],
        [1, 'total_sales', '6'],
        [2, 'total_sales', '3'],
      ]),
    );
    expect(r.flags).toHaveLength(5);
    expect(r.ok).toBe(true);
    expect(r.checks['rule:total_sales >= na_sales + eu_sales']).toBe(true);
  });

  it('fails validation when a range violation is neither repaired nor flagged', () => {
    const r = pyOk(
      `init_session(os.path.join(FIX, "scores.csv"), WORK)
profile()
sample = load_sample()
ctx = sample_context(sample)
v = validate_cleaning_results(sample, sample.copy(), ctx=ctx)
out({c["name"]: [c["ok"], c["detail"]] for c in v["checks"]})`,
      work(),
    );
    expect(r.ranges[0]).toBe(false);
    expect(r.ranges[1]).toMatch(/spending_score \(1-100\): 2 outside \[1, 100\]/);
    expect(r.schema[0]).toBe(true);
  });

  it('splits merged "City ST" values into an empty code column, and only there', () => {
    const r = pyOk(
      `import pandas as pd
rows = [("Portland", "OR"), ("Portland", "OR"), ("Bend", "OR"), ("Boise", "ID"), ("Boise", "ID"), ("Denver", "CO"),
        ("Denver", "CO"), ("Portland OR", ""), ("Boise ID", ""), ("Denver CO", "CO"), ("Lake Oswego OR", ""), ("Fort Collins", "")] * 3
path = os.path.join(WORK, "cities.csv")
pd.DataFrame([(i, c, s) for i, (c, s) in enumerate(rows)], columns=["id", "city", "state"]).to_csv(path, index=False)
init_session(path, WORK)
p = profile()
recipe = suggest_recipe(p)
cleaned = make_clean_chunk(recipe)(load_sample())
out({"merged": p["merged_values"], "pairs": cleaned[["city", "state"]].head(12).values.tolist()})`,
      work(),
    );
    expect(r.merged).toHaveLength(1);
    expect(r.merged[0]).toMatchObject({ column: 'city', into: 'state' });
    expect(r.pairs.slice(7)).toEqual([
      ['Portland', 'OR'],
      ['Boise', 'ID'],
      ['Denver', 'CO'],
      ['Lake Oswego', 'OR'],
      ['Fort Collins', ''],
    ]);
  });

  it('recipe_source round-trips; percents are scaled only when they are ~100x the plain values; dates get padded', () => {
    const r = pyOk(
      `import pandas as pd
path = os.path.join(WORK, "pct.csv")
pd.DataFrame({"id": range(40),
              "rate": ["0.05", "0.07", "5%", "6.5%"] * 10,
              "share": ["0.05%", "0.07", "0.06%", "0.08"] * 10,
              "day": ["2021-1-5", "2021-01-06", "2021-02-07", "2021-03-08"] * 10,
              "note": ["a", "   ", "b", "c"] * 10}).to_csv(path, index=False)
init_session(path, WORK)
recipe = suggest_recipe(profile())
src = recipe_source(recipe)
ns = {}
exec("from dsbot_toolkit import *\\n" + src, ns)
a = ns["clean_chunk"](load_sample())
b = make_clean_chunk(recipe)(load_sample())
out({"same": a.equals(b), "has": sorted(k for k in ns if k in ("RECIPE", "clean_chunk")), "rows": a.head(4).values.tolist()})`,
      work(),
    );
    expect(r.same).toBe(true);
    expect(r.has).toEqual(['RECIPE', 'clean_chunk']);
    expect(r.rows).toEqual([
      ['0', '0.05', '0.05', '2021-01-05', 'a'],
      ['1', '0.07', '0.07', '2021-01-06', ''],
      ['2', '0.05', '0.06', '2021-02-07', 'b'],
      ['3', '0.065', '0.08', '2021-03-08', 'c'],
    ]);
  });

  it('repairs sporadic functional-dependency violations by the whole-file majority, with evidence', () => {
    const r = pyOk(
      `import pandas as pd
rows = []
for i in range(60):
    z = ["10001", "94105", "60601"][i % 3]
    rows.append((i, z, {"10001": "New York", "94105": "San Francisco", "60601": "Chicago"}[z]))
rows[7] = (7, "94105", "Oakland")      # not a typo: only the dependency says it is wrong
rows[20] = (20, "60601", "")          # missing: filled from the dependency
path = os.path.join(WORK, "zips.csv")
pd.DataFrame(rows, columns=["id", "zip", "city"]).to_csv(path, index=False)
init_session(path, WORK, chunk_rows=25)
p = profile()
recipe = suggest_recipe(p)
replay_begin(make_clean_chunk(recipe))
res = [replay_chunk(i) for i in range(p["chunks"])]
finalize(range(p["chunks"]))
cleaned = pd.read_csv(os.path.join(WORK, "cleaned.csv"), dtype=str, keep_default_na=False)
changes = pd.read_csv(os.path.join(WORK, "changes.csv"), dtype=str, keep_default_na=False)
out({"fd": [[f["lhs"], f["rhs"], f["violations"]] for f in p["functional_dependencies"]],
     "steps": [s["op"] for s in recipe], "rows": cleaned.iloc[[7, 20]].values.tolist(),
     "changes": changes[["row", "column", "old", "new", "rule", "evidence"]].values.tolist()})`,
      work(),
    );
    expect(r.fd).toContainEqual(['zip', 'city', 1]);
    expect(r.steps).toContain('dependencies');
    expect(r.rows).toEqual([
      ['7', '94105', 'San Francisco'],
      ['20', '60601', 'Chicago'],
    ]);
    expect(r.changes).toEqual([
      ['7', 'city', 'Oakland', 'San Francisco', 'fd:zip->city', "zip=94105: 'San Francisco' in 19 of 19 other rows"],
      ['20', 'city', '', 'Chicago', 'fd_fill:zip->city', "zip=60601: 'Chicago' in 19 of 19 other rows"],
    ]);
  });

  it('an agent-written clean_chunk records lineage and removals through ctx; silent drops fail row accounting', () => {
    const r = pyOk(
      `init_session(os.path.join(FIX, "messy.csv"), WORK)
profile()

def clean_chunk(df, ctx):
    m = df["name"].str.len() <= 2
    ctx.record(df.index[m], "name", df.loc[m, "name"], df.loc[m, "name"].str.upper(), "upper_short_names")
    df.loc[m, "name"] = df.loc[m, "name"].str.upper()
    return df.drop(ctx.remove(df["id"] == "4", "test removal"))

def silent(df, ctx):
    return df[df["id"] != "4"]

sample = load_sample()
ctx = sample_context(sample)
good = clean_chunk(sample.copy(), ctx)
v1 = validate_cleaning_results(sample, good, ctx=ctx)
ctx2 = sample_context(sample)
v2 = validate_cleaning_results(sample, silent(sample.copy(), ctx2), ctx=ctx2)
out({"changes": ctx.changes_frame().values.tolist(), "removed": ctx.removed_frame(list(sample.columns))[["id", "row", "reason"]].values.tolist(),
     "v1": {c["name"]: c["ok"] for c in v1["checks"]}, "v2": [c for c in v2["checks"] if c["name"] == "row_accounting"][0]})`,
      work(),
    );
    expect(r.changes).toEqual([
      [9, 'name', 'Jo', 'JO', 'upper_short_names', ''],
      [11, 'name', 'Lu', 'LU', 'upper_short_names', ''],
    ]);
    expect(r.removed).toEqual([['4', 3, 'test removal']]);
    expect(r.v1.row_accounting).toBe(true);
    expect(r.v1.schema).toBe(true);
    expect(r.v2.ok).toBe(false);
    expect(r.v2.detail).toMatch(/^12 in = 11 out \+ 0 removed/);
  });

  it('reads a BOM, ";"-delimited, CRLF file with decimal commas and writes "." decimals, keeping the consistent currency', () => {
    const r = pyOk(
      `init_session(os.path.join(FIX, "eu-decimal.csv"), WORK)
p = profile()
recipe = suggest_recipe(p)
cleaned = make_clean_chunk(recipe)(load_sample())
out({"enc": p["encoding"], "sep": p["delimiter"], "dec": p["decimal"], "rows": cleaned.values.tolist()})`,
      work(),
    );
    expect([r.enc, r.sep, r.dec]).toEqual(['utf-8-sig', ';', ',']);
    // every price is written 'N,NN EUR': the currency stays, cents stay (two decimals throughout)
    expect(r.rows).toEqual([
      ['Smith; J', '12.5', '1234.50 EUR'],
      ['Doe', '3', '2.00 EUR'],
      ['Roe', '4.25', '10.00 EUR'],
      ['Poe', '7', '3.10 EUR'],
    ]);
  });
});
