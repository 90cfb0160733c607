"""Value-level repairs: each maps a column's distinct values (whitespace, null tokens, numbers and
their decoration, date formats, digit templates, spelling variants and typos, merged codes).
A value that cannot be repaired is kept and flagged, never emptied (DESIGN.md decision 9)."""

import numpy as np
import pandas as pd

import re

from .. import numfmt as NF
from .. import values as V
from .base import column_key, update, value_map


def op_strip_whitespace(df, step, ctx):
    """Leading/trailing whitespace removed; runs of spaces collapsed in `collapse` columns."""
    collapse = set(step.get("collapse", []))
    for col in step.get("columns", []):
        if col not in df:
            continue
        if col in collapse:
            fn = lambda u: (u.str.strip().str.replace(r"\s{2,}", " ", regex=True), None)
        else:
            fn = lambda u: (u.str.strip(), None)
        df = value_map(df, col, fn, ctx, "whitespace", key=column_key(step, col))
    return df


def op_null_tokens(df, step, ctx):
    """Null tokens ('N/A', 'null', '-', ...) become empty cells."""
    tokens = {str(t).strip().lower() for t in step.get("tokens", [])}
    for col in step.get("columns", []):
        if col in df:
            df = value_map(df, col, lambda u: (u.where(~u.str.strip().str.lower().isin(tokens), ""), None), ctx, "null_token",
                           key=column_key(step, col))
    return df


def _plain_mask(st, decimal):
    return st.str.match(V.PLAIN_NUMBER_RE if decimal == "." else V.INT_RE).fillna(False).values


def op_to_numeric(df, step, ctx):
    """See numeric_fn; values are mapped once per distinct value."""
    col = step["column"]
    if col not in df:
        return df
    return value_map(df, col, numeric_fn(step), ctx, "to_numeric", key=column_key(step, col))


def numeric_fn(step):
    """fn(distinct values) -> (new, rules, evidence, flags) of a to_numeric step. Numbers written in the column's representation `target` ('pre|suf' as written; '|' = plain):
    thousands separators, `.0` on whole numbers and float noise removed; other decorations converted
    when the mapping is determinate (units of one dimension to `unit`, percents by `percent_scale`,
    currency marks of the same currency); values about `rescale.factor` times smaller than the rest
    rescaled. Values that are not numbers are kept and flagged (`invalid_number`)."""
    integer = step.get("kind") == "integer"
    scale = float(step.get("percent_scale", 1.0))
    convert = step.get("convert") or {}
    decimal = step.get("decimal", ".")
    target = step.get("target", "|")
    tpre, tsuf = target.split("|", 1) if "|" in target else ("", "")
    tunit = step.get("unit")
    target_is_pct = tsuf.strip() == "%"
    rescale = step.get("rescale") or {}
    invalid = step.get("invalid", "flag")
    fixed = step.get("decimals")
    known = set(step["units"]) if "units" in step else None

    def fn(u):
        st = u.str.strip()
        n = len(u)
        new = u.values.copy()
        rules = np.full(n, "", dtype=object)
        ev = np.full(n, "", dtype=object)
        flags = np.full(n, None, dtype=object)
        empty = (st == "").values
        plain = _plain_mask(st, decimal) & ~empty
        other = ~plain & ~empty
        num = np.full(n, np.nan)
        pre = np.full(n, "", dtype=object)
        suf = np.full(n, "", dtype=object)
        unit = np.full(n, None, dtype=object)
        compound = np.zeros(n, dtype=bool)
        if plain.any():
            txt = st.values[plain] if decimal == "." else np.array([t.replace(",", ".") for t in st.values[plain]], dtype=object)
            num[plain] = V._to_float(txt, np.ones(int(plain.sum()), dtype=bool))
        if other.any():
            pn = NF.parse(st[other].reset_index(drop=True), decimal)
            num[other] = pn["num"].values.astype(float)
            pre[other], suf[other], unit[other] = pn["pre"].values, pn["suf"].values, pn["unit"].values
            compound[other] = pn["compound"].values
        fast = plain.copy()  # plain numbers already written plainly: nothing to do
        if target != "|" or fixed or decimal != "." or not fast.any():
            fast[:] = False
        else:
            fast &= ~st.str.match(r"^[-+]?\d+[.,]0+$").fillna(False).values & ~V.float_noise(st).values
            if integer:
                fast &= st.str.match(V.INT_RE).fillna(False).values | st.str.match(r"^[-+]?(0\d|.*[eE][-+]?\d+$)").fillna(False).values
            if rescale:
                with np.errstate(invalid="ignore"):
                    fast &= ~((np.abs(num) < float(rescale["below"])) & (num != 0))
        rules_k = None
        stv, uv = st.values, u.values
        for k in np.flatnonzero(~empty & ~fast):
            x = num[k]
            if x == x and unit[k] is not None and known is not None and unit[k] not in known and unit[k] != tunit:
                from ..detect.vocab import dl1
                if tsuf.strip() and dl1(suf[k].strip().lower(), tsuf.strip().lower()):
                    unit[k], pre[k], suf[k], rules_k = tunit, tpre, tsuf, "unit_typo"   # '76 xatients' in a column of '76 patients'
                else:
                    flags[k] = "invalid_number"   # a unit no other value of the column uses: not a determinate repair
                    continue
            if x != x and tsuf.strip():
                fixed_unit = _unit_typo(stv[k], tsuf.strip())
                if fixed_unit is not None:
                    num[k], unit[k], pre[k], suf[k] = fixed_unit, tunit, tpre, tsuf
                    x = fixed_unit
                    rules_k = "unit_typo"
            if x != x:
                if invalid == "null":
                    new[k], rules[k] = "", "invalid_number"
                else:
                    flags[k] = "invalid_number"
                continue
            text = stv[k]
            un = unit[k]
            why = "number_format"
            same_deco = (pre[k] == tpre and suf[k] == tsuf)
            factor = 1.0
            if un in ("$", "£", "€", "¥"):
                why = "currency"
                if tunit not in (None, un):
                    flags[k] = "unit_mismatch"  # another currency: no rate in the data to convert with
                    continue
            elif un == "%" and not target_is_pct:
                factor, why = scale, "percent"
            elif un is not None and un != "%" and un != tunit:
                if un in convert:
                    factor, why = float(convert[un]), "unit:%s" % un
                elif tunit is not None:
                    flags[k] = "unit_mismatch"  # another unit the column cannot be converted from
                    continue
                else:
                    why = "unit:%s" % un
            elif un is None and target_is_pct and scale != 1.0:
                factor, why = 1.0 / scale, "percent"
            elif un is not None and not same_deco:
                why = "unit:%s" % un if un not in ("$", "£", "€", "¥") else "currency"
            if compound[k]:
                why = "unit:%s" % un
            if rules_k:
                why, rules_k = rules_k, None
            if rescale and factor == 1.0 and 0 < abs(x) < float(rescale["below"]):
                y = x * float(rescale["factor"])
                if float(rescale["lo"]) <= y <= float(rescale["hi"]) and (not rescale.get("whole") or float(y).is_integer()):
                    factor, why = float(rescale["factor"]), "scale"
                    ev[k] = "%s x%g: the value is about %gx smaller than the column's other values" % (text, factor, factor)
            y = x * factor
            if fixed:
                core = ("%." + str(fixed) + "f") % y
            elif factor == 1.0 and not compound[k]:
                core = NF.core_text(y, NF.decimals_of(text, decimal) or None, integer=integer and float(y).is_integer())
            else:
                core = V.format_number(y, integer=integer and float(y).is_integer())
            out = tpre + core + tsuf
            if out != uv[k]:
                new[k], rules[k] = out, why
        return new, rules, ev, flags

    return fn


