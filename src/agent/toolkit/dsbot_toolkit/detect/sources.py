"""Entities reported by several sources (an entity key column plus a source column: the same
flight listed by 30 websites): which column is which, and truth discovery that weighs each
source by its estimated reliability (the ACCU family: a source's votes count more the more often
it agrees with what the others establish; estimated iteratively), not a plain vote."""
import numpy as np
import pandas as pd

CLAIM_CAP = 300000      # (entity, source, value) claims kept per attribute
N_FALSE = 10            # how many wrong values a source could pick from (ACCU's n)


def find_key_and_source(df, columns):
    """(key, source) columns on a sample of distinct rows, or None: the source has a few values
    each seen often; every entity is reported by two or more sources, once each."""
    n = len(df)
    if n < 40:
        return None
    nun = {c: df[c].nunique() for c in columns}
    # a source names who reported the row (a site, a system): text, not a number or a date, which
    # would be a time axis of the entity (seasons, snapshots) whose values legitimately change
    sources = [c for c in columns if 2 <= nun[c] <= min(200, n / 5) and df[c].value_counts().min() >= 2
               and not df[c].str.match(r"^\s*[-+\d.,:/ ]+\s*$").mean() > 0.5]
    keys = [c for c in columns if n / 200 <= nun[c] <= n / 2][:16]
    sources = sources[:16]   # bounded work on wide files
    best = None
    for s in sources:
        for k in keys:
            if k == s:
                continue
            pairs = df.groupby([k, s], sort=False).size()
            once = float((pairs == 1).sum()) / len(pairs)
            per_key = pairs.groupby(level=0).size()
            multi = float((per_key >= 2).mean())
            if once < 0.9 or multi < 0.5:
                continue
            # the sources describe the same thing: for each attribute, an entity's rows mostly agree
            attrs = [c for c in columns if c not in (k, s)]
            if not attrs or np.mean([_agreement(df, k, a) for a in attrs]) < 0.7:
                continue
            score = multi * per_key.mean()
            if best is None or score > best[0]:
                best = (score, k, s)
    return None if best is None else (best[1], best[2])


def _agreement(df, k, a):
    """Share of rows (in entities with two or more rows) holding their entity's most common value."""
    g = df.groupby(k, sort=False)[a]
    size = g.transform("size")
    multi = df[size.values >= 2]
    if not len(multi):
        return 1.0
    top = multi.groupby([k, a], sort=False).size().groupby(level=0).max().sum()
    return float(top) / len(multi)


def truth_discovery(claims, iterations=12):
    """claims: DataFrame [k, s, v] (one row per claim). Returns (truth DataFrame indexed by k with
    columns v, p, n_claims; source reliability Series)."""
    src_codes, src_names = pd.factorize(claims["s"])
    key = claims["k"].astype(str) + "\x1f" + claims["v"].astype(str)
    kv_codes, kv_names = pd.factorize(key)
    k_of_kv = pd.Series(kv_names).str.split("\x1f", n=1).str[0].values
    k_codes, k_names = pd.factorize(k_of_kv)
    trust = np.full(len(src_names), 0.8)
    p = None
    for _ in range(iterations):
        t = np.clip(trust, 0.01, 0.99)
        w = np.log(N_FALSE * t / (1 - t))
        score = np.bincount(kv_codes, weights=w[src_codes], minlength=len(kv_names))
        # softmax of the scores within each entity (over the values claimed for it)
        mx = pd.Series(score).groupby(k_codes).transform("max").values
        e = np.exp(np.clip(score - mx, -50, 0))
        p = e / pd.Series(e).groupby(k_codes).transform("sum").values
        new = np.bincount(src_codes, weights=p[kv_codes], minlength=len(src_names)) / np.maximum(
            np.bincount(src_codes, minlength=len(src_names)), 1)
        if np.abs(new - trust).max() < 1e-4:
            trust = new
            break
        trust = new
    claims_n = np.bincount(kv_codes, minlength=len(kv_names))
    table = pd.DataFrame({"k": k_of_kv, "v": pd.Series(kv_names).str.split("\x1f", n=1).str[1].values, "p": p, "n": claims_n})
    table = table.sort_values(["k", "p"], ascending=[True, False], kind="mergesort")
    top = table.groupby("k", sort=False).head(1).set_index("k")
    return top, pd.Series(trust, index=src_names)
