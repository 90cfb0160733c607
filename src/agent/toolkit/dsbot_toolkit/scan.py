"""Pass 1 over the file: every chunk through the column accumulators and the relations
accumulator, on up to two processes.

The work is split by column, never by chunk: a forked helper parses the file too and feeds the
columns it was given, so every accumulator sees the same chunks in the same order as on one
process and the profile is identical whatever the number of processes. The split is balanced by
the time each column took on the second chunk (the first does one-off work).

Each column's accumulator hashes its values once (factorised per chunk); the relations accumulator
combines those hashes into row hashes. The helper sends the hashes of its columns, chunk by chunk,
through its pipe (frames: 1 kind byte, 8-byte length, payload), then its accumulators."""
import fcntl
import os
import pickle
import struct
import time

import numpy as np

from . import forks
from .columns import ColumnAcc
from .relations import RelationsAcc


def scan(s, processes=1):
    """(column accumulators, relations accumulator, rows, chunks) of the whole file of session `s`."""
    accs = [ColumnAcc(c, seed=i + 1, decimal=s.decimal) for i, c in enumerate(s.columns)]
    rel = RelationsAcc(s.columns, spill_dir=s.parts_dir)
    it = s.read_chunks(0)
    rows = chunks = 0
    for _, df in it:  # the first two chunks on this process; the second's timings split the rest
        cost = _timed_update(accs, rel, df)  # (the first does one-off work: examining every value once)
        rows, chunks = rows + len(df), chunks + 1
        if chunks == 2:
            break
    third = next(it, None) if chunks == 2 else None
    if third is None:
        rel.finish()
        return accs, rel, rows, chunks
    helper = _fork_helper(s, accs, cost) if processes > 1 else None
    mine = [a for a in accs if helper is None or a.name not in helper["names"]]
    try:
        it = _narrowed(s, it, helper, mine, rel)
        for _, df in _chain(third, it):
            chunks += 1
            rows += len(df)
            hashes = {acc.name: acc.update(df[acc.name]) for acc in mine}
            if helper is not None:
                hashes.update(_helper_hashes(helper, len(df)))
            rel.update(df, [hashes[c] for c in s.columns])
    except BaseException:
        if helper is not None:   # a file error, a stop: the helper goes too
            _kill_helper(helper)
        raise
    rel.finish()
    if helper is not None:
        _join_helper(helper, accs)
    return accs, rel, rows, chunks


def _narrowed(s, it, helper, mine, rel):
    """With a helper, this process's reader from the fourth chunk on parses only the columns it
    still reads: its own and those the relations count values of (row hashes come from the
    accumulators)."""
    need = rel.needed_columns() if helper is not None else None
    if need is None:
        return it
    keep = need | {a.name for a in mine}
    cols = [c for c in s.columns if c in keep] or s.columns[:1]   # one at least: the chunks' row counts
    if len(cols) == len(s.columns):
        return it
    it.close()
    return s.read_chunks(3, columns=cols)


def _chain(head, it):
    yield head
    yield from it


def _timed_update(accs, rel, df):
    """Feeds a chunk; returns {column: CPU seconds} plus the relations' under None (CPU time: what
    other processes on the machine do does not skew the split)."""
    cost, hashes = {}, []
    for acc in accs:
        t = time.process_time()
        hashes.append(acc.update(df[acc.name]))
        cost[acc.name] = time.process_time() - t
    t = time.process_time()
    rel.update(df, hashes)
    cost[None] = time.process_time() - t
    return cost


def _split(cost):
    """Column names for the helper: the costliest first, each to the lighter side (the main
    process starts with the relations' share)."""
    main, helper, names = cost.get(None, 0.0), 0.0, []
    for name, c in sorted(((k, v) for k, v in cost.items() if k is not None), key=lambda kv: -kv[1]):
        if helper < main:
            helper += c
            names.append(name)
        else:
            main += c
    return names


