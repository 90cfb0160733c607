"""Output safety: formula neutralisation, safe output names, schema fingerprints."""
import hashlib
import json
import re

import numpy as np
import pandas as pd

# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection"),
# the fullwidth forms ＝＋－＠ included (spreadsheets fold them to ASCII).
_FORMULA_CHARS = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"
# Invisible characters a formula can hide behind: soft hyphen, Mongolian vowel separator,
# zero-width space/non-joiner/joiner, LRM/RLM, bidi embeddings and isolates, word joiner and
# invisible operators, BOM / zero-width no-break space.
_INVISIBLE = "\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_INVISIBLE_CHARS = "".join(chr(c) for c in [0xAD, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
                                            *range(0x2060, 0x2065), *range(0x2066, 0x206A), 0xFEFF])
# First characters that make a cell a candidate: a lookup table over the BMP, so the check of a
# whole column is one vectorised index before any regex runs.
_FIRST = np.zeros(0x10000, dtype=bool)
_FIRST[[ord(c) for c in _FORMULA_CHARS + _INVISIBLE_CHARS]] = True
_RISKY_RE = "^[" + _INVISIBLE + "]*[=+\\-@\t\r\uff1d\uff0b\uff0d\uff20]"
_RISKY = re.compile(_RISKY_RE)
# A plain number (ASCII digits only) stays as is: -3.5, +44, 1e5.
_NUMERIC_RE = r"^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"
_NUMERIC = re.compile(_NUMERIC_RE)


def _is_risky(text):
    return bool(_RISKY.match(text)) and not _NUMERIC.match(text)


def neutralise_series(s):
    """Prefixes a single quote to text cells a spreadsheet would run as a formula: starting with
    = + - @ TAB CR or fullwidth ＝＋－＠, also behind leading zero-width characters or a BOM.
    Numbers stay as they are.

    Works once per distinct value; returns `s` itself when nothing needs a change."""
    if s.dtype != object:
        if s.dtype.kind != "O":  # numbers, booleans, datetimes: never a formula
            return s
        s = s.astype(object)  # categorical or string dtype: their values are text
    try:
        first = s.values.astype("U1").view(np.uint32)  # first characters' code points, in C
        if not _FIRST[np.minimum(first, 0xFFFF)].any():
            return s
    except (TypeError, ValueError):
        pass
    codes, uniques = pd.factorize(s, sort=False)
    if len(uniques) == 0:
        return s
    u = pd.Series(np.asarray(uniques, dtype=object)).astype(str)
    risky = u.str.match(_RISKY_RE).fillna(False) & ~u.str.match(_NUMERIC_RE).fillna(False)
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
        out.append("'" + h if _is_risky(h) else h)
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
    """Undoes `neutralise_series` (for scoring): drops the quote before a formula start."""
    m = s.str.match("^'" + _RISKY_RE[1:])
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
