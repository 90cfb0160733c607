"""Repairs learned from corrected example rows (detect/learn.py decides them; DESIGN.md decision 9).

A `learned` step holds one column's rules, tried in order on each cell; the first that applies
decides, and a rule applies only where its evidence holds:
  - map      {from, to}: that exact value;
  - tokens   {sep, count, pick, shapes}: values of one of the examples' shapes that split into
             `count` parts: the part `pick` ('2012 2013 2014' -> '2013');
  - date     {in: {pre, format, suf}, out: {pre, format, suf}}: values that read as a date in the
             input form, written in the output form;
  - number   {deco, shapes, factor, out, decimals}: numbers written with that decoration (and one
             of those shapes, when given), scaled and written in the output decoration;
  - affix    {mode: add|remove, pre, suf, shapes}: a prefix/suffix added or removed on values of
             those shapes ('11' -> '2011');
  - context  {column, values: [[x, a, w]]}: value `a` where `column` is `x` becomes `w` (a
             dependency of the file makes `column` determine this one);
  - suspects {values, lhs}: values the corrections showed wrong; where the row's group of an lhs
             column (the file's dependency counts, distinct rows) holds another value at least as
             often, and clearly more often than any third, the cell takes it.
  - flag_invalid {}: values the column's profiled type rejects (a null spelling the corrections
             keep, a number no longer rewritten) are kept and flagged (`invalid_kept`).
A `corrections` step sets the corrected rows' cells ({row: {column: value}}) and, with
`same_rows` ({row hash: row}), the same cells of rows identical to a corrected row as read."""
import re

import numpy as np
import pandas as pd

from .. import numfmt as NF
from .. import values as V
from ..relations import row_hashes
from ..session import session
from .base import column_key, update, value_map

SEP = "\x1f"


def full_shape(text):
    """Digits -> 9, letters -> a, everything else kept (not cut)."""
    return re.sub(r"[^\W\d_]", "a", re.sub(r"\d", "9", text))


def split_tokens(text, sep):
    """The parts of `text` split by `sep`, stripped."""
    return [t.strip() for t in text.split(sep)]


_DATE_CACHE = {}


def date_regex(form):
    """Compiled regex for {pre, format, suf}: the literal affixes around a strict date format."""
    key = (form["pre"], form["format"], form["suf"])
    if key not in _DATE_CACHE:
        core = V.format_regex(form["format"].replace("%-", "%"))[1:-1]
        _DATE_CACHE[key] = re.compile("^" + re.escape(form["pre"]) + "(" + core + ")" + re.escape(form["suf"]) + "$")
    return _DATE_CACHE[key]


def parse_date_form(texts, form):
    """Datetime Series for `texts` read in `form` (NaT where they do not fit)."""
    rx = date_regex(form)
    fmt = form["format"].replace("%-", "%")
    cores = [m.group(1) if m else None for m in (rx.match(t) for t in texts)]
    out = pd.Series(pd.NaT, index=range(len(texts)), dtype="datetime64[ns]")
    ok = [i for i, c in enumerate(cores) if c is not None]
    if ok:
        out.iloc[ok] = pd.to_datetime(pd.Series([cores[i] for i in ok]), format=fmt, errors="coerce").values
    return out


def render_date_form(dates, form):
    """Texts of datetimes in {pre, format, suf}."""
    body = V.render_dates(pd.Series(dates), form["format"]).values
    return np.array([form["pre"] + b + form["suf"] if b else "" for b in body], dtype=object)


def number_text(y, decimals):
    """A number written plainly, with `decimals` digits when given."""
    if decimals:
        return ("%." + str(int(decimals)) + "f") % y
    return V.format_number(y)


def value_rule_outputs(rule, texts):
    """Outputs of a value-level rule for an array of texts: a string where it applies, else None."""
    kind = rule["kind"]
    n = len(texts)
    out = np.full(n, None, dtype=object)
    if kind == "map":
        for i, t in enumerate(texts):
            if t == rule["from"]:
                out[i] = rule["to"]
        return out
    shapes = set(rule.get("shapes") or ())
    if kind == "tokens":
        for i, t in enumerate(texts):
            if full_shape(t) in shapes:
                parts = split_tokens(t, rule["sep"])
                if len(parts) == rule["count"]:
                    out[i] = parts[rule["pick"]]
        return out
    if kind == "affix":
        pre, suf = rule.get("pre", ""), rule.get("suf", "")
        for i, t in enumerate(texts):
            if full_shape(t) not in shapes:
                continue
            if rule["mode"] == "add":
                out[i] = pre + t + suf
            elif t.startswith(pre) and t.endswith(suf) and len(t) > len(pre) + len(suf):
                out[i] = t[len(pre): len(t) - len(suf)]
        return out
    if kind == "date":
        parsed = parse_date_form(list(texts), rule["in"])
        ok = parsed.notna().values
        if ok.any():
            out[ok] = render_date_form(parsed[ok].values, rule["out"])
        return out
    if kind == "number":
        st = pd.Series(list(texts), dtype=object).str.strip()
        pn = NF.parse(st, rule.get("decimal", "."))
        pre_o, suf_o = rule["out"].split("|", 1)
        for i, t in enumerate(texts):
            x = pn["num"].values[i]
            if x != x or NF.deco_key(pn["pre"].values[i], pn["suf"].values[i]) != rule["deco"]:
                continue
            if shapes and full_shape(st.values[i]) not in shapes:
                continue
            out[i] = pre_o + number_text(x * float(rule["factor"]), rule.get("decimals")) + suf_o
        return out
    return out


