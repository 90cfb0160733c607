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
    if len(cleaned) == len(dirty):
        return cleaned
    removed_path = removed_path or os.path.join(os.path.dirname(os.path.abspath(cleaned_path)), "removed_rows.csv")
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
                     "correction": _prf(k["corrected"], k["flagged"], k["errors"]), **k}
    return {"detection": _prf(tot["detected"], tot["flagged"], tot["errors"]),
            "correction": _prf(tot["corrected"], tot["flagged"], tot["errors"]),
            "per_column": per, "counts": tot}
