"""Learning a table's conventions from a few corrected rows (DESIGN.md decision 9: corrected
example rows outrank defaults).

The zero-label recipe is first run on the corrected rows as read, and compared with the
corrections, cell by cell:
  1. Which repairs to trust. A repair whose changes the corrections contradict more often than
     they confirm is taken out for that column: a null spelling no longer emptied, a column's
     numbers or dates no longer rewritten, a mapping entry dropped, a dependency or source no
     longer used to repair it.
  2. What to learn. From each (value the recipe leaves, corrected value) pair, candidate rules
     are drawn up: the exact value (only when the two are related, or both spell nothing), a
     program (a part of a split value, a date read in one form and written in another, a number
     scaled and re-decorated, a prefix/suffix added or removed), a correction keyed by a column
     that determines this one (a dependency of the file), and a value the corrections showed
     wrong (a suspect, repaired where its dependency group clearly holds another value).
     A rule is kept only when no corrected cell contradicts it (it applies there and gives
     another value); a rule that would rewrite a third or more of the column (measured on the
     sample), or add text around any value of a shape, needs two different corrected values.
     Each kept rule says
     where it applies (repair/learned.py): its evidence must hold there.
  3. The corrected rows take their corrected values, and rows identical to them (as read) the same.
What was learned is returned as sentences for the report and lives in the recipe."""
import copy
import difflib
import json

import numpy as np
import pandas as pd

from .. import numfmt as NF
from .. import values as V
from ..relations import row_hashes
from ..repair.learned import (VALUE_KINDS, full_shape, parse_date_form, render_date_form, split_tokens, suspect_outputs,
                              value_rule_outputs)

ROW_OPS = ("drop_duplicates", "range", "outliers", "rule")
NUMBER_RULES = ("number_format", "currency", "percent", "scale", "unit_typo", "invalid_number")
DATE_RULES = ("date_format", "invalid_date", "format")
MAP_RULES = ("category_variant", "boolean_spelling", "typo", "allowed_value", "pattern")
MAP_OPS = ("canonical_categories", "map_values", "fix_values")
SEPARATORS = (" ", ",", ";", "|", "/", " - ", "_", "-")
FACTORS = (1.0, 10.0, 100.0, 1000.0, 1e4, 1e5, 1e6, 0.1, 0.01, 0.001, 1e-4, 1e-5, 1e-6, 60.0, 1 / 60.0, 3600.0, 1 / 3600.0)
PRIORITY = {"date": 0, "number": 1, "tokens": 2, "affix": 3, "map": 4}
MAX_TOKENS = 8
TYPED = ("integer", "float", "date", "datetime", "time")


def refine(recipe, profile, examples, dirty, sample=None):
    """(recipe with the learned edits and steps, [sentences of what was learned]).

    `examples` {row: {column: corrected value}}; `dirty` the corrected rows as read (indexed by row);
    `sample` rows of the file as read (how far a rule would reach is measured on them)."""
    recipe = copy.deepcopy(recipe)
    notes = []
    cells = [(r, c, w) for r, vals in sorted(examples.items()) for c, w in vals.items() if c in dirty.columns]
    p0, last = _run(_value_steps(recipe), dirty)
    recipe, distrusted = _distrust(recipe, cells, dirty, p0, last, notes)
    vsteps = _value_steps(recipe)
    p1, _ = _run(vsteps, dirty)
    ps = _run(vsteps, sample)[0] if sample is not None and len(sample) else p1
    learned = []
    typed = {c["name"] for c in profile.get("columns", []) if c.get("base_type") in TYPED}
    fds = profile.get("functional_dependencies", [])
    by_col = {}
    for r, c, w in cells:
        by_col.setdefault(c, []).append((r, str(dirty.at[r, c]), str(p1.at[r, c]), w))
    for col in dirty.columns:
        labelled = by_col.get(col)
        step = None
        if labelled and any(p != w for _, _, p, w in labelled):
            lhs = [f["lhs"] for f in sorted(fds, key=lambda f: -f["confidence"]) if f["rhs"] == col and f["lhs"] in dirty.columns]
            step = _learn_column(col, labelled, p1, lhs, recipe, notes, ps[col].astype(str).values)
        if col in typed and (step or col in distrusted or _rejects(profile, col, [w for _, _, _, w in labelled or []])):
            # values the type rejects that are now kept (or given) are flagged, not left unreported
            step = step or {"op": "learned", "column": col, "rules": [], "why": "values the column's type rejects are flagged"}
            step["rules"].append({"kind": "flag_invalid"})
        if step:
            learned.append(step)
    corr = _corrections_step(examples, dirty)
    pos = next((i for i, st in enumerate(recipe) if st.get("op") in ROW_OPS), len(recipe))
    extra = learned + ([corr] if corr else [])
    recipe = recipe[:pos] + extra + recipe[pos:]
    if corr:
        same = len(corr.get("same_rows") or {})
        notes.append("%d corrected row%s take%s the corrected values%s" % (
            len(corr["rows"]), "" if len(corr["rows"]) == 1 else "s", "s" if len(corr["rows"]) == 1 else "",
            " (and rows identical to them as read)" if same else ""))
    head = "learned from %d corrected row%s" % (len(examples), "" if len(examples) == 1 else "s")
    for st in extra:
        st["why"] = head + ": " + st.get("why", "")
    return recipe, notes


