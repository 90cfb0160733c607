"""Pass 1: the whole-file streaming profile (memory bounded by the chunk size), cached per session."""
import json

from . import values as V
from .dictionary import derive_rules, hint_rules, read_dictionary
from .detect import dates as D
from .relations import merged_values
from .scan import scan
from .detect import vocab
from .safety import schema_fingerprint
from .session import session

NUMERIC_TYPES = ("integer", "float", "id")


def profile():
    """The profile of the whole input file (cached after the first call). JSON-serialisable."""
    s = session()
    if s.profile is not None:
        return s.profile
    accs, rel, rows, chunks = scan(s, processes=s.processes)
    cols = [a.result() for a in accs]
    for acc, res in zip(accs, cols):
        _null_token_guard(res)
        if res["inferred_type"] == "category":
            res["variants"] = vocab.category_variants(acc.values_with_counts(), truncated=acc.truncated)
        elif res["inferred_type"] == "boolean":
            res["variants"] = vocab.boolean_variants(acc.values_with_counts())
    table = rel.result(cols)
    rel.dups = None  # the exact duplicate state is the largest part of the pass; its count is in `table`
    _vocabulary(accs, cols, table["functional_dependencies"], rel)
    numeric = [c["name"] for c in cols if c.get("base_type") in ("integer", "float")]
    text = read_dictionary(s.dictionary_path)
    rules = derive_rules(s.columns, numeric, text) + hint_rules(s.columns, text)
    _apply_hints(cols, rules, accs)
    for r in rules:
        if r["kind"] in ("sum_ge", "sum_eq"):
            dec = max([c.get("numeric", {}).get("max_decimals", 0) for c in cols if c["name"] in r["parts"] + [r["column"]]] or [0])
            r["tol"] = round(0.5 * 10 ** (-dec) * (len(r["parts"]) + 1), 10) if dec else 0.5
    prof = {
        "file": s.input_path.rsplit("/", 1)[-1], "encoding": s.encoding, "delimiter": s.sep, "decimal": s.decimal,
        "rows": rows, "chunks": chunks, "chunk_rows": s.chunk_rows, "columns": cols,
        "duplicate_rows": table["duplicate_rows"], "candidate_keys": table["candidate_keys"],
        "candidate_keys_estimated": table["candidate_keys_estimated"],
        "functional_dependencies": table["functional_dependencies"], "sources": table["sources"],
        "merged_values": merged_values(accs, cols), "rules": rules,
        "outlier_policy": s.outliers,
    }
    prof["schema_fingerprint"] = schema_fingerprint(cols)
    prof = json.loads(json.dumps(prof, default=_json_default))
    s.profile = prof
    s.rules = rules
    s.input_hashes = rel.hashes  # row hashes per chunk: the "before" duplicates of finalize
    if hasattr(rel.hashes, "spill"):  # read again only when some chunks are left out: on disk
        rel.hashes.spill(min_bytes=4 << 20)
    s.relations = rel            # FD pair counts: the evidence of the dependency repairs
    rel.key_hashes = None  # the pass is over: 8 bytes per row and key column no longer needed
    return prof


def _json_default(o):
    try:
        return o.item()
    except AttributeError:
        return str(o)


def _null_token_guard(res):
    """Tokens such as 'NA' are values, not nulls, in a column of two-letter codes."""
    dom, share = res.get("dominant_pattern"), res.get("dominant_pattern_share", 0)
    if not dom or share < 0.5:
        res["value_like_tokens"] = []
        return
    import pandas as pd
    toks = list(res["null_tokens"])
    shapes = V.shape(pd.Series(toks, dtype=object)).tolist() if toks else []
    keep = [t for t, sh in zip(toks, shapes) if sh == dom and any(ch.isalnum() for ch in t)]
    res["value_like_tokens"] = keep
    for t in keep:
        n = res["null_tokens"].pop(t)
        res["null_count"] -= n
        res["non_null"] += n


TEXT_TYPES = ("category", "text", "code")


def _apply_hints(cols, rules, accs):
    """What the data dictionary says: the day/month order of dates, the allowed values of a column."""
    file_order = next((r["order"] for r in rules if r["kind"] == "date_order" and r["column"] is None), None)
    orders = {r["column"]: r["order"] for r in rules if r["kind"] == "date_order" and r["column"]}
    allowed = {r["column"]: r["values"] for r in rules if r["kind"] == "allowed"}
    for acc, c in zip(accs, cols):
        order = orders.get(c["name"], file_order)
        if order and c["inferred_type"] in D.DATE_TYPES:
            D.apply_order(c, order)
        if c["name"] in allowed:
            c["allowed"] = vocab.allowed_mapping(acc.values_with_counts(), allowed[c["name"]])


