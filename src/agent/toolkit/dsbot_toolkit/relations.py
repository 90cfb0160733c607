"""Table-level statistics of the profile: duplicate rows, candidate keys, functional
dependencies (candidates chosen on the first chunk, confirmed on the whole file with
capped pair counts) and merged values ('Portland OR' in a city column whose state is empty)."""
import os
import warnings

import numpy as np
import pandas as pd
from pandas.core.util.hashing import combine_hash_arrays   # what hash_pandas_object combines with

from . import values as V
from .hashset import HashSet, save_npy

PAIR_CAP = 50000           # distinct (lhs, rhs) pairs kept per FD candidate
MAX_FD_CANDIDATES = 48
PAIR_BUDGET = 1200000      # distinct pairs kept over all candidates (the largest counters go first)
MAX_FD_COLUMNS = 16
FD_SAMPLE = 20000            # rows of the first chunk used to pick FD candidates
MAX_KEYS = 3                 # key candidates checked exactly (8 bytes per row each)
KEY_EXACT_ROWS = 2000000     # beyond this, keys come from the distinct estimates


def row_hashes(df):
    """uint64 hash per row over all columns (index ignored)."""
    return pd.util.hash_pandas_object(df, index=False).values


def value_hashes(uniques):
    """The hash hash_pandas_object gives each of a column's distinct values (an object array, as
    pd.factorize returns them): it hashes the Index it builds of them, whose type pandas infers."""
    if not len(uniques):
        return np.zeros(0, dtype=np.uint64)
    with warnings.catch_warnings():   # pandas' own Index inference (numbers held as objects)
        warnings.simplefilter("ignore", FutureWarning)
        cats = np.asarray(pd.Index(uniques)._values)
    return pd.util.hash_array(cats, categorize=False)


def frame_hashes(df, factorized=None):
    """row_hashes(df), computed with less work: a text column whose array is in `factorized`
    ({column: (array, codes, uniques)}, as repair.base.factorized keeps them) has only its distinct
    values hashed (value_hashes; a missing value gets pandas' mark), and a column of strings only is
    hashed without being factorised first."""
    out = []
    for c in range(df.shape[1]):
        v = df.iloc[:, c]._values
        hit = factorized.get(df.columns[c]) if factorized else None
        if isinstance(v, np.ndarray) and v.dtype == object and hit is not None and V.same_array(hit[0], v):
            _, codes, uniques = hit
            h = value_hashes(uniques).take(codes) if len(uniques) else np.zeros(len(codes), np.uint64)
            if (codes < 0).any():
                h[codes < 0] = np.iinfo(np.uint64).max
        elif isinstance(v, np.ndarray) and v.dtype == object and pd.api.types.infer_dtype(v, skipna=False) == "string":
            h = pd.util.hash_array(v, categorize=False)
        else:
            h = pd.util.hash_array(v)
        out.append(h)
    return combine_hashes(out) if out else row_hashes(df)


def combine_hashes(col_hashes):
    """Row hashes from per-column value hashes: what hash_pandas_object(df, index=False) gives."""
    return combine_hash_arrays(iter(col_hashes), len(col_hashes))


class DuplicateCounter:
    """Exact count of rows seen before (by 64-bit row hash), chunk by chunk, in bounded memory."""

    def __init__(self):
        self.seen = HashSet()
        self.rows = 0
        self.distinct = 0

    def add(self, h):
        """Adds one chunk's row hashes; returns the bool mask of rows seen for the first time."""
        h = np.asarray(h, dtype=np.uint64)
        first = ~pd.Series(h).duplicated().values
        first &= ~self.seen.contains(h)
        self.seen.add_new(h[first])
        self.rows += len(h)
        self.distinct += int(first.sum())
        return first

    @property
    def duplicates(self):
        return self.rows - self.distinct


