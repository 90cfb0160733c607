"""What a finished run leaves for a follow-up run on the same file (corrections given in its thread):
the whole-file profile, the relation statistics its repairs use (dependency pair counts, source
claims), the input row hashes per chunk and the corrections it was given. The follow-up loads
them instead of profiling again, then compares its changes with the finished run's.

Plain JSON and numpy arrays only (no pickle): a follow-up never runs anything the earlier kernel
wrote."""
import gzip
import json
import os

import numpy as np
import pandas as pd

STATE_VERSION = 1
FILES = ("state.json", "profile.json", "relations.json.gz", "hashes.npz")


class _Relations:
    """The parts of RelationsAcc the repairs read: `fd` and `claims` pair counts."""

    def __init__(self, fd, claims):
        self.fd = fd
        self.claims = claims


def save_state(out_dir="state"):
    """Writes the session's profile and relation statistics into `out_dir` (under the work dir when
    relative); returns the file names written."""
    from .profile import profile
    from .session import session
    s = session()
    prof = profile()
    d = out_dir if os.path.isabs(out_dir) else os.path.join(s.work_dir, out_dir)
    os.makedirs(d, exist_ok=True)
    rel = getattr(s, "relations", None)
    fd = []
    for (lhs, rhs), counts in ((rel.fd or {}).items() if rel is not None else []):
        if counts is None or not len(counts):
            continue
        a, b = counts.index.get_level_values(0), counts.index.get_level_values(1)
        fd.append({"lhs": lhs, "rhs": rhs, "a": [str(x) for x in a], "b": [str(x) for x in b], "n": [int(x) for x in counts.values]})
    claims = []
    for col, counts in ((rel.claims or {}).items() if rel is not None and rel.claims else []):
        if counts is None or not len(counts):
            continue
        idx = counts.index
        claims.append({"column": col, "k": [str(x) for x in idx.get_level_values(0)], "s": [str(x) for x in idx.get_level_values(1)],
                       "v": [str(x) for x in idx.get_level_values(2)], "n": [int(x) for x in counts.values]})
    _write_json(os.path.join(d, "profile.json"), prof)
    with gzip.open(os.path.join(d, "relations.json.gz.tmp"), "wt", encoding="utf-8", compresslevel=1) as f:
        json.dump({"fd": fd, "claims": claims}, f)
    os.replace(os.path.join(d, "relations.json.gz.tmp"), os.path.join(d, "relations.json.gz"))
    hashes = s.input_hashes or []
    with open(os.path.join(d, "hashes.npz.tmp"), "wb") as f:
        np.savez(f, **{"h%05d" % i: np.asarray(h, dtype=np.uint64) for i, h in enumerate(hashes)})
    os.replace(os.path.join(d, "hashes.npz.tmp"), os.path.join(d, "hashes.npz"))
    _write_json(os.path.join(d, "state.json"), {
        "version": STATE_VERSION, "file": prof["file"], "bytes": os.path.getsize(s.input_path), "rows": prof["rows"],
        "chunk_rows": s.chunk_rows, "columns": list(s.columns), "examples": _cells(getattr(s, "examples", None))})
    return list(FILES)


def load_state(paths):
    """Loads a finished run's state into the session instead of profiling again. `paths`: {name:
    path} for the FILES (what the host mounted). Raises ValueError when it does not describe this
    input (another file, size, header or chunk size). Returns the corrections the finished run had
    ({row: {column: value}}; {} when none)."""
    from .session import session
    s = session()
    missing = [n for n in FILES if n not in paths or not os.path.exists(paths[n])]
    if missing:
        raise ValueError("the earlier run left no %s to reuse" % ", ".join(missing))
    with open(paths["state.json"], encoding="utf-8") as f:
        meta = json.load(f)
    if meta.get("version") != STATE_VERSION:
        raise ValueError("the earlier run's state has version %r, not %d" % (meta.get("version"), STATE_VERSION))
    if meta.get("columns") != list(s.columns) or int(meta.get("bytes", -1)) != os.path.getsize(s.input_path):
        raise ValueError("the earlier run cleaned another file (its header or size differs)")
    if int(meta.get("chunk_rows", -1)) != s.chunk_rows:
        raise ValueError("the earlier run read the file in chunks of %s rows, this one %d" % (meta.get("chunk_rows"), s.chunk_rows))
    with open(paths["profile.json"], encoding="utf-8") as f:
        prof = json.load(f)
    with gzip.open(paths["relations.json.gz"], "rt", encoding="utf-8") as f:
        rel = json.load(f)
    fd = {}
    for e in rel.get("fd", []):
        idx = pd.MultiIndex.from_arrays([np.asarray(e["a"], dtype=object), np.asarray(e["b"], dtype=object)])
        fd[(e["lhs"], e["rhs"])] = pd.Series(np.asarray(e["n"], dtype=np.int64), index=idx)
    claims = {}
    for e in rel.get("claims", []):
        idx = pd.MultiIndex.from_arrays([np.asarray(e[k], dtype=object) for k in ("k", "s", "v")])
        claims[e["column"]] = pd.Series(np.asarray(e["n"], dtype=np.int64), index=idx)
    with np.load(paths["hashes.npz"], allow_pickle=False) as z:
        hashes = [z["h%05d" % i] for i in range(len(z.files))]
    if hashes:  # the same rows: the first chunk hashes as it did
        from .relations import row_hashes
        first = s.chunk(0)
        if len(first) != len(hashes[0]) or not np.array_equal(row_hashes(first), hashes[0]):
            raise ValueError("the file's rows differ from the ones the earlier run profiled")
    s.profile = prof
    s.rules = prof.get("rules", [])
    s.relations = _Relations(fd, claims or None)
    s.input_hashes = hashes or None
    return {int(r): v for r, v in _uncells(meta.get("examples") or []).items()}


