"""Whole-file profile of a loaded dataset, for chat answers and column/value resolution."""
import warnings

import pandas as pd

from .render import scalar

MAX_VALUES = 1000  # distinct values listed per column (for matching values named in questions)


def date_column(s):
    """The column parsed as dates when at least 90% of its non-missing text values are dates, else None."""
    if s.dtype != object:
        return None
    vals = s.dropna().astype(str)
    if not len(vals) or vals.str.len().max() > 40 or not vals.str.contains(r"\d", regex=True).all():
        return None
    if vals.str.fullmatch(r"[+-]?\d+(\.\d+)?").mean() > 0.5:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = pd.to_datetime(s, errors="coerce")
    return d if d.notna().sum() >= 0.9 * len(vals) else None


def profile(df):
    cols = []
    for c in df.columns:
        s = df[c]
        blank = s.astype(str).str.strip().eq("") & s.notna() if s.dtype == object else pd.Series(False, index=s.index)
        missing = int(s.isna().sum() + blank.sum())
        nonnull = s[s.notna() & ~blank]
        info = {
            "name": str(c),
            "dtype": str(s.dtype),
            "missing": missing,
            "missing_pct": round(100.0 * missing / max(1, len(s)), 2),
            "unique": int(nonnull.nunique()),
        }
        if pd.api.types.is_bool_dtype(s):
            info["kind"] = "boolean"
        elif pd.api.types.is_numeric_dtype(s):
            info["kind"] = "numeric"
            if len(nonnull):
                info.update(min=scalar(nonnull.min()), max=scalar(nonnull.max()), mean=round(float(nonnull.mean()), 4),
                            median=round(float(nonnull.median()), 4), std=round(float(nonnull.std()), 4) if len(nonnull) > 1 else 0.0)
                info["integer"] = bool((nonnull == nonnull.round()).all())
        else:
            dates = date_column(s)
            if dates is not None:
                info["kind"] = "date"
                info.update(min=dates.min().isoformat(), max=dates.max().isoformat())
            else:
                info["kind"] = "text"
            lens = nonnull.astype(str).str.len()
            if len(lens):
                info.update(min_length=int(lens.min()), max_length=int(lens.max()))
        vc = nonnull.astype(str).value_counts()
        info["top"] = [[scalar(k), int(v)] for k, v in vc.head(5).items()]
        if info["kind"] != "date" and info["unique"] <= MAX_VALUES and (info["kind"] != "text" or lens.max() <= 80):
            info["values"] = [str(k) for k in vc.index[:MAX_VALUES]]
        cols.append(info)
    return {"rows": int(df.shape[0]), "columns": cols}
