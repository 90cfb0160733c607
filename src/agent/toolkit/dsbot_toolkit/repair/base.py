"""What every repair shares: setting cells with lineage, and value maps computed once per distinct
value (remembered across chunks through ctx.memo)."""
import numpy as np
import pandas as pd

from ..values import same_array

MEMO_CAP = 200000  # distinct values remembered per step and column across chunks


def update(df, col, mask, new, rule, ctx, evidence=None):
    """Sets df[col][mask] = new and records the change (rule and evidence: a string or an array)."""
    if not mask.any():
        return df
    cur = df[col].values
    old = cur[mask]
    newv = np.asarray(new, dtype=object)
    ctx.record(df.index.values[mask], col, old, newv, rule, evidence)
    vals = cur.copy() if cur.dtype == object else cur.astype(object)
    vals[mask] = newv
    df[col] = vals
    return df


def flag_values(df, col, mask, rule, ctx):
    """Lists df[col][mask] in flags.csv (kept unchanged)."""
    if mask.any():
        ctx.flag(pd.Series(mask, index=df.index), col, rule, df[col].values[mask])
    return df


def value_map(df, col, fn, ctx, default_rule, key=None):
    """Applies fn(distinct values Series) -> (new, rules|None[, evidence|None[, flags|None]]) to a
    column: `new` replaces each value (unchanged values are not recorded), `flags` (a rule name or
    None per value) lists kept values in flags.csv.

    With `key` and a `ctx.memo` dict (set by make_clean_chunk's function), results for values
    already seen in earlier chunks are looked up instead of recomputed."""
    s, codes, uniques = factorized(df, col, ctx)
    if len(uniques) == 0:
        return df
    u = pd.Series(uniques).astype(str)
    memo = getattr(ctx, "memo", None)
    if memo is not None and key is not None and key in memo and memo[key] is None:
        memo = None  # this column's values rarely repeat: remembering them only costs memory
    entry = memo.get(key) if memo is not None and key is not None else None

    def run(vals):
        res = fn(vals)
        res = tuple(res) + (None,) * (4 - len(res))
        new, rules, ev, fl = res
        n = len(vals)
        new = np.asarray(new, dtype=object)
        rules = np.full(n, default_rule, dtype=object) if rules is None else np.asarray(rules, dtype=object)
        ev = np.full(n, "", dtype=object) if ev is None else np.asarray(ev, dtype=object)
        fl = np.full(n, None, dtype=object) if fl is None else np.asarray(fl, dtype=object)
        return new, rules, ev, fl

    if entry is not None:
        pos = entry[0].get_indexer(u.values)
        todo = pos < 0
        if len(u) > 1000 and todo.mean() > 0.8:
            memo[key] = None
        out = [np.empty(len(u), dtype=object) for _ in range(4)]
        known = ~todo
        for k in range(4):
            out[k][known] = entry[k + 1][pos[known]]
        if todo.any():
            fresh = run(u[todo].reset_index(drop=True))
            for k in range(4):
                out[k][todo] = fresh[k]
            if memo.get(key) is not None and len(entry[0]) < MEMO_CAP:
                memo[key] = (entry[0].append(pd.Index(u.values[todo])),) + tuple(
                    np.concatenate([entry[k + 1], fresh[k]]) for k in range(4))
        new, rules, ev, fl = out
    else:
        new, rules, ev, fl = run(u)
        if memo is not None and key is not None:
            memo[key] = (pd.Index(u.values), new, rules, ev, fl)
    flagged_u = np.array([f is not None for f in fl], dtype=bool)
    if flagged_u.any():
        fmask = flagged_u[codes] & (codes >= 0)
        ctx.flag(pd.Series(fmask, index=df.index), col, fl[codes[fmask]] if len(set(fl[flagged_u])) > 1 else fl[flagged_u][0],
                 s.values[fmask])
    changed_u = new != u.values
    if not changed_u.any():
        return df
    mask = changed_u[codes] & (codes >= 0)
    evm = ev[codes[mask]]
    df = update(df, col, mask, new[codes[mask]], rules[codes[mask]], ctx, evm if any(evm) else None)
    cache = getattr(ctx, "factorized", None)
    if cache is not None and pd.api.types.infer_dtype(uniques, skipna=False) == "string":
        # the new column's factorisation follows from the old one: a value's first row is the first
        # row of its first source value, so the order is the one factorising the column would give
        ucodes, unew = pd.factorize(new, sort=False)
        ncodes = ucodes[codes]
        ncodes[codes < 0] = -1
        cache[col] = (df[col].values, ncodes, np.asarray(unew, dtype=object))
    return df


def factorized(df, col, ctx=None):
    """(df[col], codes, uniques as an object array), as pd.factorize gives them. Within one
    apply_recipe, an array factorised before (by an earlier step, or by the replay's quality pass on
    the input: ctx.factorized) is not factorised again: the steps replace columns, never change an
    array in place."""
    s = df[col]
    cache = getattr(ctx, "factorized", None)
    if cache is not None:
        hit = cache.get(col)
        if hit is not None and same_array(hit[0], s.values):
            return s, hit[1], hit[2]
    codes, uniques = pd.factorize(s, sort=False)
    uniques = np.asarray(uniques, dtype=object)
    if cache is not None:
        cache[col] = (s.values, codes, uniques)
    return s, codes, uniques


def column_key(step, col):
    """A memo key for one step and column."""
    return (id(step), col)
