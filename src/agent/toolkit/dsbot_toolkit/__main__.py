"""Shell entry: `python3 -m dsbot_toolkit clean IN OUTDIR [--chunk-rows N] [--dictionary F] [--outliers flag|remove]
[--examples CORRECTIONS]`, `python3 -m dsbot_toolkit eval DIRTY CLEAN [OUTDIR] [--labels N --seed S]` (builtin
pipeline, no model) and
`python3 -m dsbot_toolkit oneshot IN RECIPE.json OUT.csv` (the benchmark's whole-file baseline)."""
import argparse
import json
import sys
import tempfile
import time

from . import (clean_oneshot, finalize, init_session, make_clean_chunk, profile, replay_begin, replay_chunk,
               score_cells, suggest_recipe)
from .examples import draw_labels, learned_notes, load_examples


def clean(path, out, chunk_rows=50000, dictionary=None, outliers="flag", quiet=False, examples=None):
    """The builtin pipeline: profile, (corrections checked,) suggested recipe, replay of every chunk, finalize."""
    t0 = time.time()
    init_session(path, out, chunk_rows=chunk_rows, dictionary_path=dictionary, outliers=outliers)
    prof = profile()
    if examples:
        load_examples(examples)
    recipe = suggest_recipe(prof)
    t1 = time.time()
    replay_begin(make_clean_chunk(recipe), committed=[])
    done = []
    for i in range(prof["chunks"]):
        r = replay_chunk(i)
        done.append(i)
        if not quiet and not r["ok"]:
            print("chunk %d failed: %s" % (i, [c for c in r["checks"] if not c["ok"]]), file=sys.stderr)
    t2 = time.time()
    meta = {"profile_s": round(t1 - t0, 2), "replay_s": round(t2 - t1, 2)}
    if learned_notes():
        meta["learned"] = learned_notes()
    res = finalize(done, meta=meta)
    res["finalize_s"] = round(time.time() - t2, 2)
    res["recipe"] = recipe
    return res


def main(argv=None):
    """Command-line entry; returns the exit status."""
    ap = argparse.ArgumentParser(prog="dsbot_toolkit")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("clean")
    c.add_argument("input")
    c.add_argument("out")
    c.add_argument("--chunk-rows", type=int, default=50000)
    c.add_argument("--dictionary")
    c.add_argument("--outliers", default="flag")
    c.add_argument("--examples", help="corrections: a CSV with the file's header plus `row`, or JSON cells")
    o = sub.add_parser("oneshot")
    o.add_argument("input")
    o.add_argument("recipe", help="a JSON recipe file (e.g. report.json's recipe saved on its own)")
    o.add_argument("out")
    e = sub.add_parser("eval")
    e.add_argument("dirty")
    e.add_argument("clean")
    e.add_argument("out", nargs="?")
    e.add_argument("--chunk-rows", type=int, default=50000)
    e.add_argument("--labels", type=int, default=0, help="draw N rows of the clean file as corrected examples")
    e.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    if a.cmd == "clean":
        res = clean(a.input, a.out, a.chunk_rows, a.dictionary, a.outliers, examples=a.examples)
        print(res["headline"])
        print(res["before_after_table"])
        return 0
    if a.cmd == "oneshot":
        with open(a.recipe) as f:
            recipe = json.load(f)
        t0 = time.time()
        res = clean_oneshot(a.input, recipe.get("recipe", recipe) if isinstance(recipe, dict) else recipe, a.out)
        res["seconds"] = round(time.time() - t0, 3)
        print(json.dumps(res))
        return 0
    out = a.out or tempfile.mkdtemp(prefix="dsbot-eval-")
    examples = None
    if a.labels:
        import os
        os.makedirs(out, exist_ok=True)
        examples = os.path.join(out, "labels.csv")
        draw_labels(a.dirty, a.clean, a.labels, a.seed, examples)
    res = clean(a.dirty, out, a.chunk_rows, outliers="flag", quiet=True, examples=examples)
    for line in learned_notes():
        print("learned: " + line)
    sc = score_cells(a.dirty, a.clean, out + "/cleaned.csv")
    for name, v in sc["per_column"].items():
        print("%-20s errors %5d flagged %5d corrected %5d  det F1 %.3f  cor F1 %.3f" % (
            name[:20], v["errors"], v["flagged"], v["corrected"], v["detection"]["f1"], v["correction"]["f1"]))
        for w in v["wrong"][:3]:
            print("    wrong  %r -> %r (expected %r) x%d" % (w["dirty"][:40], w["made"][:40], w["expected"][:40], w["count"]))
        for w in v["missed"][:3]:
            print("    missed %r (expected %r) x%d" % (w["dirty"][:40], w["expected"][:40], w["count"]))
    print(res["headline"])
    print(json.dumps(dict({"detection": sc["detection"], "correction": sc["correction"]}, **({"labels": a.labels} if a.labels else {}))))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ValueError as e:  # InputFileError and other bad input: a message, not a traceback
        print("error: %s" % e, file=sys.stderr)
        sys.exit(2)
