"""report.md and report.json: what was cleaned, how, and how good the result is."""
from .quality import problems


def describe_step(step):
    """One sentence for a recipe step."""
    op = step.get("op")
    col = step.get("column")
    why = (" — " + step["why"]) if step.get("why") else ""
    if op == "strip_whitespace":
        inner = step.get("collapse") or []
        return "Removed leading/trailing spaces in %s%s." % (
            _cols(step["columns"]), "; runs of spaces inside values collapsed in %s" % _cols(inner) if inner else "")
    if op == "null_tokens":
        toks = [t for t in step["tokens"] if t]
        what = ("null tokens %s" % ", ".join(repr(t) for t in toks)) if toks else "cells holding only spaces"
        return "Turned %s into empty cells in %s (a typed column writes a missing value as an empty cell)." % (what, _cols(step["columns"]))
    if op == "to_numeric":
        target = step.get("target", "|")
        shown = "plain numbers" if target == "|" else "`%s`" % target.replace("|", "N")
        return "`%s`: numbers written as %s%s." % (col, shown, why)
    if op == "dominant_format":
        if step.get("kind") == "digits":
            return "`%s`: codes put in the column's dominant digit template `%s`." % (col, step["format"])
        return "`%s`: dates written in the column's dominant format `%s`%s." % (col, step["format"], why)
    if op in ("canonical_categories", "map_values", "fix_values"):
        pairs = list(step["mapping"].items())[:4]
        kind = {"typo": "typos of much more frequent values", "pattern": "values the column's pattern rejects",
                "boolean_spelling": "boolean spellings"}.get(step.get("rule"), "spelling/case variants")
        ctx = step.get("context")
        guard = " (only where `%s` agrees)" % ctx["column"] if ctx else ""
        n = len(step["mapping"])
        if n == 1:
            kind = kind.replace("typos", "typo").replace("values", "value").replace("spellings", "spelling").replace("variants", "variant")
        return "`%s`: repaired %d %s%s (%s)." % (col, n, kind, guard, ", ".join("%r→%r" % p for p in pairs))
    if op == "split_merged":
        return "`%s`: values ending with a `%s` code (e.g. 'Portland OR') were split; the code filled an empty `%s`." % (col, step["into"], step["into"])
    if op == "dependencies":
        fds = step.get("fds", [])
        shown = ", ".join("%s→%s (%.2f%s)" % (f["lhs"], f["rhs"], f.get("confidence", 0), ", fills only" if f.get("fill_only") else "")
                          for f in fds[:6])
        return ("Checked every row against %d dependencies found in the file (%s%s): a value that breaks them is set to its "
                "group's clear majority only when the evidence is strong; a missing value is filled from its group; the rest "
                "is flagged. changes.csv gives the evidence of each repair." % (len(fds), shown, ", …" if len(fds) > 6 else ""))
    if op == "sources":
        return ("`%s` rows are reported by several `%s` sources: each attribute (%s) set to the value truth discovery finds, "
                "weighing each source by its estimated reliability." % (step["key"], step["source"], _cols(step.get("columns", []))))
    if op == "drop_duplicates":
        return "Removed exact duplicate rows (within and across chunks), keeping the first."
    if op == "range":
        return "`%s`: values outside [%g, %g] (from the %s) are %s." % (col, step["min"], step["max"], step.get("source", "rules"), _act(step))
    if op == "outliers":
        how = {"iqr3": "3×IQR fences", "robust_z3.5": "robust z-score 3.5 (median ± 3.5 × 1.4826 MAD)",
               "log_robust_z3.5": "robust z-score 3.5 on a log scale (the column is right-skewed)"}.get(step.get("method"), step.get("method"))
        return "`%s`: values outside [%g, %g] (%s of the whole column) are %s." % (col, step["lo"], step["hi"], how, _act(step))
    if op == "rule":
        return "Rule `%s` checked on every row; violations %s." % (step["expr"], _act(step, plural=True))
    if op == "learned":
        return "`%s`: %s." % (col, step.get("why") or "rules learned from corrected rows")
    if op == "corrections":
        n = len(step.get("rows") or {})
        return "%d corrected row%s take their corrected values%s." % (
            n, "" if n == 1 else "s", "; rows identical to them (as read) take the same" if step.get("same_rows") else "")
    return "%s %s" % (op, col or "")


def _act(step, plural=False):
    a = step.get("action", "flag")
    return {"flag": "flagged (kept, listed in flags.csv)" if not plural else "are flagged (listed in flags.csv)",
            "remove": "removed to removed_rows.csv", "null": "emptied"}.get(a, a)


