"""Corrected example rows a person gives (DESIGN.md decision 9: they outrank defaults).

A corrections file names rows of the input by their 0-based data-row index (the `row` of
changes.csv) and gives their corrected values:
  - a CSV with the input's header (all columns or some of them) plus a `row` column (`_row` when
    the input has a column named `row`): every cell it holds is a correction, an empty cell
    means "this cell is empty";
  - JSON `{"cells": [[row, column, value], ...]}` (what the chat `fix <row> <column>=<value>`
    replies become): only the cells named.

`check_examples` refuses, with one message naming every problem (up to a few), a row index that
is not a data row, a column the file does not have, a value the column's type cannot hold (a
word in a number or date column; null spellings are always accepted), a row given twice with
different values, and a file too large to be corrections. Nothing is cleaned before the check.
"""
import difflib
import json
import os

import numpy as np
import pandas as pd

from . import numfmt as NF
from . import values as V
from .io import check_file, detect_encoding, read_options, sniff_delimiter

MAX_ROWS = 10000        # corrected rows a file may hold
MAX_PROBLEMS = 8        # problems listed in one message
NUMBER_TYPES = ("integer", "float")
DATE_KINDS = {"date": V.DATE_FORMATS, "datetime": V.DATETIME_FORMATS, "time": V.TIME_FORMATS}
_TRUE_FALSE = {"true", "false", "yes", "no", "y", "n", "t", "f", "1", "0"}


class ExamplesError(ValueError):
    """The corrections cannot be used; the message is fit to show a person."""


def row_column_name(columns):
    """The name of the row-index column in a corrections CSV: `row`, or `_row` (…) when the file has a `row` column."""
    name = "row"
    while name in columns:
        name = "_" + name
    return name


def read_cells(path, columns, name=None):
    """[(row text, column, value)] from a corrections CSV or JSON file (not yet checked)."""
    name = name or os.path.basename(path)
    if path.lower().endswith(".json"):
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise ExamplesError("%s: not readable as JSON corrections (%s)." % (name, e))
        cells = data.get("cells") if isinstance(data, dict) else None
        if not isinstance(cells, list) or not all(isinstance(c, list) and len(c) == 3 for c in cells):
            raise ExamplesError('%s: expected {"cells": [[row, column, value], ...]}.' % name)
        return [(str(r), str(c), "" if v is None else str(v)) for r, c, v in cells]
    try:
        check_file(path)
    except ValueError as e:
        raise ExamplesError("corrections: %s" % e)
    enc = detect_encoding(path)
    try:
        df = pd.read_csv(path, **read_options(enc, sniff_delimiter(path, enc)))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise ExamplesError("%s: not readable as a CSV (%s)." % (name, str(e).strip().splitlines()[-1]))
    rcol = row_column_name(columns)
    header = [str(c) for c in df.columns]
    if rcol not in header:
        raise ExamplesError("%s: has no `%s` column; a corrections file has the data file's header plus `%s`, the 0-based "
                            "data-row index used in changes.csv." % (name, rcol, rcol))
    if len(df) > MAX_ROWS:
        raise ExamplesError("%s: holds %d rows; corrections are a few example rows (at most %d)." % (name, len(df), MAX_ROWS))
    if not len(df):
        raise ExamplesError("%s: holds no corrected rows." % name)
    if len(header) < 2:
        raise ExamplesError("%s: has only the `%s` column; add the columns you corrected." % (name, rcol))
    df = df.fillna("")
    cells = []
    for col in header:
        if col == rcol:
            continue
        for r, v in zip(df[rcol].values, df[col].values):
            cells.append((str(r), col, str(v)))
    return cells


def _type_problem(value, col):
    """Why `value` cannot be a value of the profiled column `col` (None when it can)."""
    st = value.strip()
    if st == "" or st.lower() in V.NULL_TOKENS:
        return None
    t, base = col.get("inferred_type"), col.get("base_type")
    if t in NUMBER_TYPES or (t == "id" and base in NUMBER_TYPES):
        dec = (col.get("numeric") or {}).get("decimal", ".")
        num = NF.parse(pd.Series([st], dtype=object), dec)["num"].values[0]
        if num != num and np.isnan(V.numbers_of(pd.Series([st], dtype=object))[0]):
            return "is not a number (the column holds numbers)"
    elif t in DATE_KINDS:
        formats = list(col.get("formats") or {}) + DATE_KINDS[t] + (V.DATE_FORMATS if t == "datetime" else [])
        s = pd.Series([st], dtype=object)
        if not any(V.parse_dates(s, f).notna().values[0] for f in formats):
            return "is not a %s in any format the toolkit reads (the column holds %ss)" % (t, t)
    elif t == "boolean" and st.lower() not in _TRUE_FALSE:
        return "is not a yes/no value (the column holds booleans)"
    return None


