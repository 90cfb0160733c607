"""Two-process replay: while a forked child runs stage B of chunk i (validate, write the parts,
measure), the kernel runs stage A of chunk i+1 (read, clean) and keeps it until the host asks for
that chunk. Results are the sequential ones: stage A stays in order in the kernel, and a chunk's
result is returned only once its child exited cleanly. A speculative stage A's error is raised
when the host asks for that chunk, never earlier."""
import gc
import io
import os
import pickle
import sys
import traceback

from . import forks, memo_merge, memory
from . import values as V
from .replay_stages import stage_a, stage_b
from .session import session


class Ahead:
    """Stage A of chunk `index`, run ahead: its Prepared or the exception it raised, and the
    chunks whose kept rows it checked duplicates against."""

    def __init__(self, index, seen_keys, prepared=None, error=None):
        self.index, self.seen_keys, self.prepared, self.error = index, seen_keys, prepared, error


def can_fork():
    """True when this platform can fork."""
    return hasattr(os, "fork")


def _seen_keys(s, i):
    return tuple(sorted(k for k in s.seen if k < i))


def reset(s):
    """Drops any chunk run ahead and kills (and reaps) any child still running."""
    s.replay_ahead = None
    for pid in list(getattr(s, "replay_children", ())):
        _kill(s, pid)


def _kill(s, pid):
    forks.kill(pid)
    s.replay_children.discard(pid)


def replay_chunk_forked(i):
    """replay_chunk(i) with stage B in a child and stage A of chunk i+1 overlapped with it."""
    s = session()
    ahead, s.replay_ahead = getattr(s, "replay_ahead", None), None
    if ahead is not None and ahead.index == i and ahead.seen_keys == _seen_keys(s, i):
        if ahead.error is not None:
            raise ahead.error
        p = ahead.prepared
    else:
        p = stage_a(i)
    ahead = None
    memory.trim()  # the child counts every page of the kernel: fork it without the free ones
    try:
        pid, rfd = _fork_stage_b(s, p)
    except OSError:  # no process to spare (RLIMIT_NPROC, memory): this chunk in the kernel alone
        return replay_in_kernel(s, p)
    hashes = p.hashes
    p = None
    try:
        s.seen[i] = hashes  # chunk i+1 is checked against it; withdrawn if stage B fails
        if i + 1 < s.profile["chunks"]:
            s.replay_ahead = _run_ahead(s, i + 1)
        status, payload = _collect(pid, rfd)
        s.replay_children.discard(pid)
    except BaseException:
        s.seen.pop(i)
        s.replay_ahead = None
        _kill(s, pid)
        raise
    finally:
        os.close(rfd)
    if payload is not None:  # what it printed (warnings...), as if printed here
        sys.stdout.write(payload["stdout"])
        sys.stderr.write(payload["stderr"])
    if status == 0 and payload is not None and payload["ok"]:
        _take_memos(s, payload["memos"])
        return payload["result"]
    s.seen.pop(i)
    raise _child_error(i, status, payload)


def replay_in_kernel(s, p):
    """Stage B of `p` in this process; chunk p.index's kept rows count unless it fails."""
    s.seen[p.index] = p.hashes
    try:
        return stage_b(p)
    except BaseException:
        s.seen.pop(p.index)
        raise


def _run_ahead(s, j):
    keys = _seen_keys(s, j)
    try:
        return Ahead(j, keys, prepared=stage_a(j))
    except Exception as e:  # raised when the host asks for chunk j, as the sequential replay would
        return Ahead(j, keys, error=e)


def _fork_stage_b(s, p):
    """Forks a child running stage B of `p`; returns (pid, read end of its report pipe)."""
    rfd, wfd = os.pipe()
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:
        os.close(rfd)
        os.close(wfd)
        raise
    if pid == 0:  # the child: never returns to the kernel's loop
        # The child's collections leave the kernel's objects alone (fewer pages copied). Frozen
        # here, not in the kernel: the kernel's unfreeze would put every young object (this
        # chunk's garbage cycles too) in the oldest generation, collected only by a rare full
        # collection, and that garbage grew the kernel by about a megabyte per chunk.
        gc.freeze()
        code = 1
        try:
            os.close(rfd)
            forks.die_with_parent(parent)
            sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
            try:
                snaps = _memos(s, memo_merge.snapshot)
                report = {"ok": True, "result": stage_b(p)}
                report["memos"] = [memo_merge.delta(m, snap) for m, snap in zip(_memos(s), snaps)]
                code = 0
            except BaseException as e:
                report = {"ok": False, "error": _pickled(e), "traceback": traceback.format_exc(),
                          "type": type(e).__name__, "message": str(e)}
            report.update(stdout=sys.stdout.getvalue(), stderr=sys.stderr.getvalue())
            data = pickle.dumps(report)
            forks.write_all(wfd, data)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(wfd)
    if not hasattr(s, "replay_children"):
        s.replay_children = set()
    s.replay_children.add(pid)
    return pid, rfd


def _memos(s, fn=None):
    """The per-value verdict memos stage B extends: QualityAcc's and the type checks'."""
    memos = [s.quality.memo, s.valid_memo]
    return [fn(m) for m in memos] if fn else memos


def _take_memos(s, changes):
    """What the child learnt about values saves the next chunks that work, as in one process."""
    for memo, ch in zip(_memos(s), changes):
        memo_merge.merge(memo, ch, V.MEMO_MAX)


def _pickled(e):
    try:
        return pickle.dumps(e)
    except Exception:
        return None


def _collect(pid, rfd):
    """Reads the child's report to EOF, then reaps it: (exit status, report or None)."""
    code, data = forks.collect(pid, rfd)
    try:
        payload = pickle.loads(data) if data else None
    except Exception:
        payload = None
    return code, payload


def _child_error(i, code, payload):
    """The exception stage B raised in the child, or a clear error when it died without one."""
    if payload is not None and not payload["ok"]:
        try:
            err = pickle.loads(payload["error"]) if payload["error"] is not None else None
        except Exception:
            err = None
        if not isinstance(err, BaseException):
            err = RuntimeError("replaying chunk %d: %s: %s" % (i, payload["type"], payload["message"]))
        if payload["traceback"] and hasattr(err, "add_note"):
            err.add_note("(raised in the process that writes chunk %d's parts)\n%s" % (i, payload["traceback"]))
        return err
    how = "was killed by signal %d" % -code if code < 0 else "exited with status %d" % code
    return RuntimeError("replaying chunk %d: the process writing its parts %s before reporting (nothing of it is kept)" % (i, how))
