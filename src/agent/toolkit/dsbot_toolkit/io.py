"""Reading the input file safely: encoding, delimiter, clear errors; writing CSV outputs safely."""
import codecs
import csv
import io as _io
import os
import re

import numpy as np
import pandas as pd

from .safety import neutralise_header, neutralise_series


class InputFileError(ValueError):
    """The input file cannot be read as a CSV; the message is fit to show a person."""


_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (or an .xlsx/.docx file)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
    b"\xd0\xcf\x11\xe0": "an old Office document (.xls/.doc)",
    b"SQLite format 3": "an SQLite database",
    b"PAR1": "a Parquet file",
}
DELIMITERS = [",", ";", "\t", "|"]


def check_file(path):
    """Raises InputFileError for a missing, empty or binary file."""
    name = os.path.basename(path)
    if not os.path.exists(path):
        raise InputFileError("%s: the file does not exist." % name)
    if os.path.isdir(path):
        raise InputFileError("%s: is a directory, not a CSV file." % name)
    size = os.path.getsize(path)
    if size == 0:
        raise InputFileError("%s: the file is empty (0 bytes); there is nothing to clean." % name)
    with open(path, "rb") as f:
        head = f.read(8192)
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise InputFileError("%s: this is %s, not a CSV text file. Export it as CSV first." % (name, what))
    if b"\x00" in head:
        raise InputFileError("%s: looks like a binary file (it contains NUL bytes), not a CSV text file." % name)
    if not head.strip():
        raise InputFileError("%s: the file holds only blank space; there is nothing to clean." % name)


def detect_encoding(path):
    """'utf-8-sig', 'utf-8', 'cp1252' or 'latin-1': the first that decodes the whole file."""
    with open(path, "rb") as f:
        head = f.read(4)
        f.seek(0)
        if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
            raise InputFileError("%s: is UTF-16 encoded; save it as UTF-8 CSV." % os.path.basename(path))
        dec = codecs.getincrementaldecoder("utf-8")()
        try:
            while True:
                block = f.read(1 << 20)
                if not block:
                    dec.decode(b"", final=True)
                    break
                dec.decode(block)
            return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        except UnicodeDecodeError:
            pass
        f.seek(0)
        dec = codecs.getincrementaldecoder("cp1252")()
        try:
            while True:
                block = f.read(1 << 20)
                if not block:
                    break
                dec.decode(block)
            return "cp1252"
        except UnicodeDecodeError:
            return "latin-1"


def sniff_delimiter(path, encoding):
    """The delimiter among , ; TAB | that splits the first lines most consistently."""
    with open(path, "r", encoding=encoding, newline="") as f:
        text = f.read(65536)
    lines = text.splitlines(True)
    if len(text) == 65536 and len(lines) > 1:
        text = "".join(lines[:-1])
    best, best_score = ",", -1.0
    for d in DELIMITERS:
        try:
            rows = list(csv.reader(_io.StringIO(text), delimiter=d))[:50]
        except csv.Error:
            continue
        counts = [len(r) for r in rows if r]
        if not counts:
            continue
        header = counts[0]
        if header < 2:
            continue
        same = sum(1 for c in counts if c == header) / len(counts)
        score = same * 10 + min(header, 50) / 50.0
        if score > best_score:
            best, best_score = d, score
    return best


def read_options(encoding, sep):
    """The pandas read_csv options used everywhere: every cell a string, nothing parsed."""
    return dict(sep=sep, encoding=encoding, dtype=str, keep_default_na=False, na_filter=False,
                engine="c", skipinitialspace=False)


def parser_message(path, err):
    """A person-readable message for a pandas parser error."""
    name = os.path.basename(path)
    msg = str(err)
    if "Expected" in msg and "fields in line" in msg:
        tail = msg.split("C error:")[-1].strip()
        return "%s: malformed CSV: %s (a row has more fields than the header; check quoting or the delimiter)." % (name, tail)
    if "EOF inside string" in msg:
        tail = msg.split("C error:")[-1].strip()
        return "%s: malformed CSV: a quoted field is never closed (%s)." % (name, tail)
    return "%s: malformed CSV: %s" % (name, msg)


