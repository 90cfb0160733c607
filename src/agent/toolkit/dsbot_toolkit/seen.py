"""The cross-chunk duplicate state: the row hashes each replayed or committed chunk kept, in a few
sorted runs merged while small; a run that reaches RUN_CAP goes to disk (parts/seen-*.npy) with a
Bloom filter kept in memory (10 bits per hash), so memory stays flat. Each chunk's own array is also
on disk (parts/hashes-NNNNN.npy), from where a run holding a chunk that must be left out is rebuilt."""
import os

import numpy as np

from .hashset import Bloom, in_sorted, save_npy

#: Runs stop merging past this many hashes: a merge copies at most twice that (16 MB).
RUN_CAP = 1 << 20


class SeenStore:
    """Chunk index -> the sorted uint64 hashes of the rows it kept; `before(i)` answers membership
    over the chunks before `i`. The chunk set last stays apart (it may still be withdrawn)."""

    def __init__(self, parts_dir):
        self._parts_dir = parts_dir  # a callable: the session's parts directory
        self._runs = []              # [(sorted tuple of chunk indices, sorted hashes)]
        self._newest = None          # (chunk index, hashes)

    def _load(self, k):
        with open(os.path.join(self._parts_dir(), "hashes-%05d.npy" % k), "rb") as f:
            return np.load(f)

    def _all(self):
        return self._runs + ([((self._newest[0],), self._newest[1])] if self._newest else [])

    def __iter__(self):
        return iter(sorted(k for keys, _ in self._all() for k in keys))

    def __contains__(self, k):
        return any(k in keys for keys, _ in self._all())

    def __len__(self):
        return sum(len(keys) for keys, _ in self._all())

    def nbytes(self):
        """Bytes of hashes held in memory."""
        return sum(arr.nbytes for _, arr in self._all())

    def __setitem__(self, k, hashes):
        k = int(k)
        self.pop(k)
        if self._newest is not None:
            self._push(*self._newest)
        self._newest = (k, np.asarray(hashes, dtype=np.uint64))

    def pop(self, k, default=None):
        """Withdraws chunk `k` (a run that held it is rebuilt from the other chunks' saved hashes)."""
        if self._newest is not None and self._newest[0] == k:
            self._newest = None
            return default
        for j, (keys, _) in enumerate(self._runs):
            if k in keys:
                rest = tuple(x for x in keys if x != k)
                if rest:
                    self._runs[j] = (rest, _sorted([self._load(x) for x in rest]))
                else:
                    del self._runs[j]
                break
        return default

    def _push(self, k, arr):
        self._runs.append(((k,), arr))
        runs = self._runs
        while len(runs) > 1 and len(runs[-2][1]) < RUN_CAP and len(runs[-1][1]) >= len(runs[-2][1]) // 2:
            b, a = runs.pop(), runs.pop()
            runs.append((tuple(sorted(a[0] + b[0])), _sorted([a[1], b[1]])))
        # full runs behind the newest go to disk, behind a Bloom filter (memory stays flat)
        for j, (keys, arr) in enumerate(runs[:-1]):
            if isinstance(arr, np.ndarray) and len(arr) >= RUN_CAP:
                runs[j] = (keys, DiskRun.write(os.path.join(self._parts_dir(), "seen-%05d-%05d.npy" % (keys[0], keys[-1])), arr))

    def before(self, index):
        """SeenView of the hashes kept by the chunks before `index`."""
        arrs = []
        for keys, arr in self._all():
            if keys[-1] < index:
                arrs.append(arr)
            elif keys[0] < index:  # a run with later chunks too (a retried or out-of-order chunk)
                arrs.append(_sorted([self._load(x) for x in keys if x < index]))
        return SeenView(arrs)


class DiskRun:
    """A sorted run of hashes on disk with a Bloom filter (10 bits per hash, ~1% false positives)
    in memory: only the filter's positives are looked up in the file."""

    def __init__(self, path, n, bloom):
        self.path, self.n, self.bloom = path, n, bloom

    @classmethod
    def write(cls, path, arr):
        save_npy(path, arr)
        bloom = Bloom.sized(len(arr))
        bloom.add(arr)
        return cls(path, len(arr), bloom)

    def __len__(self):
        return self.n

    @property
    def nbytes(self):
        return self.bloom.nbytes

    def contains(self, h):
        h = np.asarray(h, dtype=np.uint64)
        maybe = self.bloom.maybe(h)
        out = np.zeros(len(h), dtype=bool)
        if maybe.any():
            out[maybe] = in_sorted(np.load(self.path, mmap_mode="r"), h[maybe])
        return out


class SeenView:
    """Membership of row hashes in a few sorted arrays (or runs on disk)."""

    def __init__(self, arrays):
        self.arrays = [a for a in arrays if len(a)]

    def __len__(self):
        return sum(len(a) for a in self.arrays)

    def contains(self, h):
        """Bool array: each hash is in one of the arrays."""
        out = np.zeros(len(h), dtype=bool)
        for a in self.arrays:
            out |= a.contains(h) if isinstance(a, DiskRun) else in_sorted(a, h)
        return out


def _sorted(arrs):
    arrs = [a for a in arrs if len(a)]
    if not arrs:
        return np.empty(0, dtype=np.uint64)
    if len(arrs) == 1:
        return arrs[0]
    return np.sort(np.concatenate(arrs), kind="stable")  # sorted runs: timsort merges them in O(n)