def _value_steps(recipe):
    out = []
    for st in recipe:
        if st.get("op") in ROW_OPS:
            break
        out.append(st)
    return out


def _run(steps, frame):
    """(frame after `steps`, {(row, column): (rule, value before it)} of each cell's last change)."""
    from ..context import ChunkContext
    from ..repair import apply_recipe
    ctx = ChunkContext(original=frame)
    ctx.memo = {}
    ctx.recipe = steps
    out = apply_recipe(frame, steps, ctx)
    header, arrays = ctx.changes_columns()
    last = {}
    for row, col, old, _, rule in zip(arrays[0], arrays[1], arrays[2], arrays[3], arrays[4]):
        key = (int(row), col)
        last[key] = (str(rule), str(old) if key not in last else last[key][1])
    return out, last


# ---- 1. which repairs to trust -------------------------------------------------------------

def _rule_key(rule, col, old):
    if rule == "whitespace":
        return ("strip_whitespace",)
    if rule == "null_token":
        return ("null_tokens", old.strip().lower())
    if rule in NUMBER_RULES or rule.startswith("unit:"):
        return ("to_numeric",)
    if rule in DATE_RULES:
        return ("dominant_format",)
    if rule in MAP_RULES:
        return ("map", old)
    if rule == "split_merged":
        return ("split_merged",)
    if rule.startswith("source_"):
        return ("sources",)
    if rule.startswith("fd:") or rule.startswith("fd_fill:"):
        return ("dependencies", tuple(rule.split(":", 1)[1].rsplit("->", 1)[0].split("+")))
    return None


