/** Memory given back between phases: unreachable cycles collected, the C heap trimmed, the
 * profile's input row hashes moved to disk once the pass is over (results unchanged). */
import { describe, expect, it } from 'vitest';
import { pyOk, workDirs } from './py.js';

const work = workDirs();

describe('memory.release', () => {
  it('collects an unreachable cycle and trims the C heap (glibc)', () => {
    const r = pyOk(`import gc, weakref
from dsbot_toolkit import memory
class Node:
    pass
gc.disable()
n = Node(); n.me = n
alive = weakref.ref(n)
del n
before = alive() is not None
released = memory.release()
gc.enable()
out({"before": before, "after": alive() is not None, "released": released, "trim": memory.trim()})`);
    expect(r).toEqual({ before: true, after: false, released: true, trim: true });
  });
});

describe('the input row hashes after the profile', () => {
  it('go to disk when they hold 4 MB or more, read back equal, and finalize counts the duplicates of some chunks from them', () => {
    const r = pyOk(
      `import numpy as np
from dsbot_toolkit.relations import SpilledArrays
sp = SpilledArrays(os.path.join(WORK, "sp"), "h", budget=64)
arrs = [np.arange(k, k + 5, dtype=np.uint64) for k in range(4)]
for a in arrs:
    sp.append(a)
held_before = sum(a is not None for a in sp.items)
sp.spill(min_bytes=1000)  # holds less: stays in memory
kept = sp.held
sp.spill()
same = all((sp[i] == a).all() for i, a in enumerate(arrs))
from dsbot_toolkit import relations
init_session(os.path.join(FIX, "dups.csv"), os.path.join(WORK, "run"), chunk_rows=10)
orig = relations.SpilledArrays.spill
relations.SpilledArrays.spill = lambda self, min_bytes=0: orig(self, 0)  # no 4 MB floor: this small file spills too
p = profile()
relations.SpilledArrays.spill = orig
from dsbot_toolkit.session import session
s = session()
on_disk = all(a is None for a in s.input_hashes.items) and s.input_hashes.held == 0
replay_begin(make_clean_chunk(suggest_recipe(p)))
for i in range(p["chunks"]):
    replay_chunk(i)
finalize([0, 1])
part = json.load(open(os.path.join(WORK, "run", "quality.json")))
out({"held_before": held_before, "kept": kept, "held": sp.held, "same": same, "on_disk": on_disk, "chunks": len(s.input_hashes),
     "part": part["before"]["duplicate_rows"]})`,
      work(),
    );
    expect(r.held_before).toBeGreaterThan(0);
    expect(r.kept).toBe(r.held_before * 5 * 8);
    expect(r.held).toBe(0);
    expect(r.same).toBe(true);
    expect(r.on_disk).toBe(true);
    expect(r.chunks).toBe(3);
    expect(r.part).toBe(2); // as tests/toolkit/hashset.test.ts: rows 12 and 14 repeat earlier rows of chunks 0-1
  });
});
