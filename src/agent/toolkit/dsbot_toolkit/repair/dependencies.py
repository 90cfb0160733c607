"""Repairs from approximate functional dependencies (DESIGN.md decision 9).

For every dependency lhs -> rhs the profile confirmed, each row's lhs group (distinct rows of the
whole file, the row itself left out) either supports the row's rhs value, says nothing, or
contradicts it with a clear majority. A row's violations are blamed on the cell involved in most
of them (a wrong lhs value breaks the dependencies going out of it, a wrong rhs value those
coming into it). A blamed cell is repaired to the value its incoming dependencies agree on:
  - a missing cell is filled when one dependency's group has a clear majority;
  - a present cell is changed only when a strong dependency (confidence >= `strong`) or two
    agreeing dependencies say so, no dependency supports its current value, and no other
    candidate comes close.
Violations that do not meet this bar are flagged (kept, listed in flags.csv), never guessed."""
import numpy as np
import pandas as pd

from .. import values as V
from ..session import session
from .base import update

SEP = "\x1f"
NORMALISING_OPS = ("strip_whitespace", "null_tokens", "to_numeric", "dominant_format", "canonical_categories", "map_values",
                   "fix_values")


def missing(values):
    """Bool array: blank or a null token."""
    s = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    return V.by_unique(s, lambda u: V.is_null_token(u).values, fill=True).astype(bool)


def normaliser(recipe, step, column):
    """Maps raw values of `column` the way the recipe's value-level steps before `step` do."""
    from ..context import ChunkContext
    from . import OPS
    prefix = []
    for st in recipe or []:
        if st is step:
            break
        if st.get("op") in NORMALISING_OPS or (st.get("op") == "split_merged" and st.get("column") == column):
            prefix.append(st)

    def norm(values):
        frame = pd.DataFrame({column: pd.Series(np.asarray(values, dtype=object)).astype(str).values})
        ctx = ChunkContext(original=frame)
        for st in prefix:
            if st["op"] == "split_merged":  # the code moves out of the value ('Portland OR' -> 'Portland')
                frame[st["into"]] = ""
            frame = OPS[st["op"]](frame, st, ctx)
        return frame[column].values
    return norm


class GroupTable:
    """One dependency's groups over the whole file (normalised values, distinct-row counts):
    per lhs value the two most frequent rhs values and the total; per (lhs, rhs) pair its count."""

    def __init__(self, counts, norm_lhs, norm_rhs):
        df = counts.reset_index()
        df.columns = ["a", "b", "n"]
        df["a"] = norm_lhs(df["a"].values)
        df["b"] = norm_rhs(df["b"].values)
        df = df[~(missing(df["a"]) | missing(df["b"]))]
        df = df.groupby(["a", "b"], sort=False)["n"].sum().reset_index()
        self.pairs = pd.Series(df["n"].values, index=pd.Index((df["a"] + SEP + df["b"]).values))
        df = df.sort_values(["a", "n", "b"], ascending=[True, False, True], kind="mergesort")
        rank = df.groupby("a", sort=False).cumcount().values
        first, second = df[rank == 0].set_index("a"), df[rank == 1].set_index("a")
        g = pd.DataFrame({"top1": first["b"], "n1": first["n"]})
        g["top2"] = second["b"].reindex(g.index).fillna("")
        g["n2"] = second["n"].reindex(g.index).fillna(0)
        g["tot"] = df.groupby("a", sort=False)["n"].sum().reindex(g.index)
        self.groups = g


def _tables(step, ctx):
    memo = getattr(ctx, "memo", None)
    key = ("dependency-tables", id(step))
    if memo is not None and key in memo:
        return memo[key]
    rel = getattr(session(), "relations", None)
    recipe = getattr(ctx, "recipe", None)
    norms, tables = {}, []
    for fd in step.get("fds", []):
        counts = (rel.fd or {}).get((fd["lhs"], fd["rhs"])) if rel is not None else None
        if counts is None or not len(counts):
            tables.append(None)
            continue
        for c in (fd["lhs"], fd["rhs"]):
            if c not in norms:
                norms[c] = normaliser(recipe, step, c)
        tables.append(GroupTable(counts, norms[fd["lhs"]], norms[fd["rhs"]]))
    if memo is not None:
        memo[key] = tables
    return tables


