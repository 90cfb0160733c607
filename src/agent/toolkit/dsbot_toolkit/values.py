"""Value-level parsing shared by the profile, the repairs and the quality measures.

Everything here works on pandas Series of strings and is vectorised (regexes run once per
distinct value, see `map_unique`).
"""
import re

import numpy as np
import pandas as pd

#: Lower-cased, stripped spellings that mean "no value".
NULL_TOKENS = frozenset([
    "", "na", "n/a", "n.a.", "n.a", "nan", "null", "none", "nil", "-", "--", "---", "?", "??",
    "empty", "missing", "undefined", "#n/a", "#na", "n\\a", "(null)", "(blank)", "(empty)",
    "blank", "not available", "<na>", "<null>",
])

_LONGEST_NULL = max(len(t) for t in NULL_TOKENS)


def null_token_mask(stripped):
    """Bool array over stripped texts (an object array of str): empty or a null token, in any case.
    Only texts as short as the longest token are looked up."""
    lens = np.fromiter(map(len, stripped), dtype=np.int64, count=len(stripped))
    isnull = lens <= _LONGEST_NULL
    short = np.flatnonzero(isnull)
    if len(short):
        isnull[short] = [v.lower() in NULL_TOKENS for v in stripped[short]]
    return isnull

#: A number, optionally with a currency prefix and a trailing unit or percent sign.
NUMBER_WITH_UNIT_RE = (
    r"^\s*(?P<cur>[$£€¥])?\s*(?P<num>[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"\s*(?P<unit>%|[^\W\d_][^\d]*|[$£€¥][^\d]*)?\s*$"
)
PLAIN_NUMBER_RE = r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$"
INT_RE = r"^[-+]?\d+$"

#: Unit spellings grouped as synonyms (first is the canonical name).
UNIT_SYNONYMS = {
    "oz": ("oz", "ounce", "ounces", "fl oz", "floz", "fl. oz"),
    "ml": ("ml", "millilitre", "milliliter", "millilitres", "milliliters"),
    "l": ("l", "litre", "liter", "litres", "liters", "ltr"),
    "g": ("g", "gr", "gram", "grams"),
    "kg": ("kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"),
    "lb": ("lb", "lbs", "pound", "pounds"),
    "mm": ("mm",), "cm": ("cm",), "m": ("m", "metre", "meter", "metres", "meters"),
    "km": ("km", "kms"), "in": ("in", "inch", "inches"), "ft": ("ft", "feet", "foot"),
    "%": ("%", "percent", "pct"),
    "$": ("$", "usd"), "£": ("£", "gbp"), "€": ("€", "eur"),
    "s": ("s", "sec", "secs", "second", "seconds"), "min": ("min", "mins", "minute", "minutes"),
    "h": ("h", "hr", "hrs", "hour", "hours"), "yr": ("yr", "yrs", "year", "years"),
}
_UNIT_LOOKUP = {syn: canon for canon, syns in UNIT_SYNONYMS.items() for syn in syns}

#: Conversion factors to a base unit, per dimension.
UNIT_FACTORS = {
    "mass": {"g": 1.0, "kg": 1000.0, "lb": 453.59237},
    "length": {"mm": 0.001, "cm": 0.01, "m": 1.0, "km": 1000.0, "in": 0.0254, "ft": 0.3048},
    "volume": {"ml": 1.0, "l": 1000.0},
    "duration": {"s": 1.0, "min": 60.0, "h": 3600.0},
}

DATE_FORMATS = [
    "%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%m-%d-%Y", "%d.%m.%Y",
    "%Y.%m.%d", "%d/%m/%y", "%m/%d/%y", "%b %d, %Y", "%d %b %Y", "%B %d, %Y", "%d %B %Y",
    "%Y%m%d",
]
DATETIME_FORMATS = [
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%SZ",
    "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S",
]
TIME_FORMATS = ["%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p", "%I:%M%p", "%H.%M"]
DATEISH_RE = r"^\s*(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{8}|[A-Za-z]{3,9}\.? \d{1,2},? \d{4}|\d{1,2} [A-Za-z]{3,9}\.? \d{4})"
TIMEISH_RE = r"^\s*\d{1,2}[:.]\d{2}(:\d{2})?\s*([AaPp][Mm])?\s*$"
CODE_CHARS_RE = r"^[\d\s()+\-./]+$"


def map_unique(s, fn):
    """Applies `fn` (Series of distinct values -> Series) once per distinct value of `s`."""
    codes, uniques = pd.factorize(s, sort=False)
    if len(uniques) == 0:
        return s.copy()
    out = fn(pd.Series(np.asarray(uniques, dtype=object)).astype(str))
    out = np.asarray(out, dtype=object)
    res = out[codes]
    res[codes < 0] = None
    return pd.Series(res, index=s.index, dtype=object)


def is_null_token(s):
    """Bool Series: the value is empty or a null token (case-insensitive, stripped)."""
    return s.str.strip().str.lower().isin(NULL_TOKENS)


