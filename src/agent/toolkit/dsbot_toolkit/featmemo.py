"""Per-value features remembered across the chunks of a column, looked up a chunk at a time:
value -> row (a dict), the features in numpy arrays (one per feature, grown by doubling), so a
chunk's features are gathered with one array index instead of a tuple per value."""
from itertools import repeat

import numpy as np
import pandas as pd

MEMO_CAP = 200000   # distinct values remembered per memo (cleared when it would grow past this)


class FeatureMemo:
    def __init__(self, cap=MEMO_CAP):
        self.cap = cap
        self.clear()

    def clear(self):
        self.ids = {}
        self.cols = None
        self.n = 0

    def __len__(self):
        return self.n

    def lookup(self, vals, compute, remember=True):
        """The features of every value of `vals`, as arrays aligned with it (None when `vals` is
        empty): from the memo, or from `compute(missing, positions)` — the distinct values the memo
        lacks (in order of first appearance) and where they first appear in `vals` — which returns
        a tuple of arrays aligned with `missing`. New values are remembered unless `remember` is
        False."""
        vals = np.asarray(vals, dtype=object)
        if len(vals) == 0:
            return None
        ids = np.fromiter(map(self.ids.get, vals, repeat(-1)), dtype=np.int64, count=len(vals))
        miss = ids < 0
        if not miss.any():
            return tuple(c[ids] for c in self.cols)
        pos = np.flatnonzero(miss & ~pd.Series(vals).duplicated().values)
        missing = vals[pos]
        new = tuple(np.asarray(a) for a in compute(missing, pos))
        local = dict(zip(missing, range(len(missing))))
        li = np.fromiter(map(local.__getitem__, vals[miss]), dtype=np.int64, count=int(miss.sum()))
        out = []
        for j, a in enumerate(new):
            o = np.empty((len(vals),) + a.shape[1:], dtype=a.dtype)
            o[miss] = a[li]
            if not miss.all():
                o[~miss] = self.cols[j][ids[~miss]]
            out.append(o)
        if remember:
            if self.n + len(missing) > self.cap:
                self.clear()
            base = self._append(new)
            self.ids.update(zip(missing, range(base, base + len(missing))))
        return tuple(out)

    def _append(self, new):
        """Adds rows (arrays aligned with each other); returns the first new row's index."""
        base, k = self.n, len(new[0])
        if self.cols is None:
            self.cols = [np.empty((max(k, 1024),) + a.shape[1:], dtype=a.dtype) for a in new]
        elif base + k > len(self.cols[0]):
            size = max(base + k, 2 * len(self.cols[0]))
            grown = []
            for c in self.cols:
                g = np.empty((size,) + c.shape[1:], dtype=c.dtype)
                g[:base] = c[:base]
                grown.append(g)
            self.cols = grown
        for c, a in zip(self.cols, new):
            c[base:base + k] = a
        self.n = base + k
        return base