class SpilledArrays:
    """A list of arrays held in memory up to `budget` bytes, the rest on disk (one .npy file
    each) and read back one at a time: the row hashes of every chunk in bounded memory."""

    def __init__(self, directory, prefix, budget=16 << 20):
        self.directory, self.prefix, self.budget = directory, prefix, budget
        self.items = []      # an array, or None when it is on disk
        self.held = 0

    def _path(self, i):
        return os.path.join(self.directory, "%s-%05d.npy" % (self.prefix, i))

    def append(self, a):
        a = np.asarray(a)
        if self.held + a.nbytes <= self.budget:
            self.items.append(a)
            self.held += a.nbytes
            return
        os.makedirs(self.directory, exist_ok=True)
        save_npy(self._path(len(self.items)), a)
        self.items.append(None)

    def spill(self, min_bytes=0):
        """Moves the arrays still held in memory to disk (the pass is over: they are read rarely),
        when they hold at least `min_bytes` (a small file keeps its few in memory, writing nothing)."""
        if self.held < min_bytes:
            return
        for i, a in enumerate(self.items):
            if a is not None:
                os.makedirs(self.directory, exist_ok=True)
                save_npy(self._path(i), a)
                self.items[i] = None
        self.held = 0

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        a = self.items[i]
        if a is not None:
            return a
        with open(self._path(i), "rb") as f:
            return np.load(f, allow_pickle=False)

    def __iter__(self):
        return (self[i] for i in range(len(self.items)))