def shape(s, width=30):
    """Shape of each value: digits -> 9, letters -> a, other characters kept; cut at `width`."""
    out = s.str.slice(0, width).str.replace(r"\d", "9", regex=True)
    return out.str.replace(r"[^\W\d_]", "a", regex=True)


def canonical_unit(u):
    """Canonical unit name for a unit text such as 'oz.' or 'Ounce' (first word), or the text."""
    if u is None or (isinstance(u, float) and np.isnan(u)):
        return None
    t = str(u).strip().lower()
    if t == "%":
        return "%"
    t2 = t.rstrip(".")
    if t2 in _UNIT_LOOKUP:
        return _UNIT_LOOKUP[t2]
    first = re.split(r"[\s/]+", t2)[0].rstrip(".") if t2 else t2
    return _UNIT_LOOKUP.get(first, first)


def unit_dimension(unit):
    """The dimension ('mass', ...) a canonical unit belongs to, or None."""
    for dim, table in UNIT_FACTORS.items():
        if unit in table:
            return dim
    return None


NUMBER_WITH_UNIT_RE_COMMA = NUMBER_WITH_UNIT_RE.replace(r"(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?", r"(?:\d{1,3}(?:\.\d{3})+|\d+)?(?:,\d+)?")


def parse_numbers(s, decimal="."):
    """DataFrame with columns num (float), unit (canonical or None), text_num (the digits) for `s`.

    `num` is NaN where the value is not a number (with or without unit). With decimal=","
    numbers are written '1.234,5' (thousands '.', decimals ',')."""
    ex = s.str.extract(NUMBER_WITH_UNIT_RE_COMMA if decimal == "," else NUMBER_WITH_UNIT_RE)
    num_txt = ex["num"].fillna("")
    has_digit = num_txt.str.contains(r"\d", regex=True)
    if decimal == ",":
        cleaned = num_txt.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        cleaned = num_txt.str.replace(",", "", regex=False)
    num = pd.Series(_to_float(cleaned.values, has_digit.values), index=s.index)
    unit = ex["unit"].where(ex["unit"].notna(), ex["cur"])
    unit = unit.map(canonical_unit, na_action="ignore") if unit.notna().any() else unit
    return pd.DataFrame({"num": num, "unit": unit, "text_num": cleaned}, index=s.index)


def _to_float(texts, ok):
    """Exact float parsing (pd.to_numeric's fast parser is not round-trip exact)."""
    out = np.full(len(texts), np.nan)
    for k in np.flatnonzero(ok):
        try:
            out[k] = float(texts[k])
        except ValueError:
            pass
    return out


def format_number(x, integer=False):
    """Shortest clean text of a number: '12' for 12.0, '0.056' for 0.055999999999999994."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return ""
    if integer or (float(x).is_integer() and abs(x) < 1e15):
        return str(int(round(x)))
    r = float("%.15g" % x)
    t = repr(r)
    if "e" in t and 1e-5 <= abs(r) < 1e15:
        t = ("%.15f" % r).rstrip("0").rstrip(".")
    return t


def float_noise(text_num):
    """Bool Series: the number text has binary-float noise (e.g. 0.07400000000000001)."""
    frac = text_num.str.extract(r"\.(\d+)")[0].fillna("")
    return frac.str.len() >= 14


_FMT_RE = {"%Y": r"\d{4}", "%y": r"\d{2}", "%m": r"\d{1,2}", "%d": r"\d{1,2}", "%H": r"\d{1,2}", "%I": r"\d{1,2}",
           "%M": r"\d{2}", "%S": r"\d{2}", "%b": r"[A-Za-z]{3}", "%B": r"[A-Za-z]{3,9}", "%p": r"[AaPp][Mm]"}
_FMT_CACHE = {}


def format_regex(fmt):
    """A strict regex for a strptime format (pandas accepts other separators for ISO formats)."""
    if fmt not in _FMT_CACHE:
        out, i = [], 0
        while i < len(fmt):
            tok = fmt[i:i + 2]
            if tok in _FMT_RE:
                out.append(_FMT_RE[tok])
                i += 2
            else:
                out.append(re.escape(fmt[i]))
                i += 1
        _FMT_CACHE[fmt] = "^" + "".join(out) + "$"
    return _FMT_CACHE[fmt]


def parse_dates(s, fmt):
    """Datetime Series parsing `s` with one strptime format, strictly (NaT where it does not fit)."""
    st = s.str.strip()
    ok = st.str.match(format_regex(fmt)).fillna(False)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if ok.any():
        out[ok] = pd.to_datetime(st[ok], format=fmt, errors="coerce")
    return out


def unpadded_format(fmt):
    """The strftime format writing days, months and hours without leading zeros ('%-d')."""
    for code in ("%d", "%m", "%H", "%I"):
        fmt = fmt.replace(code, code[0] + "-" + code[1])
    return fmt


def render_dates(dt, fmt):
    """Text of datetimes in `fmt` (empty for NaT)."""
    return dt.dt.strftime(fmt).fillna("")


def digits_only(s):
    """The digits of each value."""
    return s.str.replace(r"\D", "", regex=True)


def apply_template(digits, template):
    """Puts the digits into a shape such as '(999) 999-9999' (9 = one digit)."""
    out, k = [], 0
    for ch in template:
        if ch == "9":
            out.append(digits[k] if k < len(digits) else "")
            k += 1
        else:
            out.append(ch)
    return "".join(out)


def numbers_of(u):
    """Float array for a Series of (distinct, stripped) texts: plain numbers parsed directly,
    the others with the unit-aware parser; NaN when not a number."""
    plain = u.str.match(PLAIN_NUMBER_RE).fillna(False).values
    out = _to_float(u.values, plain)
    rest = ~plain & (u.values != "")
    if rest.any():
        out[rest] = parse_numbers(u[rest])["num"].values.astype(float)
    return out


def numbers_fast(s):
    """Float array of each value's number (units allowed), parsed once per distinct value."""
    codes, uniques = pd.factorize(s, sort=False)
    if len(uniques) == 0:
        return np.full(len(s), np.nan)
    num = numbers_of(pd.Series(np.asarray(uniques, dtype=object)).astype(str).str.strip())
    out = num[codes]
    out[codes < 0] = np.nan
    return out


