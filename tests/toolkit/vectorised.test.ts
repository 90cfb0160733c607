/** Vectorised per-column paths of the replay equal their per-value definitions on edge cases
 * (empty strings, spaces, null tokens in any case, non-ASCII, long texts, formula cells). */
import { describe, expect, it } from 'vitest';
import { pyOk, workDirs } from './py.js';

const work = workDirs();

const EDGE = `EDGE = ["", " ", "  \\t", "N/A", " n/a ", "NULL", "none", "-", "--", "?", "not available", " NOT AVAILABLE ",
        "(blank)", "nan", "NaN", "İ", "\\u00a0", "\\u00a0x\\u00a0", "x ", " x", "x", "é", "😀", "=1+1", "-2", "+44",
        "\\u200b=cmd", "a" * 200, " " + "b" * 40 + " ", "12", " 12", "12.5", "1,234", "abc def", "\\r", "x\\ny"]`;

describe('quality bits', () => {
  it('the missing, null-token and format bits of text columns follow the per-value definition', () => {
    const d = work();
    const r = pyOk(
      `import numpy as np
from dsbot_toolkit import values as V
from dsbot_toolkit.quality import QualityAcc, _BIT
${EDGE}
prof = {"columns": [{"name": "t", "base_type": "string", "inferred_type": "text"}], "rules": []}
bad = []
for recipe in (None, [{"op": "null_tokens", "columns": ["t"], "tokens": ["N/A"]}], []):
    q = QualityAcc(prof, recipe)
    vals = np.array(EDGE * 3, dtype=object)
    for got, v in zip(q.row_bits("t", vals), vals):
        st = v.strip()
        null = st.lower() in V.NULL_TOKENS
        want = (_BIT["missing"] if null else 0) | (_BIT["null_tokens"] if null and st and "t" in q.null_columns else 0) \\
            | (_BIT["format_violations"] if st != v and not null else 0)
        if int(got) != int(want):
            bad.append([v, int(got), int(want)])
    q.memo["t"] = False  # mostly distinct texts: the rows are judged directly
    if list(q.row_bits("t", vals)) != list(q.row_bits("t", vals.copy())):
        bad.append("direct")
out(bad)`,
      d,
    );
    expect(r).toEqual([]);
  });
});

describe('per-value memos across chunks', () => {
  it('by_unique_memo maps like by_unique, remembers values, and stops remembering when most are new', () => {
    const d = work();
    const r = pyOk(
      `import numpy as np, pandas as pd
from dsbot_toolkit import values as V
${EDGE}
def same(a, b):
    return len(a) == len(b) and all((x == y) or (x != x and y != y) for x, y in zip(a, b))
memo = {}
chunks = [EDGE + [np.nan, None], EDGE[::-1], ["12", "1e3", " 7 ", "x"], [str(k) for k in range(40)]]
ok = []
for ch in chunks:
    s = pd.Series(np.array(ch, dtype=object))
    ok.append(same(V.to_float(s, memo, "c"), V.to_float(s)))
    ok.append(same(V.by_unique_memo(s, lambda u: u.str.strip().values, memo, "strip", fill=""), V.by_unique(s, lambda u: u.str.strip().values, fill="")))
out({"ok": ok, "floats": [float(x) if x == x else None for x in V.to_float(pd.Series([" 12", "1e3", "x", ""]), memo, "c")],
     "remembered": memo[("to_float", "c")] is False, "cap": V.MEMO_MAX})`,
      d,
    );
    expect(r.ok.every(Boolean)).toBe(true);
    expect(r.floats).toEqual([12, 1000, null, null]);
    expect(r.remembered).toBe(true); // the last chunk held only new values: the memo was dropped
    expect(r.cap).toBe(200000);
  });

  it('type verdicts remembered across chunks are the verdicts judged afresh, also once most values are new', () => {
    const r = pyOk(
      `import numpy as np, pandas as pd
from dsbot_toolkit.validate import invalid_mask
col = {"name": "n", "base_type": "integer", "dominant_format": None, "numeric": {"decimal": "."}}
memo, ok = {}, []
chunks = [["1", "2", "x", " 3", ""], ["2", "y", "1"], [str(k) + "z" * (k % 2) for k in range(50)], ["1", "q"]]
for ch in chunks:
    s = pd.Series(np.array(ch, dtype=object))
    ok.append(bool((invalid_mask(s, col, memo) == invalid_mask(s, col)).all()))
out({"ok": ok, "dropped": memo[("n", "integer", None)] is False})`,
      work(),
    );
    expect(r.ok).toEqual([true, true, true, true]);
    expect(r.dropped).toBe(true); // the third chunk held mostly new values: the memo was dropped
  });

  it('same_array is true for views of the same memory only', () => {
    const r = pyOk(
      `import numpy as np, pandas as pd
from dsbot_toolkit.values import same_array
df = pd.DataFrame({"a": ["x", "y"], "b": ["x", "y"]})
a = df["a"].values
out([same_array(a, df["a"].values), same_array(a, df["b"].values), same_array(a, a.copy()), same_array(a, a[::-1]),
     same_array(a, a[:1])])`,
    );
    expect(r).toEqual([true, false, false, false, false]);
  });
});