VALUE_KINDS = ("map", "tokens", "affix", "date", "number")


def value_fn(step):
    """fn(distinct values) -> (new, rules, evidence) applying the step's value-level rules in order."""
    rules = [r for r in step.get("rules", []) if r.get("kind") in VALUE_KINDS]

    def fn(u):
        texts = u.values
        new = texts.copy()
        names = np.full(len(u), "learned", dtype=object)
        ev = np.full(len(u), "", dtype=object)
        todo = np.ones(len(u), dtype=bool)
        for r in rules:
            if not todo.any():
                break
            idx = np.flatnonzero(todo)
            got = value_rule_outputs(r, texts[idx])
            hit = np.array([g is not None for g in got], dtype=bool)
            if not hit.any():
                continue
            k = idx[hit]
            new[k] = got[hit]
            names[k] = "learned:%s" % r["kind"]
            ev[k] = r.get("evidence", "")
            todo[k] = False
        return new, names, ev

    return fn


def group_values(step, lhs, ctx, want):
    """{lhs value: {value: distinct rows}} of the dependency lhs -> the step's column, over the whole
    file (values as the recipe's earlier steps write them), for the lhs groups `want(frame)` keeps
    (a function of a frame with columns a (lhs), b (value), n). {} without the file's counts."""
    from .dependencies import missing, normaliser
    col = step["column"]
    try:
        rel = getattr(session(), "relations", None)
    except RuntimeError:
        rel = None
    counts = (rel.fd or {}).get((lhs, col)) if rel is not None else None
    if counts is None or not len(counts):
        return {}
    recipe = getattr(ctx, "recipe", None)
    df = counts.reset_index()
    df.columns = ["a", "b", "n"]
    df["a"] = normaliser(recipe, step, lhs)(df["a"].values)
    df["b"] = normaliser(recipe, step, col)(df["b"].values)
    df = df[~missing(df["a"])]
    df = df[df["a"].isin(df["a"][want(df)].unique())].groupby(["a", "b"], sort=False)["n"].sum().reset_index()
    out = {}
    for a, b, n in zip(df["a"].values, df["b"].values, df["n"].values):
        out.setdefault(a, {})[b] = int(n)
    return out


def _suspect_table(step, rule, lhs, ctx):
    """{lhs value: (value, its rows, second value's rows, {suspect: rows})} for the groups of the
    dependency lhs -> column that hold a suspect value."""
    memo = getattr(ctx, "memo", None)
    key = ("learned-suspects", id(step), id(rule), lhs)
    if memo is not None and key in memo:
        return memo[key]
    from .dependencies import missing
    sus = set(rule["values"])
    table = {}
    for a, vals in group_values(step, lhs, ctx, lambda df: df["b"].isin(sus).values).items():
        own = {b: n for b, n in vals.items() if b in sus}
        rest = sorted(((n, b) for b, n in vals.items() if b not in sus and not missing([b])[0]), key=lambda t: (-t[0], t[1]))
        if rest:
            table[a] = (rest[0][1], rest[0][0], rest[1][0] if len(rest) > 1 else 0, own)
    if memo is not None:
        memo[key] = table
    return table


