"""Repairs of entities reported by several sources: each attribute's true value per entity comes
from truth discovery over the whole file (detect/sources.py), computed once on the values as the
recipe's earlier steps normalise them. A claim is replaced only when the truth is clear
(probability >= `min_confidence`) and the claim itself is not plausible (<= 1 - that); a missing
claim is filled the same way. The evidence names the sources behind the truth."""
import numpy as np
import pandas as pd

from ..detect.sources import truth_discovery
from ..session import session
from .base import update
from .dependencies import missing, normaliser

SEP = "\x1f"


def _tables(step, ctx):
    memo = getattr(ctx, "memo", None)
    key = ("source-tables", id(step))
    if memo is not None and key in memo:
        return memo[key]
    rel = getattr(session(), "relations", None)
    recipe = getattr(ctx, "recipe", None)
    k, src = step["key"], step["source"]
    nk, ns = normaliser(recipe, step, k), normaliser(recipe, step, src)
    out = {}
    for c in step.get("columns", []):
        counts = (rel.claims or {}).get(c) if rel is not None else None
        if counts is None or not len(counts):
            continue
        df = counts.reset_index()
        df.columns = ["k", "s", "v", "n"]
        df["k"], df["s"], df["v"] = nk(df["k"].values), ns(df["s"].values), normaliser(recipe, step, c)(df["v"].values)
        df = df[~(missing(df["k"]) | missing(df["v"]))].drop_duplicates(["k", "s", "v"])
        if not len(df):
            continue
        truth, trust = truth_discovery(df[["k", "s", "v"]])
        pairs = df.merge(truth[["v", "p"]].rename(columns={"v": "t", "p": "pt"}), left_on="k", right_index=True)
        # the probability of each claimed value (for "is this claim plausible?")
        kv = df["k"] + SEP + df["v"]
        claim_p = _claim_probabilities(df, trust)
        out[c] = {"truth": truth, "trust": trust, "claim_p": pd.Series(claim_p, index=kv.values).groupby(level=0).max(),
                  "sources": pairs.groupby("k")["s"].nunique()}
    if memo is not None:
        memo[key] = out
    return out


def _claim_probabilities(df, trust):
    """P(value) for each claim row of df (same softmax as truth_discovery, with the final trust)."""
    from ..detect.sources import N_FALSE
    t = np.clip(trust.reindex(df["s"].values).fillna(0.8).values, 0.01, 0.99)
    w = np.log(N_FALSE * t / (1 - t))
    key = (df["k"] + SEP + df["v"]).values
    score = pd.Series(w).groupby(key).transform("sum").values
    first = ~pd.Series(key).duplicated().values
    mx = pd.Series(np.where(first, score, -np.inf)).groupby(df["k"].values).transform("max").values
    e = np.where(first, np.exp(np.clip(score - mx, -50, 0)), 0.0)
    z = pd.Series(e).groupby(df["k"].values).transform("sum").values
    p = e / z
    return pd.Series(np.where(first, p, np.nan)).groupby(key).transform("max").values


def op_sources(df, step, ctx):
    """Sets each entity's attributes to their discovered truth (see the module doc)."""
    k, src = step["key"], step["source"]
    if k not in df or src not in df:
        return df
    tables = _tables(step, ctx)
    conf = float(step.get("min_confidence", 0.9))
    keys = df[k].values.astype(object)
    knull = missing(df[k])
    for c, tab in tables.items():
        if c not in df:
            continue
        truth = tab["truth"]
        ti = truth.index.get_indexer(keys)
        has = (ti >= 0) & ~knull
        ti = np.where(ti >= 0, ti, 0)
        tv, tp = truth["v"].values[ti], truth["p"].values[ti]
        cur = df[c].values.astype(object)
        cnull = missing(df[c])
        cp = tab["claim_p"].reindex(pd.Index(keys + SEP + cur.astype(str))).fillna(0.0).values
        change = has & (tp >= conf) & (tv != cur) & (cnull | (cp <= 1 - conf))
        if not change.any():
            continue
        idx = np.flatnonzero(change)
        nsrc = tab["sources"].reindex(keys[idx]).fillna(0).astype(int).values
        trust = tab["trust"]
        ev = np.array(["%s=%s: %r has probability %.2f across %d sources; this source (%s) is right %.0f%% of the time"
                       % (k, keys[r], tv[r], tp[r], n, df[src].values[r], 100 * float(trust.get(df[src].values[r], 0.0)))
                       for r, n in zip(idx, nsrc)], dtype=object)
        rules = np.where(cnull[idx], "source_fill:%s" % k, "source_truth:%s" % k).astype(object)
        df = update(df, c, change, tv[idx], rules, ctx, ev)
    return df
