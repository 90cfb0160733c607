import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConsoleSink, renderStatusLine } from '../../src/bots/console/sink.js';
import { createThreadSink } from '../../src/bots/sinks.js';
import { loadConfig } from '../../src/config/load.js';
import { sampleView, sinkContract } from './sink-contract.js';

const config = loadConfig({ env: {} });
const runsDir = mkdtempSync(path.join(tmpdir(), 'dsbot-console-sink-'));
const quiet = { write: () => true };

describe('console sink', () => {
  sinkContract('console', () => createConsoleSink('console:contract', config, { out: quiet, runsDir, runId: 'run-0123456789abcdef' }));

  it('copies attachments under <runsDir>/<run-id>/ and prints posts and status lines', async () => {
    const out: string[] = [];
    const sink = createThreadSink('console:x', config, { runId: 'run-aaaaaaaaaaaaaaaa', runsDir }) as ReturnType<typeof createConsoleSink>;
    const s2 = createConsoleSink('console:x', config, { out: { write: (t: string) => out.push(t) }, runsDir, runId: 'run-aaaaaaaaaaaaaaaa' });
    expect(sink.threadRef).toBe('console:x');
    await s2.post('hello\nworld');
    await s2.status(sampleView());
    await s2.upload([{ name: 'report.md', path: path.join(process.cwd(), 'README.md'), contentType: 'text/markdown', bytes: 1 }]);
    const copy = path.join(runsDir, 'run-aaaaaaaaaaaaaaaa', 'report.md');
    expect(existsSync(copy)).toBe(true);
    expect(readFileSync(copy, 'utf8')).toBe(readFileSync(path.join(process.cwd(), 'README.md'), 'utf8'));
    expect(out.join('')).toContain('  │ hello\n  │ world\n');
    expect(out.join('')).toContain('▓▓▓▓░░░░░░ 2/5 chunks · 200 rows · 1.2 s · 3 model calls');
    expect(s2.entries.map((e) => e.kind)).toEqual(['post', 'status', 'upload']);
  });

  it('renders a status line with the progress bar', () => {
    expect(renderStatusLine(sampleView({ chunksDone: 5, state: 'succeeded', footer: undefined }))).toBe(
      '[run-0123456789abcdef] Cleaning turtle_sales — succeeded · replay · ▓▓▓▓▓▓▓▓▓▓ 5/5 chunks · 200 rows · 1.2 s · 3 model calls',
    );
  });
});
