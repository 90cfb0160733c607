"""Row-level repairs: exact duplicates, documented ranges, outliers and cross-column rules
(flagged, emptied or removed to removed_rows.csv with the reason)."""
import numpy as np
import pandas as pd

from .. import values as V
from ..rules import rule_violations
from .base import column_key, update


def op_drop_duplicates(df, step, ctx):
    """Exact duplicate rows (within and across chunks) go to removed_rows."""
    dup = ctx.is_duplicate(df)
    if dup.any():
        df = df.drop(ctx.remove(dup, step.get("reason", "exact duplicate row")))
    return df


def _act(df, col, viol, action, reason, ctx):
    if not viol.any():
        return df
    if action == "remove":
        return df.drop(ctx.remove(viol, reason))
    if action == "null":
        return update(df, col, viol.values, np.full(int(viol.sum()), "", dtype=object), reason, ctx)
    ctx.flag(viol, col, reason, df.loc[viol, col].values)
    return df


def _bounded(df, step, ctx, lo_key, hi_key, kind):
    """Values of step["column"] outside [step[lo_key], step[hi_key]] get the step's action."""
    col = step["column"]
    if col not in df:
        return df
    lo, hi = float(step[lo_key]), float(step[hi_key])
    x = pd.Series(V.to_float(df[col], getattr(ctx, "memo", None), column_key(step, col)), index=df.index)
    reason = "%s:%s outside [%g, %g]" % (kind, col, lo, hi)
    return _act(df, col, ((x < lo) | (x > hi)).fillna(False), step.get("action", "flag"), reason, ctx)


def op_range(df, step, ctx):
    """Values outside [min, max] (a documented range) are flagged, emptied or removed."""
    return _bounded(df, step, ctx, "min", "max", "range")


def op_outliers(df, step, ctx):
    """Values outside the whole-column fences [lo, hi] are flagged or removed."""
    return _bounded(df, step, ctx, "lo", "hi", "outlier")


def op_rule(df, step, ctx):
    """A cross-column rule (e.g. Global >= NA + EU); violating rows are flagged or removed."""
    viol = rule_violations(df, step)
    return _act(df, step["column"], viol, step.get("action", "flag"), step.get("name") or "rule:%s" % step.get("expr"), ctx)
