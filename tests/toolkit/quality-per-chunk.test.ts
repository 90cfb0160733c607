/** Quality measured per chunk during the replay: finalize only sums it, a resumed run (fresh
 * session, custom clean_chunk, parts restored without extra files) measures the same, and the
 * report's Run section is written for people. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pyOk, workDirs } from './py.js';

const work = workDirs();

/** Re-measures quality the old way (the input and cleaned.csv read again) for comparison. */
const REMEASURE = `
from dsbot_toolkit.finalize import _remeasure
from dsbot_toolkit.session import session
b, a = _remeasure(session(), profile(), recipe, list(range(profile()["chunks"])))
expected = {"before": b.result(), "after": a.result()}
`;

describe('quality per chunk', () => {
  it('finalize sums the per-chunk measures into the same quality as reading input and output again', () => {
    const d = work();
    const r = pyOk(
      `init_session(os.path.join(FIX, "messy.csv"), WORK, chunk_rows=7)
p = profile()
recipe = suggest_recipe(p)
replay_begin(make_clean_chunk(recipe))
for i in range(p["chunks"]):
    replay_chunk(i)
saved = json.load(open(os.path.join(WORK, "parts", "result-00000.json")))
finalize(list(range(p["chunks"])))
${REMEASURE}
out({"chunks": p["chunks"], "saved": sorted(saved["quality"]), "got": json.load(open(os.path.join(WORK, "quality.json"))),
     "expected": json.loads(json.dumps(expected))})`,
      d,
    );
    expect(r.chunks).toBeGreaterThan(1);
    expect(r.saved).toEqual(['after', 'after_hashes', 'before', 'key']);
    expect(r.got).toEqual(r.expected);
    const before = Object.values(r.got.before.columns as Record<string, Record<string, number>>);
    expect(before.some((c) => c.null_tokens + c.format_violations + c.invalid_type > 0)).toBe(true);
  });

  it('a run resumed in a fresh session with a custom clean_chunk measures the same as one uninterrupted run', () => {
    const d = work();
    const r = pyOk(
      `def custom(recipe):
    inner = make_clean_chunk(recipe)
    def clean_chunk(df, ctx):
        return inner(df.copy(), ctx)
    return clean_chunk
init_session(os.path.join(FIX, "dups.csv"), WORK, chunk_rows=10)
p = profile()
recipe = suggest_recipe(p)
replay_begin(custom(recipe))
replay_chunk(0)
replay_chunk(1)
# a fresh session, as in a new VM: only the host's part files come back (no qhashes-*.npy)
for f in os.listdir(os.path.join(WORK, "parts")):
    if f.startswith("qhashes"):
        os.remove(os.path.join(WORK, "parts", f))
init_session(os.path.join(FIX, "dups.csv"), WORK, chunk_rows=10)
profile()
replay_begin(custom(recipe), committed=[0, 1])
replay_chunk(2)
finalize([0, 1, 2], {"recipe": recipe})
got = json.load(open(os.path.join(WORK, "quality.json")))
${REMEASURE}
out({"got": got, "expected": json.loads(json.dumps(expected))})`,
      d,
    );
    expect(r.got).toEqual(r.expected);
    expect(r.got.before.duplicate_rows).toBe(4);
    expect(r.got.after.duplicate_rows).toBe(0);
  });

  it("report.md's Run section shows steps as a table, chunks summarised, yes/no, seconds, no None", () => {
    const d = work();
    pyOk(
      `init_session(os.path.join(FIX, "dups.csv"), WORK, chunk_rows=10)
p = profile()
replay_begin(make_clean_chunk(suggest_recipe(p)))
res = [replay_chunk(i) for i in range(p["chunks"])]
meta = {"run_id": "r-1", "resumed": False, "memory": {"insights": 1, "recipe_offered": True}, "cost_usd": None,
        "tokens": {"input": 1200, "output": 340},
        "steps": [{"step": 1, "phase": "draft", "isError": False, "durationMs": 2500, "inputTokens": 1200, "outputTokens": 300},
                  {"step": 2, "phase": "draft", "isError": True, "durationMs": 400, "inputTokens": 0, "outputTokens": 40}],
        "durations_ms": {"profile": 1500, "total": 4200},
        "chunks": [{"index": r["index"], "rowsIn": r["rows_in"], "rowsOut": r["rows_out"], "rowsRemoved": r["rows_removed"],
                    "hash": r["hash"], "ok": i != 1, "at": 0} for i, r in enumerate(res)]}
finalize([0, 1, 2], meta)
out(None)`,
      d,
    );
    const md = readFileSync(join(d, 'report.md'), 'utf8');
    const run = md.slice(md.indexOf('## Run'), md.indexOf('## Input'));
    expect(run).toContain('- resumed: no');
    expect(run).toContain('- memory: insights 1, recipe offered yes');
    expect(run).toContain('- tokens: 1,200 in, 340 out');
    expect(run).toContain('- durations: profile 1.5 s, total 4.2 s');
    expect(run).toContain('- chunks: 3 committed; rows 30 in, 26 out (4 removed); chunk 1 failed validation');
    expect(run).toContain('| step | phase | result | duration | tokens in / out |');
    expect(run).toContain('| 2 | draft | error | 0.40 s | 0 / 40 |');
    expect(run).not.toMatch(/None|True|False|\[\{|\{'/);
    expect(run).not.toContain('cost');
    const report = JSON.parse(readFileSync(join(d, 'report.json'), 'utf8'));
    expect(report.cost_usd).toBeNull();
    expect(report.steps).toHaveLength(2);
  });
});
