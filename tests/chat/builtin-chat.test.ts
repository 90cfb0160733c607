/** Chat with the builtin model (no key): deterministic answers from profile, dictionary and knowledge store. */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createChatAgent } from '../../src/agent/chat/index.js';
import { ChatHistory } from '../../src/agent/chat/history.js';
import { createBuiltinModel } from '../../src/agent/models/builtin.js';
import { createBuiltinEmbedding } from '../../src/knowledge/embeddings/builtin.js';
import { MemoryKnowledgeStore } from '../../src/knowledge/memory-store.js';
import { chatConfig, countingSandboxes, pandas } from './helpers.js';

const config = chatConfig();
const sandboxes = countingSandboxes(config);
const knowledge = new MemoryKnowledgeStore(createBuiltinEmbedding());
const agent = createChatAgent(config, { model: createBuiltinModel(), knowledge, createSandbox: sandboxes.create });
afterAll(() => agent.close!());
const ask = (text: string, threadRef = 'console:t1') => agent.answer({ threadRef, userId: 'u1', text });

describe('builtin chat', () => {
  it('says which columns have missing values', async () => {
    const a = await ask('Which columns have missing values in turtle_sales?');
    const truth = pandas(`df = pd.read_csv("data/turtle/turtle_sales.csv"); n = df.isna().sum(); print(",".join(f"{c}={v}" for c, v in n[n > 0].items()))`);
    expect(truth).toBe('Year=2');
    expect(a.text).toMatch(/`Year`: 2 missing/);
    expect(a.datasets).toEqual(['turtle_sales']);
    expect(a.columns).toEqual(['Year']);
    expect(a.text).toMatch(/_Used: dataset `turtle_sales`; columns `Year`\._/);
  });

  it('explains a column from the data dictionary, found from "income"', async () => {
    const a = await ask('What is the income of the customers in the reviews?');
    expect(a.text).toContain('Total income per customer per year in pounds, where k=1000.');
    expect(a.columns).toEqual(['remuneration (k£)']);
    expect(a.datasets).toEqual(['turtle_reviews']);
    // And the range from the profile, matching pandas.
    const [min, max] = pandas(`df = pd.read_csv("data/turtle/turtle_reviews.csv"); c = df["remuneration (k£)"]; print(c.min(), c.max())`).split(' ');
    expect(a.text).toContain(`${Number(min).toFixed(2)} to ${Number(max).toFixed(2)}`);
  });

  it('answers "average spending score by education" with a group-by in the sandbox', async () => {
    const a = await ask('average spending score by education');
    const truth = pandas(
      `df = pd.read_csv("data/turtle/turtle_reviews.csv"); s = df.groupby("education")["spending_score (1-100)"].mean().round(2)\nfor k, v in s.items(): print(f"{k}={v}")`,
    );
    for (const line of truth.split('\n')) {
      const [k, v] = line.split('=');
      expect(a.text).toMatch(new RegExp(`${k} \\| ${Number(v).toFixed(2).replace('.', '\\.')} \\|`));
    }
    expect(a.columns).toEqual(['spending_score (1-100)', 'education']);
  });

  it('answers types, ranges and top values', async () => {
    const types = await ask('what types are the columns of turtle_sales?');
    expect(types.text).toMatch(/`Year`: numeric \(float64\)/);
    expect(types.text).toMatch(/`Genre`: text \(object\)/);
    const range = await ask('what is the range of age in turtle_reviews');
    expect(range.text).toMatch(/`age` runs from \*\*17\*\* to \*\*72\*\*/);
    const top = await ask('top values of education in turtle_reviews');
    const truth = pandas(`df = pd.read_csv("data/turtle/turtle_reviews.csv"); print(df.education.value_counts().index[0], df.education.value_counts().iloc[0])`);
    expect(top.text).toContain(`${truth.split(' ')[0]} | ${truth.split(' ')[1]}`);
  });

  it('reports what past runs recorded in the knowledge store', async () => {
    expect((await ask('what did past runs learn about turtle_sales?')).text).toBe('No cleaning run has recorded insights or recipes for `turtle_sales` yet.\n\n_Used: dataset `turtle_sales`._');
    await knowledge.upsert('insights', [
      { id: 'run-1:1', text: 'Year has 2 missing values; kept as missing.', metadata: { dataset: 'turtle_sales', runId: 'run-1', at: 1 } },
      { id: 'run-2:1', text: 'Publisher has trailing spaces.', metadata: { dataset: 'turtle_sales', runId: 'run-2', at: 2 } },
      { id: 'run-3:1', text: 'About reviews, not sales.', metadata: { dataset: 'turtle_reviews', runId: 'run-3', at: 3 } },
    ]);
    await knowledge.upsert('recipes', [{ id: 'fp', text: 'def clean_chunk(df, ctx): return df', metadata: { dataset: 'turtle_sales', outcome: 'succeeded', fingerprint: 'fp' } }]);
    const a = await ask('what did past runs learn about turtle_sales?');
    expect(a.text).toMatch(/^What past runs learned about `turtle_sales`:\n• Publisher has trailing spaces\. \(run `run-2`\)\n• Year has 2 missing values; kept as missing\. \(run `run-1`\)\n1 stored recipe \(1 succeeded\)/);
    expect(a.text).not.toContain('About reviews');
  });

  it('refuses what it cannot compute, naming the part', async () => {
    const a = await ask('Why do PhD customers spend less than graduates?');
    expect(a.refused?.missing).toBe('"why"');
    expect(a.text).toMatch(/^I can't answer that from `turtle_reviews`: I could not resolve "why"/);
    expect(a.datasets).toEqual([]);
  });

  it('caches profiles by file hash: a new agent on the same data dir starts no sandbox for profile answers', async () => {
    const files = readdirSync(path.join(config.dataDir, 'chat-profiles'));
    expect(files.some((f) => /^turtle_reviews-[0-9a-f]{16}-v\d+\.json$/.test(f))).toBe(true);
    const again = countingSandboxes(config);
    const second = createChatAgent(config, { model: createBuiltinModel(), knowledge, createSandbox: again.create });
    const a = await second.answer({ threadRef: 'x', userId: 'u', text: 'which columns have missing values in turtle_reviews?' });
    expect(a.text).toMatch(/\*\*0\*\* missing values: no column of `turtle_reviews` has any/);
    expect(again.stats.started).toBe(0);
    await second.close!();
    // The first agent kept one warm sandbox for all its questions.
    expect(sandboxes.stats.started).toBe(1);
  });

  it('closes its sandbox', async () => {
    await agent.close!();
    expect(sandboxes.stats.closed).toBe(1);
    expect(existsSync(config.dataDir)).toBe(true);
  });
});

describe('chat history', () => {
  it('is bounded per thread and in threads', () => {
    const h = new ChatHistory({ maxTurns: 3, maxChars: 100, maxThreads: 2 });
    for (let i = 0; i < 5; i++) h.add('a', { question: `q${i}`, answer: `a${i}`, datasets: [], columns: [] });
    expect(h.turns('a').map((t) => t.question)).toEqual(['q2', 'q3', 'q4']);
    h.add('a', { question: 'x'.repeat(98), answer: 'y', datasets: [], columns: [] });
    expect(h.turns('a')).toHaveLength(1);
    h.add('b', { question: 'b', answer: 'b', datasets: [], columns: [] });
    h.add('c', { question: 'c', answer: 'c', datasets: [], columns: [] });
    expect(h.turns('a')).toEqual([]);
    expect(h.messages('c')).toEqual([
      { role: 'user', content: 'c' },
      { role: 'assistant', content: 'c' },
    ]);
  });
});
