"""Each chat job runs in a fresh process forked from this warm parent (pandas imported, data
loaded), so no job can change what the next one sees (DESIGN.md decision 10).

The parent: is not dumpable (a job process of the same uid cannot read or write its memory
through /proc or ptrace), is a child subreaper (whatever a job leaves running is re-parented to
it and killed), imports nothing from a writable directory, and reads at most MAX_RESULT_BYTES of
a job's answer, within a wall-clock limit.

A job process: has its stdin/stdout/stderr on /dev/null and every other descriptor closed except
its two pipes (it cannot speak the kernel protocol), may not start processes (RLIMIT_NPROC 0),
may not write file contents (RLIMIT_FSIZE 0), and has its own CPU-seconds limit. One spare is
forked ahead of time (`prefork`) so a query does not wait for the fork.
"""
import gc
import json
import os
import resource
import select
import signal
import sys
import time

MAX_RESULT_BYTES = 1 << 20
JOB_CPU_SECONDS = 60

_state = {"spare": None, "generation": 0, "hardened": False, "dirty": False}


def harden_parent():
    """Once, in the parent: not dumpable, child subreaper, import path without writable dirs."""
    if _state["hardened"]:
        return
    _state["hardened"] = True
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER = 1
    except Exception:  # no ctypes (unusual builds): the fork and rlimits still hold
        pass
    # Everything the parent needs is imported; a job must not plant modules it would import later.
    sys.path[:] = [p for p in sys.path if p.startswith("/usr/")]
    sys.dont_write_bytecode = True


def data_changed():
    """Called after the parent loaded data: the spare (forked before) is stale."""
    _state["generation"] += 1
    _drop_spare()
    gc.collect()
    if hasattr(gc, "freeze"):
        gc.freeze()  # fewer copy-on-write faults in job processes


def _drop_spare():
    spare = _state["spare"]
    _state["spare"] = None
    if spare:
        _kill(spare["pid"])
        for fd in (spare["job"], spare["result"]):
            _close(fd)
        _reap_all()


def _close(fd):
    try:
        os.close(fd)
    except OSError:
        pass


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _children():
    """Pids whose parent is this process (job processes and anything re-parented to us)."""
    me = os.getpid()
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                stat = f.read().decode("ascii", "replace")
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == me:
            out.append(int(name))
    return out


def _reap_all():
    """Kills and reaps every child (a job's leftovers come to us as the subreaper)."""
    for _ in range(100):
        try:
            while True:
                pid, _status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
        except ChildProcessError:
            return
        live = _children()
        if not live:
            time.sleep(0.001)
            continue
        for pid in live:
            _kill(pid)
        time.sleep(0.001)


def _job_process(job_fd, result_fd, handler):
    """Body of a forked job process; never returns."""
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        keep = sorted({job_fd, result_fd})
        os.closerange(3, keep[0])
        os.closerange(keep[0] + 1, keep[1])
        os.closerange(keep[1] + 1, 65536)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file write fails with EFBIG instead of killing us
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        cpu = JOB_CPU_SECONDS if hard == resource.RLIM_INFINITY else min(JOB_CPU_SECONDS, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        chunks = []
        while True:
            chunk = os.read(job_fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        job = json.loads(b"".join(chunks).decode("utf-8"))
        try:
            answer = handler(job)
        except MemoryError:
            answer = {"ok": False, "error": "MemoryError: the query needs more memory than the chat sandbox allows"}
        except Exception as e:  # our handler's bug: reported, never raised into the parent
            answer = {"ok": False, "error": "%s: %s" % (type(e).__name__, str(e)[:300])}
        data = json.dumps(answer, ensure_ascii=False, allow_nan=False, default=str).encode("utf-8")
        view = memoryview(data)
        while view:
            view = view[os.write(result_fd, view):]
        os.close(result_fd)  # EOF now: exiting tears down the address space first, which takes milliseconds
    except BaseException:
        pass
    finally:
        os._exit(0)


def _fork(handler):
    job_r, job_w = os.pipe()
    res_r, res_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        _job_process(job_r, res_w, handler)
    _close(job_r)
    _close(res_w)
    return {"pid": pid, "job": job_w, "result": res_r, "generation": _state["generation"]}


def prefork(handler):
    """Reaps the last job process (and kills anything it left), then makes sure a spare job
    process is waiting. The host calls this after answering, so neither waits in a query."""
    if _state["dirty"]:
        _state["dirty"] = False
        _reap_all()
    spare = _state["spare"]
    if spare and spare["generation"] == _state["generation"]:
        return
    _drop_spare()
    try:
        _state["spare"] = _fork(handler)
    except OSError:
        _state["spare"] = None


def run(job, handler, timeout_s):
    """Runs `handler(job)` in a fresh job process; returns its answer (a dict), or an error dict."""
    harden_parent()
    prefork(handler)
    spare = _state["spare"]
    _state["spare"] = None
    if not spare:
        return {"ok": False, "error": "could not start a process for the query (the sandbox's process limit?)"}
    pid, job_fd, res_fd = spare["pid"], spare["job"], spare["result"]
    error = None
    data = bytearray()
    try:
        payload = memoryview(json.dumps(job).encode("utf-8"))
        while payload:
            payload = payload[os.write(job_fd, payload):]
    except OSError as e:
        error = "the query process died before it got the query (%s)" % e
    _close(job_fd)
    deadline = time.monotonic() + timeout_s
    while error is None:
        left = deadline - time.monotonic()
        if left <= 0:
            error = "the query took longer than %g s and was stopped" % timeout_s
            break
        ready, _, _ = select.select([res_fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(res_fd, 65536)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_RESULT_BYTES:
            error = "the query's answer is larger than %d bytes" % MAX_RESULT_BYTES
    _close(res_fd)
    _kill(pid)
    _state["dirty"] = True  # reaped by the next prefork, off the answer's path
    if error is not None:
        return {"ok": False, "error": error}
    try:
        answer = json.loads(bytes(data).decode("utf-8"))
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        return {"ok": False, "error": "the query process ended without an answer (CPU or memory limit?)"}
    return answer