def _cells(ex):
    return [[int(r), c, v] for r, vals in sorted((ex or {}).items()) for c, v in vals.items()]


def _uncells(cells):
    out = {}
    for r, c, v in cells:
        out.setdefault(int(r), {})[str(c)] = str(v)
    return out


def merge_examples(earlier, new):
    """The earlier run's corrections with the new ones (a cell given again takes the new value)."""
    out = {int(r): dict(v) for r, v in (earlier or {}).items()}
    for r, vals in (new or {}).items():
        out.setdefault(int(r), {}).update(vals)
    return out


def compare_runs(earlier_changes, changes="changes.csv"):
    """How this run's changes differ from an earlier run's on the same input (both changes.csv):
    {"repaired": cells this run changes that the earlier left or changed otherwise, "undone":
    cells the earlier changed that this run keeps as read, "differently": of the repaired,
    those the earlier changed to another value, "text": one sentence}."""
    from .session import session
    path = changes if os.path.isabs(changes) else os.path.join(session().work_dir, changes)

    def finals(p):
        ch = pd.read_csv(p, dtype=str, keep_default_na=False, na_filter=False, usecols=["row", "column", "old", "new"])
        if not len(ch):
            return pd.DataFrame(columns=["row", "column", "old", "new"]).set_index(["row", "column"])
        first = ch.groupby(["row", "column"], sort=False)["old"].first()
        last = ch.groupby(["row", "column"], sort=False)["new"].last()
        out = pd.DataFrame({"old": first, "new": last})
        return out[out["old"] != out["new"]]
    a, b = finals(earlier_changes), finals(path)
    both = a.index.intersection(b.index)
    differently = int((a.loc[both, "new"] != b.loc[both, "new"]).sum()) if len(both) else 0
    repaired = int(len(b.index.difference(a.index))) + differently
    undone = int(len(a.index.difference(b.index)))
    bits = ["+%d cell%s repaired" % (repaired, "" if repaired == 1 else "s")]
    if differently:
        bits[0] += " (%d of them differently)" % differently
    bits.append("%d change%s undone" % (undone, "" if undone == 1 else "s"))
    return {"repaired": repaired, "undone": undone, "differently": differently, "text": ", ".join(bits)}


def _write_json(path, obj):
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(obj, f)
    os.replace(path + ".tmp", path)


def follow_up(paths, corrections_path=None, name=None):
    """Starts a follow-up session: the earlier run's state loaded (no profile pass), the new
    corrections checked (examples.load_examples) and merged with the earlier ones, kept for
    suggest_recipe. Returns {"rows", "cells", "columns"} of the merged corrections."""
    from .examples import load_examples, summary
    from .session import session
    earlier = load_state(paths)
    if corrections_path:
        load_examples(corrections_path, name=name)
    s = session()
    s.examples = merge_examples(earlier, getattr(s, "examples", None))
    return summary(s.examples) if s.examples else {"rows": 0, "cells": 0, "columns": []}


def note_comparison(cmp):
    """Adds the comparison with the earlier run to report.md and report.json (after finalize); returns it."""
    from .session import session
    wd = session().work_dir
    md, rj = os.path.join(wd, "report.md"), os.path.join(wd, "report.json")
    if os.path.exists(md):
        with open(md, encoding="utf-8") as f:
            lines = f.read().split("\n")
        at = next((i + 1 for i, l in enumerate(lines) if l.startswith("**")), 1)
        lines[at:at] = ["", "Compared with the earlier run: %s." % cmp["text"]]
        with open(md + ".tmp", "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        os.replace(md + ".tmp", md)
    if os.path.exists(rj):
        with open(rj, encoding="utf-8") as f:
            rep = json.load(f)
        rep["comparison"] = cmp
        _write_json(rj, rep)
    return cmp