class RelationsAcc:
    """Accumulates row hashes, key candidates and FD pair counts over the chunks.

    FD pairs are counted over distinct rows (an exact duplicate is one observation, not several),
    for candidates chosen on the first chunk: the lhs has groups of two or more rows on average,
    and knowing the lhs predicts the rhs much better than the rhs's most common value does."""

    def __init__(self, columns, spill_dir=None):
        self.columns = list(columns)
        self.hashes = SpilledArrays(spill_dir, "input-hashes") if spill_dir else []
        self.dups = DuplicateCounter()
        self.key_hashes = None      # column -> list of hash arrays (None = not started)
        self.fd = None              # (lhs, rhs) -> pd.Series counts indexed by (a, b)
        self.fd_kind = {}           # (lhs, rhs) -> "dependency" | "entity"
        self.source_key = None      # (entity key column, source column) when several sources report entities
        self.claims = None          # attribute -> pd.Series counts indexed by (key, source, value)
        self.rows = 0
        self.distinct_rows = 0
        self._pending = []          # distinct rows held until the candidates are chosen

    def update(self, df, col_hashes=None):
        """Adds one chunk (raw strings). `col_hashes`: the hash of every value, one array per
        column in order (ColumnAcc.update's), combined into row hashes instead of hashing again."""
        self.rows += len(df)
        h = row_hashes(df) if col_hashes is None else combine_hashes(col_hashes)
        self.hashes.append(h)
        first = self.dups.add(h)
        self.distinct_rows += int(first.sum())
        if self.key_hashes is None:
            self.key_hashes = {c: [] for c in self.columns if df[c].is_unique and not V.is_null_token(df[c]).any()}
            self.key_hashes = dict(list(self.key_hashes.items())[:MAX_KEYS])
        if self.rows > KEY_EXACT_ROWS:
            self.key_hashes = {}    # beyond this size keys are judged from the distinct estimates
        for c in list(self.key_hashes):
            if not df[c].is_unique:
                del self.key_hashes[c]
                continue
            self.key_hashes[c].append(pd.util.hash_array(df[c].values.astype(object)) if col_hashes is None
                                      else col_hashes[self.columns.index(c)])
        distinct = df if first.all() else df[first]
        if self.fd is None:
            # candidates are chosen on the first FD_SAMPLE distinct rows whatever the chunk size
            self._pending.append(distinct)
            if sum(len(p) for p in self._pending) >= FD_SAMPLE:
                self._choose()
            return
        self._count(distinct)

    def needed_columns(self):
        """The columns whose values later chunks are still read for (dependency pairs, source
        claims, key candidates), or None while the candidates are not chosen (all of them)."""
        if self.fd is None:
            return None
        need = {c for pair in self.fd for c in pair} | set(self.key_hashes or {})
        if self.claims:
            need |= set(self.source_key) | set(self.claims)
        return need

    def finish(self):
        """Ends the pass (a file smaller than the candidate sample is counted here)."""
        if self.fd is None:
            self._choose()

    def _choose(self):
        sample = pd.concat(self._pending) if len(self._pending) > 1 else self._pending[0]
        pending, self._pending = self._pending, []
        head = sample.iloc[:FD_SAMPLE]
        self.fd = {pair: None for pair in self._fd_candidates(head)}
        from .detect.sources import find_key_and_source
        ks = find_key_and_source(head, [c for c in self.columns if len(head) and head[c].str.len().mean() <= 60])
        if ks:
            self.source_key = ks
            self.claims = {c: None for c in self.columns if c not in ks}
        for part in pending:
            self._count(part)

    def _count(self, distinct):
        """Adds the FD pairs and source claims of one chunk's distinct rows."""
        if self.claims:
            self._add_claims(distinct)
        nulls = {}
        for pair in list(self.fd):
            a, b = pair
            for c in pair:
                if c not in nulls:
                    nulls[c] = V.is_null_token(distinct[c]).values
            keep = ~(nulls[a] | nulls[b])
            sub = distinct[[a, b]] if keep.all() else distinct[[a, b]][keep]
            counts = sub.groupby([a, b], sort=False).size().astype("float64")
            cur = self.fd[pair]
            cur = counts if cur is None else cur.add(counts, fill_value=0)
            if len(cur) > PAIR_CAP:
                del self.fd[pair]
                continue
            self.fd[pair] = cur
        total = sum(len(c) for c in self.fd.values() if c is not None)
        while total > PAIR_BUDGET:  # bounded memory: the dependencies with the most distinct pairs are dropped
            pair = max(self.fd, key=lambda p: len(self.fd[p]) if self.fd[p] is not None else 0)
            total -= len(self.fd.pop(pair))

    def _add_claims(self, df):
        from .detect.sources import CLAIM_CAP
        k, src = self.source_key
        knull = V.is_null_token(df[k]).values | V.is_null_token(df[src]).values
        for c in list(self.claims):
            keep = ~(knull | V.is_null_token(df[c]).values)
            sub = df[[k, src, c]][keep]
            counts = sub.groupby([k, src, c], sort=False).size().astype("float64")
            cur = self.claims[c]
            cur = counts if cur is None else cur.add(counts, fill_value=0)
            if len(cur) > CLAIM_CAP:
                del self.claims[c]
                continue
            self.claims[c] = cur

    def _fd_candidates(self, df):
        """(lhs, rhs) pairs worth counting over the whole file, judged on the first chunk: a lhs whose
        groups hold most rows ("dependency": repairs and fills), or a mostly unique lhs that repeats
        for some rows — the same entity recorded twice ("entity": fills only)."""
        df = df.iloc[:FD_SAMPLE]
        n = len(df)
        if n < 20:
            return []
        nun = {c: df[c].nunique() for c in self.columns}
        short = {c: df[c].str.len().mean() <= 60 for c in self.columns}
        rhs_cols = [c for c in self.columns if nun[c] >= 2 and short[c]][:MAX_FD_COLUMNS * 2]
        codes = {c: pd.factorize(df[c])[0] for c in rhs_cols}
        out = []
        for a in rhs_cols:
            ga = np.bincount(codes[a])
            multi = ga[codes[a]] >= 2          # rows in lhs groups of two or more
            rows_multi = int(multi.sum())
            if rows_multi < max(10, 0.02 * n) or nun[a] >= n:
                continue
            kind = "dependency" if nun[a] <= 0.5 * n and rows_multi >= 0.3 * n else "entity"
            for b in rhs_cols:
                if a == b or (kind == "dependency" and nun[b] > 0.5 * n):
                    continue
                pair = codes[a][multi].astype(np.int64) * (nun[b] + 1) + codes[b][multi]
                pc = pd.Series(pair).value_counts()
                lhs = pc.index.values // (nun[b] + 1)
                best = pd.Series(pc.values).groupby(lhs).max().sum()
                conf = best / rows_multi
                base = np.bincount(codes[b][multi]).max() / rows_multi
                norm = (conf - base) / (1 - base) if base < 1 else 0.0
                if norm >= (0.6 if kind == "dependency" else 0.8):
                    out.append((kind == "dependency", norm, a, b, kind))
        out.sort(key=lambda t: (not t[0], -t[1]))
        chosen = out[:MAX_FD_CANDIDATES]
        self.fd_kind = {(a, b): kind for _, _, a, b, kind in chosen}
        return [(a, b) for _, _, a, b, _ in chosen]

    def result(self, col_results):
        """duplicate_rows, candidate_keys, functional_dependencies."""
        dup = self.rows - self.distinct_rows
        keys = []
        if self.rows > KEY_EXACT_ROWS:
            keys = [c["name"] for c in col_results if c["null_count"] == 0 and c["distinct"] >= 0.999 * self.rows]
        for c, arrs in (self.key_hashes or {}).items():
            h = np.concatenate(arrs) if arrs else np.empty(0, dtype=np.uint64)
            if len(h) == self.rows and len(np.unique(h)) == len(h):
                keys.append(c)
        fds = []
        for (a, b), counts in (self.fd or {}).items():
            kind = self.fd_kind.get((a, b), "dependency")
            st = fd_strength(counts, min_multi=0.3 if kind == "dependency" else 0.02)
            if st is None or st["confidence"] < (FD_MIN if kind == "dependency" else ENTITY_MIN):
                continue
            fds.append(dict({"lhs": a, "rhs": b}, **st, kind=kind))
        fds.sort(key=lambda f: -f["confidence"])
        sources = None
        if self.source_key and self.claims:
            k, src = self.source_key
            sources = {"key": k, "source": src, "columns": [c for c in self.columns if c in self.claims]}
            fds = [f for f in fds if not (f["lhs"] == k and f["rhs"] in self.claims)]  # resolved by truth discovery
        return {"duplicate_rows": dup, "candidate_keys": keys, "candidate_keys_estimated": self.rows > KEY_EXACT_ROWS,
                "functional_dependencies": fds, "sources": sources}