_NUM_WORD = re.compile(r"^\s*([-+]?\d[\d,]*(?:\.\d+)?)\s*(\S.*?)\s*$")


def _unit_typo(text, unit_text):
    """The number of '76 xatients' when the column writes '76 patients': its unit is one edit from
    the column's unit (None otherwise)."""
    from ..detect.vocab import dl1
    m = _NUM_WORD.match(text)
    if not m or not dl1(m.group(2).lower(), unit_text.lower()):
        return None
    try:
        return float(m.group(1).replace(",", ""))
    except ValueError:
        return None


def op_dominant_format(df, step, ctx):
    """Dates/times written in another format rewritten in the column's dominant format (`format`,
    with the column's zero-padding style `padded`); values already in the dominant format are left
    as written; values that parse in no known format are kept and flagged. For kind 'digits',
    phone/postal-like codes with the same digits are put in the dominant digit template."""
    col = step["column"]
    if col not in df:
        return df
    if step.get("kind") == "digits":
        template = step["format"]
        nd = template.count("9")

        def fn_digits(u):
            st = u.str.strip()
            d = V.digits_only(st)
            ok = (d.str.len() == nd) & (V.shape(st, width=len(template) + 5) != template)
            new = u.copy()
            new[ok] = [V.apply_template(x, template) for x in d[ok]]
            return new.values, None

        return value_map(df, col, fn_digits, ctx, "format", key=column_key(step, col))
    return value_map(df, col, date_fn(step), ctx, "date_format", key=column_key(step, col))