class _Verdict:
    """One dependency's verdict on every row of a chunk."""

    def __init__(self, fd, table, df, null, min_share, min_support):
        self.lhs, self.rhs, self.conf = fd["lhs"], fd["rhs"], float(fd.get("confidence", 0.0))
        a = df[self.lhs].values.astype(object)
        b = df[self.rhs].values.astype(object)
        g = table.groups
        gi = g.index.get_indexer(a)
        ok = (gi >= 0) & ~null[self.lhs]
        gi = np.where(gi >= 0, gi, 0)
        top1, n1 = g["top1"].values[gi], g["n1"].values[gi].astype(float)
        top2, n2 = g["top2"].values[gi], g["n2"].values[gi].astype(float)
        tot = g["tot"].values[gi].astype(float)
        pi = table.pairs.index.get_indexer(a + SEP + b)
        cnt = np.where(pi >= 0, table.pairs.values[np.where(pi >= 0, pi, 0)], 0.0)
        self.bnull = null[self.rhs]
        own = (~self.bnull & (cnt >= 1)).astype(float)     # the row itself is left out
        n1o, n2o = n1 - own * (b == top1), n2 - own * (b == top2)
        self.win = np.where(n1o >= n2o, top1, top2)
        self.wk = np.maximum(n1o, n2o)
        self.others = tot - own
        cur = cnt - own
        self.support = ok & ~self.bnull & (self.win == b) & (self.wk >= 1)
        # the lhs value predicts this row's rhs with a clear majority of its other rows
        self.predicts = self.support & (self.wk >= 2) & (self.wk >= min_share * (tot - own)) & (self.conf >= 0.9)
        need = np.where(self.bnull, 1.0, float(min_support))
        if fd.get("fill_only"):  # the same entity recorded a few times: its other records fill gaps
            ok = ok & self.bnull & (self.others <= 3)
            self.support &= False
            self.predicts &= False
        self.viol = (ok & (self.win != b) & (self.win != "") & (self.wk >= need) & (self.wk >= min_share * self.others)
                     & (cur <= 0.1 * self.wk))
        self.lhs_values = a


