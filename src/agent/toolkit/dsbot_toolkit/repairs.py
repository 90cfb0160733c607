"""The repairs a recipe step names, vectorised, each change recorded as lineage through ctx.

Value-level repairs run once per distinct value (pd.factorize), so a chunk's cost grows with
its distinct values, not its rows."""
import json

import numpy as np
import pandas as pd

from . import values as V


def _update(df, col, mask, new, rule, ctx):
    """Sets df[col][mask] = new and records the change."""
    if not mask.any():
        return df
    cur = df[col].values
    old = cur[mask]
    newv = np.asarray(new, dtype=object)
    ctx.record(df.index.values[mask], col, old, newv, rule)
    vals = cur.copy() if cur.dtype == object else cur.astype(object)
    vals[mask] = newv
    df[col] = vals
    return df


MEMO_CAP = 200000  # distinct values remembered per step and column across chunks


def _value_map(df, col, fn, ctx, default_rule, key=None):
    """Applies fn(distinct values Series) -> (new Series, rule Series|None) to a column.

    With `key` and a `ctx.memo` dict (set by make_clean_chunk's function), results for values
    already seen in earlier chunks are looked up instead of recomputed."""
    s = df[col]
    codes, uniques = pd.factorize(s, sort=False)
    if len(uniques) == 0:
        return df
    u = pd.Series(np.asarray(uniques, dtype=object)).astype(str)
    memo = getattr(ctx, "memo", None)
    if memo is not None and memo.get(key, 0) is None:
        memo = None  # this column's values rarely repeat: remembering them only costs memory
    entry = memo.get(key) if memo is not None and key is not None else None
    if entry is not None:
        pos = entry[0].get_indexer(u.values)
        todo = pos < 0
        if len(u) > 1000 and todo.mean() > 0.8:
            memo[key] = None
        new = np.empty(len(u), dtype=object)
        rules = np.empty(len(u), dtype=object)
        known = ~todo
        new[known] = entry[1][pos[known]]
        rules[known] = entry[2][pos[known]]
        if todo.any():
            n2, r2 = fn(u[todo].reset_index(drop=True))
            n2 = np.asarray(n2, dtype=object)
            r2 = np.full(len(n2), default_rule, dtype=object) if r2 is None else np.asarray(r2, dtype=object)
            new[todo], rules[todo] = n2, r2
            if memo.get(key) is not None and len(entry[0]) < MEMO_CAP:
                memo[key] = (entry[0].append(pd.Index(u.values[todo])), np.concatenate([entry[1], n2]), np.concatenate([entry[2], r2]))
    else:
        new, rules = fn(u)
        new = np.asarray(new, dtype=object)
        rules = np.full(len(new), default_rule, dtype=object) if rules is None else np.asarray(rules, dtype=object)
        if memo is not None and key is not None:
            memo[key] = (pd.Index(u.values), new, rules)
    changed_u = new != u.values
    if not changed_u.any():
        return df
    mask = changed_u[codes] & (codes >= 0)
    return _update(df, col, mask, new[codes[mask]], rules[codes[mask]], ctx)


def op_strip_whitespace(df, step, ctx):
    """Leading/trailing whitespace removed; runs of spaces collapsed in `collapse` columns."""
    collapse = set(step.get("collapse", []))
    for col in step.get("columns", []):
        if col not in df:
            continue
        if col in collapse:
            fn = lambda u: (u.str.strip().str.replace(r"\s{2,}", " ", regex=True), None)
        else:
            fn = lambda u: (u.str.strip(), None)
        df = _value_map(df, col, fn, ctx, "whitespace", key=(id(step), col))
    return df


def op_null_tokens(df, step, ctx):
    """Null tokens ('N/A', 'null', '-', ...) become empty."""
    tokens = {str(t).strip().lower() for t in step.get("tokens", [])}
    for col in step.get("columns", []):
        if col in df:
            df = _value_map(df, col, lambda u: (u.where(~u.str.strip().str.lower().isin(tokens), ""), None), ctx, "null_token",
                            key=(id(step), col))
    return df


