"""The allow-list of chat's query_data: ONE read-only pandas expression over `df`.

This is a convenience (clear messages for a model's mistakes), not the security boundary: the
job process it runs in is (isolate.py). Rejected: statements, lambdas, comprehensions, private
and dunder attributes, calls of anything but listed methods and functions, methods and
functions passed uncalled (`key=df.to_csv`), and method names given as strings to
agg/aggregate/transform/pivot_table (`df.agg("eval", …)`).
"""
import ast

import pandas as _pd

ALLOWED_METHODS = frozenset("""
head tail describe value_counts unique nunique isna isnull notna notnull sum mean median min max std var count
quantile mode corr cov groupby agg aggregate sort_values sort_index nlargest nsmallest round abs astype dropna
fillna drop_duplicates duplicated reset_index rename set_index between isin where mask clip cumsum cumcount size
first last idxmax idxmin any all to_frame tolist to_list select_dtypes filter sample pivot_table melt explode
rank diff pct_change rolling expanding corrwith memory_usage get keys items unstack stack transpose prod
contains startswith endswith lower upper title strip lstrip rstrip len split replace match fullmatch extract
slice findall zfill pad strftime normalize to_datetime to_numeric crosstab cut qcut isnumeric isdigit isalpha
sem skew kurt nth ngroup value_counts
""".split())
# Attributes that may be read without a call (properties and accessors).
ALLOWED_ATTRIBUTES = frozenset("""
shape columns index dtypes dtype size str dt cat loc iloc at iat empty ndim name names values T year month day
hour minute second dayofweek day_of_week weekday quarter date is_unique hasnans nbytes codes categories
is_monotonic_increasing is_monotonic_decreasing
""".split())
AGG_NAMES = frozenset("""
sum mean median min max std var count nunique first last size prod sem skew kurt quantile mode any all
idxmin idxmax cumsum cummax cummin cumprod rank
""".split())
ALLOWED_FUNCTIONS = frozenset("len round abs min max sum sorted list int float str bool dict set tuple".split())
PD_ATTRS = frozenset("to_datetime to_numeric crosstab cut qcut isna notna NA NaT Timestamp".split())
_NODES = (
    ast.Expression, ast.Name, ast.Load, ast.Constant, ast.Attribute, ast.Subscript, ast.Slice,
    ast.Tuple, ast.List, ast.Dict, ast.Compare, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Call, ast.keyword,
    ast.And, ast.Or, ast.Not, ast.Invert, ast.USub, ast.UAdd, ast.Add, ast.Sub, ast.Mult, ast.Div,
    ast.FloorDiv, ast.Mod, ast.BitAnd, ast.BitOr, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
    ast.In, ast.NotIn, ast.Is, ast.IsNot,
) + ((ast.Index,) if hasattr(ast, "Index") else ())
NAMES = frozenset(["df", "pd", "True", "False", "None"])
_STRING_FUNC_CALLS = frozenset(["agg", "aggregate", "transform"])
_AGGFUNC_KEYWORDS = frozenset(["aggfunc", "func"])


class QueryRejected(Exception):
    pass


def _strings(node):
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def check_expression(expr, columns=()):
    """Parses `expr` and returns its AST, or raises QueryRejected saying why."""
    if len(expr) > 2000:
        raise QueryRejected("expression longer than 2000 characters")
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as e:
        raise QueryRejected("not a single Python expression (no statements, imports or assignments): %s" % e.msg)
    cols = set(str(c) for c in columns)
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called.add(id(node.func))
    for node in ast.walk(tree):
        if not isinstance(node, _NODES):
            raise QueryRejected("%s is not allowed (one read-only pandas expression over df)" % type(node).__name__)
        if isinstance(node, ast.Name) and node.id not in NAMES and node.id not in ALLOWED_FUNCTIONS:
            raise QueryRejected("name %r is not allowed (use df, pd and simple builtins)" % node.id)
        if isinstance(node, ast.Name) and node.id in ALLOWED_FUNCTIONS and id(node) not in called:
            raise QueryRejected("%s may only be called, not passed as a value" % node.id)
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                raise QueryRejected("attribute %r is not allowed (no private or dunder attributes)" % node.attr)
            if isinstance(node.value, ast.Name) and node.value.id == "pd" and node.attr not in PD_ATTRS:
                raise QueryRejected("pd.%s is not allowed" % node.attr)
            if id(node) in called:
                if node.attr not in ALLOWED_METHODS and not (isinstance(node.value, ast.Name) and node.value.id == "pd"):
                    raise QueryRejected("method .%s() is not allowed in a read-only query" % node.attr)
            elif node.attr not in ALLOWED_ATTRIBUTES and node.attr not in PD_ATTRS and (node.attr not in cols or hasattr(_pd.DataFrame, node.attr)):
                raise QueryRejected(".%s is not allowed here (read columns and properties; methods must be called)" % node.attr)
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and abs(node.value) > 10_000_000:
            raise QueryRejected("integer constant too large")
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)) and len(node.value) > 500:
            raise QueryRejected("string constant too long")
        if isinstance(node, ast.keyword) and node.arg in (None, "inplace"):
            raise QueryRejected("inplace and **kwargs are not allowed (read-only)")
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                if f.id not in ALLOWED_FUNCTIONS:
                    raise QueryRejected("calling %s() is not allowed" % f.id)
            elif not isinstance(f, ast.Attribute):
                raise QueryRejected("only named functions and methods may be called")
            else:
                named = []
                if f.attr in _STRING_FUNC_CALLS:
                    if len(node.args) > 1 or any(k.arg not in ("axis", "func") for k in node.keywords):
                        raise QueryRejected(".%s() takes one function (a name such as \"mean\", a list or a dict)" % f.attr)
                    named = [s for a in node.args for s in _strings(a)]
                named += [s for k in node.keywords if k.arg in _AGGFUNC_KEYWORDS for s in _strings(k.value)]
                for s in named:
                    if s not in AGG_NAMES and s not in cols:
                        raise QueryRejected("%r is not an aggregation allowed here (use %s)" % (s, ", ".join(sorted(AGG_NAMES))))
    return tree


def columns_used(tree, columns):
    cols = set(str(c) for c in columns)
    used = []
    for node in ast.walk(tree):
        v = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            v = node.value
        elif isinstance(node, ast.Attribute):
            v = node.attr
        if v in cols and v not in used:
            used.append(v)
    return used
