"""suggest_recipe: an ordered, JSON-serialisable list of repair steps decided from the whole-file
profile by the detectors (detect/), never from one chunk. Each step says why (`why`) where the
decision is not obvious; the report shows it."""
from .detect import dates, dependencies, nulls, numbers

NUMERIC = ("integer", "float")
VALUE_OPS = ("strip_whitespace", "null_tokens", "to_numeric", "dominant_format", "canonical_categories", "map_values",
             "fix_values", "split_merged", "sources", "dependencies")


def suggest_recipe(profile, outlier_method="auto", examples=None):
    """Ordered recipe steps for the profiled file (see README for every op).

    `outlier_method`: "auto" (robust fences: median ± 3.5 × 1.4826 MAD, on a log scale for
    positive right-skewed columns), "iqr" (Q1 - 3 IQR .. Q3 + 3 IQR) or "robust_z" (median ± 3.5 ×
    1.4826 MAD); all use the whole-column profile.

    `examples` ({row: {column: corrected value}}; default: those `load_examples` kept in this
    session, False for none): the recipe then follows what the corrected rows teach (examples.py)."""
    cols = profile["columns"]
    policy = profile.get("outlier_policy", "flag")
    steps = []
    ws = [c["name"] for c in cols if c["whitespace_issues"] > 0]
    collapse = [c["name"] for c in cols if c.get("inner_whitespace", 0) > 0 and c["inferred_type"] == "category"]
    if ws or collapse:
        steps.append({"op": "strip_whitespace", "columns": sorted(set(ws + collapse), key=[c["name"] for c in cols].index),
                      "collapse": collapse})
    null_steps, _ = nulls.propose(cols)
    steps.extend(null_steps)
    for c in cols:
        fixes = c.get("typed_fixes") or {}
        if fixes:  # before the type step, so repaired values are not flagged as invalid
            steps.append({"op": "fix_values", "column": c["name"], "rule": "pattern", "mapping": {k: v[0] for k, v in fixes.items()},
                          "rules": {k: v[1] for k, v in fixes.items()}, "evidence": {k: v[2] for k, v in fixes.items()}})
    for c in cols:
        st = numbers.propose(c) or dates.propose(c) or dates.propose_digits(c)
        if st:
            steps.append(st)
    stripped = set(ws + collapse)
    for c in cols:
        mapping = c.get("variants") or {}
        if c["name"] in stripped:  # spacing variants are already handled by strip_whitespace
            mapping = {k: v for k, v in mapping.items() if " ".join(k.split()) != v}
        if mapping:
            steps.append({"op": "canonical_categories", "column": c["name"], "mapping": mapping,
                          "rule": "boolean_spelling" if c["inferred_type"] == "boolean" else "category_variant"})
        allowed = c.get("allowed")
        if allowed:  # the data dictionary's list is the vocabulary: it outranks frequencies
            mapping, ev = _with_stripped(allowed["mapping"], {k: "the data dictionary allows %r" % v for k, v in allowed["mapping"].items()})
            steps.append({"op": "map_values", "column": c["name"], "rule": "allowed_value", "mapping": mapping,
                          "allowed": allowed["values"], "evidence": ev})
            continue
        typos = c.get("typos") or {}
        if typos:
            st = {"op": "map_values", "column": c["name"], "rule": "typo", "mapping": {k: v["to"] for k, v in typos.items()},
                  "evidence": {k: "one edit from %r (seen %d times, this %d)" % (v["to"], v["n_to"], v["n"]) for k, v in typos.items()}}
            if c.get("typo_context"):
                st["context"] = c["typo_context"]
            steps.append(st)
    for m in profile.get("merged_values", []):
        steps.append({"op": "split_merged", "column": m["column"], "into": m["into"], "values": m["values"]})
    src = profile.get("sources")
    if src:
        steps.append({"op": "sources", "key": src["key"], "source": src["source"], "columns": src["columns"],
                      "min_confidence": 0.9})
    dep = dependencies.propose(profile)
    if dep:
        steps.append(dep)
    normalising = any(st["op"] in VALUE_OPS for st in steps)
    if profile.get("duplicate_rows", 0) > 0 or (normalising and not profile.get("candidate_keys")):
        # without a key column, rows that differ only in repaired spellings become duplicates
        steps.append({"op": "drop_duplicates", "reason": "exact duplicate row"})
    ranged = set()
    for r in profile.get("rules", []):
        if r["kind"] == "range":
            ranged.add(r["column"])
            steps.append({"op": "range", "column": r["column"], "min": r["min"], "max": r["max"],
                          "action": "flag" if policy == "flag" else "remove", "source": r["source"]})
    for c in cols:
        num = c.get("numeric") or {}
        fences = outlier_fences(num, outlier_method)
        if c["inferred_type"] not in NUMERIC or not fences or c["name"] in ranged:
            continue
        lo, hi, method = fences
        if (num.get("min") is not None and num["min"] < lo) or (num.get("max") is not None and num["max"] > hi):
            steps.append({"op": "outliers", "column": c["name"], "lo": _r(lo), "hi": _r(hi), "method": method, "action": policy})
    for r in profile.get("rules", []):
        if r["kind"] in ("sum_ge", "sum_eq"):
            steps.append({"op": "rule", "name": r["name"], "kind": r["kind"], "column": r["column"], "parts": r["parts"],
                          "tol": r.get("tol", 0.0), "expr": r["expr"], "action": "flag"})
    from .examples import refine_recipe
    return refine_recipe(steps, profile, examples)


def _with_stripped(mapping, evidence=None):
    """A mapping built on raw values also applies to their stripped forms (the whitespace step runs first)."""
    out, ev = dict(mapping), dict(evidence or {})
    for k, v in mapping.items():
        for form in (k.strip(), " ".join(k.split())):
            if form != k and form not in out and form != v:
                out[form] = v
                if k in ev:
                    ev[form] = ev[k]
    return out, ev


def outlier_fences(num, method="auto"):
    """(lo, hi, method name) for a numeric column's profile, or None.

    "auto" takes, of 3×IQR, robust z 3.5 and robust z 3.5 on a log scale (never-negative columns),
    the fences that leave the fewest values outside: an outlier is rare whatever the column's
    shape, and fences that would flag many values describe a skewed or heavy-tailed column, not
    its errors (a best seller is not an error)."""
    fences = num.get("fences") or {}
    if method == "auto":
        if not fences:
            return None
        name = min(fences, key=lambda m: (fences[m][2], ["robust_z3.5", "log_robust_z3.5", "iqr3"].index(m)))
        lo, hi, _ = fences[name]
        return (lo, hi, name)
    if method == "iqr":
        f = fences.get("iqr3") or num.get("iqr_fences")
        return (f[0], f[1], "iqr3") if f else None
    if method == "robust_z":
        f = fences.get("robust_z3.5")
        return (f[0], f[1], "robust_z3.5") if f else None
    raise ValueError("outlier_method must be 'auto', 'iqr' or 'robust_z'")


def _r(x):
    return float("%.6g" % x)


def profile_decimal(c):
    """The decimal mark the column was profiled with."""
    return c.get("numeric", {}).get("decimal", ".")
