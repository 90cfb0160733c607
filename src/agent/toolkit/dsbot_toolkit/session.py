"""The session: one input file per kernel, read in chunks of strings indexed by global row number."""
import os

import pandas as pd

from .seen import SeenStore
from .io import InputFileError, check_file, detect_encoding, parser_message, read_options, sniff_delimiter


class Session:
    """State of the current cleaning session (module-level singleton `S`)."""

    def __init__(self, input_path, work_dir, chunk_rows, sample_rows, dictionary_path, outliers, processes=2):
        self.input_path = os.path.abspath(input_path)
        self.work_dir = os.path.abspath(work_dir)
        self.chunk_rows = int(chunk_rows)
        self.sample_rows = int(sample_rows)
        self.dictionary_path = dictionary_path
        self.outliers = outliers
        self.processes = processes  # 2: a forked helper in the profile pass (scan.py) and the replay (replay_fork.py)
        self.encoding = None
        self.sep = ","
        self.decimal = "."      # ',' for files that write 12,5
        self.columns = []
        self.profile = None
        self.rules = []
        self.seen = SeenStore(lambda: self.parts_dir)  # chunk index -> sorted uint64 row hashes kept by that chunk
        self.clean_chunk = None
        self.last_ctx = None
        self.valid_memo = {}    # type verdicts per distinct value, shared by the chunks
        self.input_hashes = None  # row hashes per input chunk, from the profile pass
        self.quality = None     # QualityAcc measuring each replayed chunk (replay_begin)
        self._reader = None     # (next chunk index, iterator)

    @property
    def parts_dir(self):
        """Directory holding the per-chunk outputs."""
        return os.path.join(self.work_dir, "parts")

    def options(self):
        """read_csv options for this file."""
        return read_options(self.encoding, self.sep)

    def read_chunks(self, start=0, columns=None):
        """Iterator of (index, DataFrame) from chunk `start`; errors become InputFileError.
        `columns`: only these columns are parsed into the frames (names; file order kept)."""
        # Chunks before `start` are parsed and dropped: skipping lines instead would miscount
        # blank lines and quoted newlines, and a resumed run would repeat or lose rows.
        opts = self.options()
        names = self.columns
        if columns is not None:
            keep = set(columns)
            pos = [j for j, c in enumerate(self.columns) if c in keep]
            opts = dict(opts, usecols=pos)
            names = [self.columns[j] for j in pos]
        try:
            reader = pd.read_csv(self.input_path, chunksize=self.chunk_rows, **opts)
        except pd.errors.EmptyDataError:
            raise InputFileError("%s: the file is empty." % os.path.basename(self.input_path))
        except pd.errors.ParserError as e:
            raise InputFileError(parser_message(self.input_path, e)) from e
        i = 0
        while True:
            try:
                df = next(reader)
            except StopIteration:
                return
            except pd.errors.ParserError as e:
                raise InputFileError(parser_message(self.input_path, e)) from e
            if i < start:
                i += 1
                continue
            df.index = pd.RangeIndex(i * self.chunk_rows, i * self.chunk_rows + len(df))
            if len(df.columns) != len(names) or list(df.columns) != names:
                df.columns = names[: len(df.columns)]
            if len(df.columns) and df.iloc[:, -1].isna().any():  # short rows (na_filter=False: no other NaN)
                df = df.fillna("")
            yield i, df
            i += 1

    def chunk(self, i):
        """Chunk `i`, reading sequentially when possible (the replay reads 0, 1, 2, ...)."""
        if self._reader is not None and self._reader[0] == i:
            it = self._reader[1]
        else:
            it = self.read_chunks(i)
        try:
            idx, df = next(it)
        except StopIteration:
            self._reader = None
            raise IndexError("chunk %d does not exist (the file has fewer rows)" % i)
        self._reader = (idx + 1, it)
        return df


S = None