def check_examples(cells, columns, rows, profile_columns=None, name="corrections"):
    """{row: {column: value}} from `cells`, or ExamplesError naming the problems (see module doc)."""
    problems = []
    out = {}
    known = set(columns)
    prof = {c["name"]: c for c in profile_columns or []}
    bad_cols = set()
    for r_text, col, value in cells:
        if col not in known:
            if col not in bad_cols:
                bad_cols.add(col)
                near = difflib.get_close_matches(col, columns, n=1)
                problems.append("column `%s` is not in the file%s" % (col, " (did you mean `%s`?)" % near[0] if near else ""))
            continue
        try:
            r = int(str(r_text).strip())
            if str(r_text).strip() not in (str(r), "+" + str(r)):
                raise ValueError
        except ValueError:
            problems.append("row %r is not a row number (use the 0-based data-row index, as in changes.csv)" % (r_text,))
            continue
        if r < 0 or r >= rows:
            problems.append("row %d does not exist (the file has %d data rows, numbered 0 to %d)" % (r, rows, rows - 1))
            continue
        why = _type_problem(value, prof[col]) if col in prof else None
        if why:
            problems.append("row %d, column `%s`: %r %s" % (r, col, value[:60], why))
            continue
        cur = out.setdefault(r, {})
        if col in cur and cur[col] != value:
            problems.append("row %d, column `%s` is given twice with different values (%r and %r)" % (r, col, cur[col][:40], value[:40]))
            continue
        cur[col] = value
    if problems:
        uniq = list(dict.fromkeys(problems))
        more = len(uniq) - MAX_PROBLEMS
        text = "; ".join(uniq[:MAX_PROBLEMS]) + ("; and %d more" % more if more > 0 else "")
        raise ExamplesError("%s refused, nothing was cleaned: %s." % (name, text))
    if not out:
        raise ExamplesError("%s holds no corrections." % name)
    return out


def load_examples(path, name=None):
    """Reads and checks a corrections file against the session's input (its header, row count and
    profiled column types) and keeps it for `suggest_recipe`. Returns {"rows", "cells", "columns"}.
    `name`: how messages call the file (default its base name)."""
    from .profile import profile
    from .session import session
    s = session()
    prof = profile()
    cells = read_cells(path, s.columns, name)
    ex = check_examples(cells, s.columns, prof["rows"], prof["columns"], name=name or os.path.basename(path))
    s.examples = ex
    return summary(ex)


def summary(ex):
    """{"rows": corrected rows, "cells": cells given, "columns": columns named}."""
    cols = sorted({c for v in ex.values() for c in v})
    return {"rows": len(ex), "cells": int(sum(len(v) for v in ex.values())), "columns": cols}


def loaded_examples():
    """The examples load_examples kept for this session, or None."""
    from .session import session
    return getattr(session(), "examples", None)


def labelled_rows(rows):
    """The input's rows `rows` (global indices) as read, a DataFrame indexed by row number."""
    from .session import session
    s = session()
    want = np.array(sorted(set(int(r) for r in rows)), dtype=np.int64)
    parts = []
    last = int(want[-1]) // s.chunk_rows if len(want) else -1
    for i, df in s.read_chunks(0):
        lo, hi = i * s.chunk_rows, i * s.chunk_rows + len(df)
        sel = want[(want >= lo) & (want < hi)]
        if len(sel):
            parts.append(df.loc[sel])
        if i >= last:
            break
    if not parts:
        return pd.DataFrame(columns=s.columns)
    return pd.concat(parts) if len(parts) > 1 else parts[0]


def draw_labels(dirty_path, clean_path, n, seed, out_path):
    """The Raha/Baran protocol: `n` rows drawn at random (numpy, `seed`) from the clean file,
    written as a corrections CSV with the dirty file's header (columns matched by position) plus
    `row`. Returns the rows drawn."""
    def read(p):
        enc = detect_encoding(p)
        return pd.read_csv(p, **read_options(enc, sniff_delimiter(p, enc)))
    dirty, clean = read(dirty_path), read(clean_path)
    if dirty.shape != clean.shape:
        raise ValueError("dirty %s and clean %s shapes differ" % (dirty.shape, clean.shape))
    n = int(n)
    if n < 1 or n > len(clean):
        raise ValueError("--labels must be between 1 and the number of rows (%d)" % len(clean))
    rows = np.sort(np.random.RandomState(int(seed)).choice(len(clean), n, replace=False))
    cols = [str(c) for c in dirty.columns]
    out = clean.iloc[rows].copy()
    out.columns = cols
    out.insert(0, row_column_name(cols), rows)
    out.to_csv(out_path, index=False)  # the values exactly as the clean file has them (no neutralising quote)
    return [int(r) for r in rows]


def refine_recipe(steps, profile, examples=None):
    """`steps` with what the corrected rows teach (detect/learn.py): repairs they contradict taken
    out, learned rules and the corrected rows added. `examples` None: the ones load_examples kept
    in this session (if any); False: none. The sentences of what was learned are kept for
    `learned_notes()`."""
    from .session import session
    if examples is None:
        try:
            examples = loaded_examples()
        except RuntimeError:  # no session: nothing was loaded
            examples = None
    if not examples:
        return steps
    from .detect.learn import refine
    from .session import load_sample
    recipe, notes = refine(steps, profile, examples, labelled_rows(list(examples)), load_sample())
    try:
        session().learned = notes
    except RuntimeError:
        pass
    return recipe


def learned_notes():
    """What the last recipe drafted with examples learned, as sentences ([] when nothing)."""
    from .session import session
    try:
        return list(getattr(session(), "learned", None) or [])
    except RuntimeError:
        return []
