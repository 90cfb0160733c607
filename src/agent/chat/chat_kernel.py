# dsbot chat mode: loaded into the sandbox kernel. Loads datasets (read-only inputs), profiles
# them, and evaluates ONE read-only pandas expression after an AST allow-list check.
# The sandbox is the security boundary; this check keeps chat queries read-only and bounded.
import ast as _ast
import json as _json

import numpy as _np
import pandas as _pd

_DSBOT_FRAMES = {}

_ALLOWED_METHODS = frozenset("""
head tail describe value_counts unique nunique isna isnull notna notnull sum mean median min max std var count
quantile mode corr cov groupby agg aggregate sort_values sort_index nlargest nsmallest round abs astype dropna
fillna drop_duplicates duplicated reset_index rename set_index between isin where mask clip cumsum cumcount size
first last idxmax idxmin any all to_frame tolist to_list select_dtypes filter sample pivot_table melt explode
rank diff pct_change rolling expanding corrwith memory_usage get keys items unstack stack transpose prod
contains startswith endswith lower upper title strip lstrip rstrip len split replace match fullmatch extract
slice findall zfill pad strftime normalize to_datetime to_numeric crosstab cut qcut isnumeric isdigit isalpha
""".split())
_ALLOWED_FUNCTIONS = frozenset("len round abs min max sum sorted list int float str bool dict set tuple".split())
_PD_ATTRS = frozenset("to_datetime to_numeric crosstab cut qcut isna notna NA NaT".split())
_ALLOWED_NODES = (
    _ast.Expression, _ast.Name, _ast.Load, _ast.Constant, _ast.Attribute, _ast.Subscript, _ast.Slice,
    _ast.Tuple, _ast.List, _ast.Dict, _ast.Compare, _ast.BoolOp, _ast.BinOp, _ast.UnaryOp, _ast.Call, _ast.keyword,
    _ast.And, _ast.Or, _ast.Not, _ast.Invert, _ast.USub, _ast.UAdd, _ast.Add, _ast.Sub, _ast.Mult, _ast.Div,
    _ast.FloorDiv, _ast.Mod, _ast.BitAnd, _ast.BitOr, _ast.Eq, _ast.NotEq, _ast.Lt, _ast.LtE, _ast.Gt, _ast.GtE,
    _ast.In, _ast.NotIn, _ast.Is, _ast.IsNot,
) + ((_ast.Index,) if hasattr(_ast, "Index") else ())
_NAMES = frozenset(["df", "pd", "True", "False", "None"])


class QueryRejected(Exception):
    pass


def dsbot_check_expression(expr):
    """Parses `expr` and returns its AST, or raises QueryRejected saying why."""
    if len(expr) > 2000:
        raise QueryRejected("expression longer than 2000 characters")
    try:
        tree = _ast.parse(expr.strip(), mode="eval")
    except SyntaxError as e:
        raise QueryRejected("not a single Python expression (no statements, imports or assignments): %s" % e.msg)
    for node in _ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise QueryRejected("%s is not allowed (one read-only pandas expression over df)" % type(node).__name__)
        if isinstance(node, _ast.Name) and node.id not in _NAMES and node.id not in _ALLOWED_FUNCTIONS:
            raise QueryRejected("name %r is not allowed (use df, pd and simple builtins)" % node.id)
        if isinstance(node, _ast.Attribute):
            if node.attr.startswith("_"):
                raise QueryRejected("attribute %r is not allowed (no private or dunder attributes)" % node.attr)
            if isinstance(node.value, _ast.Name) and node.value.id == "pd" and node.attr not in _PD_ATTRS:
                raise QueryRejected("pd.%s is not allowed" % node.attr)
        if isinstance(node, _ast.Constant) and isinstance(node.value, int) and abs(node.value) > 10_000_000:
            raise QueryRejected("integer constant too large")
        if isinstance(node, _ast.Constant) and isinstance(node.value, (str, bytes)) and len(node.value) > 500:
            raise QueryRejected("string constant too long")
        if isinstance(node, _ast.keyword) and node.arg in (None, "inplace"):
            raise QueryRejected("inplace and **kwargs are not allowed (read-only)")
        if isinstance(node, _ast.Call):
            f = node.func
            if isinstance(f, _ast.Name):
                if f.id not in _ALLOWED_FUNCTIONS:
                    raise QueryRejected("calling %s() is not allowed" % f.id)
            elif isinstance(f, _ast.Attribute):
                if f.attr not in _ALLOWED_METHODS:
                    raise QueryRejected("method .%s() is not allowed in a read-only query" % f.attr)
            else:
                raise QueryRejected("only named functions and methods may be called")
    return tree