FD_MIN = 0.75       # normalised confidence of a dependency the profile reports
ENTITY_MIN = 0.9    # ... of an entity attribute (a mostly unique lhs: fills only)


def fd_strength(counts, min_multi=0.3):
    """How well lhs determines rhs, from (lhs, rhs) -> distinct-row counts: {confidence (normalised:
    (c - b) / (1 - b) with c the share of rows agreeing with their group's majority and b the most
    common rhs value's share, both over lhs groups of two or more rows), raw_confidence, violations,
    groups, rows}, or None when there are too few repeated lhs values to judge."""
    if counts is None or not len(counts):
        return None
    df = counts.reset_index()
    df.columns = ["a", "b", "n"]
    gsize = df.groupby("a")["n"].transform("sum")
    multi = df[gsize >= 2]
    rows = float(df["n"].sum())
    rows_multi = float(multi["n"].sum())
    if rows_multi < max(10, min_multi * rows):
        return None
    best = multi.groupby("a")["n"].max().sum()
    conf = best / rows_multi
    base = multi.groupby("b")["n"].sum().max() / rows_multi
    if base >= 1:
        return None
    norm = (conf - base) / (1 - base)
    return {"confidence": round(float(norm), 4), "raw_confidence": round(float(conf), 4),
            "violations": int(rows_multi - best), "groups": int(df["a"].nunique()), "rows": int(rows)}


def merged_values(accs, col_results):
    """Columns holding values merged with another column's code ('Portland OR' + state '')."""
    out = []
    codes = []
    for acc, res in zip(accs, col_results):
        vals = acc.values_with_counts()
        if res["inferred_type"] not in ("category", "code") or not vals or res["null_count"] == 0 or res["distinct"] > 500:
            continue
        short = sum(n for v, n in vals if len(v) <= 6 and " " not in v.strip())
        if short >= 0.9 * sum(n for _, n in vals):
            codes.append((res["name"], {v.strip() for v, _ in vals}))
    for acc, res in zip(accs, col_results):
        if res["inferred_type"] not in ("category", "text") or res["mean_length"] > 60:
            continue
        vals = acc.values_with_counts()
        if not vals:
            continue
        s = pd.Series([v for v, _ in vals], dtype=object)
        w = np.array([n for _, n in vals])
        ex = s.str.strip().str.extract(r"^(?P<x>.*?\S)\s*[,\s]\s*(?P<t>[^\s,]+)$")
        known = set(s.str.strip())
        for bname, bvals in codes:
            if bname == res["name"]:
                continue
            hit = ex["t"].isin(bvals).values & ex["x"].notna().values
            if w[hit].sum() < 3:
                continue
            supported = ex["x"][hit].isin(known).values
            if w[hit][supported].sum() < 0.3 * w[hit].sum():
                continue
            tokens = sorted(set(ex["t"][hit]))
            out.append({"column": res["name"], "into": bname, "values": tokens, "count": int(w[hit].sum())})
    return out