def _distrust(recipe, cells, dirty, p0, last, notes):
    """(recipe without the repairs the corrections contradict, {columns edited})."""
    tally = {}
    edited = set()
    for r, c, w in cells:
        d, p = str(dirty.at[r, c]), str(p0.at[r, c])
        if p == d or (r, c) not in last:
            continue
        rule, old = last[(r, c)]
        key = _rule_key(rule, c, old)
        if key is None:
            continue
        t = tally.setdefault((c,) + key, [0, 0, None])
        if p == w:
            t[0] += 1
        else:
            t[1] += 1
            t[2] = t[2] or (d, p, w)
    for key, (right, wrong, ex) in tally.items():
        # a whole step (a column's numbers, dates, a dependency) needs two contradictions; one value's mapping one
        if wrong <= right or wrong < (1 if key[1] in ("null_tokens", "map") else 2):
            continue
        col, kind = key[0], key[1]
        edited.add(col)
        d, p, w = ex
        said = "corrected %r where the recipe wrote %r" % (_q(w), _q(p)) if w != d else "kept %r" % _q(d)
        n = "%d of %d" % (wrong, wrong + right)
        if kind == "strip_whitespace":
            for st in recipe:
                if st.get("op") == "strip_whitespace" and col in st.get("columns", []):
                    st["columns"] = [x for x in st["columns"] if x != col]
                    st["collapse"] = [x for x in st.get("collapse", []) if x != col]
            notes.append("`%s`: spaces kept as written (the corrections %s; %s such changes)" % (col, said, n))
        elif kind == "null_tokens":
            recipe = _keep_token(recipe, col, key[2])
            notes.append("`%s`: %r is not emptied (the corrections %s; %s such changes)" % (col, _q(d), said, n))
        elif kind in ("to_numeric", "dominant_format", "split_merged"):
            recipe = [st for st in recipe if not (st.get("op") == kind and col in (st.get("column"), st.get("into")))]
            what = {"to_numeric": "numbers", "dominant_format": "values", "split_merged": "values"}[kind]
            notes.append("`%s`: %s are no longer rewritten to the column's dominant form (the corrections %s; %s such changes)" % (
                col, what, said, n))
        elif kind == "map":
            for st in recipe:
                if st.get("op") in MAP_OPS and st.get("column") == col and key[2] in (st.get("mapping") or {}):
                    for field in ("mapping", "evidence", "rules"):
                        (st.get(field) or {}).pop(key[2], None)
            recipe = [st for st in recipe if not (st.get("op") in MAP_OPS and not st.get("mapping") and not st.get("allowed"))]
            notes.append("`%s`: %r is no longer changed to %r (the corrections %s)" % (col, _q(key[2]), _q(p), said))
        elif kind == "sources":
            for st in recipe:
                if st.get("op") == "sources":
                    st["columns"] = [x for x in st.get("columns", []) if x != col]
            notes.append("`%s`: no longer set from the other sources (the corrections %s; %s such changes)" % (col, said, n))
        elif kind == "dependencies":
            lhs = set(key[2])
            for st in recipe:
                if st.get("op") == "dependencies":
                    st["fds"] = [f for f in st.get("fds", []) if not (f["rhs"] == col and f["lhs"] in lhs)]
            recipe = [st for st in recipe if not (st.get("op") == "dependencies" and not st.get("fds"))]
            notes.append("`%s`: no longer repaired from %s (the corrections %s; %s such changes)" % (
                col, " and ".join("`%s`" % x for x in sorted(lhs)), said, n))
    return recipe, edited


def _keep_token(recipe, col, token):
    out = []
    for st in recipe:
        out.append(st)
        if st.get("op") != "null_tokens" or col not in st.get("columns", []):
            continue
        toks = [t for t in st.get("tokens", []) if str(t).strip().lower() != token]
        st["columns"] = [x for x in st["columns"] if x != col]
        if toks:
            out.append({"op": "null_tokens", "columns": [col], "tokens": toks})
    return [st for st in out if st.get("op") != "null_tokens" or st.get("columns")]


# ---- 2. what to learn ----------------------------------------------------------------------

def related(a, b):
    """The corrected value is a repair of this value (shares most of its text), not another value."""
    a, b = a.strip().lower(), b.strip().lower()
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.5


def _is_null(v):
    return v.strip().lower() in V.NULL_TOKENS


