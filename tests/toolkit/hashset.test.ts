/** The bounded exact hash set behind duplicate detection: exact across spills to disk. */
import { describe, expect, it } from 'vitest';
import { pyOk, workDirs } from './py.js';

const work = workDirs();

describe('Bloom', () => {
  it('sets every bit of every hash, also when many land in one word (no false negatives)', () => {
    const r = pyOk(
      `import numpy as np
from dsbot_toolkit.hashset import Bloom, BLOOM_K
rng = np.random.default_rng(3)
b = Bloom(64 * 4)               # four words: almost every bit shares its word with others
h = rng.integers(0, 2**63, 5000, dtype=np.uint64)
b.add(h[:2500])
ref = np.zeros(4, dtype=np.uint64)
for pos in b._positions(h[:2500]):
    for p in pos.tolist():
        ref[p >> 6] |= np.uint64(1 << (p & 63))
big = Bloom(1 << 16)
big.add(h[:2500])
out({"same": bool((b.words == ref).all()), "all_in": bool(big.maybe(h[:2500]).all()),
     "others_out": int((~big.maybe(h[2500:])).sum())})`,
      work(),
    );
    expect(r.same).toBe(true);
    expect(r.all_in).toBe(true);
    expect(r.others_out).toBeGreaterThan(2000);
  });
});

describe('HashSet', () => {
  it('answers membership exactly while most hashes live in runs on disk behind a tiny Bloom filter', () => {
    const r = pyOk(
      `import numpy as np
from dsbot_toolkit.hashset import HashSet
rng = np.random.default_rng(1)
hs = HashSet(spill_dir=os.path.join(WORK, "runs"), memory_entries=1000, bloom_bits=1 << 12)
ref, wrong = set(), 0
for i in range(60):
    h = rng.integers(0, 6000, 300).astype(np.uint64) * np.uint64(2654435761)
    got = hs.contains(h)
    wrong += int((got != np.array([x in ref for x in h.tolist()])).sum())
    hs.add(h)
    ref.update(h.tolist())
runs = len(hs.disk)
files = sorted(os.listdir(os.path.join(WORK, "runs")))
hs.close()
out({"wrong": wrong, "runs": runs, "held": hs.held, "files": len(files)})`,
      work(),
    );
    expect(r.wrong).toBe(0);
    expect(r.runs).toBeGreaterThanOrEqual(3);
    expect(r.files).toBe(r.runs);
    expect(r.held).toBeLessThanOrEqual(1000);
  });

  it('counts duplicate rows exactly when the seen rows spill to disk', () => {
    const r = pyOk(
      `import numpy as np
from dsbot_toolkit import hashset
from dsbot_toolkit.relations import DuplicateCounter
hashset.MEMORY_ENTRIES = 500
init_session(os.path.join(FIX, "dups.csv"), WORK)
rng = np.random.default_rng(3)
dc = DuplicateCounter()
dc.seen = hashset.HashSet(memory_entries=500, bloom_bits=1 << 10)
chunks = [rng.integers(0, 4000, 400).astype(np.uint64) for _ in range(20)]
for c in chunks:
    dc.add(c)
allh = np.concatenate(chunks)
out({"got": dc.duplicates, "want": int(len(allh) - len(np.unique(allh))), "runs": len(dc.seen.disk)})`,
      work(),
    );
    expect(r.runs).toBeGreaterThan(0);
    expect(r.got).toBe(r.want);
  });
});

describe('finalize: the input duplicates', () => {
  it('are the profile count when every chunk is committed, and counted from the hashes of the committed chunks otherwise', () => {
    const r = pyOk(
      `init_session(os.path.join(FIX, "dups.csv"), WORK, chunk_rows=10)
p = profile()
replay_begin(make_clean_chunk(suggest_recipe(p)))
for i in range(p["chunks"]):
    replay_chunk(i)
full = json.load(open(os.path.join(WORK, "quality.json"))) if finalize([0, 1, 2]) and os.path.exists(os.path.join(WORK, "quality.json")) else None
finalize([0, 1])
part = json.load(open(os.path.join(WORK, "quality.json")))
out({"profile": p["duplicate_rows"], "full": full["before"]["duplicate_rows"], "part": part["before"]["duplicate_rows"]})`,
      work(),
    );
    expect(r.profile).toBe(4);
    expect(r.full).toBe(4);
    expect(r.part).toBe(2); // rows 12 (= 3) and 14 (= 11) lie in chunks 0-1; rows 25 and 28 in chunk 2
  });
});

describe('SeenStore with full runs on disk', () => {
  it('answers before(i) exactly, also after a chunk is withdrawn, with the full runs spilled behind Bloom filters', () => {
    const r = pyOk(
      `import numpy as np
from dsbot_toolkit import seen as S
S.RUN_CAP = 64
parts = os.path.join(WORK, "parts"); os.makedirs(parts)
store = S.SeenStore(lambda: parts)
rng = np.random.default_rng(5)
chunks = {}
for k in range(40):
    h = np.unique(rng.integers(0, 1 << 40, 30).astype(np.uint64))
    np.save(os.path.join(parts, "hashes-%05d.npy" % k), h)
    chunks[k] = h
    store[k] = h
store.pop(7)
del chunks[7]
probe = np.concatenate([np.concatenate(list(chunks.values())), rng.integers(0, 1 << 40, 500).astype(np.uint64)])
wrong = 0
for i in (0, 5, 8, 20, 39, 40):
    want = set(int(x) for k, h in chunks.items() if k < i for x in h)
    got = store.before(i).contains(probe)
    wrong += int((got != np.array([int(x) in want for x in probe])).sum())
disk = sum(1 for _, a in store._runs if isinstance(a, S.DiskRun))
out({"wrong": wrong, "disk": disk, "files": len([f for f in os.listdir(parts) if f.startswith("seen-")])})`,
      work(),
    );
    expect(r.wrong).toBe(0);
    expect(r.disk).toBeGreaterThan(2);
    expect(r.files).toBeGreaterThanOrEqual(r.disk);
  });
});

describe('Bloom', () => {
  it('sets the same bits and answers the same, block by block, as over the whole array at once', () => {
    const r = pyOk(
      `import numpy as np
from dsbot_toolkit import hashset as H
rng = np.random.default_rng(9)
h = rng.integers(0, 2**63, 5000, dtype=np.uint64) * np.uint64(3)
probe = np.concatenate([h[::7], rng.integers(0, 2**63, 3000, dtype=np.uint64)])
def build(block):
    H.BLOCK = block
    b = H.Bloom(1 << 14)
    b.add(h)
    return b.words.copy(), b.maybe(probe)
whole_words, whole_maybe = build(1 << 30)
words, maybe = build(97)   # blocks that do not divide the array
out({"same_words": bool((words == whole_words).all()), "same_maybe": bool((maybe == whole_maybe).all()),
     "added_found": bool(maybe[: len(h[::7])].all()), "bits": int(sum(bin(int(w)).count("1") for w in words)),
     "positives": int(maybe.sum())})`,
    );
    expect(r.same_words).toBe(true);
    expect(r.same_maybe).toBe(true);
    expect(r.added_found).toBe(true); // no false negatives
    expect(r.bits).toBeGreaterThan(5000);
    expect(r.positives).toBeLessThan(5000 / 7 + 3000); // not everything is a positive
  });
});
