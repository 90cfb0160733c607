/** Data dictionary parsing, content-hash re-indexing and the builtin embedding (in-memory store). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexDatasetDocs, parseDataDictionary } from '../../src/knowledge/docs-indexer.js';
import { createBuiltinEmbedding } from '../../src/knowledge/embeddings/builtin.js';
import { MemoryKnowledgeStore, wordHashEmbedding } from '../../src/knowledge/memory-store.js';
import type { EmbeddingFunction } from '../../src/knowledge/types.js';

const dictionary = readFileSync(path.resolve('data/turtle/metadata_turtle_games.txt'), 'utf8');
const reviewColumns = readFileSync(path.resolve('data/turtle/turtle_reviews.csv'), 'utf8').split('\n')[0].split(',');

function counting(inner: EmbeddingFunction) {
  const f = { name: inner.name, texts: 0, embed: async (t: string[]) => ((f.texts += t.length), inner.embed(t)) };
  return f;
}

describe('data dictionary', () => {
  it('splits the turtle dictionary per column, joining wrapped lines', () => {
    const entries = parseDataDictionary(dictionary, 'turtle_reviews', reviewColumns);
    expect(entries.map((e) => e.column)).toEqual(reviewColumns);
    const rem = entries.find((e) => e.column === 'remuneration (k£)')!;
    expect(rem.meaning).toBe('Total income per customer per year in pounds, where k=1000.');
    const score = entries.find((e) => e.column === 'spending_score (1-100)')!;
    expect(score.meaning).toMatch(/^A score is assigned .* behaviour\. The value ranges between 1 and 100\.$/);
    expect(entries.find((e) => e.column === 'review')!.sample).toBe('When it comes to a DM’s screen, ...');
  });

  it('picks the right section by name or by column overlap', () => {
    expect(parseDataDictionary(dictionary, 'turtle_sales').map((e) => e.column)).toEqual([
      'Ranking', 'Product', 'Platform', 'Year', 'Genre', 'Publisher', 'NA_Sales', 'EU_Sales', 'Global_Sales',
    ]);
    const upload = parseDataDictionary(dictionary, 'my_upload', ['Ranking', 'Product', 'Year', 'Global_Sales']);
    expect(upload.find((e) => e.column === 'Global_Sales')!.meaning).toMatch(/sum of EU_sales, NA_sales and other sales/);
    expect(parseDataDictionary(dictionary, 'beers', ['abv', 'ibu', 'brewery'])).toEqual([]);
  });

  it('re-embeds only documents whose content changed', async () => {
    const emb = counting(createBuiltinEmbedding());
    const store = new MemoryKnowledgeStore(emb);
    const first = await indexDatasetDocs(store, 'turtle_reviews', { dictionaryText: dictionary, profileSummary: '3680 rows; age 17–72', columns: reviewColumns });
    expect(first).toMatchObject({ upserted: 12, unchanged: 0 });
    expect(emb.texts).toBe(12);
    const again = await indexDatasetDocs(store, 'turtle_reviews', { dictionaryText: dictionary, profileSummary: '3680 rows; age 17–72', columns: reviewColumns });
    expect(again).toMatchObject({ upserted: 0, unchanged: 12 });
    expect(emb.texts).toBe(12);
    const changed = await indexDatasetDocs(store, 'turtle_reviews', { dictionaryText: dictionary, profileSummary: '3700 rows; age 17–80', columns: reviewColumns });
    expect(changed).toMatchObject({ upserted: 1, unchanged: 11 });
    expect(emb.texts).toBe(13);
  });
});

describe('builtin embedding', () => {
  const questions: [string, string][] = [
    ['What is the income of customers?', 'remuneration (k£)'],
    ['which column has the salary?', 'remuneration (k£)'],
    ['how much do customers earn', 'remuneration (k£)'],
    ['how old are the customers', 'age'],
    ['what qualification or degree do people have', 'education'],
    ['customer spending behaviour', 'spending_score (1-100)'],
    ['sex of the buyer', 'gender'],
  ];
  it.each(questions)('"%s" finds %s', async (q, column) => {
    const store = new MemoryKnowledgeStore(createBuiltinEmbedding());
    await indexDatasetDocs(store, 'turtle_reviews', { dictionaryText: dictionary, columns: reviewColumns });
    const [top] = await store.search('datasets', q, { k: 3 });
    expect(top.metadata.column).toBe(column);
  });

  it('beats plain word hashing on synonyms (the concept table matters)', async () => {
    const plain = new MemoryKnowledgeStore(wordHashEmbedding);
    await indexDatasetDocs(plain, 'turtle_reviews', { dictionaryText: dictionary, columns: reviewColumns });
    const [top] = await plain.search('datasets', 'which column has the salary?', { k: 1 });
    expect(top.metadata.column).not.toBe('remuneration (k£)');
  });

  it('gives unit vectors of fixed size, deterministic', async () => {
    const e = createBuiltinEmbedding();
    const [a, b] = await e.embed(['remuneration (k£)', 'remuneration (k£)']);
    expect(a).toHaveLength(1024);
    expect(a).toEqual(b);
    expect(Math.hypot(...a)).toBeCloseTo(1, 6);
  });
});

describe('indexDatasetFiles', () => {
  it('indexes configured datasets from their files (header + dictionary), skipping unreadable ones', async () => {
    const { indexDatasetFiles, csvHeader } = await import('../../src/knowledge/docs-indexer.js');
    expect(csvHeader('\uFEFFa,"b, c","d ""e"""\r\n')).toEqual(['a', 'b, c', 'd "e"']);
    const store = new MemoryKnowledgeStore(createBuiltinEmbedding());
    const res = await indexDatasetFiles(store, {
      turtle_reviews: { path: 'data/turtle/turtle_reviews.csv', dictionary: 'data/turtle/metadata_turtle_games.txt', description: 'reviews' },
      turtle_sales: { path: 'data/turtle/turtle_sales.csv', dictionary: 'data/turtle/metadata_turtle_games.txt' },
      gone: { path: 'data/nope.csv' },
    });
    expect(res.map((r) => [r.name, r.result?.upserted, Boolean(r.error)])).toEqual([
      ['turtle_reviews', 12, false],
      ['turtle_sales', 9, false],
      ['gone', undefined, true],
    ]);
    const [hit] = await store.search('datasets', 'sales in Europe', { k: 1, where: { dataset: 'turtle_sales' } });
    expect(hit.metadata.column).toBe('EU_Sales');
  });
});