def session():
    """The current session; raises if init_session was not called."""
    if S is None:
        raise RuntimeError("call init_session(input_path, work_dir) first")
    return S


def _raw_header(s):
    """The first row of the file as written, or None when it cannot be read that way."""
    import csv
    try:
        with open(s.input_path, encoding=s.encoding, newline="") as f:
            return next(csv.reader(f, delimiter=s.sep), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def check_processes(n):
    """The number of processes as an int: 1 (sequential) or 2."""
    if isinstance(n, bool) or not isinstance(n, (int, float)) or int(n) != n or not 1 <= int(n) <= 2:
        raise ValueError("processes must be 1 or 2, not %r" % (n,))
    return int(n)


def init_session(input_path, work_dir=".", chunk_rows=50000, sample_rows=2000, dictionary_path=None, outliers="flag",
                 processes=2):
    """Starts a session on `input_path`: checks the file, detects encoding and delimiter. The
    profile pass and the replay use `processes` (1 or 2) processes."""
    global S
    processes = check_processes(processes)
    if outliers not in ("flag", "remove"):
        raise ValueError("outliers must be 'flag' or 'remove'")
    if int(chunk_rows) < 1 or int(sample_rows) < 1:
        raise ValueError("chunk_rows and sample_rows must be positive")
    check_file(input_path)
    s = Session(input_path, work_dir, chunk_rows, sample_rows, dictionary_path, outliers, processes)
    s.encoding = detect_encoding(s.input_path)
    s.sep = sniff_delimiter(s.input_path, s.encoding)
    name = os.path.basename(input_path)
    try:
        head = pd.read_csv(s.input_path, nrows=max(s.sample_rows, 1), **s.options())
    except pd.errors.EmptyDataError:
        raise InputFileError("%s: the file is empty; there is no header and no data." % name)
    except pd.errors.ParserError as e:
        raise InputFileError(parser_message(s.input_path, e)) from e
    cols = [str(c) for c in head.columns]
    raw = _raw_header(s)  # pandas renames a repeated name ('a' -> 'a.1'): check the header as written
    if raw is not None and len(set(raw)) != len(raw):
        raise InputFileError("%s: the header repeats a column name (%s); rename the columns so each is unique." % (name, ", ".join(sorted({c for c in raw if raw.count(c) > 1}))))
    if len(cols) < 2 and len(head) == 0:
        raise InputFileError("%s: has no data rows." % name)
    if len(head) == 0:
        raise InputFileError("%s: has a header but no data rows." % name)
    if len(set(cols)) != len(cols):
        raise InputFileError("%s: the header repeats a column name (%s)." % (name, ", ".join(sorted({c for c in cols if cols.count(c) > 1}))))
    s.columns = cols
    s.decimal = _decimal_mark(head, s.sep)
    os.makedirs(s.work_dir, exist_ok=True)
    S = s
    return None


def _decimal_mark(head, sep):
    """',' when a ';'-delimited file writes its decimals with commas ('12,5'), else '.'."""
    if sep != ";" or head.empty:
        return "."
    comma = point = 0
    for c in head.columns:
        v = head[c].astype(str).str.strip()
        comma += int(v.str.match(r"^[-+]?\d+,\d+(\s*\D*)$").sum())
        point += int(v.str.match(r"^[-+]?\d+\.\d+(\s*\D*)$").sum())
    return "," if comma > point else "."


def load_sample():
    """The first `sample_rows` rows (strings; index = global row number)."""
    s = session()
    df = pd.read_csv(s.input_path, nrows=s.sample_rows, **s.options())
    df.columns = s.columns
    return df.fillna("") if df.isna().values.any() else df


def load_chunk(i):
    """Chunk `i` (0-based) as a DataFrame of strings whose index is the global row number."""
    return session().chunk(int(i))


def iter_chunks(start=0):
    """Yields every chunk from `start` on."""
    for _, df in session().read_chunks(int(start)):
        yield df