def op_to_numeric(df, step, ctx):
    """Numbers stored as text: units, percent signs, currency, thousands separators, float-typed
    integers and float noise become plain numbers; unparseable values become empty if asked."""
    col = step["column"]
    if col not in df:
        return df
    integer = step.get("kind") == "integer"
    scale = float(step.get("percent_scale", 1.0))
    convert = step.get("convert") or {}
    invalid = step.get("invalid", "keep")
    decimal = step.get("decimal", ".")

    def fn(u):
        st = u.str.strip()
        new = u.copy()
        rules = pd.Series("", index=u.index, dtype=object)
        empty = st == ""
        plain = st.str.match(V.PLAIN_NUMBER_RE if decimal == "." else V.INT_RE) & ~empty
        dotzero = plain & st.str.match(r"^[-+]?\d+\.0+$") if integer else pd.Series(False, index=u.index)
        int_other = plain & ~dotzero & ~st.str.match(V.INT_RE) if integer else pd.Series(False, index=u.index)
        noise = plain & V.float_noise(st)
        other = ~plain & ~empty
        if dotzero.any():
            new[dotzero] = st[dotzero].str.replace(r"\.0+$", "", regex=True)
            rules[dotzero] = "float_integer"
        if int_other.any():
            new[int_other] = [V.format_number(float(x), integer=True) for x in st[int_other]]
            rules[int_other] = "integer_text"
        noise = noise & ~int_other
        if noise.any():
            new[noise] = [V.format_number(float(x)) for x in st[noise]]
            rules[noise] = "float_noise"
        if other.any():
            pn = V.parse_numbers(st[other], decimal)
            out, why = [], []
            for num, unit in zip(pn["num"].values, pn["unit"].values):
                if num != num:
                    out.append("" if invalid == "null" else None)
                    why.append("invalid_number")
                    continue
                x = float(num)
                if unit == "%":
                    x, r = x * scale, "percent"
                elif isinstance(unit, str):
                    x, r = x * float(convert.get(unit, 1.0)), "unit:%s" % unit
                else:
                    r = "number_text"
                whole = float(x).is_integer()
                out.append(V.format_number(x, integer=integer and whole))
                why.append(r)
            oidx = st[other].index
            res = pd.Series(out, index=oidx, dtype=object)
            keep = res.isna()
            res[keep] = u[oidx][keep]
            new[oidx] = res
            rules[oidx] = why
        return new.values, rules.values

    return _value_map(df, col, fn, ctx, "to_numeric", key=(id(step), col))


def op_dominant_format(df, step, ctx):
    """Dates/times in other formats rewritten in the column's dominant format; phone/postal-like
    codes with the same digits rewritten in the dominant digit template."""
    col = step["column"]
    if col not in df:
        return df
    if step.get("kind") == "digits":
        template = step["format"]
        nd = template.count("9")

        def fn_digits(u):
            st = u.str.strip()
            d = V.digits_only(st)
            ok = (d.str.len() == nd) & (V.shape(st, width=len(template) + 5) != template)
            new = u.copy()
            new[ok] = [V.apply_template(x, template) for x in d[ok]]
            return new.values, None

        return _value_map(df, col, fn_digits, ctx, "format", key=(id(step), col))
    fmt = step["format"]
    formats = [fmt] + [f for f in step.get("formats", []) if f != fmt]
    invalid = step.get("invalid", "keep")

    def fn(u):
        st = u.str.strip()
        todo = st != ""
        out = pd.Series(pd.NaT, index=u.index)
        for f in formats:
            if not todo.any():
                break
            parsed = V.parse_dates(st[todo], f)
            got = parsed.notna()
            out[parsed[got].index] = parsed[got]
            todo[parsed[got].index] = False
        new = u.copy()
        rules = pd.Series("date_format", index=u.index, dtype=object)
        okm = out.notna()
        if okm.any():
            new[okm] = V.render_dates(pd.to_datetime(out[okm]), fmt)
        bad = todo & (st != "")
        if bad.any() and invalid == "null":
            new[bad] = ""
            rules[bad] = "invalid_date"
        return new.values, rules.values

    return _value_map(df, col, fn, ctx, "date_format", key=(id(step), col))


def op_canonical_categories(df, step, ctx):
    """Spelling/case variants mapped to their canonical value."""
    col, mapping = step["column"], step.get("mapping") or {}
    if col not in df or not mapping:
        return df
    return _value_map(df, col, lambda u: (u.map(mapping).where(u.isin(list(mapping)), u), None), ctx, "category_variant",
                      key=(id(step), col))


def op_split_merged(df, step, ctx):
    """'Portland OR' in `column` with `into` empty (or equal to the code): the code moves to `into`."""
    col, into = step["column"], step["into"]
    if col not in df or into not in df:
        return df
    codes = set(step.get("values", []))
    tail = pd.Series(V.by_unique(df[col], lambda u: u.str.strip().str.extract(r"^.*?\S\s*[,\s]\s*([^\s,]+)$")[0].values), index=df.index)
    hit = tail.isin(codes)
    if not hit.any():
        return df
    ex = df[col][hit].str.strip().str.extract(r"^(?P<x>.*?\S)\s*[,\s]\s*(?P<t>[^\s,]+)$")
    hit = hit & ex["x"].reindex(df.index).notna()
    ex = ex.reindex(df.index)
    b = pd.Series(V.by_unique(df[into], lambda u: u.str.strip().values, fill=""), index=df.index)
    empty = hit & (b == "")
    same = hit & (b == ex["t"])
    df = _update(df, into, empty.values, ex["t"][empty].values, "split_merged", ctx)
    m = (empty | same).values
    return _update(df, col, m, ex["x"][empty | same].values, "split_merged", ctx)


