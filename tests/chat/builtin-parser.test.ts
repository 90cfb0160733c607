/**
 * The builtin parser on a dataset it was not written for: dates, two-level groups, rankings,
 * follow-ups, refusals with candidates, and the computation stated in every answer. Real sandbox;
 * expected values computed by pandas.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createChatAgent } from '../../src/agent/chat/index.js';
import { createBuiltinModel } from '../../src/agent/models/builtin.js';
import { createBuiltinEmbedding } from '../../src/knowledge/embeddings/builtin.js';
import { MemoryKnowledgeStore } from '../../src/knowledge/memory-store.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { chatConfig, pandas } from './helpers.js';
import { showsNumber } from './suite/run-suite.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dsbot-orders-'));
const csv = path.join(dir, 'orders.csv');
const regions = ['North', 'South', 'East', 'West'];
const lines = ['order_id,order_date,region,amount,customer_type,items'];
for (let i = 0; i < 400; i++) {
  const d = new Date(Date.UTC(2020, 0, 1) + ((i * 7919) % 900) * 86_400_000).toISOString().slice(0, 10);
  lines.push(`${1000 + i},${d},${regions[(i * 7) % 4]},${(((i * 37) % 500) + 0.25 * (i % 4)).toFixed(2)},${i % 3 ? 'returning' : 'new'},${1 + ((i * 13) % 9)}`);
}
writeFileSync(csv, `${lines.join('\n')}\n`);
writeFileSync(path.join(dir, 'dict.txt'), 'Column         Sample value   Interpretation\norder_date     2020-01-01     Day the order was placed.\namount         12.50          Order value in euros (revenue).\nitems          3              Number of articles in the order.\n');

const config = chatConfig({ datasets: { shop_orders: { path: csv, dictionary: path.join(dir, 'dict.txt') } } });
const agent = createChatAgent(config, { model: createBuiltinModel(), knowledge: new MemoryKnowledgeStore(createBuiltinEmbedding()), createSandbox: () => createSandbox(config.sandbox) });
afterAll(() => agent.close!());
const ask = (text: string, thread = 't') => agent.answer({ threadRef: `console:${thread}`, userId: 'u', text });
const py = (expr: string) => Number(pandas(`df = pd.read_csv(${JSON.stringify(csv)}, parse_dates=["order_date"]); print(${expr})`));

describe('builtin parser on any dataset', () => {
  it.each([
    ['total amount of orders after March 2021', 'df.amount[df.order_date > "2021-03-31"].sum()'],
    ['how many orders in June 2020?', 'int(df.order_date.between("2020-06-01", "2020-06-30").sum())'],
    ['how many orders were placed between 2020-01-01 and 2020-06-30?', 'int(df.order_date.between("2020-01-01", "2020-06-30").sum())'],
    ['average items of orders in 2021', 'df["items"][df.order_date.dt.year == 2021].mean()'],
    ['average amount for returning customers in the North', 'df.amount[(df.customer_type == "returning") & (df.region == "North")].mean()'],
    ['median amount since 5 Jan 2021', 'df.amount[df.order_date >= "2021-01-05"].median()'],
  ])('%s', async (q, expr) => {
    const a = await ask(q, q);
    expect(a.refused).toBeUndefined();
    expect(showsNumber(a.text, py(expr)), a.text).toBe(true);
    expect(a.text).toMatch(/of `shop_orders`/);
  });

  it('groups by two columns and ranks groups', async () => {
    const g = await ask('average amount by region and customer_type');
    const truth = pandas(`df = pd.read_csv(${JSON.stringify(csv)}); s = df.groupby(["region", "customer_type"]).amount.mean()\nfor (r, c), v in s.items(): print(f"{r}|{c}|{v}")`);
    for (const line of truth.split('\n')) {
      const [r, c, v] = line.split('|');
      expect(g.text.split('\n').some((l) => l.startsWith(`${r} / ${c} | `) && showsNumber(l.replace(`${r} / ${c}`, ''), Number(v))), line).toBe(true);
    }
    const top = await ask('top 2 regions by total amount');
    const best = pandas(`df = pd.read_csv(${JSON.stringify(csv)}); print(df.groupby("region").amount.sum().nlargest(2).index[0])`);
    expect(top.text.split('\n')[3]).toMatch(new RegExp(`^${best} \\| `));
    expect(top.text).toMatch(/^Top 2 `region` by total of `amount`:/);
  });

  it('follows up on the previous question in the thread', async () => {
    await ask('average amount of new customers', 'f');
    const a = await ask('and by region?', 'f');
    expect(a.text).toMatch(/^Mean of `amount` by `region`:/);
    expect(a.text).toMatch(/where `customer_type` = new/);
    const m = await ask('and the median?', 'f');
    expect(m.text).toMatch(/^Median of `amount` by `region`:/);
  });

  it('refuses what it cannot resolve, naming it and the closest candidates — never another question', async () => {
    const a = await ask('average discount by region');
    expect(a.refused).toMatchObject({ missing: '"discount"' });
    expect(a.text).toMatch(/^I can't answer that from `shop_orders`: I could not resolve "discount" — nothing in `shop_orders` matches it/);
    expect(a.text).toMatch(/Closest: /);
    const rel = await ask('total amount of orders last year');
    expect(rel.refused).toBeDefined();
    const n = await ask('how many orders are over 100?');
    expect(n.refused?.missing).toBe('the column for "over 100"');
    expect(n.text).toContain('`amount`');
  });
});
