"""finalize: joins the committed parts into the run's outputs and writes the report and chart.
Streaming: files are concatenated block by block; quality is measured chunk by chunk."""
import json
import os

import pandas as pd

from . import memory
from .io import read_options, write_columns
from .quality import QualityAcc, problem_cells
from .relations import row_hashes
from .report import quality_table, write_report_md
from .session import session

KINDS = [("cleaned", "cleaned.csv"), ("changes", "changes.csv"), ("removed", "removed_rows.csv"), ("flags", "flags.csv")]


def _concat(paths, out):
    """Concatenates CSV parts keeping the first part's header line only."""
    tmp = out + ".tmp"
    with open(tmp, "wb") as w:
        for k, p in enumerate(paths):
            with open(p, "rb") as r:
                header = r.readline()
                if k == 0:
                    w.write(header)
                for block in iter(lambda: r.read(1 << 20), b""):
                    w.write(block)
    os.replace(tmp, out)


def finalize(committed, meta=None):
    """Writes cleaned.csv, changes.csv, removed_rows.csv, flags.csv, quality.json, chart.png,
    report.md and report.json from the committed chunks; returns a summary dict."""
    s = session()
    from .profile import profile
    prof = profile()
    memory.release()  # what the replay freed (its last chunks' frames) before the outputs
    committed = sorted(set(int(i) for i in committed))
    chunks = []
    for i in committed:
        path = os.path.join(s.parts_dir, "result-%05d.json" % i)
        if not os.path.exists(path):
            raise FileNotFoundError("chunk %d is not replayed (no %s)" % (i, os.path.basename(path)))
        with open(path) as f:
            chunks.append(json.load(f))
    from .context import CHANGES_HEADER, _free
    empty_headers = {"cleaned": list(s.columns), "changes": list(CHANGES_HEADER),
                     "removed": list(s.columns) + [_free("row", s.columns), _free("reason", s.columns)],
                     "flags": ["row", "column", "value", "rule"]}
    for kind, name in KINDS:
        parts = [os.path.join(s.parts_dir, "%s-%05d.csv" % (kind, i)) for i in committed]
        if parts:
            _concat(parts, os.path.join(s.work_dir, name))
        else:  # nothing committed: header-only files, never a stale earlier output
            write_columns(os.path.join(s.work_dir, name), empty_headers[kind], [])
    recipe = getattr(s.clean_chunk, "recipe", None) or (meta or {}).get("recipe")
    measured = [c.pop("quality", None) for c in chunks]
    before, after = _measured(s, prof, recipe, committed, measured) or _remeasure(s, prof, recipe, committed)
    bq, aq = before.result(), after.result()
    rows_in = sum(c["rows_in"] for c in chunks)
    rows_out = sum(c["rows_out"] for c in chunks)
    removed = _sum_dicts(c["removed_by_reason"] for c in chunks)
    changed = _sum_dicts(c["changes_by_rule"] for c in chunks)
    by_column = _sum_dicts(c.get("changes_by_column", {}) for c in chunks)
    flags = _sum_dicts(c.get("flags_by_rule", {}) for c in chunks)
    cells = sum(changed.values())
    pb, pa = problem_cells(bq), problem_cells(aq)
    failed = sum(1 for c in chunks if not c["ok"])
    nflags = sum(flags.values())
    by_col_flags = {}
    for c in chunks:
        for col, d in (c.get("flags_by_column") or {}).items():
            for k, v in d.items():
                by_col_flags.setdefault(col, {})[k] = by_col_flags.setdefault(col, {}).get(k, 0) + v
    unresolved, untyped = _unresolved(prof, aq, by_col_flags)

    def n(count, word):
        return "%d %s%s" % (count, word, "" if count == 1 else "s")

    extra = ""
    if nflags:
        extra += "; %s flagged for review (kept as written)" % n(nflags, "value")
    if untyped:
        extra += "; %s left as text although most values look typed" % n(untyped, "column")
    headline = ("%d rows in, %d out, %d removed; %s changed by %s; problem cells %d → %d%s; %s."
                % (rows_in, rows_out, rows_in - rows_out, n(cells, "cell"), n(len(changed), "rule"), pb, pa, extra,
                   "no chunk was committed" if not chunks else
                   "every chunk passed validation" if not failed else "%d chunk(s) failed validation" % failed))
    if len(committed) < prof["chunks"]:
        headline += " (only %d of %d chunks committed)" % (len(committed), prof["chunks"])
    artifacts = [n for _, n in KINDS if os.path.exists(os.path.join(s.work_dir, n))]
    quality = {"before": bq, "after": aq}
    with open(os.path.join(s.work_dir, "quality.json"), "w") as f:
        json.dump(quality, f, indent=1)
    # matplotlib is imported only when a run finishes; its cache stays inside the work dir
    os.environ.setdefault("MPLCONFIGDIR", os.path.join(s.parts_dir, ".matplotlib"))
    from .chart import draw_chart
    artifacts += ["quality.json"]
    try:  # the chart is a convenience: never lose the outputs over it
        draw_chart(os.path.join(s.work_dir, "chart.png"), bq, aq,
                   "Data quality before vs after cleaning — %s (%d rows)" % (prof["file"], rows_in))
        artifacts += ["chart.png"]
    except Exception as e:  # noqa: BLE001
        print("chart.png not written: %s: %s" % (type(e).__name__, e))
    artifacts += ["report.md", "report.json"]
    ctx = {"profile": prof, "meta": meta or {}, "headline": headline, "before": bq, "after": aq, "recipe": recipe,
           "cells_changed_by_column": by_column,
           "cells_changed_by_rule": changed, "flags_by_rule": flags, "chunks": chunks,
           "rows_removed_by_reason": removed, "artifacts": artifacts, "notes": _notes(prof, aq, recipe),
           "unresolved": unresolved}
    write_report_md(os.path.join(s.work_dir, "report.md"), ctx)
    report = {"file": prof["file"], "rows_in": rows_in, "rows_out": rows_out, "rows_removed": rows_in - rows_out,
              "rows_removed_by_reason": removed, "cells_changed": cells, "cells_changed_by_rule": changed,
              "cells_changed_by_column": by_column, "cells_flagged_by_rule": flags, "cells_flagged_by_column": by_col_flags,
              "problems_before": pb, "problems_after": pa, "unresolved": unresolved,
              "chunks": [{k: c[k] for k in ("index", "rows_in", "rows_out", "rows_removed", "hash", "ok", "checks")} for c in chunks],
              "recipe": recipe, "schema_fingerprint": prof["schema_fingerprint"], "headline": headline}
    for k, v in (meta or {}).items():
        report.setdefault(k, v)
    with open(os.path.join(s.work_dir, "report.json"), "w") as f:
        json.dump(report, f, indent=1, default=str)
    return {"artifacts": artifacts, "rows_in": rows_in, "rows_out": rows_out, "rows_removed": rows_in - rows_out,
            "cells_changed": cells, "before_after_table": quality_table(prof, bq, aq, by_column), "headline": headline}


