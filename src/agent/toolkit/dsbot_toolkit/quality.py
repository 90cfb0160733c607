"""Quality measures per column, computed the same way before and after cleaning, streaming."""
import numpy as np
import pandas as pd

from . import values as V
from .relations import row_hashes
from .repairs import rule_violations
from .validate import invalid_mask

PROBLEMS = ["null_tokens", "invalid_type", "format_violations", "outliers"]
LABELS = {"null_tokens": "null tokens ('N/A', '-', …)", "invalid_type": "invalid for the column type",
          "format_violations": "format issues (spacing, variants, merged values)", "outliers": "outliers / out of range",
          "missing": "missing values"}


class QualityAcc:
    """Counts missing values, null tokens, invalid-type values, format issues and outliers."""

    def __init__(self, prof, recipe=None):
        self.prof = prof
        self.cols = {c["name"]: c for c in prof["columns"]}
        self.counts = {c: {k: 0 for k in ["missing"] + PROBLEMS} for c in self.cols}
        self.hashes = []
        self.rule_viol = {}
        self.rows = 0
        self.bounds = {}
        self.merged = {}
        for step in recipe or []:
            if step.get("op") == "outliers":
                self.bounds[step["column"]] = (step["lo"], step["hi"])
            if step.get("op") == "split_merged":
                self.merged[step["column"]] = set(step["values"])
        for c in prof["columns"]:
            f = (c.get("numeric") or {}).get("iqr_fences")
            if f and c["inferred_type"] in ("integer", "float") and c["name"] not in self.bounds:
                self.bounds[c["name"]] = tuple(f)
        for r in prof.get("rules", []):
            if r["kind"] == "range":
                self.bounds[r["column"]] = (r["min"], r["max"])

    def update(self, df):
        """Adds one chunk of strings (work is done once per distinct value, weighted by counts)."""
        self.rows += len(df)
        self.hashes.append(row_hashes(df))
        for name, col in self.cols.items():
            if name not in df:
                continue
            codes, uniques = pd.factorize(df[name], sort=False)
            if len(uniques) == 0:
                continue
            w = np.bincount(codes[codes >= 0], minlength=len(uniques))
            u = pd.Series(np.asarray(uniques, dtype=object)).astype(str)
            st = u.str.strip()
            isnull = (st.str.lower().isin(V.NULL_TOKENS) & ~u.isin(col.get("value_like_tokens", []))).values
            cnt = self.counts[name]
            cnt["missing"] += int(w[isnull].sum())
            cnt["null_tokens"] += int(w[isnull & (st != "").values].sum())
            inv = invalid_mask(u.where(~isnull, ""), col)
            cnt["invalid_type"] += int(w[inv].sum())
            fmt = (u != st).values & ~isnull
            if col.get("variants"):
                fmt |= u.isin(list(col["variants"])).values
            if name in self.merged:
                t = st.str.extract(r"^.*?\S\s*[,\s]\s*([^\s,]+)$")[0]
                fmt |= t.isin(self.merged[name]).fillna(False).values
            cnt["format_violations"] += int(w[fmt].sum())
            if name in self.bounds:
                lo, hi = self.bounds[name]
                x = V.numbers_of(st.where(~isnull, ""))
                cnt["outliers"] += int(w[(x < lo) | (x > hi)].sum())
        for r in self.prof.get("rules", []):
            if r["kind"] in ("sum_ge", "sum_eq"):
                self.rule_viol[r["expr"]] = self.rule_viol.get(r["expr"], 0) + int(rule_violations(df, r).sum())

    def result(self):
        """{"columns": {name: counts}, "duplicate_rows", "rule_violations", "rows"}."""
        allh = np.concatenate(self.hashes) if self.hashes else np.empty(0, dtype=np.uint64)
        return {"rows": self.rows, "columns": self.counts, "duplicate_rows": int(len(allh) - len(np.unique(allh))),
                "rule_violations": self.rule_viol}


def problems(counts):
    """Total problem cells of one column's counts."""
    return sum(counts.get(k, 0) for k in PROBLEMS)
