"""Date, datetime and time columns: the dominant format and zero-padding style, learned from the
whole column (day/month order from the values that can only be read one way). Values in other
formats are rewritten in it; values already in it are left exactly as written; values that parse
in no known format are kept and flagged."""
DATE_TYPES = ("date", "datetime", "time")


def propose(c):
    """The dominant_format step for a profiled date-like column, or None."""
    t = c["inferred_type"]
    counts = c.get("formats") or {}
    dom = c.get("dominant_format")
    if t not in DATE_TYPES or not counts or not dom:
        return None
    pad = c.get("padding") or {}
    padded = pad.get("padded", 0) >= pad.get("unpadded", 0)
    odd_padding = pad.get("unpadded", 0) if padded else pad.get("padded", 0)
    if counts.get(dom, 0) >= c["non_null"] and not odd_padding:
        return None  # every value is already in the dominant format and padding style
    other = c["non_null"] - counts.get(dom, 0)
    return {"op": "dominant_format", "column": c["name"], "kind": t, "format": dom, "formats": list(counts),
            "padded": padded, "invalid": "flag",
            "why": "%d of %d values are written %s%s; %d in other formats are converted, unreadable ones flagged" % (
                counts.get(dom, 0), c["non_null"], dom, "" if padded else " (without leading zeros)", other)}


def propose_digits(c):
    """Phone/postal-like codes with the same digits put in the dominant digit template."""
    dom = c.get("dominant_pattern")
    share = c.get("dominant_pattern_share", 1)
    # only a minority deviation is converted: two templates in common use are both the column's convention
    if c["inferred_type"] == "code" and dom and 0.9 <= share < 1 and set(dom) <= set("9()+-./ "):
        return {"op": "dominant_format", "column": c["name"], "kind": "digits", "format": dom}
    return None


_SWAP = {"%d": "%m", "%m": "%d"}


def _swapped(fmt):
    """'%d/%m/%Y' <-> '%m/%d/%Y' (None when the format has no day and month numbers)."""
    if "%d" not in fmt or "%m" not in fmt:
        return None
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def apply_order(c, order):
    """A data dictionary's day/month order decides between formats the values cannot tell apart:
    the dominant format and the order formats are tried in follow it."""
    counts = c.get("formats") or {}

    def wrong(fmt):
        if "%d" not in fmt or "%m" not in fmt or "%Y%m%d" in fmt or fmt.startswith("%Y"):
            return False
        return (fmt.index("%d") > fmt.index("%m")) if order == "dmy" else (fmt.index("%d") < fmt.index("%m"))

    dom = c.get("dominant_format")
    if dom and wrong(dom) and _swapped(dom) in counts:
        c["dominant_format"] = _swapped(dom)
    ordered = sorted(counts, key=lambda f: (wrong(f), -counts[f]))
    c["formats"] = {f: counts[f] for f in ordered}
    c["date_order"] = order
