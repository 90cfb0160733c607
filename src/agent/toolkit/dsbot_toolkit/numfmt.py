"""How numbers are written: the number itself and its decoration (currency before, unit or percent
after, thousands separators, a `.0` on a whole number), parsed once per distinct value.

A column's representation is the decoration its values share; `render` writes a number back in
a chosen decoration. Everything is vectorised over a Series of distinct stripped texts."""
import re

import numpy as np
import pandas as pd

from . import values as V

CURRENCY_CODES = ("USD", "GBP", "EUR", "JPY", "CAD", "AUD", "CHF", "INR", "CNY", "SEK", "NOK", "DKK")
_PRE = r"(?P<pre>(?:[$£€¥]|(?:%s)\.?)\s*)?" % "|".join(CURRENCY_CODES)
_SUF = r"(?P<suf>\s*(?:%|[^\W\d_][^\d]*|[$£€¥][^\d]*))?"
_CORE_DOT = r"(?P<core>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
_CORE_COMMA = r"(?P<core>(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?|,\d+)"
_EXP = r"(?P<exp>[eE][-+]?\d+)?"
NUM_RE = {
    ".": re.compile(r"^" + _PRE + r"(?P<sign>[-+])?" + _CORE_DOT + _EXP + _SUF + r"$"),
    ",": re.compile(r"^" + _PRE + r"(?P<sign>[-+])?" + _CORE_COMMA + _EXP + _SUF + r"$"),
}
_UNIT_WORD = r"[^\W\d_][^\W\d_ .]*\.?"
COMPOUND_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(" + _UNIT_WORD + r")\s*,?\s*(\d+(?:\.\d+)?)\s*(" + _UNIT_WORD + r")$")


def parse(u, decimal="."):
    """DataFrame over distinct stripped texts `u`: num (float; NaN when not a number), pre, suf
    (the decoration as written), unit (canonical unit of the decoration: '%', a currency, 'oz', …,
    or None), thousands (separators used), compound (two amounts such as '1 hr. 45 min.')."""
    n = len(u)
    num = np.full(n, np.nan)
    pre = np.full(n, "", dtype=object)
    suf = np.full(n, "", dtype=object)
    unit = np.full(n, None, dtype=object)
    thousands = np.zeros(n, dtype=bool)
    compound = np.zeros(n, dtype=bool)
    rx = NUM_RE[decimal]
    for k, text in enumerate(u.values):
        m = rx.match(text)
        if m is None:
            c = COMPOUND_RE.match(text)
            if c is None:
                continue
            u1, u2 = V.canonical_unit(c.group(2)), V.canonical_unit(c.group(4))
            d1, d2 = V.unit_dimension(u1), V.unit_dimension(u2)
            if d1 is None or d1 != d2 or u1 == u2:
                continue
            f = V.UNIT_FACTORS[d1]
            # expressed in the smaller of the two units: '1 hr. 45 min.' -> 105 min
            small = u1 if f[u1] < f[u2] else u2
            num[k] = (float(c.group(1)) * f[u1] + float(c.group(3)) * f[u2]) / f[small]
            unit[k] = small
            suf[k] = "<%s+%s>" % (u1, u2)
            compound[k] = True
            continue
        sufx = (m.group("suf") or "").strip()
        if sufx and sufx[0].isalpha() and not _unit_like(sufx):
            continue  # '435 s. la cienega blvd.' is an address, not an amount
        core = m.group("core")
        if decimal == ",":
            thousands[k] = "." in core
            plain = core.replace(".", "").replace(",", ".")
        else:
            thousands[k] = "," in core
            plain = core.replace(",", "")
        try:
            x = float((m.group("sign") or "") + plain + (m.group("exp") or ""))
        except ValueError:
            continue
        num[k] = x
        p, s = m.group("pre") or "", m.group("suf") or ""
        pre[k], suf[k] = p, s
        deco = (p.strip() or s.strip())
        if p.strip() and s.strip():  # '$12 USD': both sides; the unit is the currency
            deco = p.strip()
        unit[k] = V.canonical_unit(deco.rstrip(".")) if deco else None
    return pd.DataFrame({"num": num, "pre": pre, "suf": suf, "unit": unit, "thousands": thousands, "compound": compound},
                        index=u.index)


def core_text(x, decimals_text=None, integer=False):
    """The plain text of a number: no separators, no `.0` on a whole number, no float noise.

    `decimals_text` keeps the written decimals ('12.50' stays '12.50') when the value is not whole."""
    if x is None or not np.isfinite(x):
        return ""
    if integer or float(x).is_integer():
        return V.format_number(x, integer=True)
    if decimals_text is not None and len(decimals_text) < 14:
        return ("%." + str(len(decimals_text)) + "f") % x
    return V.format_number(x)


def decimals_of(text, decimal="."):
    """The digits after the decimal mark as written ('' when none)."""
    m = re.search(r",(\d+)" if decimal == "," else r"\.(\d+)", text)
    return m.group(1) if m else ""


def deco_key(pre, suf):
    """The decoration of a value as one string: 'pre|suf' exactly as written ('|' for a plain number)."""
    return "%s|%s" % (pre, suf)


_KNOWN_UNITS = set(V.UNIT_SYNONYMS)


def _unit_like(suffix):
    """A suffix that can be a unit: a known unit word followed by at most two more words
    ('oz. Silo Can'), or one short word ('br', 'pts')."""
    words = suffix.split()
    if len(words) > 3:
        return False
    if V.canonical_unit(words[0].rstrip(".")) in _KNOWN_UNITS:
        return True
    return len(words) == 1 and len(suffix) <= 15 and suffix.rstrip(".").isalpha()
