"""validate_cleaning_results: a structured verdict on one cleaned chunk (or sample)."""
import numpy as np
import pandas as pd

from . import numfmt as NF
from . import values as V
from .relations import row_hashes
from .rules import rule_violations
from . import session as _session

CHECKED_TYPES = ("integer", "float", "date", "datetime", "time")  # base types; booleans are categories here


def _examples(values, n=3):
    out = []
    for v in list(values)[:n]:
        v = str(v)
        out.append(repr(v if len(v) <= 30 else v[:30] + "…"))
    return ", ".join(out)


def invalid_mask(s, col, memo=None):
    """Bool array: non-empty values of `s` that do not parse as the column's profiled type.

    `memo` (a dict) keeps verdicts per distinct value across calls (chunks)."""
    codes, uniques = pd.factorize(s, sort=False)
    u = pd.Series(np.asarray(uniques, dtype=object)).astype(str)
    if len(u) == 0:
        return np.zeros(len(s), dtype=bool)
    key = (col.get("name"), col.get("base_type"), col.get("dominant_format"))
    if memo is None or memo.get(key) is False:
        return _invalid_values(u, col)[codes] & (codes >= 0)
    bad_u = V.memo_results(memo, key, u.values, lambda idx: _invalid_values(u.iloc[idx].reset_index(drop=True), col))
    return bad_u[codes] & (codes >= 0)


def _invalid_values(u, col):
    """Bool array over distinct values `u`: non-empty and not a value of the column's type. A
    number counts whatever its decoration ('90 min', '12%', '1,234'); how it is written is a
    format question (see format_deviation), not a type one. A date counts in any known format."""
    base = col.get("base_type")
    st = u.str.strip()
    nonempty = (st != "").values
    if base in ("integer", "float"):
        dec = (col.get("numeric") or {}).get("decimal", ".")
        x = _numbers(st, dec)
        ok = ~np.isnan(x)
        if base == "integer":
            with np.errstate(invalid="ignore"):
                ok &= np.isfinite(x) & (np.floor(x) == x) | ~np.isfinite(x) & ok
        return nonempty & ~ok
    if base in ("date", "datetime", "time"):
        formats = [col["dominant_format"]] + [f for f in (col.get("formats") or {}) if f != col["dominant_format"]]
        ok = np.zeros(len(u), dtype=bool)
        for f in formats:
            todo = ~ok & nonempty
            if not todo.any():
                break
            ok[todo] = V.parse_dates(st[todo], f).notna().values
        return nonempty & ~ok
    if base == "boolean":
        ok = st.str.lower().isin(["true", "false", "yes", "no", "y", "n", "t", "f", "0", "1"]).values
        return nonempty & ~ok
    return np.zeros(len(u), dtype=bool)


def _numbers(st, decimal):
    """Float array: the number each stripped text holds (decorations allowed), NaN when none."""
    plain = st.str.match(V.PLAIN_NUMBER_RE if decimal == "." else V.INT_RE).fillna(False).values
    x = np.full(len(st), np.nan)
    if plain.any():
        vals = st.values[plain] if decimal == "." else np.array([t.replace(",", ".") for t in st.values[plain]], dtype=object)
        x[plain] = V._to_float(vals, np.ones(int(plain.sum()), dtype=bool))
    rest = ~plain & (st != "").values
    if rest.any():
        x[rest] = NF.parse(st[rest].reset_index(drop=True), decimal)["num"].values.astype(float)
    return x


def _valid_in_profile(col):
    """True when the profile saw every non-null value of the column parse as its type."""
    base = col.get("base_type")
    if base in ("integer", "float", "date", "datetime", "time"):
        return col.get("parse_share") == 1
    return False


def unchanged_columns(original, cleaned, ctx=None):
    """Columns whose values on the kept rows are exactly the original ones; columns `ctx` recorded
    changes in count as changed. When `ctx.lineage` is true (the replay sets it for a toolkit-made
    clean_chunk, whose repairs replace a column only through repair.base.update, recording it),
    the other columns are unchanged without comparing their values."""
    if ctx is None:
        return _unchanged_columns(original, cleaned)
    return _unchanged_columns(original, cleaned, {c[1] for c in ctx._changes}, bool(getattr(ctx, "lineage", False)))


def _unchanged_columns(original, cleaned, recorded=(), lineage=False):
    """Columns whose values on the kept rows are exactly the original ones (vectorised compare;
    columns with recorded changes are skipped as changed)."""
    if list(cleaned.columns) != list(original.columns) or not cleaned.index.isin(original.index).all():
        return set()
    if lineage and cleaned.columns.is_unique:
        return {c for c in cleaned.columns if c not in recorded}
    pos = None if cleaned.index.equals(original.index) else original.index.get_indexer(cleaned.index)
    out = set()
    for c in cleaned.columns:
        if c in recorded:
            continue
        a = cleaned[c].values
        b = original[c].values if pos is None else original[c].values[pos]
        if V.same_array(a, b) or (a.dtype == b.dtype and bool((a == b).all())):
            out.add(c)
    return out


