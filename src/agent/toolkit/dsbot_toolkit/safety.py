"""Output safety: formula neutralisation, safe output names, schema fingerprints."""
import hashlib
import json
import re

import numpy as np
import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMERIC_RE = r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$"


def neutralise_series(s):
    """Prefixes a single quote to text cells starting with = + - @ TAB CR; numbers stay as is.

    Works once per distinct value; returns `s` itself when nothing needs a change."""
    if s.dtype != object:
        return s
    try:
        first = s.values.astype("U1")  # first characters, in C
        if not np.isin(first, _FORMULA_START).any():
            return s
    except (TypeError, ValueError):
        pass
    codes, uniques = pd.factorize(s, sort=False)
    if len(uniques) == 0:
        return s
    u = pd.Series(np.asarray(uniques, dtype=object)).astype(str)
    risky = u.str[:1].isin(_FORMULA_START) & ~u.str.match(_NUMERIC_RE).fillna(False)
    if not risky.any():
        return s
    fixed = np.where(risky.values, ("'" + u).values, u.values)
    out = fixed[codes]
    if (codes < 0).any():
        out[codes < 0] = ""
    return pd.Series(out, index=s.index, dtype=object)


def neutralise_header(names):
    """Column names as written to a CSV header, neutralised like cells (a header cell is a cell too)."""
    out = []
    for h in names:
        h = str(h)
        risky = h[:1] in _FORMULA_START and not re.match(_NUMERIC_RE, h)
        out.append("'" + h if risky else h)
    return out


def neutralise_frame(df):
    """A copy of `df` (only when needed) whose text cells cannot run as spreadsheet formulas."""
    out = None
    for col in df.columns:
        s = df[col]
        n = neutralise_series(s)
        if n is not s:
            if out is None:
                out = df.copy()
            out[col] = n
    return df if out is None else out


def unneutralise_series(s):
    """Undoes `neutralise_series` (for scoring): drops the quote before = + - @ TAB CR."""
    m = s.str.match(r"^'[=+\-@\t\r]")
    if not m.any():
        return s
    out = s.copy()
    out[m] = s[m].str.slice(1)
    return out


def check_output_name(name):
    """Raises ValueError unless `name` is a bare file name (no path, no '..')."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("save_cleaned_dataframe: the name must be a non-empty bare file name")
    if "/" in name or "\\" in name or ".." in name or name.startswith(("~", ".")) or "\x00" in name:
        raise ValueError("save_cleaned_dataframe: %r is not a bare file name (no '/', '\\\\', '..' or leading dot)" % name)
    if re.match(r"^[A-Za-z]:", name):
        raise ValueError("save_cleaned_dataframe: %r looks like an absolute path" % name)
    return name


def normalise_name(name):
    """Column name normalised for matching: lower case, alphanumerics joined by '_'."""
    return "_".join(re.findall(r"[a-z0-9]+", str(name).lower()))


def schema_fingerprint(columns):
    """Stable hash of a schema.

    `columns` is a list of names, or of dicts {name, inferred_type} (e.g. profile()['columns'])."""
    items = []
    for c in columns:
        if isinstance(c, dict):
            items.append([normalise_name(c.get("name")), c.get("inferred_type", "")])
        else:
            items.append([normalise_name(c), ""])
    return hashlib.sha256(json.dumps(items).encode("utf-8")).hexdigest()[:16]