describe('columns the cleaning left unchanged', () => {
  it('the lineage of a toolkit recipe names the same columns as comparing the values', () => {
    const d = work();
    const r = pyOk(
      `from dsbot_toolkit.validate import unchanged_columns
from dsbot_toolkit.context import sample_context
res = []
for name in ("messy.csv", "dups.csv", "formulas.csv"):
    init_session(os.path.join(FIX, name), WORK, chunk_rows=7)
    p = profile()
    fn = make_clean_chunk(suggest_recipe(p))
    for i in range(p["chunks"]):
        df = load_chunk(i)
        ctx = sample_context(df)
        cleaned = fn(df, ctx)
        compared = unchanged_columns(df, cleaned, ctx)
        ctx.lineage = True
        res.append([name, i, sorted(unchanged_columns(df, cleaned, ctx)) == sorted(compared), len(compared) < len(df.columns)])
out(res)`,
      d,
    );
    expect(r.length).toBeGreaterThan(3);
    expect(r.every((x: any[]) => x[2])).toBe(true);
    expect(r.some((x: any[]) => x[3])).toBe(true); // some chunk had changed columns
  });
});

describe('factorisations shared by the steps of one chunk', () => {
  it('a column a step rewrote is factorised as pd.factorize would, NaN cells and merged values included', () => {
    const r = pyOk(
      `import numpy as np, pandas as pd
from dsbot_toolkit.context import ChunkContext
from dsbot_toolkit.repair.base import value_map, factorized
vals = np.array([" b", "a", np.nan, "B", "a ", None, "c", " b", "", "A"], dtype=object)
df = pd.DataFrame({"x": vals, "y": ["1"] * len(vals)})
ctx = ChunkContext(original=df)
ctx.factorized = {}
df = value_map(df, "x", lambda u: (u.str.strip().str.lower(), None), ctx, "whitespace")
_, codes, uniques = factorized(df, "x", ctx)
fc, fu = pd.factorize(df["x"].values, sort=False)
out({"reused": ctx.factorized["x"][0] is not None and len(ctx.factorized) == 1, "codes": codes.tolist() == fc.tolist(),
     "uniques": list(uniques) == list(fu), "values": [v if isinstance(v, str) else None for v in df["x"]]})`,
    );
    expect(r).toEqual({ reused: true, codes: true, uniques: true, values: ['b', 'a', null, 'b', 'a', null, 'c', 'b', '', 'a'] });
  });

  it('recipes clean every chunk as they do with every column factorised afresh', () => {
    const d = work();
    const r = pyOk(
      `import pandas as pd
from dsbot_toolkit.repair import base
from dsbot_toolkit.context import sample_context
def fresh(df, col, ctx=None):
    s = df[col]
    codes, uniques = pd.factorize(s, sort=False)
    return s, codes, np.asarray(uniques, dtype=object)
import numpy as np
shared = base.factorized
res = []
for name in ("messy.csv", "dups.csv", "formulas.csv", "outliers.csv", "scores.csv", "eu-decimal.csv"):
    init_session(os.path.join(FIX, name), WORK, chunk_rows=9)
    p = profile()
    recipe = suggest_recipe(p)
    got = {}
    for how, fn in (("shared", shared), ("fresh", fresh)):
        base.factorized = fn
        clean = make_clean_chunk(recipe)
        outs = []
        for i in range(p["chunks"]):
            ctx = sample_context(load_chunk(i))
            cleaned = clean(load_chunk(i), ctx)
            outs.append([cleaned.to_csv(), ctx.changes_frame().to_csv(), ctx.flags_frame().to_csv()])
        got[how] = outs
    base.factorized = shared
    res.append([name, got["shared"] == got["fresh"], sum(len(o[1]) for o in got["shared"])])
out(res)`,
      d,
    );
    expect(r.every((x: any[]) => x[1])).toBe(true);
    expect(r.some((x: any[]) => x[2] > 200)).toBe(true); // changes were made
  });
});

