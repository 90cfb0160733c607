"""A column's vocabulary, learned from the whole file: spelling/case variants, typos of much more
frequent values, boolean spellings, and values a typed column rejects that have exactly one
repair candidate. Every mapping carries its evidence (counts), and a rare value survives unless a
much more frequent value is one edit away (and, where a dependency gives context, is seen with
the same context value)."""
import re
from collections import defaultdict

import pandas as pd


TYPO_RATIO = 10       # a typo's canonical value is at least this many times as frequent
TYPO_MIN_COUNT = 5    # ... and seen at least this often
TYPO_MIN_LEN = 4      # shorter values (codes such as 'WA'/'WI') are never merged as typos


def fingerprint(s):
    """Clustering key of variants: lower case, dots/underscores/hyphens as spaces, single spaces.
    Other punctuation is kept: 'Action & Adventure' and 'Action, Adventure' stay apart."""
    t = s.str.lower().str.replace(r"[._\-]", " ", regex=True).str.replace(r"\s+([,;/&])", r"\1", regex=True)
    return t.str.split().str.join(" ")


def category_variants(vals, truncated=False):
    """Case/spacing variants: {variant: canonical} for a column's (value, count) list.

    Values with the same fingerprint join the most frequent one when it is at least 3x as
    frequent (similar counts suggest two genuine spellings), or differ from it only in spacing."""
    if not vals or truncated and len(vals) < 2:
        return {}
    s = pd.Series([v for v, _ in vals], dtype=object)
    counts = dict(vals)
    fp = fingerprint(s)
    mapping = {}
    for key, group in s.groupby(fp.values, sort=False):
        members = list(group)
        if len(members) < 2 or not key:
            continue
        canon = max(members, key=lambda v: (counts[v], v == v.strip(), -len(v)))
        for m in members:
            if m != canon and (counts[canon] >= 3 * counts[m] or m.strip() == canon or " ".join(m.split()) == canon):
                mapping[m] = canon
    return mapping