def suspect_outputs(step, rule, df, ctx, rows_mask):
    """(new values, evidence) for the rows of `rows_mask` holding a suspect value (None where no
    group decides)."""
    col = step["column"]
    vals = df[col].values
    n = len(df)
    new = np.full(n, None, dtype=object)
    ev = np.full(n, "", dtype=object)
    sus = set(rule["values"])
    cand = rows_mask & np.isin(vals.astype(object), list(sus))
    if not cand.any():
        return new, ev
    support = rule.get("support") or {}
    for lhs in rule.get("lhs", []):
        if lhs not in df:
            continue
        table = _suspect_table(step, rule, lhs, ctx)
        if not table:
            continue
        xs = df[lhs].values
        for i in np.flatnonzero(cand):
            got = table.get(str(xs[i]).strip())
            if got is None:
                continue
            v, nv, n2, own = got
            na = own.get(vals[i], 0)
            if nv >= max(1, na) and nv >= 2 * n2:
                if new[i] is None:
                    new[i] = v
                    ev[i] = "%r was wrong in %d corrected row(s); %s=%s: %r in %d distinct rows, %r in %d" % (
                        vals[i], int(support.get(vals[i], 1)), lhs, _short(xs[i]), v, nv, vals[i], na)
                elif new[i] != v:
                    new[i], ev[i] = False, ""   # two dependencies disagree: no repair
        cand &= ~np.array([x is not None for x in new], dtype=bool)
    bad = np.array([x is False for x in new], dtype=bool)
    new[bad] = None
    return new, ev


def op_learned(df, step, ctx):
    """Applies one column's learned rules (see the module doc)."""
    col = step["column"]
    if col not in df or not len(df):
        return df
    if any(r.get("kind") in VALUE_KINDS for r in step.get("rules", [])):
        df = value_map(df, col, value_fn(step), ctx, "learned", key=column_key(step, col))
    for r in step.get("rules", []):
        if r.get("kind") == "context" and r.get("column") in df:
            table = {x + SEP + a: w for x, a, w in r.get("values", [])}
            keys = df[r["column"]].astype(str).values.astype(object) + SEP + df[col].astype(str).values.astype(object)
            got = np.array([table.get(k) for k in keys], dtype=object)
            hit = np.array([g is not None for g in got], dtype=bool) & (got != df[col].values)
            if hit.any():
                ev = np.array(["corrected where %s=%s" % (r["column"], _short(x)) for x in df[r["column"]].values[hit]], dtype=object)
                df = update(df, col, hit, got[hit], "learned:context", ctx, ev)
        elif r.get("kind") == "suspects":
            new, ev = suspect_outputs(step, r, df, ctx, np.ones(len(df), dtype=bool))
            hit = np.array([x is not None for x in new], dtype=bool)
            if hit.any():
                hit &= np.array([x != y for x, y in zip(new, df[col].values)], dtype=bool)
            if hit.any():
                df = update(df, col, hit, new[hit], "learned:suspect", ctx, ev[hit])
        elif r.get("kind") == "flag_invalid":
            df = _flag_invalid(df, col, ctx)
    return df


def _flag_invalid(df, col, ctx):
    from ..validate import invalid_mask
    prof = getattr(ctx, "profile", None)
    if prof is None:
        try:
            prof = session().profile
        except RuntimeError:
            prof = None
    c = next((c for c in (prof or {}).get("columns", []) if c["name"] == col), None)
    if c is None:
        return df
    bad = invalid_mask(df[col], c)
    if bad.any():
        ctx.flag(pd.Series(bad, index=df.index), col, "invalid_kept", df[col].values[bad])
    return df


def op_corrections(df, step, ctx):
    """Corrected rows take their corrected values; rows identical to one (as read) take the same."""
    rows = step.get("rows") or {}
    if not rows or not len(df):
        return df
    idx = df.index.values
    target = {}
    for r in idx[np.isin(idx, np.array([int(k) for k in rows], dtype=np.int64))]:
        target[int(r)] = (str(int(r)), "example", "corrected row %d" % int(r))
    same = step.get("same_rows") or {}
    orig = getattr(ctx, "original", None)
    if same and orig is not None and len(orig):
        raw = orig.reindex(df.index)
        if not raw.isna().values.any():
            h = row_hashes(raw[[c for c in orig.columns]])
            for r, hv in zip(idx, h):
                src = same.get("%016x" % int(hv))
                if src is not None and int(r) not in target and str(src) in rows:
                    target[int(r)] = (str(src), "same_row", "identical to corrected row %s" % src)
    if not target:
        return df
    pos = {r: i for i, r in enumerate(idx)}
    for c in sorted({c for k, _, _ in target.values() for c in rows[k]}):
        if c not in df:
            continue
        cur = df[c].values
        hits = sorted((pos[r], k, why, text) for r, (k, why, text) in target.items()
                      if c in rows[k] and str(cur[pos[r]]) != rows[k][c])
        if not hits:
            continue
        mask = np.zeros(len(df), dtype=bool)
        mask[[h[0] for h in hits]] = True
        df = update(df, c, mask, np.array([rows[k][c] for _, k, _, _ in hits], dtype=object),
                    np.array([why for _, _, why, _ in hits], dtype=object), ctx, np.array([t for _, _, _, t in hits], dtype=object))
    return df


def _short(v, n=40):
    v = str(v)
    return v if len(v) <= n else v[:n] + "…"
