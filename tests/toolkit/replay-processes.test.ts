/** Replay with processes=2 (stage B forked, the next chunk cleaned meanwhile): the same bytes and
 * results as processes=1, errors raised for the chunk that caused them, no child left behind. */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pyOk, workDirs } from './py.js';

const work = workDirs();

/** A 400-row file (8 chunks of 50) with exact duplicates within and across chunks, null tokens,
 * variant spellings, outliers and two date formats; then `run(...)` replays it in a work dir. */
const HELPERS = `
import random
from dsbot_toolkit import replay_stages
rnd = random.Random(7)
rows = []
for r in range(400):
    if r > 20 and rnd.random() < 0.12:
        rows.append(rows[rnd.randrange(len(rows))])
        continue
    rows.append([str(r), rnd.choice(["red", " Red", "RED", "blue", "N/A", "", "green"]),
                 rnd.choice(["12.0", "13", "n/a", "9999", "14.5", "11"]), rnd.choice(["2021-01-05", "05/03/2021", "2021-02-11"])])
INPUT = os.path.join(WORK, "input.csv")
with open(INPUT, "w") as f:
    f.write("id,colour,weight,joined\\n" + "".join(",".join(r) + "\\n" for r in rows))

def before_validation(hook):
    """Runs hook(ctx) ahead of each chunk's validation (stage B), then validates as usual."""
    real = replay_stages.validate_cleaning_results
    def validate(original, cleaned, rules, ctx):
        hook(ctx)
        return real(original, cleaned, rules, ctx)
    replay_stages.validate_cleaning_results = validate

def children_left():
    try:
        os.waitpid(-1, os.WNOHANG)
        return True
    except ChildProcessError:
        return False

def run(name, procs, path=INPUT, chunk_rows=50, wrap=None, order=None, then=None):
    init_session(path, os.path.join(WORK, name), chunk_rows=chunk_rows, processes=procs)
    p = profile()
    f = make_clean_chunk(suggest_recipe(p))
    replay_begin(wrap(f) if wrap else f, [])
    res = []
    for i in (order if order is not None else range(p["chunks"])):
        try:
            res.append(replay_chunk(i))
        except Exception as e:
            res.append({"error": type(e).__name__, "message": str(e), "chunk": i})
    if then:
        res.append(then(f))
    return {"res": res, "children": children_left()}
`;

/** Every file under `dir/parts` (recursively), relative name -> bytes. */
function parts(dir: string, sub = 'parts'): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of readdirSync(join(dir, sub)).sort().filter((n) => !n.startsWith('.'))) { // not .matplotlib's cache
    const rel = join(sub, f);
    if (statSync(join(dir, rel)).isDirectory()) for (const [k, v] of parts(dir, rel)) out.set(k, v);
    else out.set(rel, readFileSync(join(dir, rel)));
  }
  return out;
}

function expectSameParts(a: string, b: string): void {
  const pa = parts(a);
  const pb = parts(b);
  expect([...pb.keys()]).toEqual([...pa.keys()]);
  for (const [name, bytes] of pa) expect(pb.get(name)!.equals(bytes), name).toBe(true);
}

/** The two-process run `r` gave the one-process results and parts (in `d`), and left no child behind. */
function expectLikeOneProcess(r: any, d: string): void {
  expect(r['2'].res).toEqual(r['1'].res);
  expect(r['2'].children).toBe(false);
  expectSameParts(join(d, 'p1'), join(d, 'p2'));
}

