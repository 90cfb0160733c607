"""Computes a builtin question's frame (src/agent/chat/parse/frame.ts) over a dataset, in a job
process. Returns plain JSON: the figures, the rows they were computed on, nothing rendered."""
import warnings

import numpy as np
import pandas as pd

from .profile import date_column
from .render import scalar

MAX_GROUPS = 60
AGGS = {"mean", "median", "sum", "std", "var", "min", "max"}


def _series(df, column):
    s = df[column]
    if s.dtype == object:
        d = date_column(s)
        if d is not None:
            return d
    return s


def _mask(df, filters):
    mask = pd.Series(True, index=df.index)
    for f in filters:
        s = _series(df, f["column"])
        op, v = f["op"], f["value"]
        is_num = isinstance(v, (int, float)) or (isinstance(v, list) and all(isinstance(x, (int, float)) for x in v))
        if pd.api.types.is_datetime64_any_dtype(s) and is_num:
            s = s.dt.year  # a bare number against dates is a year ("after 2010")
        elif pd.api.types.is_datetime64_any_dtype(s):
            v = pd.to_datetime(v) if not isinstance(v, list) else [pd.to_datetime(x) for x in v]
        if op in ("eq", "ne", "in", "notin") and not pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_datetime64_any_dtype(s):
            s = s.astype(str)
            v = [str(x) for x in v] if isinstance(v, list) else str(v)
        if op == "eq":
            m = s == v
        elif op == "ne":
            m = s != v
        elif op == "gt":
            m = s > v
        elif op == "ge":
            m = s >= v
        elif op == "lt":
            m = s < v
        elif op == "le":
            m = s <= v
        elif op == "between":
            m = s.between(v[0], v[1])
        elif op == "in":
            m = s.isin(v)
        elif op == "notin":
            m = ~s.isin(v)
        else:
            raise ValueError("unknown filter %r" % op)
        mask &= m.fillna(False).astype(bool)
    return mask


def _label(k):
    if isinstance(k, tuple):
        return [_text(x) for x in k]
    return [_text(k)]


def _text(x):
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    if hasattr(x, "isoformat"):
        return x.isoformat()[:10]
    return str(x)


def _groups(series, counts, top, sort_by_value=True):
    total = int(len(series))
    ties = 0
    if top:
        n = int(top["n"])
        ranked = series.nlargest(n) if top["desc"] else series.nsmallest(n)
        if len(ranked) == n and n < total:
            ties = int((series == ranked.iloc[-1]).sum() - (ranked == ranked.iloc[-1]).sum())
        series = ranked
    elif sort_by_value:
        series = series.sort_values(ascending=False)
    series = series.head(MAX_GROUPS)
    return {"groups": [{"label": _label(k), "value": scalar(v), "rows": int(counts.get(k, 0))} for k, v in series.items()],
            "groups_total": total, "ties": ties}


def compute(df, f):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _compute(df, f)


