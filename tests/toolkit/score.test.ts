/** score_cells: Raha/Baran cell scoring by position, with removed rows put back in place. */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, pyOk, tempDir } from './py.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

describe('score_cells', () => {
  it('scores detection and correction by position; a removed duplicate is scored on the repairs recorded for it', () => {
    const d = tempDir();
    dirs.push(d);
    // Errors in dirty: row 1 v ('N/A' -> ''), row 2 w ('7 kg' -> '7'), row 3 (a duplicate of row 1, removed)
    // v, row 4 v ('x9' -> '9', not repaired: kept and flagged). 20 plain rows make v and w numeric columns.
    // The first plain row's weight is written '20 kg' too: a unit the column uses twice, so 'kg' is its unit.
    const plain = (kg: boolean) => Array.from({ length: 20 }, (_, i) => `p${i},${i + 10},${i + 20}${kg && i === 0 ? ' kg' : ''}`).join('\n');
    writeFileSync(join(d, 'dirty.csv'), `k,v,w\na,1,5\nb,N/A,6\nc,3,7 kg\nb,N/A,6\ne,x9,8\nf,4,9\n${plain(true)}\n`);
    writeFileSync(join(d, 'clean.csv'), `key,value,weight\na,1,5\nb,,6\nc,3,7\nb,,6\ne,9,8\nf,4,9\n${plain(false)}\n`);
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
    expect(r.n).toBe(25);
    // changed: row1 v, row2 w, row 6 w and row 3 v: the duplicate is back with its dirty values plus its recorded repairs.
    expect(r.sc.counts).toEqual({ flagged: 4, errors: 5, detected: 4, corrected: 4 });
    expect(r.sc.correction).toEqual({ p: 1, r: 0.8, f1: 0.8889 });
    expect(r.sc.per_column.v.missed).toEqual([{ dirty: 'x9', expected: '9', count: 1 }]);
    expect(r.sc.per_column.w.correction).toEqual({ p: 1, r: 1, f1: 1 });
    expect(r.perfect).toEqual({ p: 1, r: 1, f1: 1 });
  });
});
