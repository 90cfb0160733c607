/** The Chroma KnowledgeStore against a real Chroma server started here (temp dir, free port, SIGKILL after). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { chromaAlive, startChromaServer, type ChromaServer } from '../../src/knowledge/chroma-server.js';
import { createChromaKnowledgeStore } from '../../src/knowledge/chroma-store.js';
import { indexDatasetDocs } from '../../src/knowledge/docs-indexer.js';
import { createBuiltinEmbedding } from '../../src/knowledge/embeddings/builtin.js';
import { createKnowledgeStore } from '../../src/knowledge/index.js';

const dictionary = readFileSync(path.resolve('data/turtle/metadata_turtle_games.txt'), 'utf8');
const reviewColumns = readFileSync(path.resolve('data/turtle/turtle_reviews.csv'), 'utf8').split('\n')[0].split(',');

const dir = mkdtempSync(path.join(os.tmpdir(), 'dsbot-chroma-'));
const prefix = `t${process.pid}${Date.now().toString(36)}`;
let server: ChromaServer;
const open = (s: ChromaServer) => createChromaKnowledgeStore({ url: s.url, embedding: createBuiltinEmbedding(), collectionPrefix: prefix });

beforeAll(async () => {
  server = await startChromaServer({ dir: path.join(dir, 'db') });
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Chroma knowledge store', () => {
  it('keeps documents across a server restart (SIGKILL)', async () => {
    const store = await open(server);
    await store.upsert('recipes', [
      { id: 'fp-1', text: 'def clean_chunk(df, ctx):\n    return df.drop_duplicates()', metadata: { fingerprint: 'fp-1', outcome: 'succeeded', rowsIn: 3680, at: 1 } },
      { id: 'fp-2', text: 'def clean_chunk(df, ctx):\n    return df', metadata: { fingerprint: 'fp-2', outcome: 'failed', rowsIn: 10, at: 2 } },
    ]);
    await store.close();
    await server.stop();
    expect(await chromaAlive(server.url)).toBe(false);

    server = await startChromaServer({ dir: path.join(dir, 'db') });
    const again = await open(server);
    const docs = await again.get('recipes', { where: { fingerprint: 'fp-1', outcome: 'succeeded' } });
    expect(docs).toEqual([
      { id: 'fp-1', text: 'def clean_chunk(df, ctx):\n    return df.drop_duplicates()', metadata: { fingerprint: 'fp-1', outcome: 'succeeded', rowsIn: 3680, at: 1 } },
    ]);
    const hits = await again.search('recipes', 'drop duplicates', { k: 2 });
    expect(hits[0].id).toBe('fp-1');
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
    await again.close();
  });

  it('finds the remuneration column for a question about income (builtin embedding)', async () => {
    const store = await open(server);
    const res = await indexDatasetDocs(store, 'turtle_reviews', { dictionaryText: dictionary, columns: reviewColumns, profileSummary: '3680 rows, 11 columns' });
    expect(res.upserted).toBe(12);
    const hits = await store.search('datasets', 'What is the income of our customers?', { k: 3, where: { dataset: 'turtle_reviews' } });
    expect(hits[0].metadata).toMatchObject({ dataset: 'turtle_reviews', kind: 'column', column: 'remuneration (k£)' });
    expect(hits[0].text).toContain('Total income per customer per year');
    // Second indexing: nothing to embed.
    expect(await indexDatasetDocs(store, 'turtle_reviews', { dictionaryText: dictionary, columns: reviewColumns, profileSummary: '3680 rows, 11 columns' })).toMatchObject({ upserted: 0, unchanged: 12 });
    await store.close();
  });

  it('finds an insight recorded in one run at the start of the next', async () => {
    const run1 = await open(server);
    await run1.upsert('insights', [
      {
        id: 'run-1:1',
        text: 'remuneration (k£) uses a comma as decimal separator in about 2% of rows; parse with decimal=","',
        metadata: { runId: 'run-1', dataset: 'turtle_reviews', fingerprint: 'fp-reviews', columns: 'remuneration (k£)', at: 1 },
      },
      { id: 'run-1:2', text: 'Year is a float with .0; cast to Int64', metadata: { runId: 'run-1', dataset: 'turtle_sales', fingerprint: 'fp-sales', columns: 'Year', at: 2 } },
    ]);
    await run1.close();

    const run2 = await open(server);
    const byFingerprint = await run2.get('insights', { where: { fingerprint: 'fp-reviews' } });
    expect(byFingerprint.map((d) => d.id)).toEqual(['run-1:1']);
    const hits = await run2.search('insights', 'income decimal separator', { k: 5, where: { dataset: 'turtle_reviews' } });
    expect(hits.map((h) => h.id)).toEqual(['run-1:1']);
    expect(hits[0].metadata).toMatchObject({ runId: 'run-1', columns: 'remuneration (k£)' });
    await run2.close();
  });

  it('starts an embedded server from config, shares it, and stops it on close', async () => {
    const config = configSchema.parse({ dataDir: path.join(dir, 'app'), knowledge: { kind: 'chroma', collectionPrefix: prefix } });
    const owner = await createKnowledgeStore(config);
    await owner.upsert('insights', [{ id: 'x', text: 'shared note', metadata: { dataset: 'd' } }]);
    const state = JSON.parse(readFileSync(path.join(config.dataDir, 'chroma-server.json'), 'utf8'));
    expect(await chromaAlive(state.url)).toBe(true);
    const guest = await createKnowledgeStore(config);
    expect((await guest.get('insights', { ids: ['x'] }))[0].text).toBe('shared note');
    await guest.close();
    expect(await chromaAlive(state.url)).toBe(true);
    await owner.close();
    expect(await chromaAlive(state.url)).toBe(false);
    expect(() => process.kill(state.pid, 0)).toThrow();
  });

  it('fails clearly when the configured URL does not answer', async () => {
    const config = configSchema.parse({ dataDir: dir, knowledge: { kind: 'chroma', chromaUrl: 'http://127.0.0.1:9' } });
    await expect(createKnowledgeStore(config)).rejects.toMatchObject({ kind: 'config', message: expect.stringMatching(/does not answer.*CHROMA_URL/) });
  });
});
