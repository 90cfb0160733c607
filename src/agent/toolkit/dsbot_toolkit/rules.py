"""Cross-column rules (from a data dictionary): evaluated structurally on a frame of strings."""
import pandas as pd

from . import values as V


def _numeric(df, col):
    return pd.Series(V.to_float(df[col]), index=df.index)


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