def op_dependencies(df, step, ctx):
    """Repairs cells that break the file's functional dependencies (see the module doc)."""
    fds = [fd for fd in step.get("fds", []) if fd["lhs"] in df and fd["rhs"] in df]
    if not fds or not len(df):
        return df
    tables = _tables(step, ctx)
    tables = [t for fd, t in zip(step.get("fds", []), tables) if fd["lhs"] in df and fd["rhs"] in df]
    min_share, min_support = float(step.get("min_share", 0.8)), float(step.get("min_support", 2))
    strong = float(step.get("strong", 0.9))
    cols = sorted({c for fd in fds for c in (fd["lhs"], fd["rhs"])})
    null = {c: missing(df[c]) for c in cols}
    verdicts = [_Verdict(fd, t, df, null, min_share, min_support) for fd, t in zip(fds, tables) if t is not None]
    if not verdicts:
        return df
    key_class = _equivalent_columns(step.get("fds", []), strong)
    n, ci = len(df), {c: i for i, c in enumerate(cols)}
    blame = np.zeros((n, len(cols)))
    involved = np.zeros((n, len(cols)), dtype=int)   # violated dependencies each cell takes part in
    for v in verdicts:
        blame[:, ci[v.rhs]] += v.viol * v.conf
        blame[:, ci[v.lhs]] += v.viol * ~v.bnull * 0.99 * v.conf
        involved[:, ci[v.rhs]] += v.viol
        involved[:, ci[v.lhs]] += v.viol & ~v.bnull
    plans = []
    for rhs in cols:
        into = [v for v in verdicts if v.rhs == rhs]
        if not into:
            continue
        # a value is supported when a dependency into it agrees, or when it predicts the row's
        # other values through a dependency going out of it (a wrong value would not)
        supported = np.logical_or.reduce([v.support for v in into] + [v.predicts for v in verdicts if v.lhs == rhs])
        mine = blame[:, ci[rhs]]
        # a cell is repaired only from dependencies whose lhs cell is less suspect than it (two wrong
        # cells in one row are each judged against the cells they share a violation with)
        cand = np.logical_or.reduce([v.viol for v in into]) & ~supported
        if not cand.any():
            continue
        valid = [v.viol & (blame[:, ci[v.lhs]] < mine) for v in into]
        weight, count, maxconf = [], [], []
        for k, v in enumerate(into):
            same = [valid[j] & (into[j].win == v.win) for j in range(len(into))]
            weight.append(sum(s * into[j].conf for j, s in enumerate(same)) * valid[k])
            # agreeing dependencies count once per class of equivalent lhs columns (brewery id and
            # brewery name say the same thing: one piece of evidence, not two)
            classes = {}
            for j, s_ in enumerate(same):
                c = key_class.get(into[j].lhs, into[j].lhs)
                classes[c] = classes[c] | s_ if c in classes else s_
            count.append(sum(m.astype(int) for m in classes.values()) * valid[k])
            maxconf.append(np.max([np.where(s, into[j].conf, 0.0) for j, s in enumerate(same)], axis=0) * valid[k])
        weight, count, maxconf = np.array(weight), np.array(count), np.array(maxconf)
        best = weight.argmax(axis=0)
        rows = np.arange(n)
        wbest = weight[best, rows]
        win = np.array([into[k].win[r] for r, k in enumerate(best)], dtype=object)
        rival = np.zeros(n)
        for k, v in enumerate(into):
            rival = np.maximum(rival, np.where(v.win != win, weight[k], 0.0))
        bnull = into[0].bnull
        wk = np.array([into[k].wk[r] for r, k in enumerate(best)])
        # a present value yields to two rows of its group only when it also breaks another
        # dependency; to three or more on that one
        enough = (wk >= 2) | (involved[:, ci[rhs]] >= 2)
        decided = cand & (wbest > 0) & (wbest >= 2 * rival) & (bnull | (((maxconf[best, rows] >= strong) | (count[best, rows] >= 2)) & enough))
        # a violation of a weak dependency (< strong) is what that dependency's confidence already
        # expects in some rows: only violations of strong ones are flagged for review
        # and only where three or more other rows agree (two rows sharing a value is a weak sign of one entity)
        strong_viol = np.logical_or.reduce([v.viol & (v.conf >= strong) & (v.wk >= 3) for v in into])
        undecided = cand & ~decided & strong_viol
        if decided.any():
            plans.append((rhs, decided, win, best, into, bnull))
        if undecided.any():
            ctx.flag(pd.Series(undecided, index=df.index), rhs, "fd_violation", df[rhs].values[undecided])
    for rhs, decided, win, best, into, bnull in plans:
        idx = np.flatnonzero(decided)
        rules, ev = [], []
        for r in idx:
            v = into[best[r]]
            agree = sorted({u.lhs for u in into if u.viol[r] and u.win[r] == win[r]})
            rules.append("%s:%s->%s" % ("fd_fill" if bnull[r] else "fd", "+".join(agree), rhs))
            ev.append("%s=%s: %r in %d of %d other rows" % (v.lhs, _short(v.lhs_values[r]), win[r], int(v.wk[r]), int(v.others[r])))
        df = update(df, rhs, decided, win[idx], np.array(rules, dtype=object), ctx, np.array(ev, dtype=object))
    return df


def _equivalent_columns(fds, strong):
    """{column: class name}: columns that determine each other strongly (a -> b and b -> a) are one class."""
    strong_pairs = {(f["lhs"], f["rhs"]) for f in fds if f.get("confidence", 0) >= strong and not f.get("fill_only")}
    parent = {}

    def find(x):
        while parent.get(x, x) != x:
            x = parent[x]
        return x
    for a, b in strong_pairs:
        if (b, a) in strong_pairs:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {c: find(c) for c in {x for p in strong_pairs for x in p}}


def _short(v, n=40):
    v = str(v)
    return v if len(v) <= n else v[:n] + "…"
