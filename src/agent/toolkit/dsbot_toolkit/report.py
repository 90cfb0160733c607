"""report.md and report.json: what was cleaned, how, and how good the result is."""
from .quality import problems


def describe_step(step):
    """One sentence for a recipe step."""
    op = step.get("op")
    col = step.get("column")
    if op == "strip_whitespace":
        return "Removed leading/trailing spaces in %s." % _cols(step["columns"])
    if op == "null_tokens":
        return "Turned null tokens %s into empty cells in %s." % (", ".join(repr(t) for t in step["tokens"]), _cols(step["columns"]))
    if op == "to_numeric":
        bits = []
        if step.get("unit"):
            bits.append("stripped the unit %r" % step["unit"])
        if step.get("convert"):
            bits.append("converted %s to %s" % (", ".join(sorted(step["convert"])), step.get("unit")))
        if step.get("percent_scale", 1) != 1:
            bits.append("converted percentages to fractions")
        bits.append("wrote numbers plainly (%s)" % step.get("kind"))
        if step.get("invalid") == "null":
            bits.append("emptied values that are not numbers")
        return "`%s`: %s." % (col, ", ".join(bits))
    if op == "dominant_format":
        return "`%s`: rewrote values in the column's dominant format `%s`." % (col, step["format"])
    if op == "canonical_categories":
        pairs = list(step["mapping"].items())[:4]
        return "`%s`: merged %d spelling/case variants (%s)." % (col, len(step["mapping"]), ", ".join("%r→%r" % p for p in pairs))
    if op == "split_merged":
        return "`%s`: values ending with a `%s` code (e.g. 'Portland OR') were split; the code filled an empty `%s`." % (col, step["into"], step["into"])
    if op == "fd_repair":
        return "`%s` determines `%s`: %d sporadic contradictions set to the majority value." % (step["lhs"], step["rhs"], len(step["mapping"]))
    if op == "drop_duplicates":
        return "Removed exact duplicate rows (within and across chunks), keeping the first."
    if op == "range":
        return "`%s`: values outside [%g, %g] (from the %s) are %s." % (col, step["min"], step["max"], step.get("source", "rules"), _act(step))
    if op == "outliers":
        how = "3×IQR fences" if step.get("method", "iqr3") == "iqr3" else "robust z-score 3.5 (median ± 3.5 × 1.4826 MAD)"
        return "`%s`: values outside [%g, %g] (%s of the whole column) are %s." % (col, step["lo"], step["hi"], how, _act(step))
    if op == "rule":
        return "Rule `%s` checked on every row; violations %s." % (step["expr"], _act(step, plural=True))
    return "%s %s" % (op, col or "")


def _act(step, plural=False):
    a = step.get("action", "flag")
    return {"flag": "flagged (kept, listed in flags.csv)" if not plural else "are flagged (listed in flags.csv)",
            "remove": "removed to removed_rows.csv", "null": "emptied"}.get(a, a)


def _cols(cols):
    cols = list(cols)
    s = ", ".join("`%s`" % c for c in cols[:8])
    return s + (" and %d more" % (len(cols) - 8) if len(cols) > 8 else "")


def quality_table(prof, before, after, changed=None):
    """Markdown table: per column, type, problems before → after and cells changed."""
    changed = changed or {}
    lines = ["| column | type | missing | null tokens | invalid type | format issues | outliers/range | problems | cells changed |",
             "|---|---|---|---|---|---|---|---|---|"]
    for c in prof["columns"]:
        b, a = before["columns"][c["name"]], after["columns"].get(c["name"], {})
        cells = ["%d → %d" % (b[k], a.get(k, 0)) for k in ("missing", "null_tokens", "invalid_type", "format_violations", "outliers")]
        lines.append("| %s | %s | %s | %d → %d | %d |" % (str(c["name"]).replace("|", "\\|"), c["inferred_type"], " | ".join(cells),
                                                       problems(b), problems(a), changed.get(c["name"], 0)))
    lines.append("| (duplicate rows) | | | | | | | %d → %d | |" % (before["duplicate_rows"], after["duplicate_rows"]))
    for expr, n in before.get("rule_violations", {}).items():
        lines.append("| (rule `%s`) | | | | | | | %d → %d rows | |" % (expr, n, after.get("rule_violations", {}).get(expr, 0)))
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
        if k == "recipe" or v is None or v == {} or v == []:
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
    run = run_lines(meta)
    if run:
        L += ["## Run", ""] + run + [""]
    L += ["## Input", "",
          "- %d rows, %d columns, encoding %s, delimiter %r, read in %d chunks of up to %d rows." % (
              p["rows"], len(p["columns"]), p["encoding"], p["delimiter"], p["chunks"], p["chunk_rows"]),
          "- Outlier policy: %s." % p.get("outlier_policy", "flag"), ""]
    L += ["## Quality before → after", "", quality_table(p, ctx["before"], ctx["after"], ctx.get("cells_changed_by_column")), "",
          "Problems = null tokens + values invalid for the column type + format issues + outliers/range violations. "
          "Missing values are counted but not repaired by guessing.", ""]
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
    notes = ctx.get("notes") or []
    if notes:
        L += ["", "## Notes", ""] + ["- " + n for n in notes]
    L += ["", "## Files", "", ", ".join(ctx["artifacts"]) + ".", "",
          "Text cells that start with = + - @ are prefixed with ' in every CSV so spreadsheets do not run them; numbers are unchanged.", ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(L))
    return path
