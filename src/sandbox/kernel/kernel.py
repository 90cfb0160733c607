"""dsbot kernel: one persistent Python namespace driven by newline-delimited JSON.

Protocol (one JSON object per line, on the process's real stdin/stdout; see
src/sandbox/kernel-protocol.ts for the host side):

  host -> kernel  {"type":"init","tools":[names],"max_output_bytes":N,"sys_path":[dirs]}   (first line)
                  {"type":"exec","id":N,"code":"..."}
                  {"type":"tool_result","id":N,"ok":true,"value":...} | {"ok":false,"error":"..."}
  kernel -> host  {"type":"ready","python":"3.11.2","pandas":"1.5.3"}
                  {"type":"result","id":N,"stdout":..,"stderr":..,"error":{type,message,traceback}|null,
                   "duration_ms":..,"has_final_answer":bool,"final_answer"?:..}
                  {"type":"tool_call","id":N,"name":..,"args":[..],"kwargs":{..}}

While a cell runs, sys.stdout/sys.stderr are capped buffers. Raw writes to fd 1 (for example
from a subprocess) go to the process's stderr, never into the protocol stream.
Standard library only (pandas is imported at start when present so cells are fast).
Works on Python 3.9+.
"""
import ast
import builtins
import datetime
import io
import json
import linecache
import math
import os
import sys
import threading
import time
import traceback
import types

# --- protocol fds: private copies of the real stdin/stdout -------------------------------
_PROTO_IN = os.fdopen(os.dup(0), "rb")
_PROTO_OUT = os.fdopen(os.dup(1), "wb")
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
os.close(_devnull)
os.dup2(2, 1)  # stray fd-1 writes (subprocesses, C code) land on stderr, not in the protocol


def _close_inherited_fds(keep):
    """Closes descriptors the host process had without close-on-exec (a supervisor's pipe, a log
    file opened for append): bubblewrap passes them on, and every cell could use them."""
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:
        return
    for fd in fds:
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass  # the listing's own descriptor, already closed


_close_inherited_fds({_PROTO_IN.fileno(), _PROTO_OUT.fileno()})
_SEND_LOCK = threading.Lock()
_REAL_STDERR = sys.stderr

try:  # imported once so cells that use pandas start fast
    import numpy as _np  # noqa: F401
    import pandas as _pd  # noqa: F401
    _PANDAS_ERROR = None
except Exception as _exc:  # the host says what to install
    _np = None
    _pd = None
    _PANDAS_ERROR = "%s: %s" % (type(_exc).__name__, _exc)


def _send(msg):
    data = (json.dumps(msg, ensure_ascii=True, allow_nan=False, default=str) + "\n").encode("ascii")
    with _SEND_LOCK:
        _PROTO_OUT.write(data)
        _PROTO_OUT.flush()


_BACKLOG = []  # messages that arrived while a cell waited for a tool result


def _next_message():
    """Next message for the main loop: the backlog first, then stdin."""
    if _BACKLOG:
        return _BACKLOG.pop(0)
    return _recv()


def _recv():
    """Next message from the host; exits quietly when the host closed stdin."""
    while True:
        line = _PROTO_IN.readline()
        if not line:
            os._exit(0)
        line = line.strip()
        if not line:
            continue
        try:
            return json.loads(line)
        except ValueError:
            continue


# --- JSON-safe values -------------------------------------------------------------------
_MAX_STR = 4000