def _cols(cols):
    cols = list(cols)
    s = ", ".join("`%s`" % c for c in cols[:8])
    return s + (" and %d more" % (len(cols) - 8) if len(cols) > 8 else "")


def quality_table(prof, before, after, changed=None, max_columns=None):
    """Markdown table: per column, type, problems before → after and cells changed. With
    `max_columns`, only the columns with the most problems (a line says how many are left out)."""
    changed = changed or {}
    keys = ("missing", "null_tokens", "invalid_type", "format_violations", "range", "outliers")
    lines = ["| column | type | missing | null tokens | invalid type | format issues | out of range | unusual (flagged) | problems | cells changed |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    cols = prof["columns"]
    if max_columns and len(cols) > max_columns:
        score = lambda c: -(problems(before["columns"][c["name"]]) + problems(after["columns"].get(c["name"], {})) + changed.get(c["name"], 0))
        keep = {c["name"] for c in sorted(cols, key=score)[:max_columns]}
        shown = [c for c in cols if c["name"] in keep]
    else:
        shown = cols
    for c in shown:
        b, a = before["columns"][c["name"]], after["columns"].get(c["name"], {})
        cells = ["%d → %d" % (b.get(k, 0), a.get(k, 0)) for k in keys]
        lines.append("| %s | %s | %s | %d → %d | %d |" % (str(c["name"]).replace("|", "\\|"), c["inferred_type"], " | ".join(cells),
                                                       problems(b), problems(a), changed.get(c["name"], 0)))
    if len(shown) < len(cols):
        lines.append("| … and {:,} more columns in report.md | | | | | | | | | |".format(len(cols) - len(shown)))
    lines.append("| (duplicate rows) | | | | | | | | %d → %d | |" % (before["duplicate_rows"], after["duplicate_rows"]))
    for expr, n in before.get("rule_violations", {}).items():
        lines.append("| (rule `%s`) | | | | | | | | %d → %d rows | |" % (expr, n, after.get("rule_violations", {}).get(expr, 0)))
    return "\n".join(lines)


def _secs(ms):
    return "%.1f s" % (ms / 1000.0) if ms >= 1000 else "%.2f s" % (ms / 1000.0)


def _int(n):
    return "{:,}".format(int(n))


def _steps_table(steps):
    cost = any(s.get("costUsd") is not None for s in steps)
    head = "| step | phase | result | duration | tokens in / out |" + (" cost |" if cost else "")
    rows = [head, "|" + " --- |" * (6 if cost else 5)]
    for s in steps:
        cells = [str(s.get("step", "")), str(s.get("phase", "")), "error" if s.get("isError") else "ok",
                 _secs(s["durationMs"]) if isinstance(s.get("durationMs"), (int, float)) else "",
                 "%s / %s" % (_int(s.get("inputTokens") or 0), _int(s.get("outputTokens") or 0))]
        if cost:
            c = s.get("costUsd")
            cells.append("$%.4f" % c if isinstance(c, (int, float)) else "")
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _chunks_line(chunks):
    n = len(chunks)
    rin = sum(int(c.get("rowsIn") or 0) for c in chunks)
    rout = sum(int(c.get("rowsOut") or 0) for c in chunks)
    failed = [str(c.get("index")) for c in chunks if c.get("ok") is False]
    verdict = ("all passed validation" if not failed else
               "chunk%s %s failed validation" % ("s" if len(failed) > 1 else "", ", ".join(failed)))
    return "%d committed; rows %s in, %s out (%s removed); %s" % (n, _int(rin), _int(rout), _int(rin - rout), verdict)


def run_lines(meta):
    """Markdown lines for the host's run metadata: readable values, None/absent omitted, steps as a
    table, chunks summarised, durations in seconds."""
    lines, tables = [], []
    for k, v in (meta or {}).items():
        if k in ("recipe", "learned", "comparison") or v is None or v == {} or v == []:
            continue
        label = k.replace("_", " ")
        if k == "steps" and isinstance(v, list) and all(isinstance(s, dict) for s in v):
            tables += ["", "Agent steps:", ""] + _steps_table(v)
            lines.append("- steps: %d (%d with errors)" % (len(v), sum(1 for s in v if s.get("isError"))))
            continue
        if k == "chunks" and isinstance(v, list) and all(isinstance(c, dict) for c in v):
            lines.append("- chunks: " + _chunks_line(v))
            continue
        if k == "cost_usd" and isinstance(v, (int, float)):
            lines.append("- cost: $%.4f" % v)
            continue
        if k == "tokens" and isinstance(v, dict):
            lines.append("- tokens: %s in, %s out" % (_int(v.get("input") or 0), _int(v.get("output") or 0)))
            continue
        if isinstance(v, dict) and (k.endswith("_ms") or k == "durations"):
            parts = ["%s %s" % (str(x).replace("_", " "), _secs(ms)) for x, ms in v.items() if isinstance(ms, (int, float))]
            if parts:
                lines.append("- durations: " + ", ".join(parts))
            continue
        if k.endswith("_ms") and isinstance(v, (int, float)) and not isinstance(v, bool):
            lines.append("- %s: %s" % (label[:-3], _secs(v)))
            continue
        if k.endswith("_s") and isinstance(v, (int, float)) and not isinstance(v, bool):
            lines.append("- %s: %s" % (label[:-2], _secs(v * 1000.0)))
            continue
        lines.append("- %s: %s" % (label, _run_value(v)))
    return lines + tables


def _run_value(v):
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, dict):
        return ", ".join("%s %s" % (str(k).replace("_", " "), _run_value(x)) for k, x in v.items() if x is not None) or "-"
    if isinstance(v, (list, tuple)):
        return "%d" % len(v)
    if isinstance(v, float):
        return "%g" % v
    t = str(v)
    return t if len(t) <= 200 else t[:200] + "…"


