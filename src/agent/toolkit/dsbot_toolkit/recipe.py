"""suggest_recipe: an ordered, JSON-serialisable list of repair steps decided from the whole-file
profile (bounds, dominant formats, category maps, FD majorities), never from one chunk."""
from . import values as V

NUMERIC = ("integer", "float")
VALUE_OPS = ("strip_whitespace", "null_tokens", "to_numeric", "dominant_format", "canonical_categories", "split_merged", "fd_repair")


def suggest_recipe(profile, outlier_method="iqr"):
    """Ordered recipe steps for the profiled file (see README for every op).

    `outlier_method`: "iqr" (outside Q1 - 3 IQR .. Q3 + 3 IQR) or "robust_z" (|x - median| /
    (1.4826 MAD) > 3.5); both use the whole-column profile."""
    cols = profile["columns"]
    policy = profile.get("outlier_policy", "flag")
    steps = []
    ws = [c["name"] for c in cols if c["whitespace_issues"] > 0]
    collapse = [c["name"] for c in cols if c.get("inner_whitespace", 0) > 0 and c["inferred_type"] == "category"]
    if ws or collapse:
        steps.append({"op": "strip_whitespace", "columns": sorted(set(ws + collapse), key=[c["name"] for c in cols].index),
                      "collapse": collapse})
    groups = {}
    for c in cols:
        toks = tuple(sorted({t.strip() for t in c["null_tokens"] if t != ""}))
        if toks:
            groups.setdefault(toks, []).append(c["name"])
    for toks, names in groups.items():
        steps.append({"op": "null_tokens", "columns": names, "tokens": list(toks)})
    for c in cols:
        st = _type_step(c)
        if st:
            steps.append(st)
    stripped = set(ws + collapse)
    for c in cols:
        mapping = c.get("variants") or {}
        if c["name"] in stripped:  # spacing variants are already handled by strip_whitespace
            mapping = {k: v for k, v in mapping.items() if " ".join(k.split()) != v}
        if mapping:
            steps.append({"op": "canonical_categories", "column": c["name"], "mapping": mapping})
    for m in profile.get("merged_values", []):
        steps.append({"op": "split_merged", "column": m["column"], "into": m["into"], "values": m["values"]})
    steps.extend(_fd_steps(profile, steps))
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
        fences = _fences(num, outlier_method)
        if c["inferred_type"] not in NUMERIC or not fences or c["name"] in ranged:
            continue
        lo, hi = fences
        if (num.get("min") is not None and num["min"] < lo) or (num.get("max") is not None and num["max"] > hi):
            steps.append({"op": "outliers", "column": c["name"], "lo": _r(lo), "hi": _r(hi),
                          "method": "iqr3" if outlier_method == "iqr" else "robust_z3.5", "action": policy})
    for r in profile.get("rules", []):
        if r["kind"] in ("sum_ge", "sum_eq"):
            steps.append({"op": "rule", "name": r["name"], "kind": r["kind"], "column": r["column"], "parts": r["parts"],
                          "tol": r.get("tol", 0.0), "expr": r["expr"], "action": "flag"})
    return steps


def _fences(num, method):
    if method == "robust_z":
        med, mad = (num.get("quantiles") or {}).get("0.5"), num.get("mad")
        if med is None or not mad:
            return None
        k = 3.5 * 1.4826 * mad
        return [med - k, med + k]
    if method != "iqr":
        raise ValueError("outlier_method must be 'iqr' or 'robust_z'")
    return num.get("iqr_fences")


def _r(x):
    return float("%.6g" % x)


def profile_decimal(c):
    """The decimal mark the column was profiled with."""
    return c.get("numeric", {}).get("decimal", ".")


