"""Pass 1 over the file: every chunk through the column accumulators and the relations
accumulator, on up to two processes.

The work is split by column, never by chunk: a forked helper parses the file too and feeds the
columns it was given, so every accumulator sees the same chunks in the same order as on one
process and the profile is identical whatever the number of processes. The split is balanced by
the time each column took on the first chunk."""
import os
import pickle
import time

from .columns import ColumnAcc
from .relations import RelationsAcc


def scan(s, processes=1):
    """(column accumulators, relations accumulator, rows, chunks) of the whole file of session `s`."""
    accs = [ColumnAcc(c, seed=i + 1, decimal=s.decimal) for i, c in enumerate(s.columns)]
    rel = RelationsAcc(s.columns)
    it = s.read_chunks(0)
    first = next(it, None)
    if first is None:
        rel.finish()
        return accs, rel, 0, 0
    cost = _timed_update(accs, rel, first[1])
    rows, chunks = len(first[1]), 1
    second = next(it, None)
    if second is None:
        rel.finish()
        return accs, rel, rows, chunks
    helper = _fork_helper(s, accs, cost) if processes > 1 else None
    mine = [a for a in accs if helper is None or a.name not in helper["names"]]
    for _, df in _chain(second, it):
        chunks += 1
        rows += len(df)
        for acc in mine:
            acc.update(df[acc.name])
        rel.update(df)
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
    """Forks a process that feeds chunks 1.. to the columns `_split` gives it and writes their
    accumulators to a file; None when there is nothing to give or fork is unavailable."""
    names = _split(cost)
    if not names or not hasattr(os, "fork"):
        return None
    os.makedirs(s.parts_dir, exist_ok=True)
    path = os.path.join(s.parts_dir, "scan-helper-%d.pickle" % os.getpid())
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the helper: never returns, never writes to the kernel's stdout
        code = 1
        try:
            _die_with_parent(parent)
            given = [a for a in accs if a.name in names]
            for _, df in s.read_chunks(1):   # its own reader: the parent's file offset is not shared
                for acc in given:
                    acc.update(df[acc.name])
            for acc in given:
                acc.drop_memo()
            tmp = path + ".tmp"
            with open(tmp, "wb") as f:
                pickle.dump({a.name: a for a in given}, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
            code = 0
        except BaseException as e:  # the parent reports it
            with open(path + ".err", "w") as f:
                f.write("%s: %s" % (type(e).__name__, e))
        finally:
            os._exit(code)
    return {"pid": pid, "path": path, "names": set(names)}


def _join_helper(helper, accs):
    """Waits for the helper and puts its accumulators in place; a failed helper is an error."""
    _, status = os.waitpid(helper["pid"], 0)
    path = helper["path"]
    try:
        if status != 0 or not os.path.exists(path):
            why = ""
            if os.path.exists(path + ".err"):
                with open(path + ".err") as f:
                    why = ": " + f.read(2000)
            raise RuntimeError("the profile's helper process failed (exit status %d)%s" % (status, why))
        with open(path, "rb") as f:
            done = pickle.load(f)  # written by our own fork a moment ago, inside this sandbox
    finally:
        for p in (path, path + ".err"):
            if os.path.exists(p):
                os.remove(p)
    for i, acc in enumerate(accs):
        if acc.name in done:
            accs[i] = done[acc.name]


def _die_with_parent(parent):
    """The helper is killed with its parent (a stopped run's kernel leaves nothing running)."""
    try:
        import ctypes
        import signal
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:   # the parent died before the signal was armed
        os._exit(1)
