"""Replay: the host streams every chunk through clean_chunk (no model calls), one cell per chunk,
writing parts/ files; committed chunks' row hashes rebuild the duplicate state on resume."""
import hashlib
import json
import os

import numpy as np

from .context import ChunkContext
from .io import write_columns, write_csv
from .safety import check_output_name
from .session import session
from .validate import validate_cleaning_results


def _part(kind, i, ext="csv"):
    return os.path.join(session().parts_dir, "%s-%05d.%s" % (kind, i, ext))


def seen_before(index):
    """Sorted hashes of the rows kept by chunks before `index` (committed or replayed)."""
    s = session()
    keys = tuple(sorted(k for k in s.seen if k < index))
    cache = getattr(s, "_seen_cache", None)
    if cache is not None and cache[0] == keys:
        return cache[1]
    if cache is not None and keys[: len(cache[0])] == cache[0]:
        extra = [s.seen[k] for k in keys[len(cache[0]):]]
        merged = np.sort(np.concatenate([cache[1]] + extra), kind="mergesort")
    else:
        arrs = [s.seen[k] for k in keys]
        merged = np.sort(np.concatenate(arrs)) if arrs else np.empty(0, dtype=np.uint64)
    s._seen_cache = (keys, merged)
    return merged


def replay_begin(clean_chunk, committed=()):
    """Prepares a replay with `clean_chunk`; `committed` chunk indices are skipped and their saved
    hashes (parts/hashes-NNNNN.npy) restore the cross-chunk duplicate state."""
    s = session()
    if not callable(clean_chunk):
        raise TypeError("replay_begin needs the clean_chunk function")
    if s.profile is None:
        from .profile import profile
        profile()
    os.makedirs(s.parts_dir, exist_ok=True)
    s.clean_chunk = clean_chunk
    s.seen = {}
    s._seen_cache = None
    for i in sorted(set(int(i) for i in committed)):
        path = _part("hashes", i, "npy")
        if not os.path.exists(path):
            raise FileNotFoundError("committed chunk %d has no saved hashes (%s)" % (i, os.path.basename(path)))
        with open(path, "rb") as f:
            s.seen[i] = np.load(f)
    return {"chunks": s.profile["chunks"], "committed": sorted(s.seen), "next": _first_missing(sorted(s.seen))}


def _first_missing(done):
    i = 0
    for k in done:
        if k != i:
            break
        i += 1
    return i


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def replay_chunk(i):
    """Cleans chunk `i`, validates it, writes its parts (overwriting an earlier attempt) and
    returns {index, rows_in, rows_out, rows_removed, hash, ok, checks, changes_by_rule, ...}."""
    s = session()
    if s.clean_chunk is None:
        raise RuntimeError("call replay_begin(clean_chunk, committed) first")
    i = int(i)
    original = s.chunk(i)
    ctx = ChunkContext(index=i, row_offset=i * s.chunk_rows, profile=s.profile, rules=s.rules,
                       original=original, seen=seen_before(i))
    # toolkit-made functions never modify their input; other code gets a copy to modify
    cleaned = s.clean_chunk(original if getattr(s.clean_chunk, "recipe", None) is not None else original.copy(), ctx)
    if cleaned is None or not hasattr(cleaned, "columns"):
        raise TypeError("clean_chunk must return a DataFrame")
    verdict = validate_cleaning_results(original, cleaned, s.rules, ctx)
    os.makedirs(s.parts_dir, exist_ok=True)
    write_csv(cleaned, _part("cleaned", i))
    write_columns(_part("changes", i), *ctx.changes_columns())
    write_csv(ctx.removed_frame(s.columns), _part("removed", i))
    write_csv(ctx.flags_frame(), _part("flags", i))
    hashes = ctx.new_hashes()
    tmp = _part("hashes", i, "npy.tmp")
    with open(tmp, "wb") as f:
        np.save(f, hashes)
    os.replace(tmp, _part("hashes", i, "npy"))
    s.seen[i] = hashes
    changes = ctx.changes_by_rule()
    result = {
        "index": i, "rows_in": len(original), "rows_out": len(cleaned), "rows_removed": ctx.removed_count,
        "hash": _sha256(_part("cleaned", i)), "ok": verdict["ok"], "checks": verdict["checks"],
        "changes_by_rule": changes, "changes_by_column": ctx.changes_by_column(), "removed_by_reason": ctx.removed_by_reason(),
        "flags_by_rule": ctx.flags_by_rule(), "cells_changed": int(sum(changes.values())),
    }
    with open(_part("result", i, "json"), "w") as f:
        json.dump(result, f)
    return result


def save_cleaned_dataframe(df, name):
    """Writes `df` as `<name>.csv` in the work dir (a bare name only) and returns the file name."""
    check_output_name(name)
    s = session()
    fname = name if name.endswith(".csv") else name + ".csv"
    path = os.path.join(s.work_dir, fname)
    if os.path.dirname(os.path.abspath(path)) != s.work_dir:
        raise ValueError("save_cleaned_dataframe: %r escapes the work dir" % name)
    write_csv(df, path)
    return fname
