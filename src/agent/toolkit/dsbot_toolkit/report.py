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


def _meta_value(v, depth=0):
    """A short readable text for a meta value (lists are counted, dicts flattened one level)."""
    if isinstance(v, dict):
        if depth:
            return "{…}"
        return ", ".join("%s %s" % (k.replace("_", " "), _meta_value(x, 1)) for k, x in v.items()) or "-"
    if isinstance(v, (list, tuple)):
        return "%d" % len(v)
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return "%g" % v
    if v is None:
        return "-"
    t = str(v)
    return t if len(t) <= 120 else t[:119] + "…"


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


def write_report_md(path, ctx):
    """Writes report.md from the finalize context dict."""
    p, meta = ctx["profile"], ctx.get("meta") or {}
    L = ["# Cleaning report: %s" % p["file"], "", "**%s**" % ctx["headline"], ""]
    if meta:
        L += ["## Run", ""]
        for k, v in meta.items():
            if k not in ("recipe",):
                L.append("- %s: %s" % (k.replace("_", " "), _meta_value(v)))
        L.append("")
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