describe('replay with two processes', () => {
  it('writes the same parts, results and outputs as one process (duplicates across chunks)', () => {
    const d = work();
    const r = pyOk(
      `${HELPERS}
got = {}
for procs in (1, 2):
    got[procs] = run("p%d" % procs, procs)
    got[procs]["rows_out"] = finalize(list(range(8)))["rows_out"]
got["dups_fixture"] = {procs: run("d%d" % procs, procs, path=os.path.join(FIX, "dups.csv"), chunk_rows=10) for procs in (1, 2)}
out(got)`,
      d,
    );
    expectLikeOneProcess(r, d);
    expect(r['2'].res).toHaveLength(8);
    expect(r['2'].rows_out).toBe(r['1'].rows_out);
    expect(r['1'].res.some((x: any) => x.error)).toBe(false);
    // duplicates were removed in chunks after the first (across chunks), changes were made
    expect(r['1'].res.slice(1).some((x: any) => (x.removed_by_reason['exact duplicate row'] ?? 0) > 0)).toBe(true);
    expect(r['1'].res.some((x: any) => x.cells_changed > 0)).toBe(true);
    for (const f of ['cleaned.csv', 'changes.csv', 'removed_rows.csv', 'flags.csv', 'quality.json']) {
      expect(readFileSync(join(d, 'p2', f)).equals(readFileSync(join(d, 'p1', f))), f).toBe(true);
    }
    expect(r.dups_fixture['2'].res).toEqual(r.dups_fixture['1'].res);
    expectSameParts(join(d, 'd1'), join(d, 'd2'));
  });

  it('raises a clean_chunk error for that chunk only, when the host asks for it', () => {
    const d = work();
    const r = pyOk(
      `${HELPERS}
def raising(f):
    def clean_chunk(df, ctx):
        if ctx.index == 3:
            raise ValueError("boom on chunk %d" % ctx.index)
        return f(df, ctx)
    return clean_chunk
out({procs: run("p%d" % procs, procs, wrap=raising) for procs in (1, 2)})`,
      d,
    );
    expectLikeOneProcess(r, d);
    const errors = r['2'].res.map((x: any) => x.error ?? null);
    expect(errors).toEqual([null, null, null, 'ValueError', null, null, null, null]);
    expect(r['2'].res[3].message).toBe('boom on chunk 3');
    expect(existsSync(join(d, 'p2', 'parts', 'result-00003.json'))).toBe(false);
  });

  it('replays retried and out-of-order chunks, and a new replay_begin drops what was cleaned ahead', () => {
    const d = work();
    const r = pyOk(
      `${HELPERS}
def again(f):  # a new recipe function after chunk 4, chunks 0-3 committed: chunk 4 must use it
    def other(df, ctx):
        out = f(df, ctx)
        ctx.record(out.index.values[:1], "colour", out["colour"].values[:1], ["changed"], "other")
        out.loc[out.index[:1], "colour"] = "changed"
        return out
    replay_begin(other, committed=[0, 1, 2, 3])
    return [replay_chunk(4), replay_chunk(5)]
out({procs: run("p%d" % procs, procs, order=[0, 2, 1, 1, 3, 4, 4, 7, 6, 5], then=again) for procs in (1, 2)})`,
      d,
    );
    expectLikeOneProcess(r, d);
    expect(r['2'].res.some((x: any) => x.error)).toBe(false);
    expect(r['2'].res.at(-1)[0].changes_by_rule.other).toBe(1);
  });

  it('raises what stage B raised in the child, keeps no result of that chunk, and goes on', () => {
    const d = work();
    const r = pyOk(
      `${HELPERS}
def failing(ctx):
    if ctx.index == 2:
        raise KeyError("validation broke on chunk 2")
before_validation(failing)
out({procs: run("p%d" % procs, procs) for procs in (1, 2)})`,
      d,
    );
    expectLikeOneProcess(r, d);
    expect(r['2'].res[2]).toMatchObject({ error: 'KeyError', chunk: 2 });
    expect(r['2'].res[2].message).toContain('validation broke on chunk 2');
    expect(r['2'].res.filter((x: any) => x.error)).toHaveLength(1);
    expect(existsSync(join(d, 'p2', 'parts', 'result-00002.json'))).toBe(false);
  });

  it("passes on what stage B printed in the child, as one process would", () => {
    const d = work();
    const r = pyOk(
      `${HELPERS}
import contextlib, io
def chatty(ctx):
    print("validating chunk", ctx.index)
    print("note on chunk", ctx.index, file=sys.stderr)
before_validation(chatty)
got = {}
for procs in (1, 2):
    o, e = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
        run("p%d" % procs, procs)
    got[procs] = [o.getvalue(), e.getvalue()]
out(got)`,
      d,
    );
    expect(r['2']).toEqual(r['1']);
    expect(r['2'][0]).toContain('validating chunk 7');
    expect(r['2'][1]).toContain('note on chunk 7');
  });

  it('raises a clear error when the child dies, reaps it, and a retry succeeds', () => {
    const d = work();
    const r = pyOk(
      `${HELPERS}
import signal
real = replay_stages.stage_b
from dsbot_toolkit import replay_fork
def dying(p):
    if p.index == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(p)
replay_fork.stage_b = dying
first = run("p2", 2, order=[0, 1])
replay_fork.stage_b = real
retry = replay_chunk(1)
ref = run("p1", 1, order=[0, 1])
out({"first": first, "retry": retry, "ref": ref, "children": children_left()})`,
      d,
    );
    expect(r.first.res[1].error).toBe('RuntimeError');
    expect(r.first.res[1].message).toMatch(/chunk 1: the process writing its parts was killed by signal 9/);
    expect(r.first.children).toBe(false);
    expect(r.retry).toEqual(r.ref.res[1]);
    expect(r.children).toBe(false);
  });

  it('replays a chunk in the kernel when no process can be forked', () => {
    const d = work();
    const r = pyOk(
      `${HELPERS}
ref = run("p1", 1)
def no_fork():
    raise BlockingIOError(11, "Resource temporarily unavailable")
os.fork = no_fork
out({"ref": ref, "got": run("p2", 2)})`,
      d,
    );
    expect(r.got.res).toEqual(r.ref.res);
    expectSameParts(join(d, 'p1'), join(d, 'p2'));
  });

  it('merges the per-value memos a child learnt: unique values, same verdicts, under the cap', () => {
    const r = pyOk(`import numpy as np, pandas as pd
from dsbot_toolkit import memo_merge
mine = {"a": (pd.Index(["x", "y"]), np.array([1, 2], dtype=np.uint8)), "b": False, "c": (pd.Index(["p"]), np.array([True]))}
snap = memo_merge.snapshot(mine)
theirs = dict(mine)
theirs["a"] = (pd.Index(["x", "z", "w"]), np.array([1, 3, 4], dtype=np.uint8))
theirs["d"] = (pd.Index(["q"]), np.array([False]))
theirs["c"] = False
memo_merge.merge(mine, memo_merge.delta(theirs, snap), cap=4)
capped = {"a": (pd.Index(["x"]), np.array([1]))}
memo_merge.merge(capped, {"a": (pd.Index(["y", "z"]), np.array([2, 3]))}, cap=2)
out({"a": [list(mine["a"][0]), mine["a"][1].tolist()], "b": mine["b"], "c": mine["c"], "d": list(mine["d"][0]),
     "capped": list(capped["a"][0]), "delta_keys": sorted(memo_merge.delta(theirs, snap))})`);
    expect(r).toEqual({ a: [['x', 'y', 'z', 'w'], [1, 2, 3, 4]], b: false, c: false, d: ['q'], capped: ['x'], delta_keys: ['a', 'c', 'd'] });
  });

  it('keeps the kept-row hashes once, in merged runs, exact for any chunk and after a withdrawal', () => {
    const d = work();
    const r = pyOk(
      `import numpy as np
from dsbot_toolkit import seen as SM
SM.RUN_CAP = 8  # small runs: merging, capping and rebuilding from disk all happen
parts = os.path.join(WORK, "parts")
os.makedirs(parts)
st = SM.SeenStore(lambda: parts)
rng = np.random.default_rng(1)
arrs = {}
for k in range(12):
    arrs[k] = np.sort(rng.integers(0, 2**63, size=3, dtype=np.uint64))
    np.save(os.path.join(parts, "hashes-%05d.npy" % k), arrs[k])
    st[k] = arrs[k]
probe = np.concatenate(list(arrs.values()) + [rng.integers(0, 2**63, size=50, dtype=np.uint64)])
def wrong():
    bad = []
    for i in range(13):
        want = np.isin(probe, np.concatenate([a for k, a in arrs.items() if k < i] or [np.empty(0, np.uint64)]))
        if not (st.before(i).contains(probe) == want).all():
            bad.append(i)
    return bad
out_ = {"runs": len(st._runs), "bytes": st.nbytes(), "wrong": wrong()}
st.pop(5); del arrs[5]
out_["after_pop"] = wrong()
out_["keys"] = list(st)
st[5] = np.load(os.path.join(parts, "hashes-00005.npy")); arrs[5] = st._newest[1]
out_["after_readd"] = wrong()
out(out_)`,
      d,
    );
    expect(r.runs).toBeLessThan(12);
    expect(r.bytes).toBeLessThan(12 * 3 * 8); // at most once in memory: full runs are on disk behind a Bloom filter
    expect(r.wrong).toEqual([]);
    expect(r.after_pop).toEqual([]);
    expect(r.keys).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
    expect(r.after_readd).toEqual([]);
  });

  it("leaves the kernel's young objects young: a chunk's garbage cycles need no full collection", () => {
    // gc.freeze() + unfreeze() in the kernel around each fork moved every young object (the
    // chunk's garbage cycles too) to the oldest generation, freed only by a rare full collection.
    const d = work();
    const r = pyOk(
      `${HELPERS}
import gc, weakref
class Node:
    pass
init_session(INPUT, os.path.join(WORK, "g"), chunk_rows=50, processes=2)
p = profile()
replay_begin(make_clean_chunk(suggest_recipe(p)), [])
replay_chunk(0)
gc.collect()
gc.disable()  # no automatic collection: where the cycle sits is what replay_chunk did with it
n = Node(); n.me = n
alive = weakref.ref(n)
del n
results = [replay_chunk(i) for i in (1, 2)]
young = any(o is alive() for o in gc.get_objects(0))
frozen = gc.get_freeze_count()
gc.collect(1)  # the young generations only
freed = alive() is None
gc.enable()
out({"young": young, "frozen": frozen, "freed": freed, "ok": [x["ok"] for x in results], "children": children_left()})`,
      d,
    );
    expect(r).toEqual({ young: true, frozen: 0, freed: true, ok: [true, true], children: false });
  });

  it('refuses a number of processes other than 1 or 2', () => {
    const d = work();
    const r = pyOk(
      `errs = []
for n in (0, 3, 1.5, True):
    try:
        init_session(os.path.join(FIX, "dups.csv"), WORK, processes=n)
    except ValueError as e:
        errs.append(str(e))
out(errs)`,
      d,
    );
    expect(r).toHaveLength(4);
    expect(r[0]).toMatch(/processes must be 1 or 2/);
  });
});
