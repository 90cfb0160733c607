"""Quality measures per column, computed the same way before and after cleaning, streaming.

Every distinct value of a column gets a few bits (missing, null token, invalid type, format
issue, outlier); the bits are remembered per column across chunks, so a value is judged once."""
import numpy as np
import pandas as pd

from . import values as V
from .relations import DuplicateCounter, row_hashes
from .rules import rule_violations
from .repair.values import date_fn, numeric_fn
from .validate import invalid_mask

#: Cells that are wrong as written. Outliers are not problems: they are unusual values flagged for
#: a person to review (a best seller is an outlier, not an error).
PROBLEMS = ["null_tokens", "invalid_type", "format_violations", "range"]
KEYS = ["missing"] + PROBLEMS + ["outliers"]
LABELS = {"null_tokens": "null tokens to empty ('N/A', '-', …)", "invalid_type": "not a value of the column's type",
          "format_violations": "format issues (representation, spacing, variants, typos)", "range": "outside a documented range",
          "outliers": "unusual values (flagged for review)", "missing": "missing values"}
_BIT = {k: np.uint8(1 << n) for n, k in enumerate(KEYS)}   # 6 bits of a uint8
class QualityAcc:
    """Counts missing values, null tokens, invalid-type values, format issues and outliers."""

    def __init__(self, prof, recipe=None, valid_memo=None):
        self.prof = prof
        self.cols = {c["name"]: c for c in prof["columns"]}
        self.counts = {c: {k: 0 for k in KEYS} for c in self.cols}
        self.dups = DuplicateCounter()
        self.known_duplicates = None  # set when the count is known from elsewhere (the profile)
        self.rule_viol = {}
        self.rows = 0
        self.bounds = {}             # column -> outlier fences
        self.ranges = {}             # column -> documented range
        self.merged = {}
        self.memo = {}               # column -> (pd.Index of values, uint8 bits) or False (not worth it)
        self.valid_memo = valid_memo  # the session's type verdicts (shared with validation)
        self.reformat = {}           # column -> fns(distinct values) -> (new, ...) of its format steps
        self.mapped = {}             # column -> values a mapping step repairs (variants, typos, patterns)
        self.null_columns = set()    # columns whose null tokens the recipe empties (elsewhere they are a convention)
        for step in recipe or []:
            op, col = step.get("op"), step.get("column")
            if op == "outliers":
                self.bounds[col] = (step["lo"], step["hi"])
            elif op == "split_merged":
                self.merged[col] = set(step["values"])
            elif op == "to_numeric":
                self.reformat.setdefault(col, []).append(numeric_fn(step))
            elif op == "dominant_format" and step.get("kind") != "digits":
                self.reformat.setdefault(col, []).append(date_fn(step))
            elif op in ("canonical_categories", "map_values", "fix_values"):
                self.mapped.setdefault(col, set()).update(step.get("mapping") or {})
            elif op == "null_tokens":
                self.null_columns.update(step.get("columns", []))
        if recipe is None:
            self.null_columns = set(self.cols)
        from .recipe import outlier_fences
        for c in prof["columns"]:
            f = outlier_fences(c.get("numeric") or {}, "auto") if c.get("numeric") else None
            if f and c["inferred_type"] in ("integer", "float") and c["name"] not in self.bounds and recipe is None:
                self.bounds[c["name"]] = (f[0], f[1])
        for r in prof.get("rules", []):
            if r["kind"] == "range":
                self.ranges[r["column"]] = (r["min"], r["max"])
                self.bounds.pop(r["column"], None)
        self.sum_rules = [r for r in prof.get("rules", []) if r["kind"] in ("sum_ge", "sum_eq")]

    def _bits_of(self, name, u):
        """uint8 bits per distinct value (a Series of str)."""
        col = self.cols[name]
        uv = u.values
        stv = np.empty(len(uv), dtype=object)
        stv[:] = list(map(str.strip, uv))
        st = None  # the stripped texts as a Series, made when a check needs one
        isnull = V.null_token_mask(stv)
        like = col.get("value_like_tokens")
        if like and isnull.any():
            isnull &= ~u.isin(like).values
        bits = np.where(isnull, _BIT["missing"], np.uint8(0)).astype(np.uint8)
        if name in self.null_columns:
            bits[isnull & (stv != "")] |= _BIT["null_tokens"]
        invalid = np.zeros(len(uv), dtype=bool)
        if col.get("base_type") in ("integer", "float", "date", "datetime", "time", "boolean"):
            vals = u.where(~isnull, "") if isnull.any() else u
            invalid = invalid_mask(vals, col, self.valid_memo)
            bits[invalid] |= _BIT["invalid_type"]
        fmt = (uv != stv) & ~isnull
        for fn in self.reformat.get(name, ()):
            todo = ~isnull & ~invalid
            if todo.any():
                new = np.asarray(fn(u[todo].reset_index(drop=True))[0], dtype=object)
                fmt[np.flatnonzero(todo)[new != uv[todo]]] = True
        if col.get("variants"):
            fmt |= u.isin(list(col["variants"])).values
        if name in self.mapped:
            fmt |= u.isin(list(self.mapped[name])).values
        if (name in self.merged or name in self.bounds or name in self.ranges) and st is None:
            st = pd.Series(stv, index=u.index)
        if name in self.merged:
            t = st.str.extract(r"^.*?\S\s*[,\s]\s*([^\s,]+)$")[0]
            fmt |= t.isin(self.merged[name]).fillna(False).values
        bits[fmt] |= _BIT["format_violations"]
        for table, key in ((self.bounds, "outliers"), (self.ranges, "range")):
            if name in table:
                lo, hi = table[name]
                x = V.numbers_of(st.where(~isnull, "") if isnull.any() else st)
                bits[(x < lo) | (x > hi)] |= _BIT[key]
        return bits

    def row_bits(self, name, values, factorized=None):
        """uint8 bits per row of one column's values (strings); 0 for missing (NaN) cells.
        `factorized` (a dict) gets {name: (values, codes, uniques)} when the values were factorised."""
        known = self.memo.get(name)
        if known is False and values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string":
            return self._bits_of(name, pd.Series(values))  # mostly distinct texts: judge the rows directly
        codes, uniques = pd.factorize(values, sort=False)
        if len(uniques) == 0:
            return np.zeros(len(codes), dtype=np.uint8)
        u = np.asarray(uniques, dtype=object)
        if factorized is not None:
            factorized[name] = (values, codes, u)
        if known is False:
            bu = self._bits_of(name, pd.Series(u).astype(str))
        else:
            bu = V.memo_results(self.memo, name, u, lambda idx: self._bits_of(name, pd.Series(u[idx]).astype(str)))
        out = bu[codes]
        if (codes < 0).any():
            out[codes < 0] = 0
        return out

    def add_bits(self, name, bits):
        """Adds one column's row bits to the counts."""
        n = np.bincount(bits, minlength=64)
        cnt = self.counts[name]
        for k, b in _BIT.items():
            cnt[k] += int(n[(np.arange(64) & int(b)) != 0].sum())

    @staticmethod
    def counts_of(bits):
        """{key: n} for one column's row bits."""
        n = np.bincount(bits, minlength=64)
        return {k: int(n[(np.arange(64) & int(b)) != 0].sum()) for k, b in _BIT.items()}

    def rule_counts(self, df):
        """[[expr, violations]] per cross-column rule in `df` (strings)."""
        return [[r["expr"], int(rule_violations(df, r).sum())] for r in self.sum_rules]

    def update(self, df, hashes=None):
        """Adds one chunk of strings (work is done once per distinct value, weighted by counts)."""
        self.rows += len(df)
        self.dups.add(row_hashes(df) if hashes is None else hashes)
        for name in self.cols:
            if name in df:
                self.add_bits(name, self.row_bits(name, df[name].values))
        self.add_rules(self.rule_counts(df))

    def add_counts(self, columns, rows, rules, hashes):
        """Adds counts measured elsewhere (one chunk's {column: {key: n}}, rows, rule counts, row hashes)."""
        self.rows += rows
        if hashes is not None:
            self.dups.add(hashes)
        for name, cnt in columns.items():
            if name in self.counts:
                for k in KEYS:
                    self.counts[name][k] += int(cnt.get(k, 0))
        self.add_rules(rules)

    def add_rules(self, rules):
        """Adds [[expr, violations]] pairs."""
        for expr, n in rules:
            self.rule_viol[expr] = self.rule_viol.get(expr, 0) + int(n)

    def key(self):
        """The measure's settings that come from the recipe (a resumed run must measure alike)."""
        return [sorted([k, list(v)] for k, v in self.bounds.items()), sorted([k, sorted(v)] for k, v in self.merged.items()),
                sorted([k, list(v)] for k, v in self.ranges.items())]

    def result(self):
        """{"columns": {name: counts}, "duplicate_rows", "rule_violations", "rows"}."""
        return {"rows": self.rows, "columns": self.counts, "duplicate_rows": self.dups.duplicates if self.known_duplicates is None else self.known_duplicates,
                "rule_violations": self.rule_viol}


def problems(counts):
    """Total problem cells of one column's counts."""
    return sum(counts.get(k, 0) for k in PROBLEMS)


def problem_cells(q):
    """Total problem cells of a quality result (the number the headline, table and chart show)."""
    return sum(problems(v) for v in q["columns"].values())
