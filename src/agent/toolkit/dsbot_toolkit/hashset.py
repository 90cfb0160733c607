"""An exact set of uint64 row hashes in bounded memory: recent hashes in sorted runs in memory;
past a budget they are merged into a sorted run on disk, and a fixed-size Bloom filter in front
of the disk runs sends only its (few) positives to an exact lookup there."""
import os
import shutil

import numpy as np

MEMORY_ENTRIES = 2_000_000   # hashes held in memory (16 MB) before a run is spilled to disk
BLOOM_BITS = 1 << 27         # 16 MB; ~1% false positives at 10M spilled rows (only costs lookups)
BLOOM_K = 3
BLOCK = 1 << 16              # hashes a Bloom filter adds or probes at a time (bounded temporaries)


class HashSet:
    """Membership of uint64 hashes added chunk by chunk. Exact: a Bloom positive is confirmed
    on disk. `spill_dir` is where runs go (None: created under the session's work dir when first
    needed, or everything stays in memory when there is no session)."""

    def __init__(self, spill_dir=None, memory_entries=MEMORY_ENTRIES, bloom_bits=BLOOM_BITS):
        self.runs = []           # sorted, pairwise disjoint arrays in memory
        self.held = 0
        self.disk = []           # paths of sorted runs on disk
        self.bloom = None
        self.spill_dir = spill_dir
        self.memory_entries = memory_entries
        self.bloom_bits = bloom_bits

    def contains(self, h):
        """Bool array: each hash was added before."""
        h = np.asarray(h, dtype=np.uint64)
        # searched in ascending order: each search starts where the last ended (cache- and
        # page-friendly on large runs and memory-mapped ones)
        order = np.argsort(h, kind="stable")
        hs = h[order]
        found = np.zeros(len(h), dtype=bool)
        for run in self.runs:
            found |= in_sorted(run, hs)
        if self.disk:
            ask = ~found & self.bloom.maybe(hs)
            if ask.any():
                q = hs[ask]
                hit = np.zeros(len(q), dtype=bool)
                for path in self.disk:
                    hit |= in_sorted(np.load(path, mmap_mode="r"), q)
                found[ask] = hit
        out = np.empty(len(h), dtype=bool)
        out[order] = found
        return out

    def add(self, h):
        """Adds hashes (any order, may repeat, may have been added before)."""
        u = np.unique(np.asarray(h, dtype=np.uint64))
        self.add_new(u[~self.contains(u)] if (self.runs or self.disk) else u)

    def add_new(self, h):
        """Adds distinct hashes none of which was added before (runs stay disjoint, so merging two
        is a sort of their concatenation)."""
        if not len(h):
            return
        self.runs.append(np.sort(np.asarray(h, dtype=np.uint64)))
        self.held += len(h)
        while len(self.runs) > 1 and len(self.runs[-1]) >= len(self.runs[-2]) // 2:
            b = self.runs.pop()
            a = self.runs.pop()
            merged = np.concatenate([a, b])
            del a, b
            merged.sort(kind="mergesort")   # two sorted runs: a linear merge
            self.runs.append(merged)
        if self.held > self.memory_entries:
            self._spill()

    def _spill(self):
        d = self._dir()
        if d is None:
            return
        runs, self.runs, self.held = self.runs, [], 0
        run = runs[0] if len(runs) == 1 else np.concatenate(runs)
        if len(runs) > 1:
            del runs[:]                  # the runs go before the sort (in place): one copy at a time
            run.sort(kind="mergesort")   # sorted runs: a linear merge
        del runs
        path = os.path.join(d, "run-%04d.npy" % len(self.disk))
        save_npy(path, run)
        self.disk.append(path)
        if self.bloom is None:
            self.bloom = Bloom(self.bloom_bits)
        self.bloom.add(run)

    def _dir(self):
        if self.spill_dir is None:
            try:
                from .session import session
                base = session().parts_dir
            except RuntimeError:
                return None
            self.spill_dir = os.path.join(base, "seen-%d-%d" % (os.getpid(), id(self)))
            self._owned = True
        os.makedirs(self.spill_dir, exist_ok=True)
        return self.spill_dir

    def close(self):
        """Removes the runs on disk (a directory this set created)."""
        if getattr(self, "_owned", False) and self.spill_dir and os.path.isdir(self.spill_dir):
            shutil.rmtree(self.spill_dir, ignore_errors=True)
        self.disk = []

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class Bloom:
    """A Bloom filter over uint64 hashes (`bits` a power of two, BLOOM_K probes by double hashing):
    `maybe` is False only for hashes never added."""

    def __init__(self, bits):
        self.bits = int(bits)
        self.words = np.zeros(max(1, self.bits // 64), dtype=np.uint64)

    @classmethod
    def sized(cls, n, bits_per_item=10):
        """A filter of about `bits_per_item` bits per item for `n` items (~1% false positives)."""
        return cls(1 << max(6, int(np.ceil(np.log2(max(1, n) * bits_per_item)))))

    @property
    def nbytes(self):
        return self.words.nbytes

    def _positions(self, h):
        h2 = (h >> np.uint64(32)) | np.uint64(1)
        for i in range(BLOOM_K):
            yield (h + np.uint64(i) * h2) & np.uint64(self.bits - 1)

    def add(self, h):
        h = np.asarray(h, dtype=np.uint64)
        for lo in range(0, len(h), BLOCK):  # a block at a time: a few small temporaries, not 7 arrays of len(h)
            for pos in self._positions(h[lo:lo + BLOCK]):
                idx = (pos >> np.uint64(6)).astype(np.intp)
                bit = np.left_shift(np.uint64(1), pos & np.uint64(63))
                # a scatter-OR without ufunc.at (slow): where several bits go to one word only one
                # write lands per round, so the bits not yet set go round again
                while len(idx):
                    self.words[idx] = self.words[idx] | bit
                    left = (self.words[idx] & bit) == 0
                    idx, bit = idx[left], bit[left]

    def maybe(self, h):
        h = np.asarray(h, dtype=np.uint64)
        ok = np.ones(len(h), dtype=bool)
        for lo in range(0, len(h), BLOCK):
            part = ok[lo:lo + BLOCK]
            for pos in self._positions(h[lo:lo + BLOCK]):
                part &= ((self.words[pos >> np.uint64(6)] >> (pos & np.uint64(63))) & np.uint64(1)).astype(bool)
        return ok


def in_sorted(run, h):
    """Bool array: each of `h` is in the sorted array `run` (an array or a memory map)."""
    if not len(run):
        return np.zeros(len(h), dtype=bool)
    pos = np.minimum(np.searchsorted(run, h), len(run) - 1)
    return np.asarray(run[pos]) == h


def save_npy(path, arr):
    """Writes `arr` to `path` atomically (a reader never sees half a file)."""
    with open(path + ".tmp", "wb") as f:
        np.save(f, arr)
    os.replace(path + ".tmp", path)
