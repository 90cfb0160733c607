/** The toolkit's CSV writer (io.write_arrays): the bytes of Python's csv module, built by joins. */
import { describe, expect, it } from 'vitest';
import { pyOk, workDirs } from './py.js';

const work = workDirs();

// The writer as it was (csv.writer; records ending CRLF rewritten to LF when a field holds CR),
// the reference the join-built writer must match byte for byte.
const REFERENCE = `import csv, hashlib, random
import numpy as np
from dsbot_toolkit import io as IO
from dsbot_toolkit.safety import neutralise_header

def _has_cr(texts):
    try:
        return "\\r" in "\\x00".join(texts)
    except TypeError:
        return "\\r" in "\\x00".join([v for v in texts if type(v) is str])

class _LF:
    def __init__(self, f):
        self._write = f.write
    def write(self, record):
        return self._write(record[:-2] + "\\n")

def reference(path, header, arrays):
    head = None if header is None else neutralise_header(header)
    cr = (head is not None and _has_cr(head)) or any(a.dtype == object and _has_cr(a) for a in arrays)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(_LF(f), lineterminator="\\r\\n") if cr else csv.writer(f, lineterminator="\\n")
        if head is not None:
            w.writerow(head)
        if arrays:
            w.writerows(zip(*arrays))

def same(header, arrays, block=1 << 15):
    IO._BLOCK_ROWS = block
    reference(os.path.join(WORK, "ref.csv"), header, arrays)
    h = hashlib.sha256()
    IO.write_arrays(os.path.join(WORK, "new.csv"), header, arrays, digest=h)
    a, b = open(os.path.join(WORK, "ref.csv"), "rb").read(), open(os.path.join(WORK, "new.csv"), "rb").read()
    return a == b and h.hexdigest() == hashlib.sha256(a).hexdigest()
`;

describe('write_arrays', () => {
  it('writes the bytes the csv module writes, on random columns of texts, numbers and edge cells', () => {
    const d = work();
    const r = pyOk(
      `${REFERENCE}
R = random.Random(7)
atoms = ["", " ", "a", "b c", ",", '"', "\\r", "\\n", "\\r\\n", "\\x00", "é", "😀", "=1", "-2", "x,y", 'say "hi"', "\\t", "'", "1.5", "\\u2028", "\\ufeff+x"]
def text():
    return "".join(R.choice(atoms) for _ in range(R.randint(0, 3)))
def col(n):
    k = R.choice(["str", "mixed", "int", "bool", "float"])
    if k == "int":
        return np.array([R.randint(-10**12, 10**12) for _ in range(n)], dtype=np.int64)
    if k == "bool":
        return np.array([R.random() < 0.5 for _ in range(n)], dtype=bool)
    if k == "float":
        return np.array([R.choice([0.1, 1e16, -2.5, float("nan"), 3.0, 1e-7]) for _ in range(n)])
    a = np.empty(n, dtype=object)
    for i in range(n):
        a[i] = text() if k == "str" or R.random() < 0.6 else R.choice([None, 1, 2.5, float("nan"), np.float64(0.1), np.int64(7), True])
    return a
bad = []
for case in range(600):
    ncol, n = R.choice([0, 1, 1, 2, 3, 5]), R.choice([0, 1, 2, 5, 40])
    arrays = [col(n) for _ in range(ncol)]
    header = R.choice([None, [text() or "h" for _ in range(ncol)], [text() for _ in range(ncol)]])
    if not same(header, arrays, 2 if case % 7 == 0 else 1 << 15):
        bad.append(case)
out(bad)`,
      d,
    );
    expect(r).toEqual([]);
  });

  it('quotes CR and LF anywhere, writes a lone empty field as "" and neutralises formulas in the header', () => {
    const d = work();
    const r = pyOk(
      `${REFERENCE}
from dsbot_toolkit.io import write_arrays
cases = {
    "lone empty": (["only"], [np.array(["", "x", None], dtype=object)]),
    "cr": (["a", "b"], [np.array(["1\\r2", "ok"], dtype=object), np.array(["x", "y\\n"], dtype=object)]),
    "header formula": (["=cmd", "b"], [np.array(["1"], dtype=object), np.array([2], dtype=np.int64)]),
    "no rows": (["a", "b"], [np.array([], dtype=object), np.array([], dtype=object)]),
}
res = {k: same(h, a) for k, (h, a) in cases.items()}
write_arrays(os.path.join(WORK, "t.csv"), ["only"], [np.array(["", "x"], dtype=object)])
res["text"] = open(os.path.join(WORK, "t.csv")).read()
out(res)`,
      d,
    );
    expect(r).toEqual({ 'lone empty': true, cr: true, 'header formula': true, 'no rows': true, text: 'only\n""\nx\n' });
  });
});
