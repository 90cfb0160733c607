"""Functional dependencies the profile confirmed become one `dependencies` step: every row is
checked against all of them at once (see repair/dependencies.py for how a cell is blamed and
repaired)."""
MIN_CONFIDENCE = 0.75


def propose(profile):
    """The dependencies step, or None when the file has no usable dependency."""
    fds = []
    for f in profile.get("functional_dependencies", []):
        if f["confidence"] < MIN_CONFIDENCE:
            continue
        fd = {"lhs": f["lhs"], "rhs": f["rhs"], "confidence": f["confidence"]}
        if f.get("kind") == "entity":
            fd["fill_only"] = True   # the same entity recorded more than once: its other records fill gaps
        fds.append(fd)
    if not fds:
        return None
    return {"op": "dependencies", "fds": fds, "min_share": 0.8, "min_support": 2, "strong": 0.9}