def _writable(values):
    """An array ready for the csv module: text neutralised, missing values empty."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    kind = s.dtype.kind
    if kind == "O" and s.dtype != object:  # categorical / string dtype: write their text
        s = s.astype(object)
    if kind == "O":
        vals = neutralise_series(s).values
        if pd.api.types.infer_dtype(vals, skipna=False) == "string":  # only texts: nothing missing
            return vals
        missing = pd.isna(vals)
        if missing.any():
            vals = vals.copy()
            vals[missing] = ""
        return vals
    if kind == "f":
        vals = s.values.astype(object)
        vals[np.isnan(s.values)] = ""
        return vals
    if kind in "iub":
        return s.values
    return neutralise_series(s.astype(str).where(s.notna(), "")).values


def write_columns(path, header, columns):
    """Writes CSV from a header and one array per column (UTF-8, neutralised), atomically.

    Same bytes as pandas' to_csv(index=False) for text and numbers, about twice as fast."""
    return write_arrays(path, header, [_writable(c) for c in columns])


def _simple(df):
    """Unique column names, each of a text, number or boolean dtype."""
    return df.columns.is_unique and all(dt.kind in "Oifub" for dt in df.dtypes)


def writable_arrays(df):
    """The arrays write_csv would write for `df` (neutralised, missing values empty), or None when
    write_csv would take the columns by position instead."""
    if _simple(df):
        return [_writable(df[c]) for c in df.columns]
    return None


def as_text(arr):
    """The cell texts of a writable array as a CSV reader gets them back (object array of str)."""
    if arr.dtype == object and pd.api.types.infer_dtype(arr, skipna=False) == "string":
        return arr
    out = np.empty(len(arr), dtype=object)
    out[:] = ["" if v is None else v if isinstance(v, str) else repr(v) if isinstance(v, float) else str(v) for v in arr]
    return out


_QUOTE_CHARS = (",", '"', "\n", "\r")
_NEEDS_QUOTES = re.compile('[,"\r\n]')
_BLOCK_ROWS = 1 << 15  # rows turned into text at a time: bounded memory for any frame size


def _cells(a):
    """One block of a column as the texts the csv module writes (before quoting): str kept, None
    empty, anything else str(); and those texts joined by NUL (for fast character tests)."""
    if a.dtype == object:
        try:
            return a, "\x00".join(a)
        except TypeError:  # numbers or other objects among the texts
            cells = ["" if v is None else v if isinstance(v, str) else str(v) for v in a]
    elif a.dtype.kind in "iub":
        cells = list(map(str, a.tolist()))  # Python's int/bool text is numpy's
    else:
        cells = [str(v) for v in a]
    return cells, "\x00".join(cells)


def _quoted(a, alone):
    """The fields of one block of a column as written (QUOTE_MINIMAL): a text holding the
    delimiter, a quote, CR or LF is quoted with its quotes doubled. `alone`: the column is the
    row's only field, so an empty one is written "" (as the csv module does)."""
    cells, joined = _cells(a)
    if any(c in joined for c in _QUOTE_CHARS):
        cells = ['"' + v.replace('"', '""') + '"' if _NEEDS_QUOTES.search(v) else v for v in cells]
    if alone:
        cells = ['""' if v == "" else v for v in cells]
    return cells


def write_arrays(path, header, arrays, digest=None):
    """Writes CSV from a header (None: no header row) and writable arrays (see writable_arrays),
    atomically. Lines end in LF; a field holding the delimiter, a quote, CR or LF is quoted.

    The bytes are those of Python's csv.writer (QUOTE_MINIMAL, a lone empty field written ""),
    with CR and LF quoted wherever they are, built a block of rows at a time in C-level joins.
    `digest` (a hashlib object) is updated with the bytes written."""
    tmp = path + ".tmp"
    arrays = [a if isinstance(a, np.ndarray) else np.asarray(a, dtype=object) for a in arrays]
    with open(tmp, "wb") as f:
        def put(text):
            data = text.encode("utf-8")
            if digest is not None:
                digest.update(data)
            f.write(data)

        if header is not None:
            head = np.asarray(neutralise_header(header), dtype=object)
            put(",".join(_quoted(head, len(head) == 1)) + "\n")
        n = min((len(a) for a in arrays), default=0)
        for lo in range(0, n, _BLOCK_ROWS):
            hi = min(n, lo + _BLOCK_ROWS)
            cols = [_quoted(a[lo:hi], len(arrays) == 1) for a in arrays]
            put(("\n".join(cols[0]) if len(cols) == 1 else "\n".join(map(",".join, zip(*cols)))) + "\n")
    os.replace(tmp, path)
    return path


def write_csv(df, path, header=True):
    """Writes `df` as CSV (UTF-8, neutralised against formula injection, CR/LF always quoted)
    atomically. Columns are taken by position, so repeated names are written as they are."""
    if header and _simple(df):
        return write_columns(path, list(df.columns), [df[c] for c in df.columns])
    arrays = [_writable(df.iloc[:, j]) for j in range(df.shape[1])]
    return write_arrays(path, list(df.columns) if header else None, arrays)
