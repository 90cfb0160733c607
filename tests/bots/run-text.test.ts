/**
 * The texts a run posts stay within their budget however wide the file: the before/after table
 * keeps the columns with most problems and says how many more are in report.md; the summary and
 * the plan each fit one Discord post.
 */
import { describe, expect, it } from 'vitest';
import { planText, summaryText, trimTable } from '../../src/bots/run-text.js';
import type { RunPlan } from '../../src/agent/events.js';

/** A before/after table in the toolkit's shape with `n` columns; column i has (i * 37) % 101 problems. */
function wideTable(n: number): string {
  const lines = ['| column | type | missing | null tokens | invalid type | format issues | outliers/range | problems | cells changed |', '|---|---|---|---|---|---|---|---|---|'];
  for (let i = 0; i < n; i++) {
    const p = (i * 37) % 101;
    lines.push(`| col_${i} | integer | 0 → 0 | ${p} → 0 | 0 → 0 | 0 → 0 | 0 → 0 | ${p} → 0 | ${p} |`);
  }
  lines.push('| (duplicate rows) | | | | | | | 3 → 0 | |');
  lines.push('| (rule `a >= b`) | | | | | | | 0 → 0 rows | |');
  return lines.join('\n');
}

describe('post budget texts', () => {
  it('trimTable keeps the 10 columns with most problems and points at report.md for the rest', () => {
    const table = wideTable(10_000);
    expect(table.length).toBeGreaterThan(600_000);
    const t = trimTable(table, 10, 1_500);
    expect(t.text.length).toBeLessThanOrEqual(1_500);
    const rows = t.text.split('\n').filter((l) => /^\| col_/.test(l));
    expect(rows).toHaveLength(t.shown);
    expect(t.shown).toBeGreaterThan(0);
    for (const r of rows) expect(r).toMatch(/\| 100 → 0 \| 100 \|$/); // the worst columns
    expect(t.text).toContain('| (duplicate rows) |'); // a summary row that counts something stays
    expect(t.text).not.toContain('(rule');
    expect(t.text).toContain(`… and ${(10_000 - t.shown).toLocaleString('en-US')} more columns in report.md`);
    // A table that fits is left whole.
    expect(trimTable(wideTable(3), 10, 5_000).text).not.toContain('more columns');
  });

  it('the final summary of a 10,000-column run fits one Discord post, held progress lines included', () => {
    const text = summaryText(
      {
        runId: 'run-0123456789abcdef',
        title: 'Cleaning wide.csv',
        summary: { rowsIn: 8, rowsOut: 8, rowsRemoved: 0, cellsChanged: 60_000, chunks: 1, chunksCommitted: 1, modelCalls: 4, tokens: { inputTokens: 0, outputTokens: 0 }, durationMs: 120_000, beforeAfterTable: wideTable(10_000), headline: '8 rows in, 8 out.' },
        message: 'ok',
        files: ['cleaned.csv', 'report.md'],
        others: ['recipe.py'],
        held: ['⚠️ something to know', '• Step 9 (draft): x → ok (1.0 s)'],
        dropped: 12,
        tableColumns: 10,
      },
      2_000,
    );
    expect(text.length).toBeLessThanOrEqual(2_000);
    expect(text).toMatch(/succeeded in 2 min 0 s/);
    expect(text).toContain('⚠️ something to know');
    expect(text).toMatch(/more progress lines not posted/);
    expect(text).toMatch(/… and [\d,]+ more columns in report\.md/);
    expect(text).toContain('Files: cleaned.csv, report.md');
  });

  it('a plan of 10,000 changed columns fits one Discord post and names what it left out', () => {
    const plan: RunPlan = {
      sampleRows: 2_000,
      totalRows: 1_000_000,
      rowsKept: 1_990,
      cellsChanged: 123_456,
      columns: Array.from({ length: 40 }, (_, i) => ({
        name: `a_rather_long_column_name_number_${i}`,
        cells: 2_000 - i,
        rules: [{ rule: 'strip_whitespace', cells: 2_000 - i }],
        examples: [{ before: ' x ', after: 'x' }, { before: 'N/A', after: '(empty)' }],
      })),
      moreColumns: 9_960,
      removed: [{ reason: 'exact duplicate of an earlier row', rows: 10 }],
      flagged: [{ rule: 'outlier:price', cells: 4 }],
      steps: ['1. strip_whitespace …'],
      totalSteps: 1,
    };
    const text = planText('run-0123456789abcdef', plan, 10, 2_000);
    expect(text.length).toBeLessThanOrEqual(2_000);
    expect(text).toMatch(/Measured on the first 2,000 of 1,000,000 rows/);
    expect(text).toMatch(/123,456 cells changed in 10,000 columns; 10 rows removed/);
    expect(text).toMatch(/• `a_rather_long_column_name_number_0`: 2,000 cells \(strip_whitespace\), e\.g\. ` x ` → `x`/);
    expect(text).toMatch(/… and 9,9\d\d more columns/);
    expect(text).toMatch(/Removed: 10 rows \(exact duplicate of an earlier row\)/);
    expect(text).toMatch(/Flagged for review, kept: 4 cells \(outlier:price\)/);
    expect(text).toMatch(/reply `change …`/);
  });
});