def _learn_column(col, labelled, p1, lhs, recipe, notes, sample):
    """The `learned` step of one column, or None. `sample`: the column's values in the sample rows
    after the recipe (how much of the column a rule would rewrite)."""
    su, sn = np.unique(sample, return_counts=True)
    filled = sn[np.array([bool(str(v).strip()) for v in su], dtype=bool)].sum() if len(su) else 0
    texts = np.array([p for _, _, p, _ in labelled], dtype=object)
    truth = np.array([w for _, _, _, w in labelled], dtype=object)
    wrong = texts != truth
    cands = {}
    for (r, d, p, w) in [x for x, bad in zip(labelled, wrong) if bad]:
        for rule in _value_candidates(p, w):
            sig = json.dumps(dict({k: v for k, v in rule.items() if k != "shapes"}, shaped="shapes" in rule), sort_keys=True)
            got = cands.setdefault(sig, rule)
            if got is not rule and "shapes" in rule:
                got["shapes"] = sorted(set(got["shapes"]) | set(rule["shapes"]))
    kept = []
    for rule in cands.values():
        out = value_rule_outputs(rule, texts)
        applies = np.array([o is not None for o in out], dtype=bool)
        right = applies & (out == truth)
        if (applies & ~right).any():
            continue   # a corrected cell contradicts it
        fixes = right & wrong
        if not fixes.any() or (_broad(rule, su, sn, filled) and len(set(texts[fixes])) < 2):
            continue   # a rule rewriting much of the column needs two different corrected values
        if rule["kind"] == "map" and not _map_generalises(rule, int(fixes.sum())):
            continue
        kept.append((rule, fixes))
    chosen, covered = [], np.zeros(len(texts), dtype=bool)
    while True:
        best = None
        for rule, fixes in kept:
            gain = int((fixes & ~covered).sum())
            if gain and (best is None or (gain, -PRIORITY[rule["kind"]]) > (best[0], -PRIORITY[best[1]["kind"]])):
                best = (gain, rule, fixes)
        if best is None:
            break
        rule, fixes = best[1], best[2]
        rule["support"] = int(fixes.sum())
        ex = next((t, w) for t, w, f in zip(texts, truth, fixes) if f)
        rule["evidence"] = "%s (%d corrected cell%s, e.g. %r -> %r)" % (_describe(rule), rule["support"],
                                                                         "" if rule["support"] == 1 else "s", _q(ex[0]), _q(ex[1]))
        chosen.append(rule)
        covered |= fixes
    chosen.sort(key=lambda r: (r["kind"] != "map", -r["support"]))
    step = {"op": "learned", "column": col, "rules": list(chosen)}
    rest = [(x, i) for i, x in enumerate(labelled) if wrong[i] and not covered[i]]
    for X in lhs:
        table = {}
        for (r, d, p, w), i in rest:
            table.setdefault((str(p1.at[r, X]), p), set()).add(w)
        for r, d, p, w in labelled:   # a corrected cell with the same key and another value: no rule
            key = (str(p1.at[r, X]), p)
            if key in table:
                table[key].add(w)
        values = sorted([x, a, next(iter(ws))] for (x, a), ws in table.items() if len(ws) == 1 and x.strip() and a not in ws)
        values = _determinate(values, X, col, recipe)
        if values:
            step["rules"].append({"kind": "context", "column": X, "values": values, "support": len(values)})
            notes.append("`%s`: %d correction%s applied to the rows with the same `%s` (e.g. %s=%s: %r -> %r)" % (
                col, len(values), "" if len(values) == 1 else "s", X, X, _q(values[0][0]), _q(values[0][1]), _q(values[0][2])))
            break
    suspects = sorted({p for (r, d, p, w), i in rest if p != w and not related(p, w) and not _is_null(w)})
    if suspects and lhs:
        rule = {"kind": "suspects", "values": suspects, "lhs": lhs,
                "support": {s: int(sum(1 for (_, _, p, w), _ in rest if p == s)) for s in suspects}}
        rule = _check_suspects(rule, col, labelled, p1, recipe, step)
        if rule:
            step["rules"].append(rule)
            notes.append("`%s`: %s %s wrong where other rows of the same %s clearly hold another value" % (
                col, ", ".join(repr(_q(s)) for s in rule["values"][:5]), "is" if len(rule["values"]) == 1 else "are",
                " or ".join("`%s`" % x for x in rule["lhs"])))
    for rule in chosen:
        notes.append("`%s`: %s" % (col, rule["evidence"]))
    if not step["rules"]:
        return None
    step["why"] = "; ".join(_describe(r) for r in step["rules"])
    return step


def _determinate(values, X, col, recipe):
    """The context corrections whose `X` group determines the value: besides the value corrected,
    the group holds the corrected value clearly more often than any other (or nothing else). An lhs
    value shared by several entities (a county name in many states) gets no rule."""
    from ..context import ChunkContext
    from ..repair.learned import group_values
    ctx = ChunkContext()
    ctx.memo, ctx.recipe = {}, recipe
    xs = {x for x, _, _ in values}
    groups = group_values({"op": "learned", "column": col}, X, ctx, lambda df: df["a"].isin(xs).values)
    if not groups:
        return []
    out = []
    for x, a, w in values:
        others = sorted(((n, b) for b, n in groups.get(x, {}).items() if b != a and b.strip()), reverse=True)
        if not others or (others[0][1] == w and (len(others) < 2 or others[0][0] >= 2 * others[1][0])):
            out.append([x, a, w])
    return out


