"""How a numeric column writes its numbers, and the `to_numeric` step that makes every value
follow it.

The default a user expects, and what the bundled benchmark pairs agree on:
  - a column's consistent decoration is kept (`12%` throughout stays `12%`, `90 min` stays);
  - a decoration used by nine values in ten or more is the column's representation, and the
    others are converted to it when the mapping is determinate ('1 hr. 45 min.' -> '105 min');
  - a column whose values are decorated inconsistently (`oz.`, `oz`, `ounce`; `£`, `GBP`, plain)
    is written as plain numbers, the unit or currency named in the report;
  - machine formatting is always normalised: thousands separators, `.0` on a whole number and
    binary float noise are removed (`1,234.0` -> `1234`);
  - values about 1000x smaller than all the others are rescaled when that puts them among them;
  - a value that is not a number is kept and flagged."""
from .. import values as V

NUMERIC = ("integer", "float")
DOMINANT_SHARE = 0.9
_CURRENCY = ("$", "£", "€", "¥")


def _shown(deco):
    pre, suf = deco.split("|", 1)
    return "%sN%s" % (pre, suf) if deco != "|" else "plain"


def propose(c):
    """The to_numeric step for a profiled column, or None when every value is already written in
    the column's representation."""
    num = c.get("numeric")
    if c.get("base_type") not in NUMERIC or not num:
        return None
    decos = dict(num.get("decorations") or {})
    total = sum(decos.values())
    if not total:
        return None
    dom, dom_n = max(decos.items(), key=lambda kv: kv[1])
    target = dom if dom_n >= DOMINANT_SHARE * total and "<" not in dom else "|"
    units = {u: n for u, n in (num.get("units") or {}).items()}
    # units the column really uses (a stray 'x' after one number is a typo, not a unit)
    real = {u: n for u, n in units.items() if n >= max(2, 0.01 * total)}
    measure = {u: n for u, n in real.items() if u != "%" and u not in _CURRENCY}
    tunit = None
    if target != "|":
        pre, suf = target.split("|", 1)
        tunit = V.canonical_unit((pre.strip() or suf.strip()).rstrip(".")) if (pre.strip() or suf.strip()) else None
    elif measure:
        tunit = max(measure, key=measure.get)
    convert = _conversions(units, tunit)
    rescale = num.get("rescale")
    if rescale and not (rescale.get("whole") and not rescale.get("low_whole")):
        rescale = None  # only when the small values are fractions among whole numbers ('1.962' among '486')
    others = total - decos.get(target, 0)
    fixed = fixed_decimals(num)
    need = (others > 0 or num.get("thousands", 0) > 0 or (num.get("dot_zero", 0) > 0 and not fixed) or num.get("float_noise", 0) > 0
            or c.get("parse_share", 1) < 1 or rescale is not None or num.get("decimal") == ","
            or (fixed and num.get("decimals", {}).get(str(fixed), 0) < total))
    if not need:
        return None
    known = sorted(set(real) | ({tunit} if tunit else set()))
    step = {"op": "to_numeric", "column": c["name"], "kind": c["base_type"], "target": target, "unit": tunit,
            "units": known, "percent_scale": num.get("percent_scale", 1.0), "invalid": "flag"}
    if convert:
        step["convert"] = convert
    if num.get("decimal") == ",":
        step["decimal"] = ","
    if fixed:
        step["decimals"] = fixed
    if rescale:
        step["rescale"] = {k: rescale[k] for k in ("factor", "below", "lo", "hi", "whole")}
    if convert or step["percent_scale"] != 1.0 or rescale:
        step["kind"] = "float" if c["base_type"] == "float" else step["kind"]
    step["why"] = _why(decos, target, total, tunit, num, rescale, c)
    return step


def _why(decos, target, total, tunit, num, rescale, c):
    bits = []
    bad = int(round((1 - c.get("parse_share", 1)) * c.get("non_null", 0)))
    if target != "|":
        bits.append("%d of %d values are written %s: the others are converted to it" % (decos.get(target, 0), total, _shown(target)))
    elif len([d for d in decos if d != "|"]):
        shown = ", ".join(_shown(d) for d in list(decos)[:4])
        bits.append("written %d ways (%s): numbers are written plainly%s" % (len(decos), shown, " in %s" % tunit if tunit else ""))
    if num.get("thousands"):
        bits.append("%d thousands separators removed" % num["thousands"])
    if num.get("dot_zero"):
        bits.append("%d whole numbers written without '.0'" % num["dot_zero"])
    if rescale:
        bits.append("values below %g are %gx smaller than the rest and rescaled" % (rescale["below"], rescale["factor"]))
    if bad:
        bits.append("%d values are not numbers: kept as written and flagged" % bad)
    return "; ".join(bits)


def _conversions(units, target):
    """{unit: factor to `target`} for units of the target's dimension."""
    if not target:
        return None
    dim = V.unit_dimension(target)
    if not dim:
        return None
    table = V.UNIT_FACTORS[dim]
    conv = {u: table[u] / table[target] for u in units if u != target and u in table}
    return conv or None


def fixed_decimals(num):
    """D when nine values in ten are written with exactly D >= 2 decimals (money: '2.00', '3.10'):
    every value is then written with D decimals. None otherwise (whole numbers lose '.0')."""
    dec = {int(k): v for k, v in (num.get("decimals") or {}).items()}
    total = sum(dec.values())
    if not total:
        return None
    d, n = max(dec.items(), key=lambda kv: kv[1])
    return d if 2 <= d < 14 and n >= 0.9 * total else None
