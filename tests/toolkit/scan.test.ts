/** The profile pass on two processes: the same profile as on one, a failing helper is a clear error. */
import { describe, expect, it } from 'vitest';
import { py, pyOk, workDirs } from './py.js';

const work = workDirs();

/** A 2,400-row file of numbers, dates, categories, codes and near-unique text, in chunks of 300. */
const MAKE = `
import random
rng = random.Random(7)
path = os.path.join(WORK, "mixed.csv")
with open(path, "w") as f:
    f.write("id,amount,when,city,code,note\\n")
    for i in range(2400):
        amount = rng.choice(["%.2f" % (rng.random() * 900), "£%d" % rng.randint(1, 999), "", "n/a"])
        when = rng.choice(["2024-0%d-1%d" % (rng.randint(1, 9), rng.randint(0, 9)), "1%d/0%d/2023" % (rng.randint(0, 2), rng.randint(1, 9))])
        city = rng.choice(["Leeds", "London", "leeds", " London", "Londn", "York"])
        code = "AB-%04d" % rng.randint(0, 9999)
        note = " ".join(rng.choice("red green blue tall short wide fast slow".split()) for _ in range(rng.randint(2, 9))) + " %d" % i
        if i % 500 == 7:     # a short row and a quoted line break: the helper parses only its columns
            f.write('%d,%s\\n%d,1.5,2024-01-01,York,AB-0001,"two\\nlines"\\n' % (i, amount, i))
        else:
            f.write("%d,%s,%s,%s,%s,%s\\n" % (i, amount, when, city, code, note))
import os as _os
from dsbot_toolkit.session import session
forks = [0]
_real_fork = _os.fork
def _counting_fork():
    forks[0] += 1
    return _real_fork()
_os.fork = _counting_fork
def run(processes):
    init_session(path, WORK, chunk_rows=300)
    session().processes = processes
    return profile()
def error_of(kind):
    """The message of the \`kind\` error profiling on two processes raises (None: it succeeds)."""
    try:
        run(2)
        return None
    except kind as e:
        return str(e)
def children_left():
    try:
        os.waitpid(-1, os.WNOHANG)
        return "some"
    except ChildProcessError:
        return "none"
`;