def _rejects(profile, col, values):
    """True when the column's profiled type rejects one of `values`."""
    from ..validate import invalid_mask
    c = next((c for c in profile.get("columns", []) if c["name"] == col), None)
    return bool(c and values and invalid_mask(pd.Series(values, dtype=object), c).any())


def _broad(rule, su, sn, filled):
    """A rule that adds or removes text around any value of a shape, or would rewrite a third or
    more of the column's values (measured on the sample)."""
    if rule["kind"] == "affix":
        return True
    if rule["kind"] == "map" or not filled:
        return False
    out = value_rule_outputs(rule, np.asarray(su, dtype=object))
    hit = np.array([o is not None and o != v for o, v in zip(out, su)], dtype=bool)
    return sn[hit].sum() >= filled / 3.0


def _map_generalises(rule, support):
    a, w = rule["from"], rule["to"]
    if _is_null(a) and _is_null(w):
        return True            # a null convention: how this column writes nothing
    if _is_null(w):
        return support >= 2    # a value that means "missing" here: two rows must say so
    if _is_null(a):
        return False           # a missing value's truth depends on the row
    return related(a, w)       # a repair of this value; an unrelated value depends on the row


def _check_suspects(rule, col, labelled, p1, recipe, step):
    """The suspect rule without the values whose repair a corrected cell contradicts."""
    from ..context import ChunkContext
    rows = [r for r, _, _, _ in labelled]
    frame = p1.loc[rows]
    truth = np.array([w for _, _, _, w in labelled], dtype=object)
    ctx = ChunkContext(original=frame)
    ctx.memo = {}
    ctx.recipe = list(recipe) + [step]
    trial = dict(step, rules=[rule])
    new, _ = suspect_outputs(trial, rule, frame, ctx, np.ones(len(frame), dtype=bool))
    bad = {frame[col].values[i] for i, x in enumerate(new) if x is not None and x != truth[i]}
    good = {frame[col].values[i] for i, x in enumerate(new) if x is not None and x == truth[i]}
    keep = [s for s in rule["values"] if s not in bad and s in good]
    if not keep:
        return None
    rule["values"] = keep
    rule["support"] = {s: rule["support"][s] for s in keep}
    return rule


def _value_candidates(p, w):
    out = [{"kind": "map", "from": p, "to": w}]
    if p.strip() == "" or p == w:
        return out
    shape = full_shape(p)
    for sep in SEPARATORS:
        if sep in p:
            parts = split_tokens(p, sep)
            if 2 <= len(parts) <= 12 and w in parts:
                out.append({"kind": "tokens", "sep": sep, "count": len(parts), "pick": parts.index(w), "shapes": [shape]})
    if w and p not in w and w in p:
        i = p.index(w)
        out.append({"kind": "affix", "mode": "remove", "pre": p[:i], "suf": p[i + len(w):], "shapes": [shape]})
    elif p and p in w:
        i = w.index(p)
        out.append({"kind": "affix", "mode": "add", "pre": w[:i], "suf": w[i + len(p):], "shapes": [shape]})
    out += _number_candidates(p, w, shape)
    out += _date_candidates(p, w)
    return out


def _number_candidates(p, w, shape):
    pn = NF.parse(pd.Series([p.strip(), w.strip()], dtype=object))
    x, y = pn["num"].values
    if x != x or y != y or x == 0:
        return []
    f = y / x
    factor = next((g for g in FACTORS if abs(f - g) <= 1e-9 * max(1.0, abs(g))), None)
    if factor is None:
        return []
    pre_w, suf_w = pn["pre"].values[1], pn["suf"].values[1]
    core_w = w.strip()[len(pre_w): len(w.strip()) - len(suf_w)] if suf_w else w.strip()[len(pre_w):]
    z = x * factor
    decimals = None
    if V.format_number(z) != core_w:
        decimals = len(NF.decimals_of(core_w))
        if not decimals or ("%." + str(decimals) + "f") % z != core_w:
            return []
    lead = w[: len(w) - len(w.lstrip())]
    rule = {"kind": "number", "deco": NF.deco_key(pn["pre"].values[0], pn["suf"].values[0]), "factor": factor,
            "out": lead + pre_w + "|" + suf_w, "decimals": decimals}
    return [rule, dict(rule, shapes=[full_shape(p.strip())])]