def jsonable(value, depth=0):
    """A JSON-serialisable form of any value; never raises."""
    try:
        if value is None or isinstance(value, (bool, str)):
            return value if not isinstance(value, str) or len(value) <= 1_000_000 else value[:1_000_000]
        if isinstance(value, int):
            return value if abs(value) < 2**63 else str(value)
        if isinstance(value, float):
            return value if math.isfinite(value) else None
        if depth > 20:
            return repr(value)[:_MAX_STR]
        mod = type(value).__module__ or ""
        if mod.startswith("pandas"):
            if hasattr(value, "shape") and hasattr(value, "head"):
                text = value.head(20).to_string()
                return "<%s shape=%s>\n%s" % (type(value).__name__, tuple(value.shape), text[:_MAX_STR])
            if value is getattr(_pd, "NA", object()) or value is getattr(_pd, "NaT", object()):
                return None
            if hasattr(value, "isoformat"):
                return value.isoformat()
        if mod.startswith("numpy"):
            if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
                return jsonable(value.tolist()[:10_000], depth + 1)
            if hasattr(value, "item"):
                return jsonable(value.item(), depth + 1)
        if isinstance(value, dict):
            return {str(k): jsonable(v, depth + 1) for k, v in list(value.items())[:10_000]}
        if isinstance(value, (list, tuple, set, frozenset)):
            return [jsonable(v, depth + 1) for v in list(value)[:10_000]]
        if isinstance(value, (bytes, bytearray)):
            return bytes(value[:1_000_000]).decode("utf-8", "replace")
        if isinstance(value, (datetime.date, datetime.time)):
            return value.isoformat()
        return repr(value)[:_MAX_STR]
    except BaseException:  # a broken __repr__ must not take the kernel down
        return "<unrepresentable %s>" % type(value).__name__


# --- capped output ----------------------------------------------------------------------
class _TextOut(io.TextIOBase):
    """A text stream that accepts str writes in UTF-8 and is not a terminal."""

    @property
    def encoding(self):
        return "utf-8"

    def writable(self):
        return True

    def isatty(self):
        return False


class CappedStream(_TextOut):
    """A text stream keeping the first `limit` bytes and counting the rest."""

    def __init__(self, limit):
        super().__init__()
        self.limit = limit
        self.size = 0
        self.dropped = 0
        self.parts = []

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        room = self.limit - self.size
        if room <= 0:
            self.dropped += len(s.encode("utf-8", "replace")) if len(s) < 1_000_000 else len(s)
            return len(s)
        data = s.encode("utf-8", "replace")
        if len(data) <= room:
            self.parts.append(s)
            self.size += len(data)
        else:
            self.parts.append(data[:room].decode("utf-8", "ignore"))
            self.size = self.limit
            self.dropped += len(data) - room
        return len(s)

    def getvalue(self):
        text = "".join(self.parts)
        if self.dropped:
            text += "\n[truncated %d bytes]" % self.dropped
        return text


class _Router(_TextOut):
    """The permanent sys.stdout/sys.stderr: writes go to the running cell's capped buffer, or to
    the process's stderr between cells. Loggers that kept a reference keep working across cells."""

    def __init__(self, fallback):
        super().__init__()
        self.fallback = fallback
        self.target = None

    def write(self, s):
        target = self.target
        if target is not None:
            return target.write(s)
        try:
            return self.fallback.write(s)
        except Exception:
            return len(s) if isinstance(s, str) else 0

    def flush(self):
        if self.target is None:
            try:
                self.fallback.flush()
            except Exception:
                pass


_OUT = _Router(_REAL_STDERR)
_ERR = _Router(_REAL_STDERR)
sys.stdout, sys.stderr = _OUT, _ERR


# --- final_answer and host tools --------------------------------------------------------
class _FinalAnswer(BaseException):
    """Raised by final_answer(); a BaseException so `except Exception` in a cell cannot swallow it."""

    def __init__(self, value):
        super().__init__("final_answer")
        self.value = value


def final_answer(value):
    """Ends the task with `value` (reported to the host; the rest of the cell does not run)."""
    raise _FinalAnswer(value)


class HostToolError(Exception):
    """A host-side tool failed; the message is the host's error message."""


_tool_lock = threading.Lock()
_tool_ids = [0]


def _call_host(name, args, kwargs):
    with _tool_lock:
        _tool_ids[0] += 1
        call_id = _tool_ids[0]
        _send({"type": "tool_call", "id": call_id, "name": name,
               "args": jsonable(list(args)), "kwargs": jsonable(dict(kwargs))})
        while True:
            msg = _recv()
            if msg.get("type") == "tool_result" and msg.get("id") == call_id:
                break
            if msg.get("type") != "tool_result":
                _BACKLOG.append(msg)
    if msg.get("ok"):
        return msg.get("value")
    raise HostToolError(str(msg.get("error", "host tool %s failed" % name)))


def _make_tool(name):
    def tool(*args, **kwargs):
        return _call_host(name, args, kwargs)

    tool.__name__ = tool.__qualname__ = name
    tool.__doc__ = "Host tool `%s`: runs on the host and returns its JSON result (raises HostToolError)." % name
    return tool


