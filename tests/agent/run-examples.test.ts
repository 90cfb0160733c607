/**
 * A run given corrected rows (issue 11), with the real engine (builtin model, local sandbox):
 * what it learned is reported and remembered with the recipe — the conventions, not this file's
 * corrected rows — and offered to the next run on that kind of file; bad corrections fail the
 * run as bad input before anything is cleaned.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryKnowledgeStore } from '../../src/knowledge/memory-store.js';
import { InputError } from '../../src/errors.js';
import { monthFirst, visitsCsv, whenColumn } from '../bots/visits.js';
import { runOnce, tempDir } from '../helpers/run-harness.js';

describe('a run with corrected rows', () => {
  it('reports what it learned, remembers the learned conventions without the corrected rows, and the next run on that kind of file applies them', async () => {
    const dir = tempDir();
    const knowledge = new MemoryKnowledgeStore();
    const input = path.join(dir, 'visits.csv');
    writeFileSync(input, visitsCsv());
    const fixes = path.join(dir, 'fixes.csv');
    writeFileSync(fixes, `row,when\n3,${monthFirst(3)}\n17,${monthFirst(17)}\n`);
    const outDir = path.join(dir, 'first');
    const r1 = await runOnce({ runId: 'first', inputPath: input, examplesPath: fixes, outDir }, { knowledge });
    expect(r1.finished.status).toBe('succeeded');
    expect(r1.finished.summary?.learned?.join('\n')).toMatch(/`when`: dates written '%d\/%m\/%y' -> '%m\/%d\/%y'/);
    expect(r1.events.find((e) => e.type === 'phase' && e.phase === 'profile' && e.status === 'done')).toMatchObject({ detail: expect.stringMatching(/2 corrected row\(s\) checked/) });
    expect(whenColumn(readFileSync(path.join(outDir, 'cleaned.csv'), 'utf8'))).toEqual(Array.from({ length: 60 }, (_, i) => monthFirst(i)));
    expect(readFileSync(path.join(outDir, 'report.md'), 'utf8')).toMatch(/## Learned from corrected rows/);
    const [stored] = await knowledge.get('recipes', { limit: 5 });
    const ops = (JSON.parse(stored.text) as { op: string }[]).map((s) => s.op);
    expect(ops).toContain('learned');
    expect(ops).not.toContain('corrections'); // this file's rows are not offered to other files

    // Another file of the same kind, no corrections: the remembered recipe carries the convention.
    const other = path.join(dir, 'visits-2.csv');
    writeFileSync(other, visitsCsv().replace(/,Leeds\n/g, ',York\n'));
    const out2 = path.join(dir, 'second');
    const r2 = await runOnce({ runId: 'second', inputPath: other, outDir: out2 }, { knowledge });
    expect(r2.finished.status).toBe('succeeded');
    expect(r2.events.find((e) => e.type === 'phase' && e.phase === 'memory' && e.status === 'done')).toMatchObject({ detail: expect.stringMatching(/a recipe for this schema found/) });
    expect(whenColumn(readFileSync(path.join(out2, 'cleaned.csv'), 'utf8'))).toEqual(Array.from({ length: 60 }, (_, i) => monthFirst(i)));
  }, 180_000);

  it('bad corrections fail the run as bad input before anything is drafted or cleaned', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'visits.csv');
    writeFileSync(input, visitsCsv());
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'row,id,town\n61,3,York\n2,three,York\n');
    const outDir = path.join(dir, 'out');
    const err = await runOnce({ runId: 'bad', inputPath: input, examplesPath: bad, outDir }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(
      'bad.csv refused, nothing was cleaned: row 61 does not exist (the file has 60 data rows, numbered 0 to 59); row 2, column `id`: \'three\' is not a number (the column holds numbers); column `town` is not in the file.',
    );
    expect(existsSync(path.join(outDir, 'cleaned.csv'))).toBe(false);
    expect(existsSync(path.join(outDir, 'recipe.py'))).toBe(false);
  }, 120_000);
});