def date_fn(step):
    """fn(distinct values) -> (new, rules, evidence, flags) of a dominant_format date step."""
    fmt = step["format"]
    formats = [fmt] + [f for f in step.get("formats", []) if f != fmt]
    padded = step.get("padded", True)
    invalid = step.get("invalid", "flag")

    def fn(u):
        st = u.str.strip()
        todo = (st != "").values.copy()
        new = u.values.copy()
        rules = np.full(len(u), "date_format", dtype=object)
        flags = np.full(len(u), None, dtype=object)
        dom = V.parse_dates(st, fmt)
        in_dom = dom.notna().values & todo
        todo &= ~in_dom
        if in_dom.any():  # in the dominant format: only the zero-padding follows the column's usual style
            text = V.render_dates(dom[in_dom], fmt if padded else V.unpadded_format(fmt))
            idx = np.flatnonzero(in_dom)
            diff = text.values != st.values[idx]
            new[idx[diff]] = text.values[diff]
        for f in formats[1:]:
            if not todo.any():
                break
            idx = np.flatnonzero(todo)
            parsed = V.parse_dates(st.iloc[idx], f)
            got = parsed.notna().values
            if got.any():
                text = V.render_dates(parsed[got], fmt if padded else V.unpadded_format(fmt))
                new[idx[got]] = text.values
                todo[idx[got]] = False
        if todo.any():
            if invalid == "null":
                new[todo] = ""
                rules[todo] = "invalid_date"
            else:
                flags[todo] = "invalid_date"
        return new, rules, None, flags

    return fn


def op_map_values(df, step, ctx):
    """Values mapped to their canonical form (`mapping`): case/spacing variants, typos, boolean
    spellings, repairs of values the column's type rejects. With `context` ({column, values:
    {canonical: [context values]}}), a row is mapped only when its context value is empty or seen
    with the canonical value elsewhere in the file."""
    col, mapping = step["column"], step.get("mapping") or {}
    if col not in df or not (mapping or step.get("allowed")):
        return df
    if step.get("allowed"):
        df = _flag_not_allowed(df, col, mapping, set(step["allowed"]), ctx)
        if not mapping:
            return df
    rule = step.get("rule", "category_variant")
    evidence = step.get("evidence") or {}
    context = step.get("context")
    if not context or context.get("column") not in df:
        rules = step.get("rules") or {}
        fn = lambda u: (u.map(mapping).where(u.isin(list(mapping)), u).values,
                        np.array([rules.get(v, rule) for v in u.values], dtype=object) if rules else None,
                        np.array([evidence.get(v, "") for v in u.values], dtype=object))
        return value_map(df, col, fn, ctx, rule, key=column_key(step, col))
    s = df[col]
    hit = s.isin(list(mapping)).values
    if not hit.any():
        return df
    cvals = df[context["column"]].values[hit]
    target = s.values[hit]
    canon = np.array([mapping[v] for v in target], dtype=object)
    allowed = {k: set(v) for k, v in (context.get("values") or {}).items()}
    ok = np.array([(not str(c).strip()) or str(c).strip() in allowed.get(t, ()) for c, t in zip(cvals, canon)], dtype=bool)
    mask = np.zeros(len(df), dtype=bool)
    mask[np.flatnonzero(hit)[ok]] = True
    if not mask.any():
        return df
    ev = np.array(["%s; %s=%s agrees" % (evidence.get(v, ""), context["column"], c) if str(c).strip() else evidence.get(v, "")
                   for v, c in zip(target[ok], cvals[ok])], dtype=object)
    return update(df, col, mask, canon[ok], rule, ctx, ev)


def _flag_not_allowed(df, col, mapping, allowed, ctx):
    """Values neither allowed nor mapped to an allowed value are kept and flagged."""
    s = df[col]
    st = s.astype(str).str.strip()
    bad = ~s.isin(list(mapping)).values & ~s.isin(list(allowed)).values & (st != "").values & ~V.is_null_token(st).values
    if bad.any():
        ctx.flag(pd.Series(bad, index=df.index), col, "not_allowed", s.values[bad])
    return df


def op_split_merged(df, step, ctx):
    """'Portland OR' in `column` with `into` empty (or equal to the code): the code moves to `into`."""
    col, into = step["column"], step["into"]
    if col not in df or into not in df:
        return df
    codes = set(step.get("values", []))
    tail = pd.Series(V.by_unique(df[col], lambda u: u.str.strip().str.extract(r"^.*?\S\s*[,\s]\s*([^\s,]+)$")[0].values), index=df.index)
    hit = tail.isin(codes)
    if not hit.any():
        return df
    ex = df[col][hit].str.strip().str.extract(r"^(?P<x>.*?\S)\s*[,\s]\s*(?P<t>[^\s,]+)$")
    hit = hit & ex["x"].reindex(df.index).notna()
    ex = ex.reindex(df.index)
    b = pd.Series(V.by_unique(df[into], lambda u: u.str.strip().values, fill=""), index=df.index)
    empty = hit & (b == "")
    same = hit & (b == ex["t"])
    df = update(df, into, empty.values, ex["t"][empty].values, "split_merged", ctx)
    m = (empty | same).values
    return update(df, col, m, ex["x"][empty | same].values, "split_merged", ctx)