def _compute(df, f):
    mask = _mask(df, f.get("filters") or [])
    sub = df[mask]
    op, col, groups = f["op"], f.get("column"), list(f.get("groupBy") or [])
    out = {"ok": True, "rows": int(len(sub)), "total_rows": int(len(df))}
    if f.get("compare"):
        c = f["compare"]
        res = []
        for v in c["values"]:
            part = sub[_mask(sub, [{"column": c["column"], "op": "eq", "value": v}])]
            value = len(part) if op == "count" or not col else getattr(part[col].dropna(), op)()
            res.append({"label": [v], "value": scalar(value), "rows": int(len(part))})
        return dict(out, groups=res, groups_total=len(res))
    if op == "corr":
        pair = sub[[col, f["column2"]]].apply(pd.to_numeric, errors="coerce").dropna()
        return dict(out, value=scalar(pair[col].corr(pair[f["column2"]])) if len(pair) > 1 else None, used=int(len(pair)))
    if op == "outliers":
        s = pd.to_numeric(sub[col], errors="coerce").dropna()
        q1, q3 = s.quantile(0.25), s.quantile(0.75)
        lo, hi = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
        out_s = s[(s < lo) | (s > hi)]
        ext = out_s.reindex(out_s.abs().sort_values(ascending=False).index).head(5)
        return dict(out, value=int(len(out_s)), used=int(len(s)), q1=scalar(q1), q3=scalar(q3), lo=scalar(lo), hi=scalar(hi),
                    low=int((s < lo).sum()), high=int((s > hi).sum()), examples=[scalar(x) for x in ext])
    if op == "duplicates":
        n = sub[col].duplicated().sum() if col else sub.duplicated().sum()
        return dict(out, value=int(n))
    if op == "missing":
        cols = [col] if col else [str(c) for c in df.columns]
        res = []
        for c in cols:
            s = sub[c]
            blank = s.astype(str).str.strip().eq("") & s.notna() if s.dtype == object else pd.Series(False, index=s.index)
            res.append({"label": [c], "value": int(s.isna().sum() + blank.sum()), "rows": int(len(s))})
        return dict(out, groups=res, groups_total=len(res))
    if op == "range":
        s = _series(sub, col).dropna()
        return dict(out, min=scalar(s.min()) if len(s) else None, max=scalar(s.max()) if len(s) else None, used=int(len(s)))
    if op == "share":
        if col:
            whole = pd.to_numeric(df[col], errors="coerce").sum()
            part = pd.to_numeric(sub[col], errors="coerce").sum()
            return dict(out, value=scalar(100.0 * part / whole) if whole else None, part=scalar(part), whole=scalar(whole))
        res = dict(out, value=scalar(100.0 * len(sub) / len(df)) if len(df) else None)
        if not col and len(f.get("filters") or []) > 1:
            # "percentage of Nintendo games on the Wii": also the share among rows matching the other filters.
            base = int(_mask(df, f["filters"][:-1]).sum())
            res.update(base_rows=base, base_value=scalar(100.0 * len(sub) / base) if base else None)
        return res
    if op == "distribution" or (op == "values" and not f.get("top")):
        s = sub[col]
        if op == "distribution" and pd.api.types.is_numeric_dtype(s) and s.nunique() > 12:
            s = s.dropna()
            stats = [("min", s.min()), ("25%", s.quantile(0.25)), ("median", s.median()), ("75%", s.quantile(0.75)), ("max", s.max()), ("mean", s.mean())]
            counts, edges = np.histogram(s, bins=8)
            return dict(out, stats=[[k, scalar(v)] for k, v in stats], bins=[[scalar(edges[i]), scalar(edges[i + 1]), int(counts[i])] for i in range(len(counts))], used=int(len(s)))
        vc = s.astype(str).where(s.notna(), None).value_counts(dropna=True)
        return dict(out, groups=[{"label": [_text(k)], "value": int(v), "rows": int(v)} for k, v in vc.head(MAX_GROUPS).items()], groups_total=int(len(vc)))
    if op == "values":
        s = pd.to_numeric(sub[col], errors="coerce").dropna()
        s = s.sort_values(ascending=not f["top"]["desc"]).head(int(f["top"]["n"]))
        return dict(out, groups=[{"label": ["row %d" % i], "value": scalar(v), "rows": 1} for i, v in s.items()], groups_total=int(len(sub)))
    if groups:
        g = sub.groupby(groups, dropna=True)
        counts = g.size()
        if op == "count":
            return dict(out, **_groups(counts, counts, f.get("top")))
        if op == "nunique":
            return dict(out, **_groups(g[col].nunique(), counts, f.get("top")))
        if op in AGGS:
            vals = getattr(g[col], op)()
            return dict(out, **_groups(vals.dropna(), counts, f.get("top")))
    if op == "count":
        return dict(out, value=int(len(sub)), nonmissing=int(sub[col].notna().sum()) if col else None)
    if op == "nunique":
        return dict(out, value=int(sub[col].nunique()))
    if op in AGGS:
        s = _series(sub, col).dropna()
        if not pd.api.types.is_datetime64_any_dtype(s):
            s = pd.to_numeric(s, errors="coerce").dropna()
        return dict(out, value=scalar(getattr(s, op)()) if len(s) else None, used=int(len(s)))
    return {"ok": False, "error": "cannot compute %r" % op}