def _type_step(c):
    t = c["inferred_type"]
    num = c.get("numeric")
    if c.get("base_type") in NUMERIC and num:
        units = {u: n for u, n in num["units"].items() if u != "%"}
        need = bool(num["units"]) or num["float_noise"] > 0 or num["plain_share"] < 1 or c["parse_share"] < 1 \
            or (c["base_type"] == "integer" and num.get("int_text", num["dot_zero"]) < c["non_null"])
        if not need:
            return None
        step = {"op": "to_numeric", "column": c["name"], "kind": c["base_type"],
                "unit": max(units, key=units.get) if units else None,
                "percent_scale": num.get("percent_scale", 1.0), "invalid": "null"}
        conv = _conversions(units)
        if conv:
            step["convert"] = conv
        if profile_decimal(c) == ",":
            step["decimal"] = ","
        if conv or step["percent_scale"] != 1.0:
            step["kind"] = "float"  # scaled values need not stay whole
        return step
    if t in ("date", "datetime", "time") and len(c.get("formats", {})) >= 1:
        fmts = list(c["formats"])
        if c["parse_share"] < 1 or _other_formats(c):
            return {"op": "dominant_format", "column": c["name"], "kind": t, "format": c["dominant_format"],
                    "formats": fmts, "invalid": "null"}
    if t == "code" and c.get("dominant_pattern") and c.get("dominant_pattern_share", 1) < 1 and \
            set(c["dominant_pattern"]) <= set("9()+-./ "):
        return {"op": "dominant_format", "column": c["name"], "kind": "digits", "format": c["dominant_pattern"]}
    return None


def _other_formats(c):
    """True when some values are not written in the dominant format (or not zero-padded like it)."""
    counts = c.get("formats", {})
    dom = c.get("dominant_format")
    return bool(dom) and (counts.get(dom, 0) < c["non_null"] or c.get("not_canonical", 0) > 0)


def _conversions(units):
    """{unit: factor to the dominant unit} when the column mixes units of one dimension."""
    if len(units) < 2:
        return None
    dom = max(units, key=units.get)
    dim = V.unit_dimension(dom)
    if not dim:
        return None
    table = V.UNIT_FACTORS[dim]
    conv = {u: table[u] / table[dom] for u in units if u != dom and u in table}
    return conv or None


def _fd_steps(profile, steps):
    """fd_repair steps for near-exact dependencies whose rhs is a category/text column.

    The majority is taken after the earlier steps' value maps, and only sporadic minority
    values are repaired: a value seen often under the same lhs, or common in the whole column
    (a valid code such as another state), is likely genuine."""
    types = {c["name"]: c["inferred_type"] for c in profile["columns"]}
    out = []
    for fd in profile.get("functional_dependencies", []):
        if fd["confidence"] < 0.95 or fd["confidence"] >= 1.0 or types.get(fd["rhs"]) not in ("category", "text", "code"):
            continue
        groups = fd.get("groups_detail") or {}
        norm = _value_normaliser(fd["rhs"], steps)
        mapping = {}
        for a, pairs in groups.items():
            counts = {}
            for b, n, _ in pairs:
                nb = norm(b)
                if nb == "":
                    continue
                counts[nb] = counts.get(nb, 0) + n
            if len(counts) < 2:
                continue
            ranked = sorted(counts.items(), key=lambda kv: -kv[1])
            top, topn = ranked[0]
            if topn < 3:
                continue
            rare = max(2, 0.0005 * fd.get("rows", 0))
            frm = [b for b, n, g in pairs if norm(b) not in (top, "") and counts.get(norm(b), 0) <= max(1, 0.1 * topn) and g <= rare]
            if frm:
                mapping[a] = {"to": top, "from": sorted(set(frm))}
        if mapping:
            out.append({"op": "fd_repair", "lhs": fd["lhs"], "rhs": fd["rhs"], "mapping": mapping})
    return out


def _value_normaliser(col, steps):
    """What the earlier value-level steps would turn a value of `col` into (best effort)."""
    maps = []
    for st in steps:
        if st["op"] == "strip_whitespace" and col in st["columns"]:
            maps.append(lambda v: v.strip())
        elif st["op"] == "null_tokens" and col in st["columns"]:
            toks = {t.lower() for t in st["tokens"]}
            maps.append(lambda v, toks=toks: "" if v.strip().lower() in toks else v)
        elif st["op"] == "canonical_categories" and st["column"] == col:
            maps.append(lambda v, m=st["mapping"]: m.get(v, v))
        elif st["op"] == "split_merged" and st["column"] == col:
            import re
            codes = set(st["values"])

            def strip_code(v, codes=codes):
                m = re.match(r"^(.*?\S)\s*[,\s]\s*([^\s,]+)$", v.strip())
                return m.group(1) if m and m.group(2) in codes else v
            maps.append(strip_code)

    def norm(v):
        for f in maps:
            v = f(v)
        return v
    return norm