def dsbot_columns_used(tree, columns):
    cols = set(columns)
    used = []
    for node in _ast.walk(tree):
        v = None
        if isinstance(node, _ast.Constant) and isinstance(node.value, str):
            v = node.value
        elif isinstance(node, _ast.Attribute):
            v = node.attr
        if v in cols and v not in used:
            used.append(v)
    return used


def _read_csv(path):
    last = None
    for enc in ("utf-8", "utf-8-sig", "latin-1"):
        try:
            df = _pd.read_csv(path, encoding=enc, low_memory=False)
            if df.shape[1] == 1:
                for sep in (";", "\t", "|"):
                    alt = _pd.read_csv(path, encoding=enc, sep=sep, low_memory=False)
                    if alt.shape[1] > 1:
                        return alt
            return df
        except UnicodeDecodeError as e:
            last = e
    raise last


def dsbot_chat_load(args):
    df = _read_csv(args["path"])
    _DSBOT_FRAMES[args["name"]] = df
    return _json.dumps({"rows": int(df.shape[0]), "columns": [str(c) for c in df.columns]})


def _scalar(v):
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, (_np.integer,)):
        return int(v)
    if isinstance(v, (_np.floating,)):
        return None if _np.isnan(v) else float(v)
    if isinstance(v, (_np.bool_,)):
        return bool(v)
    if isinstance(v, (int, float, bool)):
        return v
    s = str(v)
    return s if len(s) <= 80 else s[:80] + "…"


def dsbot_chat_profile(args):
    df = _DSBOT_FRAMES[args["name"]]
    cols = []
    for c in df.columns:
        s = df[c]
        blank = s.astype(str).str.strip().eq("") & s.notna() if s.dtype == object else _pd.Series(False, index=s.index)
        missing = int(s.isna().sum() + blank.sum())
        nonnull = s[s.notna() & ~blank]
        info = {
            "name": str(c),
            "dtype": str(s.dtype),
            "missing": missing,
            "missing_pct": round(100.0 * missing / max(1, len(s)), 2),
            "unique": int(nonnull.nunique()),
        }
        if _pd.api.types.is_bool_dtype(s):
            info["kind"] = "boolean"
        elif _pd.api.types.is_numeric_dtype(s):
            info["kind"] = "numeric"
            if len(nonnull):
                info.update(min=_scalar(nonnull.min()), max=_scalar(nonnull.max()), mean=round(float(nonnull.mean()), 4),
                            median=round(float(nonnull.median()), 4), std=round(float(nonnull.std()), 4) if len(nonnull) > 1 else 0.0)
        else:
            info["kind"] = "text"
            lens = nonnull.astype(str).str.len()
            if len(lens):
                info.update(min_length=int(lens.min()), max_length=int(lens.max()))
        vc = nonnull.astype(str).value_counts().head(5)
        info["top"] = [[_scalar(k), int(v)] for k, v in vc.items()]
        cols.append(info)
    return _json.dumps({"rows": int(df.shape[0]), "columns": cols})


def _render(value, max_rows, max_chars):
    truncated = False
    shape = None
    if isinstance(value, (_pd.DataFrame, _pd.Series)):
        shape = list(value.shape)
        if len(value) > max_rows:
            value = value.head(max_rows)
            truncated = True
        with _pd.option_context("display.max_columns", 30, "display.width", 200, "display.max_colwidth", 60):
            text = value.to_string()
    elif isinstance(value, (_pd.Index, _np.ndarray, list, tuple, set)):
        items = list(value)
        shape = [len(items)]
        if len(items) > max_rows * 4:
            items = items[: max_rows * 4]
            truncated = True
        text = repr([_scalar(x) for x in items])
    else:
        text = repr(_scalar(value) if not isinstance(value, dict) else value)
    if len(text) > max_chars:
        text = text[:max_chars] + "\n…"
        truncated = True
    return text, shape, truncated


def dsbot_chat_query(args):
    name = args["name"]
    try:
        tree = dsbot_check_expression(args["expression"])
    except QueryRejected as e:
        return _json.dumps({"ok": False, "error": "rejected: %s" % e})
    df = _DSBOT_FRAMES[name]
    env = {"__builtins__": {k: __builtins__[k] if isinstance(__builtins__, dict) else getattr(__builtins__, k) for k in _ALLOWED_FUNCTIONS}}
    try:
        value = eval(compile(tree, "<query>", "eval"), env, {"df": df, "pd": _pd})
    except Exception as e:
        return _json.dumps({"ok": False, "error": "%s: %s" % (type(e).__name__, str(e)[:500]),
                            "columns": dsbot_columns_used(tree, [str(c) for c in df.columns])})
    text, shape, truncated = _render(value, int(args.get("max_rows", 50)), int(args.get("max_chars", 4000)))
    return _json.dumps({"ok": True, "result": text, "type": type(value).__name__, "shape": shape, "truncated": truncated,
                        "columns": dsbot_columns_used(tree, [str(c) for c in df.columns])})
