/** Output safety (bare names only, no spreadsheet formulas) and clear errors for bad input files. */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { py, pyOk, workDirs } from './py.js';

const work = workDirs();

describe('save_cleaned_dataframe', () => {
  it('writes <name>.csv in the work dir and refuses anything but a bare name', () => {
    const d = work();
    const r = pyOk(
      `init_session(os.path.join(FIX, "messy.csv"), WORK)
df = load_sample()
res = {"ok": save_cleaned_dataframe(df, "result")}
for name in ["../escape", "/tmp/abs", "a/b", "a\\\\b", "..", "", "  ", ".hidden", "x/../../y", "C:evil"]:
    try:
        save_cleaned_dataframe(df, name)
        res[name] = "written"
    except ValueError as e:
        res[name] = "refused: " + str(e)
out(res)`,
      d,
    );
    expect(r.ok).toBe('result.csv');
    expect(readFileSync(join(d, 'result.csv'), 'utf8').split('\n')[0]).toBe('id,name,weight,year,rating,colour,joined');
    for (const name of ['../escape', '/tmp/abs', 'a/b', 'a\\b', '..', '', '  ', '.hidden', 'x/../../y', 'C:evil']) {
      expect(r[name], name).toMatch(/^refused: save_cleaned_dataframe/);
    }
    expect(existsSync(join(dirname(d), 'escape.csv'))).toBe(false);
    expect(readdirSync(d).sort()).toEqual(['result.csv']);
  });
});

describe('formula neutralisation', () => {
  it('prefixes text cells starting with = + - @ and keeps numbers as numbers in every CSV output', () => {
    const d = work();
    pyOk(
      `init_session(os.path.join(FIX, "formulas.csv"), WORK)
p = profile()
replay_begin(make_clean_chunk(suggest_recipe(p)))
replay_chunk(0)
finalize([0])
save_cleaned_dataframe(load_sample(), "direct")
out(True)`,
      d,
    );
    for (const file of ['cleaned.csv', 'direct.csv']) {
      const lines = readFileSync(join(d, file), 'utf8').trim().split('\n');
      expect(lines, file).toEqual([
        'id,formula,value',
        "1,'=SUM(A1:A3),-3.5",
        '2,+44,+44',
        "3,'@cmd,-2",
        "4,'-bad,1e5",
        '5,normal,7',
      ]);
    }
  });

  it('neutralises header cells too', () => {
    const d = work();
    const r = pyOk(
      `import csv
with open(os.path.join(WORK, "h.csv"), "w") as f:
    f.write('id,=HYPERLINK("http://x.example/"),+44\\n1,a,2\\n')
init_session(os.path.join(WORK, "h.csv"), WORK)
p = profile()
replay_begin(make_clean_chunk(suggest_recipe(p)))
replay_chunk(0)
finalize([0])
out([next(csv.reader(open(os.path.join(WORK, n)))) for n in ("cleaned.csv", "removed_rows.csv")])`,
      d,
    );
    expect(r[0]).toEqual(['id', '\'=HYPERLINK("http://x.example/")', '+44']);
    expect(r[1].slice(0, 3)).toEqual(['id', '\'=HYPERLINK("http://x.example/")', '+44']);
  });
});

describe('bad input files', () => {
  const cases: [string, RegExp][] = [
    ['empty.csv', /empty\.csv: the file is empty/],
    ['binary.csv', /binary\.csv: this is a ZIP archive/],
    ['missing.csv', /missing\.csv: the file does not exist/],
  ];
  for (const [file, msg] of cases) {
    it(`${file}: raises InputFileError (a ValueError) with a clear message`, () => {
      const r = pyOk(
        `try:
    init_session(os.path.join(FIX, ${JSON.stringify(file)}), WORK)
    out({"raised": None})
except ValueError as e:
    out({"raised": type(e).__name__, "msg": str(e)})`,
        work(),
      );
      expect(r.raised).toBe('InputFileError');
      expect(r.msg).toMatch(msg);
    });
  }

  it('malformed CSV: the error names the line', () => {
    const r = pyOk(
      `try:
    init_session(os.path.join(FIX, "malformed.csv"), WORK)
    profile()
    out({"raised": None})
except ValueError as e:
    out({"raised": type(e).__name__, "msg": str(e)})`,
      work(),
    );
    expect(r.raised).toBe('InputFileError');
    expect(r.msg).toMatch(/malformed\.csv: malformed CSV: Expected 3 fields in line 3, saw 4/);
  });

  it('a binary file with NUL bytes and no known signature is refused too', () => {
    const d = work();
    const r = py(
      `path = os.path.join(WORK, "data.csv")
open(path, "wb").write(b"a,b\\n1,2\\n\\x00\\x01\\x02\\x00")
init_session(path, WORK)`,
      d,
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/InputFileError: data\.csv: looks like a binary file/);
  });

  it('reads a latin-1 file with ";" delimiters', () => {
    const r = pyOk(
      `init_session(os.path.join(FIX, "latin1-semicolon.csv"), WORK)
from dsbot_toolkit import session as S
df = load_sample()
out({"enc": S.S.encoding, "sep": S.S.sep, "rows": df.values.tolist(), "cols": list(df.columns)})`,
      work(),
    );
    expect(r.enc).toBe('cp1252');
    expect(r.sep).toBe(';');
    expect(r.cols).toEqual(['name', 'city', 'amount']);
    expect(r.rows).toEqual([
      ['Zoé', 'München', '12,5'],
      ['Al', 'Paris', '3'],
    ]);
  });
});

describe('schema_fingerprint', () => {
  it('is stable under name spelling and changes with types', () => {
    const r = pyOk(
      `out([schema_fingerprint(["Brewery ID", "City"]), schema_fingerprint(["brewery_id", "city"]),
     schema_fingerprint([{"name": "a", "inferred_type": "integer"}]), schema_fingerprint([{"name": "a", "inferred_type": "text"}])])`,
    );
    expect(r[0]).toBe(r[1]);
    expect(r[2]).not.toBe(r[3]);
    expect(r[0]).toMatch(/^[0-9a-f]{16}$/);
  });
});
