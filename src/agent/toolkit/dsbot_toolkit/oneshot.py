"""The comparison baseline of the clean benchmark: the same recipe applied to the whole file at
once with pandas (no chunks, no lineage files, no validation)."""
import pandas as pd

from .context import ChunkContext
from .io import check_file, detect_encoding, read_options, sniff_delimiter, write_csv
from .repair import apply_recipe


def clean_oneshot(input_path, recipe, out_path):
    """Reads the whole file, applies `recipe`, writes `out_path`; returns rows in/out."""
    check_file(input_path)
    enc = detect_encoding(input_path)
    df = pd.read_csv(input_path, **read_options(enc, sniff_delimiter(input_path, enc)))
    ctx = ChunkContext(original=df)
    out = apply_recipe(df, recipe, ctx)
    write_csv(out, out_path)
    return {"rows_in": len(df), "rows_out": len(out)}
