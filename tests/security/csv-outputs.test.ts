/**
 * Outputs cannot split rows or run formulas (issue 12 item 3): a real run on a file of hostile
 * cells (a lone CR before `@SUM(1)`, CRLF, fullwidth ＝＋－＠, formulas behind zero-width
 * characters and a BOM), then every output CSV read back by two different CSV readers (Python's
 * csv module and pandas, and the Node csv-parse package): each sees exactly the rows report.json
 * counts, and no cell starts a formula.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { runOnce, tempDir, testConfig } from '../helpers/run-harness.js';
import { pyOk, workDirs } from '../toolkit/py.js';

const HOSTILE = [
  'ok\r@SUM(1)',
  ' padded\r=1+1 ',
  'crlf\r\n=cmd',
  '\r=lead',
  '＝1+1',
  ' ＋1 ',
  '－1',
  '＠SUM(1)',
  '\u200b=HYPERLINK("http://x")',
  '\ufeff+cmd',
  '\u2060-2+3',
  '\u200d\u200c@x',
  '=1+2',
  '-3.5',
  '+44',
  'plain',
];

function field(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Counts rows (without the header) of each file with Python's csv module and with pandas. */
function pythonCounts(files: string[]): { csv: number; pandas: number }[] {
  const script = [
    'import csv, json, sys',
    'import pandas as pd',
    'out = []',
    'for p in sys.argv[1:]:',
    '    with open(p, newline="", encoding="utf-8") as f:',
    '        n = sum(1 for _ in csv.reader(f)) - 1',
    '    m = len(pd.read_csv(p, dtype=str, keep_default_na=False, na_filter=False))',
    '    out.append({"csv": n, "pandas": m})',
    'print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, ...files], { encoding: 'utf8' }));
}

const INVISIBLE = /^[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u180e\u202a-\u202e\u2066-\u2069]*/;
const FORMULA_START = /^[=+\-@\t\r＝＋－＠]/;
const NUMBER = /^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

describe('output CSVs of a run on hostile cells (real kernel, two CSV readers)', () => {
  it('every reader sees the rows report.json counts; no cell starts a formula; numbers stay numbers', async () => {
    const dir = tempDir('dsbot-sec-');
    const lines = [['id', 'name', 'note', 'score', '＝head'].map(field).join(',')];
    for (let i = 1; i <= 64; i++) {
      const note = HOSTILE[i % HOSTILE.length];
      lines.push([i, ` person ${i}`, note, i === 40 ? 9999 : 10 + (i % 9), `h${i % 3}`].map(field).join(','));
    }
    // Exact duplicates of hostile rows go to removed_rows.csv with their original values.
    lines.push(lines[1], lines[4], lines[9]);
    const input = path.join(dir, 'hostile.csv');
    writeFileSync(input, lines.join('\n') + '\n');
    const outDir = path.join(dir, 'run');
    const { finished } = await runOnce({ runId: 'sec-csv', inputPath: input, outDir }, { config: testConfig({ agent: { chunkRows: 20 } }) });
    expect(finished.status).toBe('succeeded');

    const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8'));
    const expected: Record<string, number> = {
      'cleaned.csv': report.rows_out,
      'removed_rows.csv': report.rows_removed,
      'changes.csv': report.cells_changed,
      'flags.csv': Object.values(report.cells_flagged_by_rule as Record<string, number>).reduce((a, b) => a + b, 0),
    };
    // The file exercises every output: rows removed, cells changed with CRs, flags.
    expect(report.rows_removed).toBeGreaterThan(0);
    expect(report.cells_changed).toBeGreaterThan(0);
    expect(expected['flags.csv']).toBeGreaterThan(0);
    const files = Object.keys(expected).map((n) => path.join(outDir, n));
    const py = pythonCounts(files);
    Object.keys(expected).forEach((name, k) => {
      const rows = parse(readFileSync(files[k]), { bom: false, relax_column_count: false }) as string[][];
      expect({ name, node: rows.length - 1, csv: py[k].csv, pandas: py[k].pandas }).toEqual({ name, node: expected[name], csv: expected[name], pandas: expected[name] });
      for (const row of rows) {
        for (const cell of row) {
          const visible = cell.replace(INVISIBLE, '');
          if (FORMULA_START.test(visible) && !NUMBER.test(cell)) throw new Error(`${name}: cell ${JSON.stringify(cell)} starts a formula`);
        }
      }
    });

    const cleaned = parse(readFileSync(path.join(outDir, 'cleaned.csv'))) as string[][];
    const note = cleaned[0].indexOf('note');
    expect(cleaned[0]).toContain("'＝head");
    const notes = new Set(cleaned.slice(1).map((r) => r[note]));
    expect(notes).toContain('-3.5');
    expect(notes).toContain('+44');
    expect(notes).toContain('plain');
    expect(notes).toContain("'＝1+1");
    expect(notes).toContain("'\u200b=HYPERLINK(\"http://x\")");
    expect(notes).toContain('ok\r@SUM(1)');
    // The originals of removed rows keep their CR/LF inside one quoted field.
    const removed = parse(readFileSync(path.join(outDir, 'removed_rows.csv'))) as string[][];
    expect(removed.slice(1).map((r) => r[removed[0].indexOf('note')])).toEqual(expect.arrayContaining([' padded\r=1+1 ', "'＝1+1", "'\ufeff+cmd"]));
  });
});

describe('the toolkit writer on frames a model may return (categorical, string dtype, repeated names)', () => {
  const work = workDirs();
  it('neutralises and quotes them too', () => {
    const d = work();
    const cells = pyOk(
      `import csv
from dsbot_toolkit.io import write_csv
import pandas as pd
df = pd.DataFrame({"a": pd.Series(["=cmd", "x\\r@SUM(1)", "ok"], dtype="category"), "b": pd.Series(["＠x", None, "-2"], dtype="string")})
df.insert(2, "a", ["\\u200b+1", "y", "z"], allow_duplicates=True)
write_csv(df, os.path.join(WORK, "t.csv"))
with open(os.path.join(WORK, "t.csv"), newline="", encoding="utf-8") as f:
    out(list(csv.reader(f)))`,
      d,
    );
    expect(cells).toEqual([
      ['a', 'b', 'a'],
      ["'=cmd", "'＠x", "'\u200b+1"],
      ['x\r@SUM(1)', '', 'y'],
      ['ok', '-2', 'z'],
    ]);
  });
});
