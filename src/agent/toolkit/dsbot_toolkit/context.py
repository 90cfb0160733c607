"""ChunkContext: what `clean_chunk(df, ctx)` uses to record lineage, remove and flag rows, and
detect duplicates across chunks. All recording is vectorised (arrays, no per-row Python)."""
import numpy as np
import pandas as pd

from .relations import frame_hashes
from .seen import SeenView
from .session import session


#: Columns of changes.csv: the 0-based data-row index of the input file, the column, the value before
#: and after, the rule, and the evidence behind the change (for dependency and typo repairs).
CHANGES_HEADER = ("row", "column", "old", "new", "rule", "evidence")


class ChunkContext:
    """Context of one chunk: `index`, `row_offset`, `profile`, `rules`, `original`."""

    def __init__(self, index=0, row_offset=0, profile=None, rules=None, original=None, seen=None):
        self.index = index
        self.row_offset = row_offset
        self.profile = profile
        self.rules = list(rules or [])
        self.original = original
        self._seen = seen            # rows kept by earlier chunks: a SeenView or sorted uint64 hashes
        self._changes = []           # (rows, column, old, new, rule)
        self._removed = []           # (rows, reason)
        self._flags = []             # (rows, column, values, rule)
        self._new_hashes = []

    # ---- lineage --------------------------------------------------------------------------
    def record(self, rows, column, old_values, new_values, rule, evidence=None):
        """Records changed cells: global row numbers, the column, old and new values, the rule and
        (optionally) the evidence behind each change (a string or an array of strings)."""
        rows = np.asarray(rows)
        if len(rows) == 0:
            return
        old = np.asarray(old_values, dtype=object)
        new = np.asarray(new_values, dtype=object)
        if new.ndim == 0 or len(new) != len(rows):
            new = np.full(len(rows), new_values if new.ndim == 0 else new_values, dtype=object)
        rule = rule if isinstance(rule, str) else np.asarray(rule, dtype=object)
        if evidence is None or isinstance(evidence, str):
            evidence = evidence or ""
        else:
            evidence = np.asarray(evidence, dtype=object)
        self._changes.append((rows, str(column), old, new, rule, evidence))

    def remove(self, mask_or_rows, reason):
        """Records rows as removed with `reason`; returns their labels (drop them from your df:
        `df = df.drop(ctx.remove(mask, "why"))`). A bool Series/array selects by position."""
        rows = self._rows(mask_or_rows)
        if len(rows):
            self._removed.append((rows, str(reason)))
        return rows

    def flag(self, mask_or_rows, column, rule, values=None):
        """Records cells as flagged (kept unchanged) by `rule`, e.g. outliers under the flag policy."""
        rows = self._rows(mask_or_rows)
        if len(rows):
            vals = np.asarray(values, dtype=object) if values is not None else np.full(len(rows), "", dtype=object)
            self._flags.append((rows, str(column), vals, rule if isinstance(rule, str) else np.asarray(rule, dtype=object)))
        return rows

    def _rows(self, m):
        if isinstance(m, pd.Series) and m.dtype == bool:
            return m.index.values[m.values]
        arr = np.asarray(m)
        if arr.dtype == bool:
            base = self.original.index.values if self.original is not None and len(self.original) == len(arr) else np.arange(len(arr)) + self.row_offset
            return base[arr]
        return arr

    # ---- duplicates -----------------------------------------------------------------------
    def is_duplicate(self, df):
        """Bool Series: the row repeats an earlier row of this chunk or of an earlier chunk."""
        h = frame_hashes(df, getattr(self, "factorized", None))   # the recipe's factorisations, when it runs
        dup = pd.Series(h).duplicated().values | self.seen_before(h)
        self._new_hashes.append(h[~dup])
        self._dup_mark = (len(self._changes), df.index.values[~dup])
        return pd.Series(dup, index=df.index)

    def seen_before(self, h):
        """Bool array: each row hash is one an earlier chunk kept."""
        seen = self._seen
        if isinstance(seen, np.ndarray):
            seen = SeenView([seen])
        if seen is None or not len(seen):
            return np.zeros(len(h), dtype=bool)
        return seen.contains(h)

    def duplicates_known_absent(self, df):
        """True when `df` holds only rows is_duplicate kept and no change was recorded since."""
        mark = getattr(self, "_dup_mark", None)
        return mark is not None and mark[0] == len(self._changes) and bool(np.isin(df.index.values, mark[1]).all())

    def new_hashes(self):
        """Sorted hashes of the rows this chunk kept (checked by is_duplicate)."""
        if not self._new_hashes:
            return np.empty(0, dtype=np.uint64)
        return np.sort(np.concatenate(self._new_hashes))

    # ---- summaries ------------------------------------------------------------------------
    def removed_rows(self):
        """Global row numbers removed so far."""
        return np.concatenate([r for r, _ in self._removed]) if self._removed else np.empty(0, dtype=np.int64)

    @property
    def removed_count(self):
        """How many rows were removed."""
        return int(sum(len(r) for r, _ in self._removed))

    def changes_columns(self):
        """Lineage as (header, arrays) for writing: row, column, old, new, rule."""
        header = list(CHANGES_HEADER)
        if not self._changes:
            return header, [np.empty(0, dtype=np.int64)] + [np.empty(0, dtype=object)] * 5
        rows = np.concatenate([c[0] for c in self._changes])
        cols = np.concatenate([np.full(len(c[0]), c[1], dtype=object) for c in self._changes])
        old = np.concatenate([c[2] for c in self._changes])
        new = np.concatenate([c[3] for c in self._changes])
        rule = np.concatenate([np.full(len(c[0]), c[4], dtype=object) if isinstance(c[4], str) else c[4] for c in self._changes])
        ev = np.concatenate([np.full(len(c[0]), c[5], dtype=object) if isinstance(c[5], str) else c[5] for c in self._changes])
        return header, [rows, cols, old, new, rule, ev]

    def changes_frame(self):
        """Lineage as a DataFrame: row, column, old, new, rule, evidence."""
        header, arrays = self.changes_columns()
        return pd.DataFrame(dict(zip(header, arrays)))

    def removed_frame(self, columns):
        """Removed rows: original columns (values as read), then row and reason."""
        rcol, wcol = _free("row", columns), _free("reason", columns)
        if not self._removed:
            return pd.DataFrame(columns=list(columns) + [rcol, wcol])
        parts = []
        for rows, reason in self._removed:
            if self.original is not None:
                part = self.original.loc[rows, list(columns)].copy()
            else:
                part = pd.DataFrame(index=rows, columns=list(columns)).fillna("")
            part[rcol] = rows
            part[wcol] = reason
            parts.append(part)
        return pd.concat(parts)

    def flags_frame(self):
        """Flagged cells: row, column, value, rule."""
        if not self._flags:
            return pd.DataFrame({"row": pd.Series([], dtype="int64"), "column": [], "value": [], "rule": []})
        return pd.concat([pd.DataFrame({"row": r, "column": c, "value": v, "rule": rule}) for r, c, v, rule in self._flags],
                         ignore_index=True)

    def changes_by_rule(self):
        """{rule: cells changed}."""
        out = {}
        for rows, _, _, _, rule, _ in self._changes:
            if isinstance(rule, str):
                out[rule] = out.get(rule, 0) + len(rows)
            else:
                for k, n in pd.Series(rule).value_counts().items():
                    out[k] = out.get(k, 0) + int(n)
        return out

    def changes_by_column(self):
        """{column: cells changed} (a cell changed by two rules counts twice)."""
        out = {}
        for rows, col, _, _, _, _ in self._changes:
            out[col] = out.get(col, 0) + len(rows)
        return out

    def removed_by_reason(self):
        """{reason: rows removed}."""
        out = {}
        for rows, reason in self._removed:
            out[reason] = out.get(reason, 0) + len(rows)
        return out

    def flags_by_rule(self):
        """{rule: cells flagged}."""
        out = {}
        for rows, _, _, rule in self._flags:
            if isinstance(rule, str):
                out[rule] = out.get(rule, 0) + len(rows)
            else:
                for k, n in pd.Series(rule).value_counts().items():
                    out[k] = out.get(k, 0) + int(n)
        return out

    def flags_by_column_rule(self):
        """{column: {rule: cells flagged}}."""
        out = {}
        for rows, col, _, rule in self._flags:
            d = out.setdefault(col, {})
            if isinstance(rule, str):
                d[rule] = d.get(rule, 0) + len(rows)
            else:
                for k, n in pd.Series(rule).value_counts().items():
                    d[k] = d.get(k, 0) + int(n)
        return out

    def flagged(self, column, rule_prefix):
        """Global rows flagged in `column` by a rule starting with `rule_prefix`."""
        arrs = [r if isinstance(rule, str) else r[pd.Series(rule).str.startswith(rule_prefix).values]
                for r, c, _, rule in self._flags if c == column and (not isinstance(rule, str) or rule.startswith(rule_prefix))]
        return np.concatenate(arrs) if arrs else np.empty(0, dtype=np.int64)


def seen_before(index):
    """Membership (a SeenView: `contains(hashes)`) of the rows kept by chunks before `index`
    (committed or replayed)."""
    return session().seen.before(index)


def _free(name, columns):
    while name in columns:
        name = "_" + name
    return name


def sample_context(df=None):
    """A fresh context for trying `clean_chunk` on `df` (default: the sample); duplicates are
    checked against committed/replayed chunks before it, nothing is registered."""
    s = session()
    if df is None:
        from .session import load_sample
        df = load_sample()
    first = int(df.index[0]) if len(df) else 0
    index = first // s.chunk_rows
    prof = s.profile
    return ChunkContext(index=index, row_offset=first, profile=prof, rules=s.rules, original=df, seen=seen_before(index))
