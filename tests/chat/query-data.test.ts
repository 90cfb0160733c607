/** query_data: the AST allow-list and the result cap, in the real local sandbox. */
import { afterAll, describe, expect, it } from 'vitest';
import { createChatData } from '../../src/agent/chat/data-service.js';
import { chatConfig, countingSandboxes, pandas } from './helpers.js';

const config = chatConfig();
const sandboxes = countingSandboxes(config);
const data = createChatData(config, { createSandbox: sandboxes.create });
afterAll(() => data.close());

describe('query_data', () => {
  it('evaluates read-only expressions and reports the columns used', async () => {
    const r = await data.query('turtle_reviews', 'df.groupby("education")["spending_score (1-100)"].mean().round(2)');
    expect(r.ok).toBe(true);
    const truth = pandas(`df = pd.read_csv("data/turtle/turtle_reviews.csv"); print(round(df[df.education == "PhD"]["spending_score (1-100)"].mean(), 2))`);
    expect(r.result).toContain(`PhD | ${truth}`);
    expect(r.columns.sort()).toEqual(['education', 'spending_score (1-100)']);
    expect((await data.query('turtle_sales', 'df.Year.isna().sum()')).result).toBe('2');
    expect((await data.query('turtle_sales', 'df[df.Genre == "Sports"].shape')).result).toBe(`[${pandas(`df = pd.read_csv("data/turtle/turtle_sales.csv"); print((df.Genre == "Sports").sum())`)}, 9]`);
  });

  it.each([
    ['__import__("os").system("id")', /\.system\(\)|__import__/],
    ['df.__class__', /dunder/],
    ['df._data', /private or dunder/],
    ['open("/etc/passwd").read()', /\.read\(\)|open\(\)/],
    ['open("/etc/passwd")', /calling open\(\)/],
    ['df.to_csv("/sandbox/x.csv")', /\.to_csv\(\) is not allowed/],
    ['df.fillna(0, inplace=True)', /inplace/],
    ['df.apply(lambda r: r)', /apply|Lambda/],
    ['[c for c in df.columns]', /ListComp/],
    ['x = df', /not a single Python expression/],
    ['import os', /not a single Python expression/],
    ['df.age ** 99', /Pow/],
    ['eval("1")', /eval\(\)/],
    ['df.query("age > 3")', /query\(\) is not allowed/],
    ['pd.read_csv("/data/turtle_sales.csv")', /read_csv/],
  ])('rejects %s', async (expression, why) => {
    const r = await data.query('turtle_reviews', expression);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/^rejected: /);
    expect(r.error).toMatch(why);
  });

  it('returns Python errors as data', async () => {
    const r = await data.query('turtle_reviews', 'df["no such column"].mean()');
    expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/^KeyError/) });
  });

  it('renders compactly: no padding, cell text cut, and how many rows were shown', async () => {
    const r = await data.query('turtle_reviews', 'df[["review", "age"]].head(12)');
    const lines = r.result!.split('\n');
    expect(lines).toHaveLength(14);
    expect(lines[0]).toBe(' | review | age');
    expect(lines.at(-1)).toBe('[12 of 12 rows shown]');
    for (const l of lines.slice(1, -1)) expect(l.length).toBeLessThan(90);
    const first = pandas(`df = pd.read_csv("data/turtle/turtle_reviews.csv"); print(df.review[0][:59])`);
    expect(lines[1]).toBe(`0 | ${first}… | 18`);
    const big = await data.query('turtle_reviews', 'df.age');
    expect(big.result!.split('\n').at(-1)).toBe('[50 of 2000 rows shown]');
  });

  it('rejects methods passed uncalled and method names given to agg', async () => {
    for (const e of ['df.sort_values("age", key=df.to_csv)', 'max(["x"], key=df.to_csv)', 'df.agg("eval", 0, "1")', 'df.groupby("education").agg("pipe")', 'df.pivot_table(index="education", aggfunc="to_csv")']) {
      const r = await data.query('turtle_reviews', e);
      expect(r.ok, e).toBe(false);
      expect(r.error).toMatch(/^rejected: /);
    }
    expect((await data.query('turtle_reviews', 'df.agg({"age": "mean"}).round(1)')).result).toMatch(/age \| 39\.5/);
  });

  it('names the valid columns after a KeyError', async () => {
    const r = await data.query('turtle_reviews', 'df["income"].mean()');
    expect(r.error).toMatch(/^KeyError: 'income' \(columns of this dataset: 'gender', 'age', 'remuneration \(k£\)'/);
  });

  it('caps the result size', async () => {
    const r = await data.query('turtle_reviews', 'df[["age", "review"]]');
    expect(r.ok).toBe(true);
    expect(r.truncated).toBe(true);
    expect(r.shape).toEqual([2000, 2]);
    expect(r.result!.length).toBeLessThanOrEqual(4_002);
  });

  it('keeps one warm sandbox for all queries and profiles', async () => {
    await data.profile('turtle_sales');
    expect(sandboxes.stats.started).toBe(1);
  });
});

describe('datasets whose file is missing', () => {
  it('do not break the others, and say what is wrong', async () => {
    const cfg = chatConfig({ datasets: { gone: { path: '/nonexistent/gone.csv' } } });
    const d = createChatData(cfg, { createSandbox: countingSandboxes(cfg).create });
    try {
      expect((await d.query('turtle_sales', 'len(df)')).result).toBe('352');
      await expect(d.query('gone', 'len(df)')).rejects.toMatchObject({ kind: 'input', message: expect.stringMatching(/dataset "gone" .* cannot be read/) });
      await expect(d.profile('nope')).rejects.toMatchObject({ kind: 'input', message: expect.stringMatching(/no dataset "nope"/) });
    } finally {
      await d.close();
    }
  });
});
