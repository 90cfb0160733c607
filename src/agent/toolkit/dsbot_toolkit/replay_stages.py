"""The two stages of replaying one chunk. Stage A (read, clean_chunk, the kept rows' hashes) is
sequential: duplicates across chunks depend on every earlier chunk. Stage B (validate, write the
parts, measure quality, result json) depends only on its chunk, so it may run in another process."""
import hashlib
import json
import os

from .context import ChunkContext, seen_before
from .hashset import save_npy
from .io import as_text, read_options, write_arrays, write_columns, write_csv, writable_arrays
from .relations import row_hashes
from .session import session
from .validate import unchanged_columns, validate_cleaning_results
from .values import same_array


class Prepared:
    """Stage A's output for chunk `index`: the input rows, the cleaned frame, its context, the
    sorted hashes of the rows it kept and (when measured in stage A) the input's quality bits."""

    def __init__(self, index, original, cleaned, ctx, hashes, before):
        self.index, self.original, self.cleaned, self.ctx = index, original, cleaned, ctx
        self.hashes, self.before = hashes, before


def part(kind, i, ext="csv"):
    """Path of chunk `i`'s part file of `kind`."""
    return os.path.join(session().parts_dir, "%s-%05d.%s" % (kind, i, ext))


def before_bits(q, original, factorized=None):
    """Per-row quality bits of the input rows, per measured column (`factorized`: see row_bits)."""
    return {c: q.row_bits(c, original[c].values, factorized) for c in q.cols if c in original}


def stage_a(i):
    """Reads chunk `i`, measures its quality bits and runs clean_chunk on it (raising what it
    raises). The bits are taken here, not in stage B, so the two stages take about as long (and
    the per-value verdicts they remember stay in the kernel for the next chunks)."""
    s = session()
    original = s.chunk(i)
    toolkit = getattr(s.clean_chunk, "recipe", None) is not None
    factorized = {}
    before = before_bits(s.quality, original, factorized)
    ctx = ChunkContext(index=i, row_offset=i * s.chunk_rows, profile=s.profile, rules=s.rules,
                       original=original, seen=seen_before(i))
    ctx.lineage = toolkit  # a toolkit recipe records every change it makes (validate.unchanged_columns)
    if toolkit:  # its steps start from the input's columns as factorised for the quality bits
        ctx.factorized = factorized
    factorized = None
    # toolkit-made functions never modify their input; other code gets a copy to modify
    cleaned = s.clean_chunk(original if toolkit else original.copy(), ctx)
    if s.last_ctx is ctx:  # validation gets ctx passed: the chunk is not kept alive past its replay
        s.last_ctx = None
    if cleaned is None or not hasattr(cleaned, "columns"):
        raise TypeError("clean_chunk must return a DataFrame")
    return Prepared(i, original, cleaned, ctx, ctx.new_hashes(), before)


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def stage_b(p):
    """Validates chunk `p.index`, writes its parts (overwriting an earlier attempt) and returns its
    result (the one written to result-NNNNN.json, without the quality measure)."""
    s = session()
    i, original, cleaned, ctx = p.index, p.original, p.cleaned, p.ctx
    q = s.quality
    before = p.before
    verdict = validate_cleaning_results(original, cleaned, s.rules, ctx)
    os.makedirs(s.parts_dir, exist_ok=True)
    arrays = writable_arrays(cleaned)
    if arrays is not None:  # the part's hash is taken from the bytes as they are written
        digest = hashlib.sha256()
        write_arrays(part("cleaned", i), list(cleaned.columns), arrays, digest=digest)
        sha = digest.hexdigest()
    else:
        write_csv(cleaned, part("cleaned", i))
        sha = _sha256(part("cleaned", i))
    write_columns(part("changes", i), *ctx.changes_columns())
    write_csv(ctx.removed_frame(s.columns), part("removed", i))
    write_csv(ctx.flags_frame(), part("flags", i))
    save_npy(part("hashes", i, "npy"), p.hashes)
    unchanged = unchanged_columns(original, cleaned, ctx) if ctx.lineage else set()  # (else compared in _measure)
    quality = _measure(i, q, original, before, cleaned, arrays, ctx, p.hashes, unchanged)
    changes = ctx.changes_by_rule()
    result = {
        "index": i, "rows_in": len(original), "rows_out": len(cleaned), "rows_removed": ctx.removed_count,
        "hash": sha, "ok": verdict["ok"], "checks": verdict["checks"],
        "changes_by_rule": changes, "changes_by_column": ctx.changes_by_column(), "removed_by_reason": ctx.removed_by_reason(),
        "flags_by_rule": ctx.flags_by_rule(), "flags_by_column": ctx.flags_by_column_rule(),
        "cells_changed": int(sum(changes.values())),
    }
    tmp = part("result", i, "json.tmp")
    with open(tmp, "w") as f:
        json.dump(dict(result, quality=quality), f)
    os.replace(tmp, part("result", i, "json"))
    return result


def _measure(i, q, original, before, cleaned, arrays, ctx, kept_hashes, unchanged=frozenset()):
    """Quality of chunk `i` before (the input rows) and after (the cleaned part's texts), from the
    frames in memory: columns the cleaning left alone reuse the input's per-row verdicts, and the
    after row hashes are the ones is_duplicate kept when they describe the part exactly.
    `unchanged`: columns whose cleaned values are the input's (validate.unchanged_columns)."""
    verbatim = set()  # columns whose part texts are the cleaned frame's values themselves
    if arrays is None:  # written by pandas: measure the part as a reader gets it back
        import pandas as pd
        texts = pd.read_csv(part("cleaned", i), **read_options("utf-8", ",")).fillna("")
        cols = {c: texts[c].values for c in texts.columns}
    else:
        cols = {c: as_text(a) for c, a in zip(cleaned.columns, arrays)}
        verbatim = {c for c, a in zip(cleaned.columns, arrays) if cols[c] is a and same_array(a, cleaned[c].values)}
    pos = None
    if not cleaned.index.equals(original.index):
        pos = original.index.get_indexer(cleaned.index) if cleaned.index.isin(original.index).all() else False
    after = {}
    for c in q.cols:
        if c not in cols:
            continue
        a = cols[c]
        if c in before and pos is not False and len(a) == (len(original) if pos is None else len(pos)):
            b = None if c in unchanged and c in verbatim else original[c].values if pos is None else original[c].values[pos]
            if b is None or (a.dtype == b.dtype and bool((a == b).all())):
                after[c] = q.counts_of(before[c] if pos is None else before[c][pos])
                continue
        after[c] = q.counts_of(q.row_bits(c, a))
    # the kept hashes describe the part when its texts are the very values is_duplicate hashed
    trusted = (arrays is not None and ctx.lineage and len(kept_hashes) == len(cleaned) and ctx.duplicates_known_absent(cleaned)
               and all(c in verbatim and cleaned[c].dtype == object for c in cleaned.columns))
    text_frame = None
    if q.sum_rules or not trusted:
        import pandas as pd
        text_frame = pd.DataFrame(cols, columns=list(cols))
    if trusted:
        after_hashes = "kept"
    else:
        h = row_hashes(text_frame)
        save_npy(part("qhashes", i, "npy"), h)
        after_hashes = "own"
    return {
        "key": q.key(),
        "before": {"rows": len(original), "columns": {c: q.counts_of(b) for c, b in before.items()},
                   "rules": q.rule_counts(original)},
        "after": {"rows": len(cleaned), "columns": after,
                  "rules": q.rule_counts(text_frame) if q.sum_rules else []},
        "after_hashes": after_hashes,
    }