def dl1(a, b):
    """True when a and b differ by one insertion, deletion, substitution or adjacent transposition."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


def _digits_differ(a, b):
    """True when the edit touches digits of two values that both hold digits ('Suite 101'/'Suite 102')."""
    da, db = re.sub(r"\D", "", a), re.sub(r"\D", "", b)
    return bool(da) and bool(db) and da != db


def _deletes(s):
    return {s[:i] + s[i + 1:] for i in range(len(s))}


def typo_candidates(vals, skip=(), ratio=TYPO_RATIO, min_count=TYPO_MIN_COUNT, min_len=TYPO_MIN_LEN, max_count=2):
    """{rare value: (frequent value, n rare, n frequent)} for values one edit (Damerau) away from
    exactly one value at least `ratio` times as frequent (case-insensitive), and seen at most
    `max_count` times (the same slip of the keyboard rarely repeats; a value written five times is
    somebody's spelling). Found through a deletion index (SymSpell), so the work grows with the
    vocabulary, not its square."""
    counts = dict(vals)
    index = defaultdict(set)
    floor = max(min_count, ratio)   # a target is at least `ratio` times as frequent as a value seen once
    for v, n in vals:
        if n < floor or len(v) < min_len:
            continue
        key = v.lower()
        index[key].add(v)
        for d in _deletes(key):
            index[d].add(v)
    out = {}
    top = max(counts.values(), default=0)
    for v, n in vals:
        if v in skip or len(v) < min_len or n > max_count or n * ratio > top:
            continue
        key = v.lower()
        cands = set(index.get(key, ()))
        for d in _deletes(key):
            cands |= index.get(d, set())
        cands = [c for c in cands if c != v and counts[c] >= ratio * n and dl1(key, c.lower()) and not _digits_differ(v, c)]
        if not cands:
            continue
        cands.sort(key=lambda c: -counts[c])
        if len(cands) == 1 or counts[cands[0]] >= ratio * counts[cands[1]]:
            out[v] = (cands[0], n, counts[cands[0]])
    return out


_TRUE = {"true", "yes", "y", "t", "1"}
_FALSE = {"false", "no", "n", "f", "0"}
_STYLES = [("true", "false"), ("yes", "no"), ("y", "n"), ("t", "f"), ("1", "0")]


def boolean_variants(vals):
    """{spelling: canonical} for a boolean column: both truth values written in the column's most
    common style (yes/no, true/false, y/n, t/f, 1/0) and case ('Y', 'TRUE', 'yes' -> 'Yes' / 'No')."""
    counts = {}
    for v, n in vals:
        counts[v.strip()] = counts.get(v.strip(), 0) + n
    style_n = {st: sum(n for v, n in counts.items() if v.lower() in st) for st in _STYLES}
    style = max(_STYLES, key=lambda st: style_n[st])
    if style_n[style] == 0:
        return {}
    members = [v for v in counts if v.lower() in style]
    case = max(members, key=lambda v: counts[v])
    render = (lambda t: t.upper()) if case.isupper() and len(case) > 1 else (lambda t: t.capitalize()) if case[:1].isupper() \
        else (lambda t: t.lower())
    if len(case) == 1 and case.isupper():
        render = lambda t: t.upper()
    canon = {True: render(style[0]), False: render(style[1])}
    mapping = {}
    for v, _ in vals:
        low = v.strip().lower()
        truth = True if low in _TRUE else False if low in _FALSE else None
        if truth is not None and v != canon[truth]:
            mapping[v] = canon[truth]
    return mapping


def shape_regex(shape):
    """A regex for a dominant shape such as '9999' or 'aa-999' (9 = digit, a = letter)."""
    out = []
    for ch in shape:
        out.append(r"\d" if ch == "9" else r"[^\W\d_]" if ch == "a" else re.escape(ch))
    return "".join(out)


def typed_fixes(col, vals, valid):
    """Repairs of values a code-like column's dominant pattern rejects ({value: (fix, rule,
    evidence)}): the one substring in the dominant pattern when the rest is junk ('2011***' ->
    '2011'), else the one frequent valid value a single edit away ('2a011' -> '2011'). `valid`
    maps a value to True when the column's type accepts it."""
    dom, share = col.get("dominant_pattern"), col.get("dominant_pattern_share", 0)
    if not dom or share < 0.9 or not re.fullmatch(r"[9a\-/. :]+", dom) or "9" not in dom:
        return {}
    rx = re.compile(shape_regex(dom))
    full = re.compile("^" + shape_regex(dom) + "$")
    good = [(v, n) for v, n in vals if valid(v) and full.match(v.strip())]
    counts = dict(good)
    total = sum(n for _, n in vals)
    # a valid value in another shape ('211' among years) is suspect only in a code-like column whose
    # few frequent values hold nearly every row; elsewhere ('120' among IBUs of 5..99) it is a value
    top = sorted((n for _, n in good), reverse=True)[:30]
    code_like = sum(top) >= 0.95 * total
    out = {}
    for v, n in vals:
        st = v.strip()
        if not st or (valid(v) and full.match(st)) or n > 0.01 * total or (valid(v) and not code_like):
            continue
        hits = rx.findall(st)
        rest = rx.sub("", st, count=1) if len(hits) == 1 else None
        if len(hits) == 1 and rest is not None and not re.search(r"[^\W_]", rest) and counts.get(hits[0], 0) >= TYPO_RATIO * n:
            out[v] = (hits[0], "pattern", "%r holds one %s value (%r, seen %d times); the rest %r is not data" % (st, dom, hits[0], counts[hits[0]], rest))
            continue
        cands = [c for c, cn in good if cn >= TYPO_RATIO * n and cn >= TYPO_MIN_COUNT and dl1(st, c)]
        if len(cands) == 1:
            out[v] = (cands[0], "typo", "one edit from %r (seen %d times, this %d)" % (cands[0], counts[cands[0]], n))
    return out


def allowed_mapping(vals, allowed):
    """What a data dictionary's list of allowed values does to a column's values: {value: allowed
    value} for case/spacing variants and one-edit typos of exactly one allowed value, and the
    other values that are not allowed (kept and flagged)."""
    canon = {a.strip().lower(): a for a in allowed}
    mapping, unknown = {}, []
    for v, _ in vals:
        if v in allowed or not v.strip():
            continue
        key = " ".join(v.strip().lower().split())
        if key in canon:
            mapping[v] = canon[key]
            continue
        near = [a for k, a in canon.items() if len(key) >= TYPO_MIN_LEN and dl1(key, k)]
        if len(near) == 1:
            mapping[v] = near[0]
        else:
            unknown.append(v)
    return {"mapping": mapping, "values": list(allowed), "unknown": unknown[:50]}
