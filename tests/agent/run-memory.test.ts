/**
 * Memory across runs on a real Chroma server (embedded, started by the store): what one run
 * learns and the recipe it used are offered to the next run on the same schema, also after the
 * store (and its server) were closed and opened again.
 */
import { describe, expect, it } from 'vitest';
import { createKnowledgeStore } from '../../src/knowledge/index.js';
import { recording, runOnce, tempDir, testConfig, writeCsv } from '../helpers/run-harness.js';

function sales(n: number, seed: number): (string | number)[][] {
  const rows: (string | number)[][] = [['Ranking', 'Year', 'NA_Sales', 'EU_Sales', 'Global_Sales']];
  for (let i = 1; i <= n; i++) rows.push([i, i % 11 === 0 ? '' : `${1990 + ((i * seed) % 30)}.0`, (i % 7) + 0.5, (i % 5) + 0.25, (i % 7) + (i % 5) + 1]);
  return rows;
}

describe('memory across runs (real Chroma)', () => {
  it('offers the insights and recipe of an earlier run on the same schema, after a restart of the store', async () => {
    const dir = tempDir();
    const config = testConfig({ dataDir: dir, knowledge: { kind: 'chroma', collectionPrefix: `t${Date.now().toString(36)}` } });
    const first = await createKnowledgeStore(config);
    try {
      const r1 = await runOnce({ runId: 'first', inputPath: writeCsv(dir, 'a.csv', sales(50, 3)) }, { config, knowledge: first });
      expect(r1.finished.status).toBe('succeeded');
      expect(r1.events.some((e) => e.type === 'insight')).toBe(true);
    } finally {
      await first.close(); // stops the embedded server
    }
    const second = await createKnowledgeStore(config);
    try {
      const model = recording();
      const r2 = await runOnce({ runId: 'second', inputPath: writeCsv(dir, 'b.csv', sales(70, 7)) }, { config, knowledge: second, model });
      expect(r2.finished.status).toBe('succeeded');
      expect(r2.events.find((e) => e.type === 'phase' && e.phase === 'memory' && e.status === 'done')).toMatchObject({ detail: expect.stringMatching(/[1-9]\d* insight\(s\), a recipe for this schema found/) });
      const task = model.requests[0].messages.find((m) => m.role === 'user')!.content;
      expect(task).toMatch(/A recipe that worked on data with the same schema before/);
      expect(task).toMatch(/Insights from earlier runs/);
    } finally {
      await second.close();
    }
  });
});
