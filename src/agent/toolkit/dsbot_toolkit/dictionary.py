"""Rules from column names and a data dictionary: value ranges ('spending_score (1-100)',
'ranges between 1 and 100') and sums ('Global = sum of NA, EU and other sales' -> Global >= NA + EU)."""
import os
import re

from .safety import normalise_name

_NUM = r"-?\d+(?:\.\d+)?"
_NAME_RANGE = re.compile(r"[(\[]\s*(" + _NUM + r")\s*(?:-|–|—|to|\.\.)\s*(" + _NUM + r")\s*[)\]]")
_TEXT_RANGES = [
    re.compile(r"between\s+(" + _NUM + r")\s+and\s+(" + _NUM + r")", re.I),
    re.compile(r"from\s+(" + _NUM + r")\s+to\s+(" + _NUM + r")", re.I),
    re.compile(r"range[sd]?\s*(?:is|of|:)?\s*(" + _NUM + r")\s*(?:-|–|to)\s*(" + _NUM + r")", re.I),
]


def _base(name):
    """Column name without a bracketed suffix: 'spending_score (1-100)' -> 'spending_score'."""
    return re.split(r"\s*[(\[]", str(name))[0].strip()


def read_dictionary(path, limit=200000):
    """The dictionary's text ('' when no path); the file may be any text encoding."""
    if not path:
        return ""
    if not os.path.isfile(path):
        raise ValueError("data dictionary %s does not exist" % os.path.basename(str(path)))
    with open(path, "rb") as f:
        raw = f.read(limit)
    for enc in ("utf-8", "cp1252", "latin-1"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1", errors="replace")


def column_blocks(text, columns):
    """Column name -> description text found in the dictionary (lines starting with its name
    plus the indented continuation lines)."""
    lines = text.splitlines()
    keys = {}
    for c in columns:
        b = _base(c).lower()
        if b:
            keys[c] = b
    blocks = {}
    for i, line in enumerate(lines):
        low = line.strip().lower()
        for c, b in keys.items():
            if not (low.startswith(b + " ") or low.startswith(b + "\t") or low == b):
                continue
            if c in blocks:
                continue
            block = [line.strip()[len(b):]]
            for nxt in lines[i + 1: i + 12]:
                nl = nxt.strip().lower()
                if not nl or not nxt[:1].isspace() or any(nl.startswith(k + " ") or nl == k for k in keys.values()):
                    break
                block.append(nxt.strip())
            blocks[c] = " ".join(block)
    return blocks


_ALLOWED = re.compile(r"(?:one of|allowed values?(?: are| is)?|possible values?(?: are| is)?|valid values?(?: are| is)?|"
                      r"must be (?:one of|in))\s*:?\s*(.+)", re.I)
_DMY = re.compile(r"\b(?:day[ /.-]+month[ /.-]+year|dd[ /.-]+mm[ /.-]+(?:yy)?yy|d/m/y)\b", re.I)
_MDY = re.compile(r"\b(?:month[ /.-]+day[ /.-]+year|mm[ /.-]+dd[ /.-]+(?:yy)?yy|m/d/y)\b", re.I)


def _values_list(text):
    """['London', 'Leeds', ...] from 'London, Manchester, Leeds or York.' (quotes and a final
    'or'/'and' allowed); None when it does not read as a short list of values."""
    text = re.split(r"[.;](?:\s|$)", text.strip(), maxsplit=1)[0]
    parts = [p.strip().strip("'\"`") for p in re.split(r",|\bor\b|\band\b|/", text)]
    parts = [p for p in parts if p]
    if len(parts) < 2 or any(len(p) > 40 for p in parts):
        return None
    return parts


def hint_rules(columns, dictionary_text):
    """What a dictionary says about values, not ranges: the allowed values of a column ('city: one
    of London, Manchester, Leeds') and the day/month order of its dates ('dates are day/month/year')."""
    if not dictionary_text:
        return []
    rules = []
    blocks = column_blocks(dictionary_text, columns)
    for c, text in blocks.items():
        m = _ALLOWED.search(text)
        vals = _values_list(m.group(1)) if m else None
        if vals:
            rules.append({"name": "allowed:%s" % c, "kind": "allowed", "column": c, "values": vals, "source": "dictionary",
                          "evidence": m.group(0)[:160]})
        order = "dmy" if _DMY.search(text) else "mdy" if _MDY.search(text) else None
        if order:
            rules.append({"name": "date_order:%s" % c, "kind": "date_order", "column": c, "order": order, "source": "dictionary",
                          "evidence": text[:160]})
    if not any(r["kind"] == "date_order" for r in rules):
        order = "dmy" if _DMY.search(dictionary_text) else "mdy" if _MDY.search(dictionary_text) else None
        if order:  # a file-wide statement ('all dates are day/month/year')
            rules.append({"name": "date_order", "kind": "date_order", "column": None, "order": order, "source": "dictionary",
                          "evidence": order})
    return rules


def derive_rules(columns, numeric_columns, dictionary_text=""):
    """Rules (JSON dicts) for the columns: range rules and sum rules, each with its evidence."""
    rules = []
    numeric = set(numeric_columns)
    for c in columns:
        m = _NAME_RANGE.search(str(c))
        if m and c in numeric:
            lo, hi = float(m.group(1)), float(m.group(2))
            if lo < hi:
                rules.append({"name": "range:%s" % c, "kind": "range", "column": c, "min": lo, "max": hi,
                              "source": "column name", "evidence": str(c)})
    if not dictionary_text:
        return rules
    blocks = column_blocks(dictionary_text, columns)
    have = {r["column"] for r in rules}
    norm = {normalise_name(_base(c)): c for c in columns}
    for c, text in blocks.items():
        if c in numeric and c not in have:
            for rx in _TEXT_RANGES:
                m = rx.search(text)
                if m:
                    lo, hi = float(m.group(1)), float(m.group(2))
                    if lo < hi:
                        rules.append({"name": "range:%s" % c, "kind": "range", "column": c, "min": lo, "max": hi,
                                      "source": "dictionary", "evidence": m.group(0)})
                        break
        if c in numeric and re.search(r"\bsum\b|\btotal\b", text, re.I):
            parts = []
            for token in re.findall(r"[A-Za-z][A-Za-z0-9_]*", text):
                other = norm.get(normalise_name(token))
                if other and other != c and other in numeric and other not in parts:
                    parts.append(other)
            if len(parts) >= 2:
                partial = bool(re.search(r"\bother\b|\betc\b|\band more\b", text, re.I))
                kind = "sum_ge" if partial else "sum_eq"
                expr = "%s %s %s" % (c, ">=" if partial else "==", " + ".join(parts))
                rules.append({"name": "rule:%s" % expr, "kind": kind, "column": c, "parts": parts, "expr": expr,
                              "source": "dictionary", "evidence": text[:160]})
    return rules