# --- the namespace and cells ------------------------------------------------------------
_main = types.ModuleType("__main__")
_main.__dict__.update({"__builtins__": builtins, "final_answer": final_answer, "HostToolError": HostToolError})
if _pd is not None:
    _main.__dict__.update({"pd": _pd, "np": _np})
sys.modules["__main__"] = _main
_NS = _main.__dict__
_KERNEL_FILE = __file__
_cell_no = [0]
_max_output = [64 * 1024]


def _cell_traceback(exc):
    """Traceback limited to the cell's frames (plus the last two frames of library code)."""
    if isinstance(exc, SyntaxError):
        return "".join(traceback.format_exception_only(type(exc), exc))
    frames = traceback.extract_tb(exc.__traceback__)
    first = next((i for i, f in enumerate(frames) if f.filename.startswith("<cell-")), len(frames))
    frames = [f for f in frames[first:] if f.filename != _KERNEL_FILE]
    keep = [f for i, f in enumerate(frames) if f.filename.startswith("<cell-") or i >= len(frames) - 2]
    lines = ["Traceback (most recent call last):\n"] if keep else []
    lines += traceback.StackSummary.from_list(keep).format()
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)


def _compile_cell(code, filename):
    """Compiles a cell; a trailing expression is evaluated and its repr printed (like a notebook)."""
    tree = ast.parse(code, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, filename, "exec")
    return body, (compile(last, filename, "eval") if last is not None else None)


def run_cell(cell_id, code):
    _cell_no[0] += 1
    filename = "<cell-%d>" % _cell_no[0]
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    out, err = CappedStream(_max_output[0]), CappedStream(_max_output[0])
    result = {"type": "result", "id": cell_id, "error": None, "has_final_answer": False}
    started = time.perf_counter()
    _OUT.target, _ERR.target = out, err
    sys.stdout, sys.stderr = _OUT, _ERR
    try:
        body, last = _compile_cell(code, filename)
        exec(body, _NS)
        if last is not None:
            value = eval(last, _NS)
            if value is not None:
                print(repr(value))
    except _FinalAnswer as fa:
        result["has_final_answer"] = True
        result["final_answer"] = jsonable(fa.value)
    except BaseException as exc:  # noqa: B902 - SystemExit/KeyboardInterrupt included: the kernel survives
        try:
            result["error"] = {"type": type(exc).__name__, "message": str(exc), "traceback": _cell_traceback(exc)}
        except BaseException:
            result["error"] = {"type": type(exc).__name__, "message": "(unprintable)", "traceback": ""}
        exc = None
    finally:
        _OUT.target = _ERR.target = None
        sys.stdout, sys.stderr = _OUT, _ERR  # a cell may have replaced them
        sys.stdin = io.StringIO("")
    result["duration_ms"] = (time.perf_counter() - started) * 1000.0
    result["stdout"] = out.getvalue()
    result["stderr"] = err.getvalue()
    return result


def main():
    init = _recv()
    while init.get("type") != "init":
        init = _recv()
    _max_output[0] = int(init.get("max_output_bytes") or _max_output[0])
    for d in reversed(init.get("sys_path") or []):
        if d not in sys.path:
            sys.path.insert(0, d)
    for name in init.get("tools") or []:
        _NS[name] = _make_tool(name)
    sys.stdin = io.StringIO("")
    _send({"type": "ready", "python": sys.version.split()[0],
           "pandas": getattr(_pd, "__version__", None), "pandas_error": _PANDAS_ERROR})
    while True:
        msg = _next_message()
        if msg.get("type") != "exec":
            continue
        try:
            res = run_cell(msg.get("id"), str(msg.get("code", "")))
        except BaseException as exc:  # MemoryError while building the result, and the like
            res = {"type": "result", "id": msg.get("id"), "stdout": "", "stderr": "", "duration_ms": 0,
                   "has_final_answer": False,
                   "error": {"type": type(exc).__name__, "message": "kernel: %s" % exc, "traceback": ""}}
        try:
            _send(res)
        except (TypeError, ValueError):
            res.pop("final_answer", None)
            res["has_final_answer"] = False
            _send(res)


if __name__ == "__main__":
    main()
