# Host glue loaded into the kernel after the toolkit (`from dsbot_toolkit import *`):
# small helpers the code agent and the host share. The toolkit does the cleaning; this file
# only checks and describes what the agent built.
import json as _json


class Verdict(dict):
    """A validation verdict that prints readably for the model and the builtin policy."""

    def __repr__(self):
        checks = self.get("checks", [])
        head = "validation %s (%d checks)" % ("PASSED" if self.get("ok") else "FAILED", len(checks))
        lines = [head] + [
            " - %s: %s%s" % (c.get("name"), "ok" if c.get("ok") else "FAIL", (" — " + str(c.get("detail"))) if c.get("detail") else "")
            for c in checks
        ]
        return "\n".join(lines)

    __str__ = __repr__


def check_clean_chunk(df=None):
    """Runs the current `clean_chunk` on the sample (or on `df`) with a fresh context and validates it."""
    fn = globals().get("clean_chunk")
    if not callable(fn):
        return Verdict(ok=False, checks=[{"name": "clean_chunk", "ok": False, "detail": "define clean_chunk(df, ctx) first"}])
    original = load_sample() if df is None else df
    ctx = sample_context(original)
    try:
        cleaned = fn(original.copy(), ctx)
    except Exception as e:  # the model's mistake: an observation
        return Verdict(ok=False, checks=[{"name": "clean_chunk", "ok": False, "detail": "raised %s: %s" % (type(e).__name__, e)}])
    if cleaned is None or not hasattr(cleaned, "columns"):
        return Verdict(ok=False, checks=[{"name": "clean_chunk", "ok": False, "detail": "must return a DataFrame"}])
    return Verdict(validate_cleaning_results(original, cleaned, ctx=ctx))


def describe_recipe(recipe):
    """One line per step: the op and what it touches."""
    out = []
    for i, step in enumerate(recipe or [], 1):
        target = step.get("column") or step.get("columns") or step.get("key") or [f"{f.get('lhs')}->{f.get('rhs')}" for f in step.get("fds", [])] or ""
        if isinstance(target, list):
            target = ", ".join(map(str, target[:6])) + (" …" if len(target) > 6 else "")
        extra = {k: v for k, v in step.items() if k in ("unit", "kind", "target", "format", "action", "min", "max", "rule", "reason")}
        out.append("%d. %s %s %s" % (i, step.get("op"), target, _json.dumps(extra, default=str) if extra else ""))
    return "\n".join(out) if out else "(empty recipe)"


def recipe_insights(recipe):
    """What a run learned, as short notes for the knowledge store."""
    notes = []
    for step in recipe or []:
        op = step.get("op")
        col = step.get("column") or step.get("lhs")
        if op == "to_numeric" and step.get("unit"):
            notes.append("Column %r stores numbers with the unit %r; strip it and parse as %s." % (col, step["unit"], step.get("kind", "number")))
        elif op == "null_tokens":
            notes.append("Null tokens %s appear in %s." % (step.get("tokens"), step.get("columns")))
        elif op in ("range", "outliers"):
            verb = {"flag": "flagged", "remove": "removed", "null": "emptied"}.get(step.get("action"), step.get("action"))
            notes.append("Column %r: values outside [%s, %s] are %s." % (col, step.get("min", step.get("lo")), step.get("max", step.get("hi")), verb))
        elif op == "dominant_format":
            notes.append("Column %r uses the format %r; other formats are converted." % (col, step.get("format")))
        elif op == "dependencies":
            fds = ", ".join("%s -> %s" % (f.get("lhs"), f.get("rhs")) for f in step.get("fds", [])[:6])
            notes.append("Dependencies that hold in this kind of file: %s; violations repaired by the group's clear majority." % fds)
        elif op == "sources":
            notes.append("Rows of %r are reported by several %r sources; truth discovery weighs them by reliability." % (step.get("key"), step.get("source")))
        elif op in ("canonical_categories", "map_values", "fix_values"):
            notes.append("Column %r has %s mapped to canonical values." % (col, {"typo": "rare typos", "pattern": "values its pattern rejects",
                                                                              "allowed_value": "values outside the dictionary's list"}.get(step.get("rule"), "spelling/case variants")))
    return "\n".join(notes) or "The suggested recipe applied without special cases."


def _shown(v, limit=60):
    """A cell value for a person: empty and missing cells named, long ones cut."""
    if v is None or (isinstance(v, float) and v != v):
        return "(empty)"
    t = str(v)
    if t == "":
        return "(empty)"
    return t if len(t) <= limit else t[: limit - 1] + "…"


def plan_summary(total_rows=None, max_columns=40, max_steps=20, examples=2):
    """What the current `clean_chunk` would do, measured on the sample with a fresh context and
    read from its lineage: per column the cells it changes (by rule, with before → after
    examples), the rows it removes (by reason) and the cells it flags. Changes nothing."""
    fn = globals().get("clean_chunk")
    if not callable(fn):
        raise RuntimeError("there is no clean_chunk to summarise")
    original = load_sample()
    ctx = sample_context(original)
    cleaned = fn(original.copy(), ctx)
    ch = ctx.changes_frame()
    columns, more, cells = [], 0, int(len(ch))
    if len(ch):
        ch = ch.astype({"column": str, "rule": str})
        counts = ch.groupby("column", sort=False).size().sort_values(ascending=False, kind="stable")
        more = max(0, len(counts) - max_columns)
        for name, n in counts.head(max_columns).items():
            part = ch[ch["column"] == name]
            rules = part["rule"].value_counts()
            pairs, seen = [], set()
            for old, new in zip(part["old"].values, part["new"].values):
                key = (_shown(old), _shown(new))
                if key in seen or key[0] == key[1]:
                    continue
                seen.add(key)
                pairs.append({"before": key[0], "after": key[1]})
                if len(pairs) >= examples:
                    break
            columns.append({"name": str(name), "cells": int(n), "examples": pairs,
                            "rules": [{"rule": str(r), "cells": int(c)} for r, c in rules.head(3).items()]})
    recipe = getattr(fn, "recipe", None)
    if recipe is None and isinstance(globals().get("RECIPE"), list):
        recipe = globals()["RECIPE"]
    steps = describe_recipe(recipe).split("\n") if recipe else []
    return {
        "sampleRows": int(len(original)),
        "totalRows": int(total_rows if total_rows is not None else len(original)),
        "rowsKept": int(len(cleaned)) if hasattr(cleaned, "__len__") else int(len(original)),
        "cellsChanged": cells,
        "columns": columns,
        "moreColumns": int(more),
        "removed": [{"reason": str(k), "rows": int(v)} for k, v in ctx.removed_by_reason().items()],
        "flagged": [{"rule": str(k), "cells": int(v)} for k, v in ctx.flags_by_rule().items()],
        "steps": steps[:max_steps],
        "totalSteps": len(steps),
    }