def _measured(s, prof, recipe, committed, measured):
    """Before/after quality summed from what replay_chunk measured per chunk (result-NNNNN.json),
    or None when a chunk lacks it or measured with other recipe settings."""
    import numpy as np
    before, after = QualityAcc(prof, recipe), QualityAcc(prof, recipe)
    key = json.loads(json.dumps(before.key()))
    if not measured or any(q is None or q["key"] != key for q in measured):
        return None
    hashes = s.input_hashes
    # every chunk committed: the input's duplicate rows are the profile's count (exact, same rows)
    whole = committed == list(range(int(prof.get("chunks", -1)))) and "duplicate_rows" in prof
    if whole:
        before.known_duplicates = int(prof["duplicate_rows"])
    for i, q in zip(committed, measured):
        if whole:
            bh = None
        elif hashes is not None and i < len(hashes) and len(hashes[i]) == q["before"]["rows"]:
            bh = hashes[i]
        else:
            bh = row_hashes(s.chunk(i))
        before.add_counts(q["before"]["columns"], q["before"]["rows"], q["before"]["rules"], bh)
        path = os.path.join(s.parts_dir, "%s-%05d.npy" % ("hashes" if q["after_hashes"] == "kept" else "qhashes", i))
        if os.path.exists(path):
            with open(path, "rb") as f:
                ah = np.load(f)
        else:  # parts restored on resume carry no qhashes: hash the cleaned part as a reader gets it
            part = os.path.join(s.parts_dir, "cleaned-%05d.csv" % i)
            ah = row_hashes(pd.read_csv(part, **read_options("utf-8", ",")).fillna(""))
        after.add_counts(q["after"]["columns"], q["after"]["rows"], q["after"]["rules"], ah)
    return before, after


