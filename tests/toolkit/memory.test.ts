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
