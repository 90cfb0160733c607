"""Compact text for query results: no padding, cell text truncated, and a note saying how many
rows (and columns) were shown out of how many."""
import math

import numpy as np
import pandas as pd

CELL_CHARS = 60


def scalar(v):
    """A JSON-safe Python value (numbers stay numbers, text is truncated)."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(v, "isoformat"):
        return v.isoformat()
    s = str(v)
    return s if len(s) <= 200 else s[:200] + "…"


def cell(v):
    """One cell as short text on one line."""
    s = scalar(v)
    if s is None:
        return "NaN"
    if isinstance(s, float):
        s = repr(round(s, 6))
    s = " ".join(str(s).split())
    return s if len(s) <= CELL_CHARS else s[: CELL_CHARS - 1] + "…"


def _label(k):
    return " / ".join(cell(x) for x in k) if isinstance(k, tuple) else cell(k)


def render(value, max_rows, max_chars):
    """Returns (text, shape, truncated)."""
    truncated = False
    shape = None
    if isinstance(value, pd.DataFrame):
        shape = [int(value.shape[0]), int(value.shape[1])]
        cols = list(value.columns)[:30]
        rows = value.head(max_rows)
        head = " | ".join([_label(value.index.name) if value.index.name is not None else ""] + [_label(c) for c in cols])
        lines = [head] + [" | ".join([_label(i)] + [cell(r[c]) for c in cols]) for i, (_, r) in zip(rows.index, rows.iterrows())]
        shown = len(rows)
        truncated = shown < shape[0] or len(cols) < shape[1]
        note = "[%d of %d rows shown%s]" % (shown, shape[0], "" if len(cols) == shape[1] else "; %d of %d columns" % (len(cols), shape[1]))
        text = "\n".join(lines + [note])
    elif isinstance(value, pd.Series):
        shape = [int(value.shape[0])]
        rows = value.head(max_rows)
        lines = ([("%s | %s" % (_label(value.index.name) if value.index.name is not None else "", cell(value.name)))] if value.name is not None else [])
        lines += ["%s | %s" % (_label(i), cell(v)) for i, v in rows.items()]
        truncated = len(rows) < shape[0]
        text = "\n".join(lines + ["[%d of %d rows shown]" % (len(rows), shape[0])])
    elif isinstance(value, (pd.Index, np.ndarray, list, tuple, set)):
        items = list(value)
        shape = [len(items)]
        if len(items) > max_rows * 4:
            items = items[: max_rows * 4]
            truncated = True
        text = repr([scalar(x) for x in items]) + ("\n[%d of %d items shown]" % (len(items), shape[0]) if truncated else "")
    elif isinstance(value, dict):
        text = repr({cell(k): scalar(v) for k, v in list(value.items())[: max_rows * 4]})
    else:
        text = repr(scalar(value))
    if len(text) > max_chars:
        text = text[:max_chars] + "\n…[cut at %d characters]" % max_chars
        truncated = True
    return text, shape, truncated
