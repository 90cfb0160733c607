"""dsbot chat mode inside the sandbox kernel (bound read-only at /app/lib/dsbot_chat).

The host calls these functions with JSON arguments; each returns a JSON string:
  load(args)    parent: reads a dataset (read-only input) into memory once
  profile(args) job process: whole-file profile
  query(args)   job process: one read-only pandas expression (check.py), rendered compactly
  compute(args) job process: a builtin question's plan (plan.py)
  prefork()     parent: forks the next job process ahead of time
Everything but load and prefork runs in a fresh process forked from this one (isolate.py).
"""
import builtins
import json

import pandas as pd

from . import isolate
from .check import ALLOWED_FUNCTIONS, QueryRejected, check_expression, columns_used
from .plan import compute as _compute_plan
from .profile import profile as _profile
from .render import render

FRAMES = {}
TIMEOUT_S = 20.0


def _read_csv(path):
    last = None
    for enc in ("utf-8", "utf-8-sig", "latin-1"):
        try:
            df = pd.read_csv(path, encoding=enc, low_memory=False)
            if df.shape[1] == 1:
                for sep in (";", "\t", "|"):
                    alt = pd.read_csv(path, encoding=enc, sep=sep, low_memory=False)
                    if alt.shape[1] > 1:
                        return alt
            return df
        except UnicodeDecodeError as e:
            last = e
    raise last


def load(args):
    df = _read_csv(args["path"])
    FRAMES[args["name"]] = df
    isolate.data_changed()
    isolate.harden_parent()
    return json.dumps({"rows": int(df.shape[0]), "columns": [str(c) for c in df.columns]})


def _frame(job):
    df = FRAMES.get(job.get("name"))
    if df is None:
        raise KeyError("dataset %r is not loaded" % job.get("name"))
    return df


def _handle(job):
    kind = job.get("kind")
    if kind == "query":
        return _query(job)
    if kind == "profile":
        return dict(_profile(_frame(job)), ok=True)
    if kind == "compute":
        return _compute_plan(_frame(job), job["plan"])
    return {"ok": False, "error": "unknown job %r" % kind}


def _query(job):
    df = _frame(job)
    names = [str(c) for c in df.columns]
    try:
        tree = check_expression(job["expression"], names)
    except QueryRejected as e:
        return {"ok": False, "error": "rejected: %s" % e}
    env = {"__builtins__": {k: getattr(builtins, k) for k in ALLOWED_FUNCTIONS}}
    try:
        value = eval(compile(tree, "<query>", "eval"), env, {"df": df, "pd": pd})
    except Exception as e:
        msg = "%s: %s" % (type(e).__name__, str(e)[:500])
        if isinstance(e, KeyError):
            msg += " (columns of this dataset: %s)" % ", ".join(repr(c) for c in names)
        return {"ok": False, "error": msg, "columns": columns_used(tree, names)}
    text, shape, truncated = render(value, int(job.get("max_rows", 50)), int(job.get("max_chars", 4000)))
    return {"ok": True, "result": text, "type": type(value).__name__, "shape": shape, "truncated": truncated,
            "columns": columns_used(tree, names)}


def _run(job):
    return json.dumps(isolate.run(job, _handle, float(job.get("timeout_s", TIMEOUT_S))), ensure_ascii=False)


def profile(args):
    return _run({"kind": "profile", "name": args["name"]})


def query(args):
    return _run(dict(args, kind="query"))


def compute(args):
    return _run({"kind": "compute", "name": args["name"], "plan": args["plan"]})


def prefork():
    isolate.prefork(_handle)
    return "{}"
