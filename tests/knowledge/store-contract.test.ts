/** The KnowledgeStore contract, run against every implementation (in-memory, Chroma on a real server). */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChromaServer, type ChromaServer } from '../../src/knowledge/chroma-server.js';
import { createChromaKnowledgeStore } from '../../src/knowledge/chroma-store.js';
import { createBuiltinEmbedding } from '../../src/knowledge/embeddings/builtin.js';
import { MemoryKnowledgeStore } from '../../src/knowledge/memory-store.js';
import type { KnowledgeStore } from '../../src/knowledge/types.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dsbot-contract-'));
let server: ChromaServer;
beforeAll(async () => {
  server = await startChromaServer({ dir });
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const implementations: [string, () => Promise<KnowledgeStore>][] = [
  ['memory', async () => new MemoryKnowledgeStore(createBuiltinEmbedding())],
  ['chroma', async () => createChromaKnowledgeStore({ url: server.url, embedding: createBuiltinEmbedding(), collectionPrefix: `c${process.pid}x${++n}` })],
];

describe.each(implementations)('KnowledgeStore contract: %s', (_name, make) => {
  const docs = [
    { id: 'a', text: 'Customers with missing age values were dropped', metadata: { dataset: 'reviews', runId: 'r1', n: 1, ok: true } },
    { id: 'b', text: 'Year is stored as a float; cast it to an integer', metadata: { dataset: 'sales', runId: 'r1', n: 2, ok: false } },
    { id: 'c', text: 'Publisher names have trailing spaces', metadata: { dataset: 'sales', runId: 'r2', n: 3, ok: true } },
  ];

  it('upserts, gets by id and by metadata (all keys must match)', async () => {
    const s = await make();
    await s.upsert('insights', docs);
    expect((await s.get('insights', { ids: ['b'] }))[0]).toEqual(docs[1]);
    expect((await s.get('insights', { where: { dataset: 'sales' } })).map((d) => d.id).sort()).toEqual(['b', 'c']);
    expect((await s.get('insights', { where: { dataset: 'sales', runId: 'r2' } })).map((d) => d.id)).toEqual(['c']);
    expect((await s.get('insights', { where: { ok: false } })).map((d) => d.id)).toEqual(['b']);
    expect(await s.get('insights', { limit: 2 })).toHaveLength(2);
    expect(await s.get('recipes')).toEqual([]);
    await s.close();
  });

  it('replaces a document upserted again under the same id', async () => {
    const s = await make();
    await s.upsert('recipes', [{ id: 'fp', text: 'old recipe', metadata: { outcome: 'failed' } }]);
    await s.upsert('recipes', [{ id: 'fp', text: 'new recipe', metadata: { outcome: 'succeeded' } }]);
    expect(await s.get('recipes')).toEqual([{ id: 'fp', text: 'new recipe', metadata: { outcome: 'succeeded' } }]);
    await s.close();
  });

  it('searches best first with scores in [0, 1], honouring k and where', async () => {
    const s = await make();
    await s.upsert('insights', docs);
    const hits = await s.search('insights', 'cast the year to integer', { k: 2 });
    expect(hits).toHaveLength(2);
    expect(hits[0].id).toBe('b');
    expect(hits[0].score).toBeGreaterThanOrEqual(hits[1].score);
    for (const h of hits) expect(h.score).toBeGreaterThanOrEqual(0), expect(h.score).toBeLessThanOrEqual(1);
    const filtered = await s.search('insights', 'cast the year to integer', { k: 5, where: { dataset: 'reviews' } });
    expect(filtered.map((h) => h.id)).toEqual(['a']);
    expect(await s.search('datasets', 'anything')).toEqual([]);
    await s.close();
  });
});
