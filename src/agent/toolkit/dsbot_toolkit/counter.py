"""A column's value counts across chunks in a dict, capped: once it overflows it keeps the most
frequent half and from then on takes only values that repeat in a chunk or that it holds (a
heavy-hitters sketch). Its order, which breaks ties among equal counts, is the one a pandas
Series summed with `add(fill_value=0)` has: the keys sorted after a merge that brings other keys,
otherwise unchanged (first appearance, or most frequent first after a cut)."""
import numpy as np


class ValueCounter:
    def __init__(self, cap):
        self.cap = cap
        self.counts = {}        # value -> count (float), in insertion order
        self.sorted = False     # the order is the keys sorted, not the dict's
        self.truncated = False

    def __len__(self):
        return len(self.counts)

    def holds(self, vals):
        """Bool array: each of `vals` is counted here."""
        return np.fromiter(map(self.counts.__contains__, vals), dtype=bool, count=len(vals))

    def add(self, keys, counts):
        """Adds distinct values `keys` seen `counts` times."""
        if not len(keys):
            return
        c = self.counts
        if not c:
            self.counts = dict(zip(keys, np.asarray(counts, dtype=float).tolist()))
            self.sorted = False
        else:
            same = len(keys) == len(c) and list(keys) == [k for k, _ in self.items()]
            for k, n in zip(keys, np.asarray(counts, dtype=float).tolist()):
                c[k] = c.get(k, 0.0) + n
            if not same:
                self.sorted = True
        if len(self.counts) > self.cap:
            self.counts = dict(self.largest(self.cap // 2))
            self.sorted = False
            self.truncated = True

    def items(self):
        """(value, count) pairs in the counter's order."""
        return sorted(self.counts.items()) if self.sorted else list(self.counts.items())

    def largest(self, n=None):
        """The `n` most frequent (value, count) pairs (all when None), ties in the counter's order."""
        top = sorted(self.items(), key=lambda kv: -kv[1])
        return top if n is None else top[:n]
