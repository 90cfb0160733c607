/**
 * Repairs that stand on evidence in the data (issue "Cleaning that generalises"): each capability
 * on a small synthetic table, with the cells it must leave alone.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pyOk, workDirs } from './py.js';

const work = workDirs();

/** Writes `frame` (a Python expression building a DataFrame) to WORK/in.csv, cleans it, returns cleaned rows, changes and flags. */
const RUN = (frame: string, extra = '') => `
import pandas as pd
frame = ${frame}
path = os.path.join(WORK, "in.csv")
frame.to_csv(path, index=False)
from dsbot_toolkit.__main__ import clean
res = clean(path, os.path.join(WORK, "out"), chunk_rows=40, quiet=True ${extra})
read = lambda n: pd.read_csv(os.path.join(WORK, "out", n), dtype=str, keep_default_na=False)
cleaned, changes, flags = read("cleaned.csv"), read("changes.csv"), read("flags.csv")
report = json.load(open(os.path.join(WORK, "out", "report.json")))
md = open(os.path.join(WORK, "out", "report.md")).read()
`;

describe('values against their column', () => {
  it('merges a typo into a much more frequent value, but keeps a rare legitimate value whose context disagrees', () => {
    const r = pyOk(
      `${RUN(`pd.DataFrame({"id": range(90),
    "city": ["Portland"] * 60 + ["Salem"] * 27 + ["Portlnd", "Cortland", "Salme"],
    "state": ["OR"] * 60 + ["MA"] * 27 + ["OR", "NY", "MA"]})`)}
out({"city": cleaned["city"].tolist()[-3:], "rules": changes[changes["column"] == "city"]["rule"].tolist(),
     "evidence": changes[changes["column"] == "city"]["evidence"].tolist()})`,
      work(),
    );
    // 'Cortland' is one edit from 'Portland' too, but it is in NY and Portland never is: a real town, kept.
    expect(r.city).toEqual(['Portland', 'Cortland', 'Salem']);
    expect(r.rules).toEqual(['typo', 'typo']);
    expect(r.evidence[0]).toMatch(/one edit from 'Portland' \(seen 60 times, this 1\); state=OR agrees/);
    expect(r.evidence[1]).toMatch(/one edit from 'Salem' \(seen 27 times, this 1\); state=MA agrees/);
  });

  it('converts minority representations when the mapping is determinate, and keeps a consistent one', () => {
    const r = pyOk(
      `${RUN(`pd.DataFrame({
    "n": range(60),
    "pct": ["%d%%" % (10 + i % 50) for i in range(60)],                      # '12%' throughout: kept
    "dur": ["%d min" % (90 + i) for i in range(58)] + ["1 hr. 45 min.", "2 hr. 2 min."],
    "amount": ["%d.%02d" % (100 + i, i) for i in range(56)] + ["£1,234.50", "GBP 99.00", "1,086.35", "£1,250,000.00"],
    "rent": ["%d.0" % (800 + 40 * i) for i in range(57)] + ["1.962", "0.95", "2.3"],
    "when": ["2021-%02d-%02d" % (1 + i % 12, 1 + i % 28) for i in range(57)] + ["25/12/2021", "3 Feb 2021", "next week"],
    "flag": ["yes"] * 40 + ["no"] * 15 + ["Y", "TRUE", "N", "false", "No"],
    "note": ["empty"] * 20 + ["ok %d" % i for i in range(40)]})`)}
out({"pct": cleaned["pct"].tolist()[:2], "dur": cleaned["dur"].tolist()[-2:], "amount": cleaned["amount"].tolist()[-4:],
     "rent": cleaned["rent"].tolist()[:1] + cleaned["rent"].tolist()[-3:], "when": cleaned["when"].tolist()[-3:],
     "flag": sorted(set(cleaned["flag"])), "note": cleaned["note"].tolist()[:1],
     "changed": sorted(set(changes["column"])), "rules": changes.groupby("column")["rule"].agg(lambda s: sorted(set(s))).to_dict(),
     "flags": flags[["column", "value", "rule"]].values.tolist()})`,
      work(),
    );
    expect(r.pct).toEqual(['10%', '11%']);
    expect(r.dur).toEqual(['105 min', '122 min']);
    expect(r.amount).toEqual(['1234.50', '99.00', '1086.35', '1250000.00']);
    expect(r.rent).toEqual(['800', '1962', '950', '2300']);
    expect(r.when).toEqual(['2021-12-25', '2021-02-03', 'next week']);
    expect(r.flag).toEqual(['no', 'yes']);
    expect(r.note).toEqual(['empty']);
    expect(r.changed).not.toContain('pct');
    expect(r.changed).not.toContain('note');
    expect(r.rules.rent).toEqual(['number_format', 'scale']);
    expect(r.rules.amount).toEqual(expect.arrayContaining(['currency', 'number_format']));
    expect(r.flags).toContainEqual(['when', 'next week', 'invalid_date']);
  });

  it('keeps a value that is not a number, flags it, and lists it as unresolved in the report', () => {
    const r = pyOk(
      `${RUN(`pd.DataFrame({"id": range(60), "score": ["%d.5" % i for i in range(58)] + ["8.3/10", "n.a. (see note)"],
    "code": ["A%d" % i for i in range(30)] + ["%d" % i for i in range(30)]})`)}
out({"score": cleaned["score"].tolist()[-2:], "flags": flags[["column", "value", "rule"]].values.tolist(),
     "unresolved": report["unresolved"], "md": md})`,
      work(),
    );
    expect(r.score).toEqual(['8.3/10', 'n.a. (see note)']);
    expect(r.flags).toEqual([
      ['score', '8.3/10', 'invalid_number'],
      ['score', 'n.a. (see note)', 'invalid_number'],
    ]);
    expect(r.unresolved).toContain('`score`: 2 values not a number (listed in flags.csv).');
    expect(r.md).toMatch(/## Unresolved \(kept as written, for a person to decide\)/);
  });

  it('reports a column that looks numeric but has no determinate repair, and does not call the file clean', () => {
    const r = pyOk(
      `${RUN(`pd.DataFrame({"id": range(60), "price": ["%d.99" % i for i in range(40)] + ["call us", "TBD %d" % 0] * 10})`)}
out({"headline": report["headline"], "unresolved": report["unresolved"], "changed": len(changes)})`,
      work(),
    );
    expect(r.changed).toBe(0);
    expect(r.unresolved.join('\n')).toMatch(/`price` looks like a number column \(67% of its values read as numbers\) but was left as text/);
    expect(r.headline).toMatch(/1 column left as text although most values look typed/);
  });
});

describe('repair from redundancy', () => {
  it('blames the cell that breaks most dependencies: a wrong surname is repaired, the birth year it would drag along is not', () => {
    const r = pyOk(
      `players = [("Ann", "Berg", "1990"), ("Bo", "Cole", "1985"), ("Cy", "Dahl", "1979"), ("Di", "Eck", "1993"), ("Ed", "Fox", "1988")]
rows = [(n, s, y, str(season)) for season in range(2010, 2020) for n, s, y in players]
bad = rows.index(("Ann", "Berg", "1990", "2015"))
rows[bad] = ("Ann", "Cole", "1990", "2015")   # Bo's surname written on Ann's row
${RUN(`pd.DataFrame(rows, columns=["name", "surname", "born", "season"])`)}
out({"bad": bad, "changes": changes[["row", "column", "old", "new", "rule"]].values.tolist(), "row": cleaned.iloc[bad].tolist()})`,
      work(),
    );
    // surname breaks name->surname, surname->name and surname->born; born breaks only surname->born
    // two dependencies agree on the repair (the birth year and the name both say Berg)
    expect(r.changes).toEqual([[String(r.bad), 'surname', 'Cole', 'Berg', 'fd:born+name->surname']]);
    expect(r.row).toEqual(['Ann', 'Berg', '1990', '2015']);
  });

  it('fills a missing cell from another record of the same entity only when that entity recurs rarely', () => {
    const r = pyOk(
      `${RUN(`pd.DataFrame({"name": ["shop %d" % i for i in range(100)] + ["shop %d" % i for i in range(1, 9)],
    "street": ["%d main st" % i for i in range(100)] + ["%d main street" % i for i in range(1, 9)],
    "class": [str(100 + i) for i in range(100)] + ["101", "?", "103", "104", "105", "106", "107", "108"]})`)}
out({"class": cleaned["class"].tolist()[-8:-5], "rules": changes[changes["column"] == "class"]["rule"].tolist(),
     "evidence": changes[changes["column"] == "class"]["evidence"].tolist()})`,
      work(),
    );
    expect(r.class).toEqual(['101', '102', '103']);
    expect(r.rules).toEqual(['null_token', 'fd_fill:name->class']);
    expect(r.evidence[1]).toBe("name=shop 2: '102' in 1 of 1 other rows");
  });

  it('truth discovery weighs sources by reliability: two reliable sources beat three careless ones', () => {
    const r = pyOk(
      `import random
random.seed(3)
rows, truth = [], {}
sources = {"good1": 0.97, "good2": 0.95, "bad1": 0.45, "bad2": 0.45, "bad3": 0.45}
for e in range(120):
    t = "%02d:%02d" % (random.randint(6, 22), random.choice([0, 15, 30, 45]))
    truth["F%03d" % e] = t
    # the careless sources copy one wrong value from each other (a shared mistake)
    wrong = "%02d:%02d" % (random.randint(6, 22), random.choice([5, 20, 35, 50]))
    shared = random.random() < 0.5
    for s, rel in sources.items():
        ok = random.random() < rel
        rows.append((s, "F%03d" % e, t if ok or (s.startswith("good") and not shared) else (wrong if s.startswith("bad") and shared else t)))
${RUN(`pd.DataFrame(rows, columns=["source", "flight", "dep"])`)}
majority = frame.groupby("flight")["dep"].agg(lambda s: s.value_counts().index[0])
ok_vote = sum(majority[f] == t for f, t in truth.items())
cl = cleaned.groupby("flight")["dep"].agg(lambda s: s.value_counts().index[0])
ok_truth = sum(cl[f] == t for f, t in truth.items())
out({"vote": int(ok_vote), "truth": int(ok_truth), "ops": [s["op"] for s in res["recipe"]],
     "evidence": changes["evidence"].tolist()[:1]})`,
      work(),
    );
    expect(r.ops).toContain('sources');
    expect(r.truth).toBeGreaterThan(r.vote);
    expect(r.truth).toBeGreaterThanOrEqual(115);
    expect(r.evidence[0]).toMatch(/flight=F\d+: '\d\d:\d\d' has probability [\d.]+ across \d+ sources; this source \(bad\d\) is right \d+% of the time/);
  });
});

describe('a data dictionary is evidence too', () => {
  it('allowed values repair rare typos and flag what is not allowed; a day/month order decides ambiguous dates', () => {
    const d = work();
    const r = pyOk(
      `open(os.path.join(WORK, "dict.txt"), "w").write("city   Where the customer lives: one of London, Leeds or York.\\nseen   The day of the visit, day/month/year.\\n")
${RUN(`pd.DataFrame({"id": range(60), "city": ["London"] * 30 + ["Leeds"] * 26 + ["Lodnon", "leeds ", "Paris", "York"],
    "seen": ["%02d/%02d/2021" % (1 + i % 12, 1 + i % 12) for i in range(58)] + ["03/04/2021", "2021-04-05"]})`, ', dictionary=os.path.join(WORK, "dict.txt")')}
out({"city": cleaned["city"].tolist()[-4:], "seen": cleaned["seen"].tolist()[-2:],
     "flags": flags[flags["column"] == "city"][["value", "rule"]].values.tolist()})`,
      d,
    );
    expect(r.city).toEqual(['London', 'Leeds', 'Paris', 'York']);
    expect(r.flags).toEqual([['Paris', 'not_allowed']]);
    // every value reads both ways (day = month); the dictionary says day/month: 2021-04-05 is 05/04/2021
    expect(r.seen).toEqual(['03/04/2021', '05/04/2021']);
  });
});

describe('Turtle Games still clean sensibly', () => {
  it('Year 2006.0 -> 2006 is a format fix, best sellers are not problems, fills carry evidence', () => {
    const d = work();
    const r = pyOk(
      `from dsbot_toolkit.__main__ import clean
res = clean(os.path.join(DATA, "turtle/turtle_sales.csv"), WORK, dictionary=os.path.join(DATA, "turtle/metadata_turtle_games.txt"), quiet=True)
rep = json.load(open(os.path.join(WORK, "report.json")))
q = json.load(open(os.path.join(WORK, "quality.json")))
import pandas as pd
ch = pd.read_csv(os.path.join(WORK, "changes.csv"), dtype=str, keep_default_na=False)
out({"year": q["before"]["columns"]["Year"], "na": q["after"]["columns"]["NA_Sales"], "pb": rep["problems_before"],
     "fills": ch[ch["rule"].str.startswith("fd_fill")][["column", "evidence"]].values.tolist(),
     "headline": rep["headline"]})`,
      d,
    );
    expect(r.year.invalid_type).toBe(0);
    expect(r.year.format_violations).toBe(350);
    expect(r.na.range + r.na.invalid_type + r.na.format_violations).toBe(0);
    expect(r.fills.every((f: string[]) => /^Product=\d+: '\d{4}' in \d+ of \d+ other rows$/.test(f[1]))).toBe(true);
    expect(r.headline).toMatch(new RegExp(`problem cells ${r.pb} → \\d+`));
    const md = readFileSync(join(d, 'report.md'), 'utf8');
    expect(md).toMatch(/0-based data-row index/);
  });
});

describe('a truthful report', () => {
  it('a skewed column: best sellers are neither flagged nor problems; headline, table, quality and chart agree', () => {
    const d = work();
    const r = pyOk(
      `import numpy as np
rng = np.random.default_rng(5)
sales = np.round(rng.lognormal(0, 1.2, 400), 2)
sales[:5] = [80.5, 64.2, 51.0, 45.9, 40.1]    # the best sellers: rare, real, far in the tail
${RUN(`pd.DataFrame({"id": range(400), "sales": ["%.2f" % x for x in sales], "region": ["north", "south"] * 200})`)}
q = json.load(open(os.path.join(WORK, "out", "quality.json")))
probs = lambda side: sum(sum(v.get(k, 0) for k in ("null_tokens", "invalid_type", "format_violations", "range")) for v in q[side]["columns"].values())
out({"steps": [s for s in res["recipe"] if s["op"] == "outliers"], "flags": flags["value"].tolist(),
     "pb": report["problems_before"], "pa": report["problems_after"], "qb": probs("before"), "qa": probs("after"),
     "headline": report["headline"], "md": md})`,
      d,
    );
    // log-scale robust fences on a right-skewed column: the tail is not an error
    expect(r.steps.every((s: { method: string }) => s.method === 'log_robust_z3.5')).toBe(true);
    expect(r.flags).not.toContain('80.5');
    expect([r.qb, r.qa]).toEqual([r.pb, r.pa]);
    expect(r.headline).toContain(`problem cells ${r.pb} → ${r.pa}`);
    expect(r.md).toMatch(/Unusual values \(outliers\) are flagged for review, not counted as problems/);
  });
});

describe('a messy customer file (money, six date formats, city typos, boolean spellings, a dictionary)', () => {
  it('is repaired where the mapping is determinate and reports the rest', () => {
    const d = work();
    const r = pyOk(
      `import random, datetime
random.seed(5)
cities = ["London"] * 40 + ["Manchester"] * 25 + ["Leeds"] * 20 + ["Bristol"] * 10 + ["York"] * 5
slips = {"London": ["Londn", "london"], "Manchester": ["Manchestr"], "Leeds": ["leeds", "Leds"]}
fmts = ["%Y-%m-%d", "%d/%m/%Y", "%d %b %Y", "%B %d, %Y", "%d.%m.%Y", "%Y%m%d"]
rows, truth = [], []
for i in range(1500):
    city = random.choice(cities); shown = city
    if city in slips and random.random() < 0.04:
        shown = random.choice(slips[city])
    day = datetime.date(2020, 1, 1) + datetime.timedelta(days=random.randint(0, 1500))
    amount = round(random.lognormvariate(6, 1.2), 2)
    money = random.choice(["%.2f" % amount] * 6 + ["£{:,.2f}".format(amount)] * 2 + ["GBP {:,.2f}".format(amount), "{:,.2f}".format(amount)])
    active = random.random() < 0.7
    flag = random.choice(["yes"] * 5 + ["Y", "TRUE"]) if active else random.choice(["no"] * 5 + ["N", "false"])
    note = "call back" if i == 7 else ""
    rows.append((1000 + i, shown, day.strftime(random.choices(fmts, weights=[70, 10, 5, 5, 5, 5])[0]), money, flag))
    truth.append((1000 + i, city, day.strftime("%Y-%m-%d"), "%.2f" % amount, "yes" if active else "no"))
rows[3] = (1003, "Paris", "not known", "about 300", "maybe")
open(os.path.join(WORK, "dict.txt"), "w").write("city     Where the customer lives: one of London, Manchester, Leeds, Bristol or York.\\nsignup   The day the customer joined, day/month/year.\\nbalance  Account balance in GBP.\\n")
${RUN(`pd.DataFrame(rows, columns=["customer_id", "city", "signup", "balance", "active"])`, ', dictionary=os.path.join(WORK, "dict.txt")')}
t = pd.DataFrame(truth, columns=["customer_id", "city", "signup", "balance", "active"]).astype(str)
ok = {c: float(((cleaned[c] == t[c]) | (cleaned.index == 3)).mean()) for c in t.columns}
out({"ok": ok, "row3": cleaned.iloc[3].tolist(), "flags": sorted(set(map(tuple, flags[flags["row"] == "3"][["column", "rule"]].values.tolist()))),
     "headline": report["headline"], "unresolved": report["unresolved"]})`,
      d,
    );
    for (const [col, share] of Object.entries(r.ok)) expect(share, col).toBe(1);
    // the row nothing can repair is kept as written, and every odd value is flagged and listed
    expect(r.row3).toEqual(['1003', 'Paris', 'not known', 'about 300', 'maybe']);
    expect(r.flags).toEqual(expect.arrayContaining([['balance', 'invalid_number'], ['city', 'not_allowed'], ['signup', 'invalid_date']]));
    expect(r.headline).toMatch(/flagged for review \(kept as written\)/);
    expect(r.unresolved.join('\n')).toMatch(/`city`: 1 value not among the values the data dictionary allows/);
  });
});