def op_fd_repair(df, step, ctx):
    """rhs values that contradict the majority for their lhs value are set to the majority."""
    lhs, rhs = step["lhs"], step["rhs"]
    if lhs not in df or rhs not in df:
        return df
    fix = {}
    for a, spec in (step.get("mapping") or {}).items():
        for f in spec.get("from", []):
            fix[str(a) + "\x1f" + str(f)] = spec["to"]
    if not fix:
        return df
    key = df[lhs].astype(str) + "\x1f" + df[rhs].astype(str)
    target = key.map(fix)
    m = target.notna().values
    return _update(df, rhs, m, target[m].values, "fd:%s->%s" % (lhs, rhs), ctx)


def op_drop_duplicates(df, step, ctx):
    """Exact duplicate rows (within and across chunks) go to removed_rows."""
    dup = ctx.is_duplicate(df)
    if dup.any():
        df = df.drop(ctx.remove(dup, step.get("reason", "exact duplicate row")))
    return df


def _numeric(df, col):
    return pd.Series(V.to_float(df[col]), index=df.index)


def _act(df, col, viol, action, reason, ctx):
    if not viol.any():
        return df
    if action == "remove":
        return df.drop(ctx.remove(viol, reason))
    if action == "null":
        return _update(df, col, viol.values, np.full(int(viol.sum()), "", dtype=object), reason, ctx)
    ctx.flag(viol, col, reason, df.loc[viol, col].values)
    return df


def _bounded(df, step, ctx, lo_key, hi_key, kind):
    """Values of step["column"] outside [step[lo_key], step[hi_key]] get the step's action."""
    col = step["column"]
    if col not in df:
        return df
    lo, hi = float(step[lo_key]), float(step[hi_key])
    x = _numeric(df, col)
    reason = "%s:%s outside [%g, %g]" % (kind, col, lo, hi)
    return _act(df, col, ((x < lo) | (x > hi)).fillna(False), step.get("action", "flag"), reason, ctx)


def op_range(df, step, ctx):
    """Values outside [min, max] (a documented range) are flagged, nulled or removed."""
    return _bounded(df, step, ctx, "min", "max", "range")


def op_outliers(df, step, ctx):
    """Values outside the whole-column fences [lo, hi] (IQR x3) are flagged or removed."""
    return _bounded(df, step, ctx, "lo", "hi", "outlier")


def rule_violations(df, rule):
    """Bool Series: rows violating a cross-column sum rule (rows with a missing part are skipped)."""
    total = _numeric(df, rule["column"])
    parts = [_numeric(df, p) for p in rule["parts"] if p in df]
    if len(parts) != len(rule["parts"]):
        return pd.Series(False, index=df.index)
    s = sum(parts)
    tol = float(rule.get("tol", 0.0))
    if rule["kind"] == "sum_ge":
        viol = total < s - tol
    else:
        viol = (total - s).abs() > tol
    return viol.fillna(False)


def op_rule(df, step, ctx):
    """A cross-column rule (e.g. Global >= NA + EU); violating rows are flagged or removed."""
    viol = rule_violations(df, step)
    return _act(df, step["column"], viol, step.get("action", "flag"), step.get("name") or "rule:%s" % step.get("expr"), ctx)


OPS = {
    "strip_whitespace": op_strip_whitespace, "null_tokens": op_null_tokens, "to_numeric": op_to_numeric,
    "dominant_format": op_dominant_format, "canonical_categories": op_canonical_categories,
    "split_merged": op_split_merged, "fd_repair": op_fd_repair, "drop_duplicates": op_drop_duplicates,
    "range": op_range, "outliers": op_outliers, "rule": op_rule,
}


def apply_recipe(df, recipe, ctx):
    """Runs the recipe's steps in order; `df` itself is left unchanged (steps replace columns)."""
    df = df.copy(deep=False)
    for step in recipe:
        op = OPS.get(step.get("op"))
        if op is None:
            raise ValueError("unknown recipe op %r (known: %s)" % (step.get("op"), ", ".join(OPS)))
        df = op(df, step, ctx)
    return df


def make_clean_chunk(recipe):
    """A `clean_chunk(df, ctx=None) -> df` applying `recipe` (ctx defaults to a sample context)."""
    recipe = json.loads(json.dumps(recipe))
    memo = {}  # per step and column: value -> repaired value, shared by the chunks

    def clean_chunk(df, ctx=None):
        """Applies the recipe to `df`; changes, removals and flags go to `ctx`."""
        from .context import sample_context
        from .session import session
        if ctx is None:
            ctx = sample_context(df)
        ctx.memo = memo
        out = apply_recipe(df, recipe, ctx)
        session().last_ctx = ctx
        return out

    clean_chunk.recipe = recipe
    return clean_chunk


def recipe_source(recipe):
    """Python source that, run with the toolkit imported, defines RECIPE and clean_chunk
    (one step per line, as Python literals)."""
    steps = json.loads(json.dumps(recipe))
    body = "".join("    %r,\n" % (step,) for step in steps)
    return (
        "# dsbot cleaning recipe: run with `from dsbot_toolkit import *` in scope.\n"
        "# One repair per line; see the toolkit README for the ops. Edit and re-run to adapt.\n"
        "RECIPE = [\n%s]\n"
        "clean_chunk = make_clean_chunk(RECIPE)\n" % body
    )