describe('profile pass on two processes', () => {
  it('gives the very profile one process gives, and the helper ran and was reaped', () => {
    const r = pyOk(
      `${MAKE}
one = run(1)
forks_one = forks[0]
two = run(2)
out({"same": json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True), "forks_one": forks_one,
     "forks_two": forks[0] - forks_one, "chunks": two["chunks"], "rows": two["rows"],
     "left": sorted(f for f in os.listdir(session().parts_dir) if f.startswith("scan-")) if os.path.isdir(session().parts_dir) else []})`,
      work(),
    );
    expect(r.chunks).toBe(9);
    expect(r.rows).toBe(2405);
    expect(r.forks_one).toBe(0);
    expect(r.forks_two).toBe(1);
    expect(r.same).toBe(true);
    expect(r.left).toEqual([]);
  });

  it('a single-chunk file is profiled without a helper', () => {
    const r = pyOk(
      `${MAKE}
init_session(path, WORK, chunk_rows=5000)
session().processes = 2
p = profile()
out({"forks": forks[0], "chunks": p["chunks"]})`,
      work(),
    );
    expect(r).toEqual({ forks: 0, chunks: 1 });
  });

  it('a helper that fails makes the profile fail with its reason, not a partial profile', () => {
    const r = py(
      `${MAKE}
from dsbot_toolkit import columns
parent = os.getpid()
_update = columns.ColumnAcc.update
def update(self, s):
    if os.getpid() != parent:
        raise MemoryError("helper out of memory")
    return _update(self, s)
columns.ColumnAcc.update = update
try:
    run(2)
    out({"raised": None})
except RuntimeError as e:
    out({"raised": str(e)})`,
      work(),
    );
    expect(r.status).toBe(0);
    expect(r.result.raised).toMatch(/profile's helper process failed: MemoryError: helper out of memory/);
  });
  it('a helper that dies in the middle of the file is an error naming its exit status, and it is reaped', () => {
    const r = py(
      `${MAKE}
from dsbot_toolkit import columns
parent = os.getpid()
calls = [0]
_update = columns.ColumnAcc.update
def update(self, s):
    if os.getpid() != parent:
        calls[0] += 1
        if calls[0] > 5:
            os._exit(3)   # killed mid-stream, after it sent some chunks
    return _update(self, s)
columns.ColumnAcc.update = update
out({"raised": error_of(RuntimeError), "children": children_left()})`,
      work(),
    );
    expect(r.status).toBe(0);
    expect(r.result.raised).toMatch(/profile's helper process ended without its results \(exit status 3\)/);
    expect(r.result.children).toBe('none');
  });

  it("row hashes combined from the column accumulators' value hashes are pandas' row hashes", () => {
    const r = pyOk(
      `import pandas as pd
from dsbot_toolkit.columns import ColumnAcc
from dsbot_toolkit.relations import combine_hashes, row_hashes
df = pd.DataFrame({"a": ["x", " x", "", "n/a", "x", "NA"], "b": ["1", "2", "2", "1", "é", "1"], "c": ["", "", "", "", "", ""]})
hs = [ColumnAcc(c, seed=1).update(df[c]) for c in df.columns]
out({"cols": [bool((h == pd.util.hash_array(df[c].values)).all()) for h, c in zip(hs, df.columns)],
     "rows": bool((combine_hashes(hs) == row_hashes(df)).all())})`,
      work(),
    );
    expect(r).toEqual({ cols: [true, true, true], rows: true });
  });
});

describe('profile pass on two processes, when the file breaks', () => {
  it('a file error in a later chunk is the error, and no helper process is left behind', () => {
    const r = pyOk(
      `${MAKE}
with open(path, "a") as f:
    f.write('9999,1.00,2024-01-01,Leeds,AB-0001,"never closed\\n')
err = error_of(InputFileError)
out({"err": err, "forks": forks[0], "children": children_left()})`,
      work(),
    );
    expect(r.err).toMatch(/mixed\.csv/);
    expect(r.forks).toBe(1);
    expect(r.children).toBe('none');
  });
});

describe('profile pass when no process can be forked', () => {
  it('profiles on one process, with the same result', () => {
    const r = pyOk(
      `${MAKE}
one = run(1)
def no_fork():
    raise BlockingIOError(11, "Resource temporarily unavailable")
_os.fork = no_fork
two = run(2)
out({"same": json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)})`,
      work(),
    );
    expect(r.same).toBe(true);
  });
});

describe('per-value feature memo', () => {
  it('gives every value the features computing it directly gives, remembered or not, across a clear at its cap', () => {
    const r = pyOk(
      `import numpy as np
from dsbot_toolkit.featmemo import FeatureMemo
calls = []
def compute(missing, pos):
    calls.append(list(missing))
    return (np.array([len(v) for v in missing]), np.array([v.upper() for v in missing], dtype=object),
            np.array([[v.startswith("a"), v.endswith("z")] for v in missing], dtype=bool).reshape(len(missing), 2))
m = FeatureMemo(cap=5)
chunks = [["ab", "cz", "ab", "d"], ["cz", "e", "ab", "ff", "gz"], ["ab", "hh", "hh"], []]
ok = True
for i, ch in enumerate(chunks):
    got = m.lookup(np.array(ch, dtype=object), compute, remember=(i != 2))
    if not ch:
        ok = ok and got is None
        continue
    want = (np.array([len(v) for v in ch]), np.array([v.upper() for v in ch], dtype=object),
            np.array([[v.startswith("a"), v.endswith("z")] for v in ch], dtype=bool))
    ok = ok and all(np.array_equal(g, w) for g, w in zip(got, want))
out({"ok": ok, "calls": calls, "n": len(m)})`,
      work(),
    );
    expect(r.ok).toBe(true);
    // each distinct value computed once, in order of first appearance; the second chunk would
    // grow the memo past its cap of 5, so it starts again; the third chunk is not remembered
    expect(r.calls).toEqual([['ab', 'cz', 'd'], ['e', 'ff', 'gz'], ['ab', 'hh']]);
    expect(r.n).toBe(3);
  });
});

describe('free text examined from a sample', () => {
  it('examines 3,000 distinct values per chunk until 30,000 are known, then 500, and its shares stay close to the truth', () => {
    const r = pyOk(
      `import numpy as np, pandas as pd
from dsbot_toolkit.columns import ColumnAcc
rng = np.random.default_rng(5)
acc = ColumnAcc("note", seed=1)
truth = 0
for c in range(16):
    vals = []
    for i in range(6000):
        if rng.random() < 0.2:
            vals.append("%d.%02d" % (rng.integers(0, 99999), rng.integers(0, 99)))   # a number written as text
            truth += 1
        else:
            vals.append("remark %d of chunk %d about item %d and other long words" % (i, c, rng.integers(0, 10**9)))
    acc.update(pd.Series(vals, dtype=object))
out({"sampled": acc.n_sampled, "share": acc.n_num / acc.rows, "truth": truth / acc.rows})`,
      work(),
    );
    expect(r.sampled).toBe(10 * 3000 + 6 * 500); // long text: sampled from the first chunk on
    expect(Math.abs(r.share - r.truth)).toBeLessThan(0.02);
  });
});

describe('profile pass on two processes, with dependencies to count', () => {
  it('reads only the columns it still needs after the candidates are chosen, and gives the profile one process gives', () => {
    const r = pyOk(
      `import random
rng = random.Random(11)
path = os.path.join(WORK, "deps.csv")
cities = {"%05d" % z: rng.choice(["Leeds", "York", "Bath", "Hull", "Ely"]) for z in range(300)}
with open(path, "w") as f:
    f.write("id,zip,city,amount,note,when\\n")
    for i in range(70000):
        z = rng.choice(list(cities))
        city = cities[z] if rng.random() > 0.02 else rng.choice(["Leeds", "Yrok", "bath"])
        f.write("%d,%s,%s,%.2f,%s,2024-0%d-1%d\\n" % (i, z, city, rng.random() * 100, "note %d" % rng.randint(0, 10**6), rng.randint(1, 9), rng.randint(0, 9)))
        if i % 9000 == 5:
            f.write("%d,%s,%s,1.00,dup,2024-01-01\\n%d,%s,%s,1.00,dup,2024-01-01\\n" % (i, z, city, i, z, city))
from dsbot_toolkit.session import session, Session
asked = []
_read = Session.read_chunks
def read_chunks(self, start=0, columns=None):
    asked.append((start, None if columns is None else list(columns)))
    return _read(self, start, columns)
Session.read_chunks = read_chunks
def run(processes):
    init_session(path, WORK, chunk_rows=20000)
    session().processes = processes
    return profile()
one = run(1)
asked.clear()
two = run(2)
from dsbot_toolkit import scan as scan_mod
scan_mod._split = lambda cost: [k for k in cost if k is not None]   # the helper takes every column
every = run(2)
out({"same": json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True),
     "same_every": json.dumps(one, sort_keys=True) == json.dumps(every, sort_keys=True), "asked": asked,
     "fds": [(f["lhs"], f["rhs"]) for f in two["functional_dependencies"]], "dups": two["duplicate_rows"]})`,
      work(),
    );
    expect(r.same).toBe(true);
    expect(r.same_every).toBe(true);
    expect(r.fds).toContainEqual(['zip', 'city']);
    expect(r.dups).toBeGreaterThan(0);
    const narrowed = r.asked.find((a: [number, string[] | null]) => a[0] === 3);
    expect(narrowed).toBeDefined();
    expect(narrowed[1]).toEqual(expect.arrayContaining(['zip', 'city']));
    expect(narrowed[1].length).toBeLessThan(6);
  });
  it('still counts the rows when the helper takes every column and the relations need none', () => {
    const r = pyOk(
      `import random
rng = random.Random(12)
path = os.path.join(WORK, "free.csv")
with open(path, "w") as f:
    f.write("a,b\\n")
    for i in range(65000):
        f.write("%d,%d\\n" % (rng.randint(0, 10**9), rng.randint(0, 10**9)))
from dsbot_toolkit.session import session
from dsbot_toolkit import scan as scan_mod
def run(processes):
    init_session(path, WORK, chunk_rows=20000)
    session().processes = processes
    return profile()
one = run(1)
scan_mod._split = lambda cost: [k for k in cost if k is not None]
two = run(2)
out({"same": json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True), "rows": two["rows"], "fds": len(two["functional_dependencies"])})`,
      work(),
    );
    expect(r).toEqual({ same: true, rows: 65000, fds: 0 });
  });
});

describe('value counter', () => {
  it('keeps the counts, the cut and the order of ties a pandas Series summed chunk by chunk keeps', () => {
    const r = pyOk(
      `import numpy as np, pandas as pd
from dsbot_toolkit.counter import ValueCounter
rng = np.random.default_rng(9)
def reference(chunks, cap):
    counter, truncated = pd.Series(dtype="float64"), False
    for keys, w in chunks:
        vc = pd.Series(w, index=keys, dtype="float64")
        if truncated:
            keep = (w >= 2) | pd.Series(keys).isin(counter.index).values
            vc = vc[keep]
        counter = counter.add(vc, fill_value=0) if len(counter) else vc
        if len(counter) > cap:
            counter, truncated = counter.nlargest(cap // 2), True
    return ([(k, int(v)) for k, v in counter.sort_values(ascending=False, kind="mergesort").items()],
            [(k, int(v)) for k, v in counter.nlargest(10).items()], truncated)
def mine(chunks, cap):
    c = ValueCounter(cap)
    for keys, w in chunks:
        if c.truncated:
            keep = (w >= 2) | c.holds(keys)
            keys, w = keys[keep], w[keep]
        c.add(keys, w)
    return [(k, int(v)) for k, v in c.largest()], [(k, int(v)) for k, v in c.largest(10)], c.truncated
cases = []
vocab = np.array(["v%03d" % i for i in range(400)], dtype=object)
# many ties (counts 1-3), a counter that overflows, a chunk with the very keys in the very order,
# an empty chunk, and a small categorical column
for cap, size in ((60, 80), (1000, 30), (8, 5), (1000, 5)):
    chunks = []
    for i in range(12):
        keys = rng.choice(vocab[: size * 3], size=size, replace=False)
        chunks.append((keys, rng.integers(1, 4, size)))
    chunks.insert(1, (chunks[0][0].copy(), rng.integers(1, 4, size)))   # the counter's very keys, in its order
    chunks.insert(3, (chunks[2][0].copy(), rng.integers(1, 4, size)))
    chunks.insert(5, (np.array([], dtype=object), np.array([], dtype=np.int64)))
    cases.append((reference(chunks, cap), mine(chunks, cap)))
# two chunks with the same keys in the same order: no merge, the first-appearance order stays
keys = np.array(["b", "c", "a", "d"], dtype=object)
two = [(keys, np.array([1, 2, 1, 2])), (keys.copy(), np.array([1, 0, 1, 0]))]
cases.append((reference(two, 1000), mine(two, 1000)))
out({"same": [a == b for a, b in cases], "truncated": [a[2] for a, _ in cases], "two": cases[-1][1][0]})`,
      work(),
    );
    expect(r.same).toEqual([true, true, true, true, true]);
    expect(r.truncated).toEqual([true, false, true, false, false]);
    expect(r.two).toEqual([['b', 2], ['c', 2], ['a', 2], ['d', 2]]);
  });
});

describe('row hashes of a cleaned frame', () => {
  it("are pandas' row hashes, from the recipe's factorisations or without any, for every kind of column", () => {
    const r = pyOk(
      `import datetime, numpy as np, pandas as pd
from types import SimpleNamespace
from dsbot_toolkit.relations import frame_hashes, row_hashes
from dsbot_toolkit.repair.base import factorized
df = pd.DataFrame({
    "s": ["a", "b", "a", "é", "", "b"], "sn": ["a", None, "a", np.nan, "x", "x"],
    "io": np.array([1, 2, 1, 3, 2, 2], dtype=object), "mix": np.array([1, "1", 2.5, True, None, "z"], dtype=object),
    "f": [1.0, np.nan, 2.5, -0.0, 0.0, 1.0], "i": [1, 2, 3, 4, 5, 6], "b": [True, False, True, True, False, False],
    "cat": pd.Categorical(["x", "y", "x", None, "y", "x"]),
    "dt": np.array([datetime.date(2020, 1, 1), None, None, datetime.date(2020, 1, 1), datetime.date(2020, 1, 3), None], dtype=object),
    "Int": pd.array([1, None, 3, 4, 5, 6], dtype="Int64"), "str": pd.array(["a", None, "b", "c", "a", "a"], dtype="string")})
ctx = SimpleNamespace(factorized={})
for c in df.columns:
    factorized(df, c, ctx)
stale = dict(ctx.factorized, s=(np.array(["z"] * 6, dtype=object),) + ctx.factorized["s"][1:])   # another array: not used
ref = row_hashes(df)
out({"cached": bool((frame_hashes(df, ctx.factorized) == ref).all()), "none": bool((frame_hashes(df) == ref).all()),
     "stale": bool((frame_hashes(df, stale) == ref).all())})`,
      work(),
    );
    expect(r).toEqual({ cached: true, none: true, stale: true });
  });
});