def validate_cleaning_results(original, cleaned, rules=None, ctx=None):
    """{"ok", "checks": [{"name", "ok", "detail"}], rows_in, rows_out, rows_removed}.

    Checks: schema, row_accounting (needs ctx: the one passed to clean_chunk; defaults to the
    last context a toolkit clean_chunk used on this `original`), types (profiled types, after
    cleaning), required_nulls, ranges, duplicates, and rule:<expr> for cross-column rules.
    Flagged values (flag policy) count as handled."""
    if not isinstance(cleaned, pd.DataFrame) or not isinstance(original, pd.DataFrame):
        bad = "cleaned" if not isinstance(cleaned, pd.DataFrame) else "original"
        return {"ok": False, "checks": [{"name": "schema", "ok": False, "detail": "%s is a %s, not a DataFrame" % (
            bad, type(cleaned if bad == "cleaned" else original).__name__)}], "rows_in": None, "rows_out": None, "rows_removed": None}
    s = _session.S
    prof = s.profile if s is not None else None
    if ctx is None and s is not None and s.last_ctx is not None and s.last_ctx.original is original:
        ctx = s.last_ctx
    if rules is None:
        rules = (ctx.rules if ctx is not None and ctx.rules else None) or (s.rules if s is not None else [])
    checks = []

    def add(name, ok, detail=""):
        checks.append({"name": name, "ok": bool(ok), "detail": detail})

    same = list(cleaned.columns) == list(original.columns)
    if same:
        add("schema", True, "%d columns, same order" % len(cleaned.columns))
    else:
        missing = [c for c in original.columns if c not in cleaned.columns]
        extra = [c for c in cleaned.columns if c not in original.columns]
        add("schema", False, "missing %s; extra %s; order %s" % (missing or "none", extra or "none",
                                                               "differs" if not missing and not extra else "-"))
    removed = ctx.removed_count if ctx is not None else 0
    idx_ok = cleaned.index.isin(original.index).all() and cleaned.index.is_unique
    if ctx is not None:
        rem = ctx.removed_rows()
        overlap = int(np.isin(cleaned.index.values, rem).sum())
        ok = len(original) == len(cleaned) + removed and idx_ok and overlap == 0
        add("row_accounting", ok, "%d in = %d out + %d removed%s" % (len(original), len(cleaned), removed,
                                                                   "" if ok else " (mismatch or row labels changed)"))
    else:
        ok = len(cleaned) == len(original) and idx_ok
        add("row_accounting", ok, "%d in, %d out, no context to account for removed rows" % (len(original), len(cleaned)))

    cols = {c["name"]: c for c in (prof or {}).get("columns", [])}
    # columns the cleaning left as they were need no re-check when the profile saw them valid
    unchanged = unchanged_columns(original, cleaned, ctx) if cols else set()
    memo = s.valid_memo if s is not None else None
    if not same:
        add("types", False, "skipped: schema differs")
    elif cols:
        bad = []
        for name in cleaned.columns:
            col = cols.get(name)
            if not col or col.get("base_type") not in CHECKED_TYPES or (name in unchanged and _valid_in_profile(col)):
                continue
            m = invalid_mask(cleaned[name], col, memo)
            if m.any() and ctx is not None:  # a value kept and flagged as invalid is reported, not missed
                m &= ~np.isin(cleaned.index.values, ctx.flagged(name, "invalid"))
            if m.any():
                bad.append("%s: %d not %s (e.g. %s)" % (name, int(m.sum()), col["base_type"], _examples(cleaned[name].values[m])))
        add("types", not bad, "; ".join(bad) if bad else "all typed columns parse")
        req = [n for n, c in cols.items() if c["null_count"] == 0 and c.get("parse_share", 1) >= 1 and n in cleaned]
        nulls = []
        for n in req:
            if n in unchanged:
                continue
            k = int(V.blank(cleaned[n]).sum())
            if k:
                nulls.append("%s: %d" % (n, k))
        add("required_nulls", not nulls, "; ".join(nulls) if nulls else "%d required columns have no nulls" % len(req))
    else:
        add("types", True, "no profile yet: call profile() first")

    range_rules = [r for r in rules if r.get("kind") == "range" and r["column"] in cleaned]
    rbad = []
    for r in range_rules:
        x = V.to_float(cleaned[r["column"]], memo, r["column"])
        viol = pd.Series((x < r["min"]) | (x > r["max"]), index=cleaned.index)
        rows = cleaned.index.values[viol.values]
        if ctx is not None and len(rows):
            rows = rows[~np.isin(rows, ctx.flagged(r["column"], "range:"))]
        if len(rows):
            rbad.append("%s: %d outside [%g, %g]" % (r["column"], len(rows), r["min"], r["max"]))
    add("ranges", not rbad, "; ".join(rbad) if rbad else "%d range rules hold (flagged values excepted)" % len(range_rules))

    if same and ctx is not None and ctx.duplicates_known_absent(cleaned):
        add("duplicates", True, "0 duplicate rows within, 0 repeating earlier chunks (checked by the recipe)")
    elif same:
        h = row_hashes(cleaned)
        within = int(pd.Series(h).duplicated().sum())
        across = 0
        if ctx is not None:
            across = int(ctx.seen_before(h).sum())
        add("duplicates", within + across == 0, "%d duplicate rows within, %d repeating earlier chunks" % (within, across))

    for r in rules:
        if r.get("kind") not in ("sum_ge", "sum_eq"):
            continue
        if not all(c in cleaned for c in r["parts"] + [r["column"]]):
            continue
        viol = rule_violations(cleaned, r)
        rows = cleaned.index.values[viol.values]
        if ctx is not None and len(rows):
            rows = rows[~np.isin(rows, ctx.flagged(r["column"], r["name"]))]
        add(r["name"], len(rows) == 0, "%d violations%s" % (len(rows), "" if len(rows) == 0 else " not flagged") if len(rows)
            else "holds (%d flagged)" % int(viol.sum()))
    return {"ok": all(c["ok"] for c in checks), "checks": checks, "rows_in": len(original),
            "rows_out": len(cleaned), "rows_removed": removed}