def by_unique(s, fn, fill=None):
    """Array of fn(distinct values Series) mapped back to every row of `s` (NaN rows get `fill`)."""
    codes, uniques = pd.factorize(s, sort=False)
    if len(uniques) == 0:
        return np.full(len(s), fill, dtype=object)
    res = np.asarray(fn(pd.Series(np.asarray(uniques, dtype=object)).astype(str)))
    out = res[codes]
    if (codes < 0).any():
        out = out.astype(object)
        out[codes < 0] = fill
    return out


MEMO_MAX = 200000  # distinct values a per-value memo keeps (memo_results)


def memo_results(memo, key, keys, compute):
    """Results per distinct value of `keys` (an object array) kept in `memo[key]` across calls
    (chunks) as (pd.Index of values, results): only the values it lacks are computed, by
    `compute(positions in keys)`. The entry becomes False (not worth keeping; callers then compute
    everything) once most values are new each time (free text, ids) or MEMO_MAX values are kept.
    The memo_merge module merges such entries across processes."""
    known = memo.get(key)
    if known is None:
        res = np.asarray(compute(np.arange(len(keys))))
        memo[key] = (pd.Index(keys), res) if len(keys) <= MEMO_MAX else False
        return res
    pos = known[0].get_indexer(keys)
    hit = pos >= 0
    todo = np.flatnonzero(~hit)
    if not len(todo):
        return known[1][pos]
    fresh = np.asarray(compute(todo))
    res = np.empty(len(keys), dtype=np.result_type(known[1], fresh))
    res[hit] = known[1][pos[hit]]
    res[todo] = fresh
    if len(todo) > len(keys) // 2 or len(known[0]) + len(todo) > MEMO_MAX:
        memo[key] = False
    else:
        memo[key] = (known[0].append(pd.Index(keys[todo])), np.concatenate([known[1], fresh]))
    return res


def by_unique_memo(s, fn, memo, key, fill=None):
    """by_unique(s, fn, fill) with fn's result per value remembered in `memo[key]` across calls
    (memo_results). fn must judge each value on its own."""
    if memo is None or memo.get(key) is False:
        return by_unique(s, fn, fill)
    codes, uniques = pd.factorize(s, sort=False)
    if len(uniques) == 0:
        return np.full(len(s), fill, dtype=object)
    u = pd.Series(np.asarray(uniques, dtype=object)).astype(str)
    res = memo_results(memo, key, u.values, lambda idx: fn(u.iloc[idx].reset_index(drop=True)))
    out = res[codes]
    if (codes < 0).any():
        out = out.astype(object)
        out[codes < 0] = fill
    return out


def same_array(a, b):
    """True when numpy arrays `a` and `b` view the same memory the same way (so hold the same
    values: found without comparing them)."""
    if a is b:
        return True
    return (a.dtype == b.dtype and a.shape == b.shape and a.strides == b.strides
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def blank(s):
    """Bool array: the value is empty or only spaces (NaN counts as blank)."""
    try:
        first = s.values.astype("U1")
        cand = (first == "") | np.isin(first, [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\xa0"]) | pd.isna(s.values)
    except (TypeError, ValueError):
        cand = np.ones(len(s), dtype=bool)
    out = np.zeros(len(s), dtype=bool)
    if cand.any():
        out[cand] = by_unique(s[cand], lambda u: (u.str.strip() == "").values, fill=True).astype(bool)
    return out


def _plain_floats(u):
    st = u.str.strip()
    return _to_float(st.values, st.str.match(PLAIN_NUMBER_RE).fillna(False).values)


def to_float(s, memo=None, key=None):
    """Float array of plain numbers (empty/non-numeric -> NaN), parsed once per distinct value;
    with a `memo` dict, values parsed in earlier calls under `key` are looked up (by_unique_memo)."""
    if memo is not None:
        return by_unique_memo(s, _plain_floats, memo, ("to_float", key), fill=np.nan).astype(float)
    return by_unique(s, _plain_floats, fill=np.nan).astype(float)