def write_report_md(path, ctx):
    """Writes report.md from the finalize context dict."""
    p, meta = ctx["profile"], ctx.get("meta") or {}
    L = ["# Cleaning report: %s" % p["file"], "", "**%s**" % ctx["headline"], ""]
    if meta.get("comparison"):
        L += ["Compared with the earlier run: %s." % meta["comparison"], ""]
    if meta.get("learned"):
        L += ["## Learned from corrected rows", ""] + ["- " + str(x) for x in meta["learned"]] + [""]
    run = run_lines(meta)
    if run:
        L += ["## Run", ""] + run + [""]
    L += ["## Input", "",
          "- %d rows, %d columns, encoding %s, delimiter %r, read in %d chunks of up to %d rows." % (
              p["rows"], len(p["columns"]), p["encoding"], p["delimiter"], p["chunks"], p["chunk_rows"]),
          "- Outlier policy: %s." % p.get("outlier_policy", "flag"), ""]
    L += ["## Quality before → after", "", quality_table(p, ctx["before"], ctx["after"], ctx.get("cells_changed_by_column")), "",
          "Problems = null tokens to empty + values that are not of the column's type + format issues + values outside a "
          "documented range. Unusual values (outliers) are flagged for review, not counted as problems. A missing value is "
          "filled only from a dependency or another record of the same entity (each fill is in changes.csv with its "
          "evidence), never guessed from averages. `row` in every CSV is the 0-based data-row index of the input file "
          "(the header is not counted).", ""]
    L += ["## Rules applied", ""]
    changed = ctx["cells_changed_by_rule"]
    for step in ctx["recipe"] or []:
        L.append("- " + describe_step(step))
    if changed:
        L += ["", "Cells changed, by rule: " + ", ".join("%s %d" % (k, v) for k, v in sorted(changed.items(), key=lambda kv: -kv[1])) + "."]
    if ctx["flags_by_rule"]:
        L += ["", "Cells flagged (kept unchanged, listed in flags.csv): " + ", ".join("%s %d" % kv for kv in ctx["flags_by_rule"].items()) + "."]
    L += ["", "## Validation", ""]
    chunks = ctx["chunks"]
    failed = [c for c in chunks if not c["ok"]]
    L.append("%d of %d chunks passed every check (schema, row accounting, types, required nulls, ranges, duplicates, rules)." % (
        len(chunks) - len(failed), len(chunks)))
    for c in failed[:10]:
        bad = "; ".join("%s: %s" % (k["name"], k["detail"]) for k in c["checks"] if not k["ok"])
        L.append("- chunk %d failed: %s" % (c["index"], bad))
    L += ["", "## Removed rows", ""]
    if ctx["rows_removed_by_reason"]:
        for reason, n in ctx["rows_removed_by_reason"].items():
            L.append("- %d rows: %s" % (n, reason))
        L.append("- Every removed row is in removed_rows.csv with its original values, its row number and the reason.")
    else:
        L.append("No rows were removed: every input row is in cleaned.csv.")
    unresolved = ctx.get("unresolved") or []
    L += ["", "## Unresolved (kept as written, for a person to decide)", ""]
    L += (["- " + u for u in unresolved] if unresolved else ["Nothing: every problem found was repaired."])
    notes = ctx.get("notes") or []
    if notes:
        L += ["", "## Notes", ""] + ["- " + n for n in notes]
    L += ["", "## Files", "", ", ".join(ctx["artifacts"]) + ".", "",
          "Text cells that start with = + - @ are prefixed with ' in every CSV so spreadsheets do not run them; numbers are unchanged.", ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(L))
    return path
