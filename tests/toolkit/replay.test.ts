/** Replay: duplicates across chunks, resume after an interrupted replay, outputs and report. */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pyOk, workDirs } from './py.js';

const work = workDirs();

const START = `init_session(os.path.join(FIX, "dups.csv"), WORK, chunk_rows=10)
p = profile()
recipe = suggest_recipe(p)
`;

/** Rows 12 (= row 3), 14 (= row 11), 25 (= row 7) and 28 (= row 15) of dups.csv repeat earlier rows. */
const DUP_ROWS = ['12', '14', '25', '28'];
const KEPT = Array.from({ length: 30 }, (_, i) => i).filter((i) => !DUP_ROWS.includes(String(i)));

function csvRows(path: string): string[][] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => l.split(','));
}

describe('replay', () => {
  it('removes exact duplicates within and across chunks, keeping the first occurrence', () => {
    const d = work();
    const r = pyOk(
      `${START}
replay_begin(make_clean_chunk(recipe))
res = [replay_chunk(i) for i in range(p["chunks"])]
fin = finalize([0, 1, 2])
out({"dup": p["duplicate_rows"], "ops": [s["op"] for s in recipe], "res": res, "fin": fin})`,
      d,
    );
    expect(r.dup).toBe(4);
    expect(r.ops).toContain('drop_duplicates');
    expect(r.res.map((x: any) => [x.rows_in, x.rows_out, x.rows_removed, x.ok])).toEqual([
      [10, 10, 0, true],
      [10, 8, 2, true],
      [10, 8, 2, true],
    ]);
    expect(r.res[0].hash).toMatch(/^[0-9a-f]{64}$/);
    const cleaned = csvRows(join(d, 'cleaned.csv'));
    expect(cleaned[0]).toEqual(['k', 'v', 'w']);
    expect(cleaned.slice(1).map((x) => x[0])).toEqual(KEPT.map((i) => `k${i}`));
    const removed = csvRows(join(d, 'removed_rows.csv'));
    expect(removed[0]).toEqual(['k', 'v', 'w', 'row', 'reason']);
    expect(removed.slice(1).map((x) => [x[0], x[3], x[4]])).toEqual([
      ['k3', '12', 'exact duplicate row'],
      ['k11', '14', 'exact duplicate row'],
      ['k7', '25', 'exact duplicate row'],
      ['k15', '28', 'exact duplicate row'],
    ]);
    expect(r.fin).toMatchObject({ rows_in: 30, rows_out: 26, rows_removed: 4 });
    for (const f of ['cleaned.csv', 'changes.csv', 'removed_rows.csv', 'flags.csv', 'chart.png', 'quality.json', 'report.md', 'report.json']) {
      expect(existsSync(join(d, f)), f).toBe(true);
      expect(r.fin.artifacts).toContain(f);
    }
    const report = JSON.parse(readFileSync(join(d, 'report.json'), 'utf8'));
    expect(report.rows_removed_by_reason).toEqual({ 'exact duplicate row': 4 });
    expect(report.chunks).toHaveLength(3);
    expect(readFileSync(join(d, 'report.md'), 'utf8')).toMatch(/4 rows: exact duplicate row/);
  });

  it('resumes after an interrupted replay: every row exactly once, none lost', () => {
    const d = work();
    // First process: replays chunks 0-2 but "crashes" before chunk 2 is committed.
    const first = pyOk(
      `${START}
replay_begin(make_clean_chunk(recipe), committed=[])
a = [replay_chunk(i) for i in range(3)]
out([x["hash"] for x in a])`,
      d,
    );
    // Second process: a new kernel, committed = [0, 1]; chunk 2 is replayed again.
    const second = pyOk(
      `${START}
info = replay_begin(make_clean_chunk(recipe), committed=[0, 1])
r2 = replay_chunk(2)
fin = finalize([0, 1, 2])
out({"info": info, "r2": r2, "fin": fin})`,
      d,
    );
    expect(second.info).toMatchObject({ chunks: 3, committed: [0, 1], next: 2 });
    expect(second.r2).toMatchObject({ rows_in: 10, rows_out: 8, rows_removed: 2, ok: true });
    expect(second.r2.hash).toBe(first[2]);
    const cleaned = csvRows(join(d, 'cleaned.csv')).slice(1);
    const removed = csvRows(join(d, 'removed_rows.csv')).slice(1);
    expect(cleaned).toHaveLength(26);
    expect(removed.map((x) => x[3])).toEqual(DUP_ROWS);
    const keys = cleaned.map((x) => x[0]);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(KEPT.map((i) => `k${i}`));
  });

  it('replay_begin refuses a committed chunk whose saved hashes are missing', () => {
    const d = work();
    const r = pyOk(
      `${START}
replay_begin(make_clean_chunk(recipe), committed=[])
[replay_chunk(i) for i in range(2)]
os.remove(os.path.join(WORK, "parts", "hashes-00000.npy"))
try:
    replay_begin(make_clean_chunk(recipe), committed=[0, 1])
    out({"raised": None})
except FileNotFoundError as e:
    out({"raised": str(e)})`,
      d,
    );
    expect(r.raised).toMatch(/committed chunk 0 has no saved hashes/);
  });
});