def _remeasure(s, prof, recipe, committed):
    """Before/after quality measured again from the input and cleaned.csv (no per-chunk results)."""
    before = QualityAcc(prof, recipe)
    wanted = set(committed)
    for i, df in s.read_chunks(0):
        if i in wanted:  # the same rows as the outputs
            before.update(df)
        if i >= max(wanted, default=-1):
            break
    after = QualityAcc(prof, recipe)
    cleaned_path = os.path.join(s.work_dir, "cleaned.csv")
    if os.path.exists(cleaned_path):
        for df in pd.read_csv(cleaned_path, chunksize=s.chunk_rows, **read_options("utf-8", ",")):
            after.update(df.fillna(""))
    return before, after


def _sum_dicts(dicts):
    out = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out


_FLAG_WORDS = {"invalid_number": "not a number", "invalid_date": "not a date in any known format",
               "unit_mismatch": "a unit that cannot be converted to the column's", "fd_violation":
               "breaks a dependency, but the evidence is too weak to choose a repair",
               "not_allowed": "not among the values the data dictionary allows, and not one edit from one of them"}


def _unresolved(prof, after, flags_by_column):
    """Lines for the report: what was found and not repaired, and columns left as text that look
    typed. Returns (lines, number of such columns)."""
    lines = []
    for col, d in flags_by_column.items():
        for rule, k in sorted(d.items(), key=lambda kv: -kv[1]):
            if rule in _FLAG_WORDS:
                lines.append("`%s`: %d value%s %s (listed in flags.csv)." % (col, k, "" if k == 1 else "s", _FLAG_WORDS[rule]))
    untyped = 0
    for c in prof["columns"]:
        look = c.get("looks_like")
        if look:
            untyped += 1
            lines.append("`%s` looks like a %s column (%.0f%% of its values read as %ss) but was left as text: the other "
                         "values have no determinate repair." % (c["name"], look["kind"], 100 * look["share"], look["kind"]))
    return lines, untyped


def _notes(prof, after, recipe=None):
    notes = []
    emptied = {c for st in recipe or [] if st.get("op") == "null_tokens" for c in st.get("columns", [])}
    for c in prof["columns"]:
        toks = {t: n for t, n in c["null_tokens"].items() if t.strip()}
        if toks and c["name"] not in emptied:
            notes.append("`%s` writes a missing value as %s: kept (the column's own convention)." % (
                c["name"], ", ".join("%r (%d)" % kv for kv in list(toks.items())[:3])))
        miss = after["columns"].get(c["name"], {}).get("missing", 0)
        if miss and c["inferred_type"] in ("integer", "float", "date", "datetime", "time", "id"):
            notes.append("`%s` (%s): %d missing values kept as missing (no dependency or repeated record determines them)." % (
                c["name"], c["inferred_type"], miss))
    return notes
