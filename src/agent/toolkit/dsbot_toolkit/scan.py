"""Pass 1 over the file: every chunk through the column accumulators and the relations
accumulator, on up to two processes.

The work is split by column, never by chunk: a forked helper parses the file too and feeds the
columns it was given, so every accumulator sees the same chunks in the same order as on one
process and the profile is identical whatever the number of processes. The split is balanced by
the time each column took on the second chunk (the first does one-off work)."""
import os
import pickle
import time

from . import forks
from .columns import ColumnAcc
from .relations import RelationsAcc


def scan(s, processes=1):
    """(column accumulators, relations accumulator, rows, chunks) of the whole file of session `s`."""
    accs = [ColumnAcc(c, seed=i + 1, decimal=s.decimal) for i, c in enumerate(s.columns)]
    rel = RelationsAcc(s.columns, spill_dir=s.parts_dir)
    it = s.read_chunks(0)
    first = next(it, None)
    if first is None:
        rel.finish()
        return accs, rel, 0, 0
    _timed_update(accs, rel, first[1])
    rows, chunks = len(first[1]), 1
    second = next(it, None)
    if second is None:
        rel.finish()
        return accs, rel, rows, chunks
    # the second chunk is timed: the first one does one-off work (examining every value once)
    cost = _timed_update(accs, rel, second[1])
    rows, chunks = rows + len(second[1]), 2
    third = next(it, None)
    if third is None:
        rel.finish()
        return accs, rel, rows, chunks
    helper = _fork_helper(s, accs, cost) if processes > 1 else None
    mine = [a for a in accs if helper is None or a.name not in helper["names"]]
    try:
        for _, df in _chain(third, it):
            chunks += 1
            rows += len(df)
            for acc in mine:
                acc.update(df[acc.name])
            rel.update(df)
    except BaseException:
        if helper is not None:   # a file error, a stop: the helper goes too
            _kill_helper(helper)
        raise
    rel.finish()
    if helper is not None:
        _join_helper(helper, accs)
    return accs, rel, rows, chunks


def _chain(head, it):
    yield head
    yield from it


def _timed_update(accs, rel, df):
    """Feeds the first chunk; returns {column: seconds} plus the relations' time under None."""
    cost = {}
    for acc in accs:
        t = time.perf_counter()
        acc.update(df[acc.name])
        cost[acc.name] = time.perf_counter() - t
    t = time.perf_counter()
    rel.update(df)
    cost[None] = time.perf_counter() - t
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
                    for acc in given:
                        acc.update(df[acc.name])
                for acc in given:
                    acc.drop_memo()
                msg = (True, {a.name: a for a in given})
            except Exception as e:  # the parent reports it
                msg = (False, "%s: %s" % (type(e).__name__, e))
            forks.write_all(w, pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL))
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    return {"pid": pid, "fd": r, "names": set(names)}


def _join_helper(helper, accs):
    """Waits for the helper and puts its accumulators in place; a failed helper is an error."""
    try:
        status, data = forks.collect(helper["pid"], helper["fd"])
    finally:
        os.close(helper["fd"])
    try:
        ok, done = pickle.loads(data)  # sent by our own fork a moment ago, inside this sandbox
    except Exception:
        ok, done = False, "it ended with exit status %d and sent nothing readable" % status
    if not ok:
        raise RuntimeError("the profile's helper process failed: %s" % done)
    for i, acc in enumerate(accs):
        if acc.name in done:
            accs[i] = done[acc.name]


def _kill_helper(helper):
    os.close(helper["fd"])
    forks.kill(helper["pid"])