def _date_forms(text):
    """Every way to read a date inside `text`: [(form {pre, format, suf}, datetime)]."""
    spans = [(m.start(), m.end()) for m in __import__("re").finditer(r"\S+", text)]
    if not spans or len(spans) > MAX_TOKENS:
        return []
    out = []
    for i in range(len(spans)):
        for j in range(i, min(len(spans), i + 4)):
            core = text[spans[i][0]: spans[j][1]]
            if not any(ch.isdigit() for ch in core):
                continue
            for fmt in V.DATE_FORMATS + V.DATETIME_FORMATS:
                if "%" not in fmt:
                    continue
                form = {"pre": text[: spans[i][0]], "format": fmt, "suf": text[spans[j][1]:]}
                dt = parse_date_form([text], form).values[0]
                if not pd.isna(dt):
                    out.append((form, dt))
    return out


def _date_candidates(p, w):
    ins = _date_forms(p)
    if not ins:
        return []
    outs = _date_forms(w)
    cands = []
    for fin, dt in ins:
        for fout, dt2 in outs:
            if dt != dt2:
                continue
            for fmt in (fout["format"], V.unpadded_format(fout["format"])):
                form = dict(fout, format=fmt)
                if render_date_form(np.array([dt]), form)[0] == w:
                    cands.append({"kind": "date", "in": fin, "out": form})
                    break
    return cands


def _describe(rule):
    k = rule["kind"]
    if k == "map":
        return "%r -> %r" % (_q(rule["from"]), _q(rule["to"]))
    if k == "tokens":
        return "part %d of %d when split by %r" % (rule["pick"] + 1, rule["count"], rule["sep"])
    if k == "affix":
        what = ("prefix %r" % rule["pre"] if rule["pre"] else "") + (" and " if rule["pre"] and rule["suf"] else "") + \
               ("suffix %r" % rule["suf"] if rule["suf"] else "")
        return "%s %s" % (what, "added" if rule["mode"] == "add" else "removed")
    if k == "date":
        f = lambda form: (form["pre"] + form["format"] + form["suf"]).replace("%-", "%")
        return "dates written %r -> %r" % (f(rule["in"]), f(rule["out"]))
    if k == "number":
        shown = lambda d: d.replace("|", "N") if d.strip("|") else "plain"
        return "numbers written %s -> %s%s" % (shown(rule["deco"]), shown(rule["out"]),
                                                 "" if rule["factor"] == 1 else " (x%g)" % rule["factor"])
    if k == "context":
        return "%d correction(s) keyed by `%s`" % (len(rule["values"]), rule["column"])
    if k == "flag_invalid":
        return "values the column's type rejects are kept and flagged"
    if k == "suspects":
        return "%s repaired from %s" % (", ".join(repr(_q(s)) for s in rule["values"][:5]), ", ".join("`%s`" % x for x in rule["lhs"]))
    return k


# ---- 3. the corrected rows -------------------------------------------------------------------

def _corrections_step(examples, dirty):
    rows = {str(r): {c: w for c, w in vals.items() if c in dirty.columns} for r, vals in sorted(examples.items())}
    rows = {r: v for r, v in rows.items() if v}
    if not rows:
        return None
    step = {"op": "corrections", "rows": rows, "why": "the corrected rows take their corrected values"}
    full = [int(r) for r, v in rows.items() if any(str(dirty.at[int(r), c]) != w for c, w in v.items())]
    if full:
        h = row_hashes(dirty.loc[full])
        same, clash = {}, set()
        for r, hv in zip(full, h):
            key = "%016x" % int(hv)
            if key in same and rows[same[key]] != rows[str(r)]:
                clash.add(key)
            same.setdefault(key, str(r))
        same = {k: v for k, v in same.items() if k not in clash}
        if same:
            step["same_rows"] = same
    return step


def _q(v, n=40):
    v = str(v)
    return v if len(v) <= n else v[:n] + "…"
