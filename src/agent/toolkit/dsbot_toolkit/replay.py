"""Replay: the host streams every chunk through clean_chunk (no model calls), one cell per chunk,
writing parts/ files; committed chunks' row hashes rebuild the duplicate state on resume."""
import hashlib
import json
import os

import numpy as np

from .context import ChunkContext, seen_before
from .io import as_text, read_options, write_arrays, write_columns, write_csv, writable_arrays
from .quality import QualityAcc
from .relations import row_hashes
from .safety import check_output_name
from .session import session
from .validate import validate_cleaning_results


def _part(kind, i, ext="csv"):
    return os.path.join(session().parts_dir, "%s-%05d.%s" % (kind, i, ext))


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
    s.quality = QualityAcc(s.profile, getattr(clean_chunk, "recipe", None), s.valid_memo)
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
    q = s.quality
    before = {c: q.row_bits(c, original[c].values) for c in q.cols if c in original}
    ctx = ChunkContext(index=i, row_offset=i * s.chunk_rows, profile=s.profile, rules=s.rules,
                       original=original, seen=seen_before(i))
    # toolkit-made functions never modify their input; other code gets a copy to modify
    cleaned = s.clean_chunk(original if getattr(s.clean_chunk, "recipe", None) is not None else original.copy(), ctx)
    if cleaned is None or not hasattr(cleaned, "columns"):
        raise TypeError("clean_chunk must return a DataFrame")
    verdict = validate_cleaning_results(original, cleaned, s.rules, ctx)
    os.makedirs(s.parts_dir, exist_ok=True)
    arrays = writable_arrays(cleaned)
    if arrays is not None:
        write_arrays(_part("cleaned", i), list(cleaned.columns), arrays)
    else:
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
    quality = _measure(i, q, original, before, cleaned, arrays, ctx, hashes)
    changes = ctx.changes_by_rule()
    result = {
        "index": i, "rows_in": len(original), "rows_out": len(cleaned), "rows_removed": ctx.removed_count,
        "hash": _sha256(_part("cleaned", i)), "ok": verdict["ok"], "checks": verdict["checks"],
        "changes_by_rule": changes, "changes_by_column": ctx.changes_by_column(), "removed_by_reason": ctx.removed_by_reason(),
        "flags_by_rule": ctx.flags_by_rule(), "flags_by_column": ctx.flags_by_column_rule(),
        "cells_changed": int(sum(changes.values())),
    }
    tmp = _part("result", i, "json.tmp")
    with open(tmp, "w") as f:
        json.dump(dict(result, quality=quality), f)
    os.replace(tmp, _part("result", i, "json"))
    return result


def _measure(i, q, original, before, cleaned, arrays, ctx, kept_hashes):
    """Quality of chunk `i` before (the input rows) and after (the cleaned part's texts), from the
    frames in memory: columns the cleaning left alone reuse the input's per-row verdicts, and the
    after row hashes are the ones is_duplicate kept when they describe the part exactly."""
    s = session()
    if arrays is None:  # written by pandas: measure the part as a reader gets it back
        import pandas as pd
        texts = pd.read_csv(_part("cleaned", i), **read_options("utf-8", ",")).fillna("")
        cols = {c: texts[c].values for c in texts.columns}
    else:
        cols = {c: as_text(a) for c, a in zip(cleaned.columns, arrays)}
    pos = None
    if not cleaned.index.equals(original.index):
        pos = original.index.get_indexer(cleaned.index) if cleaned.index.isin(original.index).all() else False
    after = {}
    for c in q.cols:
        if c not in cols:
            continue
        a = cols[c]
        if c in before and pos is not False and len(a) == (len(original) if pos is None else len(pos)):
            b = original[c].values if pos is None else original[c].values[pos]
            if a.dtype == b.dtype and bool((a == b).all()):
                after[c] = q.counts_of(before[c] if pos is None else before[c][pos])
                continue
        after[c] = q.counts_of(q.row_bits(c, a))
    # the kept hashes describe the part when its texts are the very values is_duplicate hashed
    trusted = (arrays is not None and getattr(s.clean_chunk, "recipe", None) is not None
               and len(kept_hashes) == len(cleaned) and ctx.duplicates_known_absent(cleaned)
               and all(cols[c] is arr and cleaned[c].dtype == object and bool((arr == cleaned[c].values).all())
                       for c, arr in zip(cleaned.columns, arrays)))
    text_frame = None
    if q.sum_rules or not trusted:
        import pandas as pd
        text_frame = pd.DataFrame(cols, columns=list(cols))
    if trusted:
        after_hashes = "kept"
    else:
        h = row_hashes(text_frame)
        tmp = _part("qhashes", i, "npy.tmp")
        with open(tmp, "wb") as f:
            np.save(f, h)
        os.replace(tmp, _part("qhashes", i, "npy"))
        after_hashes = "own"
    return {
        "key": q.key(),
        "before": {"rows": len(original), "columns": {c: q.counts_of(b) for c, b in before.items()},
                   "rules": q.rule_counts(original)},
        "after": {"rows": len(cleaned), "columns": after,
                  "rules": q.rule_counts(text_frame) if q.sum_rules else []},
        "after_hashes": after_hashes,
    }


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