def _fork_helper(s, accs, cost):
    """Forks a process that feeds chunks 2.. to the columns `_split` gives it and sends their
    accumulators back through a pipe; None when there is nothing to give or fork is unavailable."""
    names = _split(cost)
    if not names or not hasattr(os, "fork"):
        return None
    parent = os.getpid()
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:   # no process to spare (the sandbox's process limit): one process does it all
        os.close(r)
        os.close(w)
        return None
    if pid == 0:  # the helper: never returns, never writes to the kernel's stdout
        code = 1
        try:
            os.close(r)
            forks.die_with_parent(parent)
            given = [a for a in accs if a.name in names]
            try:
                # its own reader (the parent's file offset is not shared), parsing its columns only
                for _, df in s.read_chunks(2, columns=names):
                    block = np.concatenate([acc.update(df[acc.name]) for acc in given])
                    _send(w, b"H", memoryview(block.astype(np.uint64, copy=False)).cast("B"))
                for acc in given:
                    acc.drop_memo()
                kind, msg = b"R", pickle.dumps({a.name: a for a in given}, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as e:  # the parent reports it
                kind, msg = b"E", ("%s: %s" % (type(e).__name__, e)).encode("utf-8", "replace")
            _send(w, kind, msg)
            os.close(w)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    try:  # a larger pipe lets the helper run a chunk ahead (best effort: 1 MiB is the default cap)
        fcntl.fcntl(r, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except OSError:
        pass
    return {"pid": pid, "fd": r, "names": [a.name for a in accs if a.name in set(names)]}


_HEAD = struct.Struct("<cQ")


def _send(fd, kind, payload):
    """In the helper: one frame (kind, length, payload) to the pipe."""
    for part in (_HEAD.pack(kind, len(payload)), payload):
        view = memoryview(part)
        while view:
            view = view[os.write(fd, view):]


def _read_exact(fd, n):
    buf = bytearray()
    while len(buf) < n:
        b = os.read(fd, min(n - len(buf), 1 << 20))
        if not b:
            return None
        buf += b
    return bytes(buf)


def _frame(helper):
    """The helper's next frame (kind, payload); its failure or death is an error naming the reason."""
    head = _read_exact(helper["fd"], _HEAD.size)
    kind, n = _HEAD.unpack(head) if head else (None, 0)
    payload = _read_exact(helper["fd"], n) if head else None
    if payload is None:
        _, status = os.waitpid(helper["pid"], 0)
        helper["reaped"] = True
        raise RuntimeError("the profile's helper process ended without its results (exit status %d)"
                           % os.waitstatus_to_exitcode(status))
    if kind == b"E":
        raise RuntimeError("the profile's helper process failed: %s" % payload.decode("utf-8", "replace"))
    return kind, payload


def _helper_hashes(helper, n):
    """{column: value hashes} of the helper's columns for the chunk of `n` rows both just read."""
    kind, payload = _frame(helper)
    names = helper["names"]
    if kind != b"H" or len(payload) != 8 * n * len(names):
        raise RuntimeError("the profile's helper process is out of step (sent %d bytes for %d rows)" % (len(payload), n))
    block = np.frombuffer(payload, dtype=np.uint64).reshape(len(names), n)
    return dict(zip(names, block))


def _join_helper(helper, accs):
    """Takes the helper's accumulators (its last frame), reaps it and puts them in place."""
    try:
        kind, payload = _frame(helper)
        if kind != b"R":
            raise RuntimeError("the profile's helper process sent more chunks than the file holds")
        done = pickle.loads(payload)  # sent by our own fork a moment ago, inside this sandbox
    except BaseException:
        _kill_helper(helper)
        raise
    os.close(helper["fd"])
    os.waitpid(helper["pid"], 0)
    for i, acc in enumerate(accs):
        if acc.name in done:
            accs[i] = done[acc.name]


def _kill_helper(helper):
    os.close(helper["fd"])
    if not helper.get("reaped"):
        forks.kill(helper["pid"])
