"""The repairs a recipe step names (one module per kind), applied in order to a chunk; every change
is recorded as lineage through ctx. `make_clean_chunk(recipe)` is what the host replays."""
import json

import pandas as pd

from .dependencies import op_dependencies
from .learned import op_corrections, op_learned
from .sources import op_sources
from .rows import op_drop_duplicates, op_outliers, op_range, op_rule
from .values import (op_dominant_format, op_map_values, op_null_tokens, op_split_merged, op_strip_whitespace,
                     op_to_numeric)

OPS = {
    "strip_whitespace": op_strip_whitespace, "null_tokens": op_null_tokens, "to_numeric": op_to_numeric,
    "dominant_format": op_dominant_format, "canonical_categories": op_map_values, "map_values": op_map_values,
    "fix_values": op_map_values, "split_merged": op_split_merged, "sources": op_sources, "dependencies": op_dependencies,
    "drop_duplicates": op_drop_duplicates, "range": op_range, "outliers": op_outliers, "rule": op_rule,
    "learned": op_learned, "corrections": op_corrections,
}


def apply_recipe(df, recipe, ctx):
    """Runs the recipe's steps in order; `df` itself is left unchanged (steps replace columns)."""
    df = _column_blocks(df)
    if getattr(ctx, "recipe", None) is None:
        ctx.recipe = recipe
    # factorisations of the columns' arrays, reused by the steps (repair.base.factorized); only
    # toolkit steps run until the end, and they never change an array in place
    ctx.factorized = dict(getattr(ctx, "factorized", None) or {})
    try:
        for step in recipe:
            op = OPS.get(step.get("op"))
            if op is None:
                raise ValueError("unknown recipe op %r (known: %s)" % (step.get("op"), ", ".join(OPS)))
            df = op(df, step, ctx)
    finally:
        ctx.factorized = None
    return df


def _column_blocks(df):
    """A shallow copy of `df` holding each column in its own block (same arrays, nothing copied),
    so that a step replacing one column leaves the other columns' arrays where they are (pandas
    copies a whole block to take one column out of it)."""
    if df.attrs or not df.columns.is_unique or not all(dt == object for dt in df.dtypes):
        return df.copy(deep=False)
    out = pd.DataFrame({c: df[c].values for c in df.columns}, index=df.index, copy=False)
    out.columns = df.columns
    return out


def make_clean_chunk(recipe):
    """A `clean_chunk(df, ctx=None) -> df` applying `recipe` (ctx defaults to a sample context)."""
    recipe = json.loads(json.dumps(recipe))
    memo = {}  # per step and column: value -> repaired value, shared by the chunks

    def clean_chunk(df, ctx=None):
        """Applies the recipe to `df`; changes, removals and flags go to `ctx`."""
        from ..context import sample_context
        from ..session import session
        if ctx is None:
            ctx = sample_context(df)
        ctx.memo = memo
        ctx.recipe = recipe
        out = apply_recipe(df, recipe, ctx)
        session().last_ctx = ctx
        return out

    clean_chunk.recipe = recipe
    return clean_chunk


def recipe_source(recipe):
    """Python source that, run with the toolkit imported, defines RECIPE and clean_chunk
    (one step per line, as Python literals)."""
    steps = json.loads(json.dumps(recipe))
    body = "".join("    %r,\n" % (step,) for step in steps)
    return (
        "# dsbot cleaning recipe: run with `from dsbot_toolkit import *` in scope.\n"
        "# One repair per line; see the toolkit README for the ops. Edit and re-run to adapt.\n"
        "RECIPE = [\n%s]\n"
        "clean_chunk = make_clean_chunk(RECIPE)\n" % body
    )
