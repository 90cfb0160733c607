/** score_cells: Raha/Baran cell scoring by position, with removed rows put back in place. */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, pyOk, tempDir } from './py.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

describe('score_cells', () => {
  it('scores detection and correction by position; removed duplicates count as unchanged cells', () => {
    const d = tempDir();
    dirs.push(d);
    // Errors in dirty: row 1 v ('N/A' -> ''), row 2 w ('7 kg' -> '7'), row 4 v ('x9' -> '9', not repaired).
    writeFileSync(join(d, 'dirty.csv'), 'k,v,w\na,1,5\nb,N/A,6\nc,3,7 kg\nb,N/A,6\ne,x9,8\nf,4,9\n');
    writeFileSync(join(d, 'clean.csv'), 'key,value,weight\na,1,5\nb,,6\nc,3,7\nb,,6\ne,9,8\nf,4,9\n');
    const r = pyOk(
      `from dsbot_toolkit.__main__ import clean
clean(os.path.join(WORK, "dirty.csv"), os.path.join(WORK, "out"), quiet=True)
import pandas as pd
n = len(pd.read_csv(os.path.join(WORK, "out", "cleaned.csv")))
sc = score_cells(os.path.join(WORK, "dirty.csv"), os.path.join(WORK, "clean.csv"), os.path.join(WORK, "out", "cleaned.csv"))
sc2 = score_cells(os.path.join(WORK, "dirty.csv"), os.path.join(WORK, "clean.csv"), os.path.join(WORK, "clean.csv"))
out({"n": n, "sc": sc, "perfect": sc2["correction"]})`,
      d,
    );
    expect(r.n).toBe(5);
    // changed: row1 v, row2 w (row 3, the duplicate, is back with its dirty values).
    expect(r.sc.counts).toEqual({ flagged: 2, errors: 4, detected: 2, corrected: 2 });
    expect(r.sc.correction).toEqual({ p: 1, r: 0.5, f1: 0.6667 });
    expect(r.sc.per_column.w.correction).toEqual({ p: 1, r: 1, f1: 1 });
    expect(r.perfect).toEqual({ p: 1, r: 1, f1: 1 });
  });
});