def _vocabulary(accs, cols, fds, rel):
    """Typos of much more frequent values (checked against a dependency's context where the column
    determines another), and repairs of values a code-like numeric column rejects."""
    from . import numfmt as NF
    import pandas as pd
    best_fd = {}
    for f in fds:
        if f["lhs"] not in best_fd or f["confidence"] > best_fd[f["lhs"]]["confidence"]:
            best_fd[f["lhs"]] = f
    for acc, res in zip(accs, cols):
        t = res["inferred_type"]
        vals = acc.values_with_counts()
        if not vals:
            continue
        if t in TEXT_TYPES and res["mean_length"] <= 60 and res["distinct"] < 0.5 * res["non_null"]:
            typos = vocab.typo_candidates(vals, skip=set(res.get("variants") or {}), max_count=max(2, res["rows"] // 100000))
            if typos:
                res["typos"] = {k: {"to": v[0], "n": int(v[1]), "n_to": int(v[2])} for k, v in typos.items()}
                f = best_fd.get(res["name"])
                counts = (rel.fd or {}).get((f["lhs"], f["rhs"])) if f else None
                if counts is not None:
                    targets = {v["to"] for v in res["typos"].values()}
                    allowed = {}
                    for (a, b) in counts.index:
                        if a in targets and len(allowed.setdefault(a, [])) < 50:
                            allowed[a].append(str(b).strip())
                    res["typo_context"] = {"column": f["rhs"], "values": {k: sorted(v) for k, v in sorted(allowed.items())}}
        elif res.get("base_type") == "integer" and res["inferred_type"] != "id":
            dec = res.get("numeric", {}).get("decimal", ".")

            parsed = NF.parse(pd.Series([v.strip() for v, _ in vals], dtype=object), dec)["num"].values
            ok = {v for (v, _), x in zip(vals, parsed) if x == x}
            fixes = vocab.typed_fixes(res, vals, ok.__contains__)
            if fixes:
                res["typed_fixes"] = {k: list(v) for k, v in fixes.items()}


def profile_summary(max_chars=4000):
    """A compact text summary of the profile for a model prompt (values quoted and truncated)."""
    p = profile()
    lines = ["file %s: %d rows, %d columns, %d chunks; encoding %s, delimiter %r; %d exact duplicate rows"
             % (p["file"], p["rows"], len(p["columns"]), p["chunks"], p["encoding"], p["delimiter"], p["duplicate_rows"])]
    if p["candidate_keys"]:
        lines.append("candidate keys: " + ", ".join(p["candidate_keys"]))
    for c in p["columns"]:
        bits = ["%s (%s)" % (_q(c["name"]), c["inferred_type"]), "nulls %d" % c["null_count"]]
        if c["null_tokens"]:
            bits.append("null tokens " + ", ".join("%s×%d" % (_q(k), v) for k, v in list(c["null_tokens"].items())[:4]))
        bits.append("distinct %s%d" % ("~" if c["distinct_estimated"] else "", c["distinct"]))
        num = c.get("numeric")
        if num:
            bits.append("min %s max %s" % (_n(num["min"]), _n(num["max"])))
            if num["units"]:
                bits.append("units " + ", ".join("%s×%d" % (k, v) for k, v in list(num["units"].items())[:4]))
            if num.get("outliers_estimated"):
                bits.append("~%d outliers (IQR×3)" % num["outliers_estimated"])
        if c.get("formats"):
            bits.append("format %s (%d values in other formats)" % (c["dominant_format"], c["non_null"] - c["formats"][c["dominant_format"]]))
        elif c["inferred_type"] == "code":
            bits.append("pattern %s (%.0f%%)" % (c["dominant_pattern"], 100 * c["dominant_pattern_share"]))
        if c["whitespace_issues"]:
            bits.append("%d whitespace issues" % c["whitespace_issues"])
        if c.get("variants"):
            bits.append("%d spelling/case variants" % len(c["variants"]))
        bits.append("top " + ", ".join("%s×%d" % (_q(v), n) for v, n in c["top_values"][:3]))
        lines.append("- " + "; ".join(bits))
    for fd in p["functional_dependencies"][:8]:
        lines.append("FD %s -> %s (confidence %.3f, %d violations)" % (_q(fd["lhs"]), _q(fd["rhs"]), fd["confidence"], fd["violations"]))
    for m in p["merged_values"]:
        lines.append("merged values: %d values of %s end with a %s code" % (m["count"], _q(m["column"]), _q(m["into"])))
    for r in p["rules"]:
        lines.append("rule %s (from %s)" % (r.get("expr") or "%s in [%s, %s]" % (r["column"], _n(r["min"]), _n(r["max"])), r["source"]))
    text = "\n".join(lines)
    return text if len(text) <= max_chars else text[: max_chars - 15] + "\n[truncated]"


def _q(v, n=40):
    v = str(v)
    return repr(v if len(v) <= n else v[:n] + "…")


def _n(x):
    return "-" if x is None else ("%g" % x)
