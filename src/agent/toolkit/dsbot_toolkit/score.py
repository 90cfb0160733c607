"""score_cells: Raha/Baran cell scoring of a cleaned file against ground truth, by position.

Rows removed by the cleaning are put back at their position (from removed_rows.csv next to the
cleaned file, column `row`) with their dirty values, so they count as unchanged cells. Cells
neutralised against formula injection are compared without the leading quote."""
import os

import numpy as np
import pandas as pd

from .io import detect_encoding, read_options, sniff_delimiter
from .safety import unneutralise_series


def _read(path):
    """dsbot's own outputs: UTF-8, comma-separated."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)


def _read_input(path):
    """A dirty or clean file as given: its encoding and delimiter detected like a run's input."""
    enc = detect_encoding(path)
    return pd.read_csv(path, **read_options(enc, sniff_delimiter(path, enc)))


def _realign(dirty, cleaned, cleaned_path, removed_path=None):
    """The cleaned file with the rows the cleaning removed put back at their position: their dirty
    values with the cell repairs the cleaning recorded for them (changes.csv next to the cleaned
    file) applied, so a row removed as a duplicate after its cells were repaired is scored on
    those repairs, and a row removed untouched counts as unchanged."""
    if len(cleaned) == len(dirty):
        return cleaned
    base = os.path.dirname(os.path.abspath(cleaned_path))
    removed_path = removed_path or os.path.join(base, "removed_rows.csv")
    if not os.path.exists(removed_path):
        raise ValueError("cleaned file has %d rows, dirty %d, and there is no removed_rows.csv to realign them" % (len(cleaned), len(dirty)))
    rem = _read(removed_path)
    rcol = [c for c in rem.columns if c.lstrip("_") == "row"][-1]
    rows = np.sort(pd.to_numeric(rem[rcol]).astype(int).values)
    keep = np.setdiff1d(np.arange(len(dirty)), rows)
    if len(keep) != len(cleaned):
        raise ValueError("cannot realign: %d kept rows vs %d cleaned rows" % (len(keep), len(cleaned)))
    out = dirty.copy()
    vals = cleaned.values
    for j in range(dirty.shape[1]):
        col = out.iloc[:, j].values.copy()
        col[keep] = vals[:, j]
        out.iloc[:, j] = col
    changes_path = os.path.join(base, "changes.csv")
    if os.path.exists(changes_path):
        ch = _read(changes_path)
        ch = ch[pd.to_numeric(ch["row"]).isin(rows)]
        pos = {c: j for j, c in enumerate(dirty.columns)}
        for r, c, new in zip(pd.to_numeric(ch["row"]).astype(int), ch["column"], unneutralise_series(ch["new"])):
            if c in pos:  # lineage is in order: the last change of a cell wins
                out.iat[r, pos[c]] = new
    return out


def _prf(tp, flagged, actual):
    p = tp / flagged if flagged else 0.0
    r = tp / actual if actual else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4)}


def score_cells(dirty_path, clean_path, cleaned_path, removed_path=None):
    """{"detection": {p, r, f1}, "correction": {p, r, f1}, "per_column": {...}, "counts": {...}}.

    `removed_path` (default: removed_rows.csv next to the cleaned file) realigns removed rows."""
    dirty, clean, cleaned = _read_input(dirty_path), _read_input(clean_path), _read(cleaned_path)
    if dirty.shape != clean.shape:
        raise ValueError("dirty %s and clean %s shapes differ" % (dirty.shape, clean.shape))
    if cleaned.shape[1] != dirty.shape[1]:
        raise ValueError("cleaned file has %d columns, dirty %d" % (cleaned.shape[1], dirty.shape[1]))
    cleaned = _realign(dirty, cleaned, cleaned_path, removed_path)
    tot = {"flagged": 0, "errors": 0, "detected": 0, "corrected": 0}
    per = {}
    for j, name in enumerate(dirty.columns):
        d = dirty.iloc[:, j].values
        c = clean.iloc[:, j].values
        o = unneutralise_series(cleaned.iloc[:, j].reset_index(drop=True)).values
        flagged = o != d
        errors = d != c
        detected = flagged & errors
        corrected = flagged & (o == c)
        k = {"flagged": int(flagged.sum()), "errors": int(errors.sum()), "detected": int(detected.sum()), "corrected": int(corrected.sum())}
        for key in tot:
            tot[key] += k[key]
        per[name] = {"detection": _prf(k["detected"], k["flagged"], k["errors"]),
                     "correction": _prf(k["corrected"], k["flagged"], k["errors"]), **k,
                     "wrong": _top(d[flagged & ~corrected], o[flagged & ~corrected], c[flagged & ~corrected]),
                     "missed": _top(d[errors & ~flagged], None, c[errors & ~flagged])}
    return {"detection": _prf(tot["detected"], tot["flagged"], tot["errors"]),
            "correction": _prf(tot["corrected"], tot["flagged"], tot["errors"]),
            "per_column": per, "counts": tot}


def _top(dirty, made, expected, n=5):
    """The most frequent (dirty, made, expected) triples: what a column got wrong or missed."""
    if not len(dirty):
        return []
    keys = list(zip(dirty, made if made is not None else [None] * len(dirty), expected))
    counts = pd.Series(keys).value_counts().head(n)
    return [{"dirty": k[0], "made": k[1], "expected": k[2], "count": int(v)} if made is not None
            else {"dirty": k[0], "expected": k[2], "count": int(v)} for k, v in counts.items()]
