"""Null conventions. A typed column (numbers, dates, booleans) writes a missing value as an empty
cell, so its null tokens ('N/A', '?', '-') become empty: they are not values of the type. A text
column keeps the null spelling it uses consistently (a literal 'empty' or 'N/A' throughout is its
convention); only when empty cells are its usual way of writing nothing are the odd tokens
emptied too."""
TYPED = ("integer", "float", "id", "date", "datetime", "time", "boolean")


def propose(cols):
    """null_tokens steps (one per token set) and the text columns whose tokens are kept."""
    groups, kept = {}, []
    for c in cols:
        spaces = [t for t in c["null_tokens"] if t.strip() == ""]   # blank cells holding only spaces
        toks = {t: n for t, n in c["null_tokens"].items() if t.strip() != ""}
        blanks = c["null_count"] - sum(toks.values())
        typed = c.get("base_type") in TYPED or c["inferred_type"] in TYPED
        convert = [t.strip() for t in toks] if toks and (typed or blanks >= sum(toks.values())) else []
        if toks and not convert:
            kept.append({"column": c["name"], "tokens": toks})
        if spaces:
            convert.append("")
        if convert:
            groups.setdefault(tuple(sorted(set(convert))), []).append(c["name"])
    steps = [{"op": "null_tokens", "columns": names, "tokens": list(toks)} for toks, names in groups.items()]
    return steps, kept
