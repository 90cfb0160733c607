/**
 * The run reporter against the real console sink with platform-like limits: the status
 * message is posted once and edited in place no faster than allowed, step summaries are
 * coalesced into few posts spaced by the post interval and within the text limit, and the
 * final summary, stop and failure messages say what happened and what was kept.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunReporter, splitText } from '../../src/bots/run-reporter.js';
import { createConsoleSink } from '../../src/bots/console/sink.js';
import { loadConfig } from '../../src/config/load.js';
import type { RunEvent } from '../../src/agent/events.js';
import { SandboxError } from '../../src/errors.js';

const config = loadConfig({ env: {} });
const usage = { inputTokens: 1, outputTokens: 1 };
const limits = { maxTextChars: 300, minPostIntervalMs: 150, minEditIntervalMs: 250, maxUploadBytes: 50 };

function sink() {
  const dir = mkdtempSync(path.join(tmpdir(), 'dsbot-reporter-'));
  return { dir, sink: createConsoleSink('console:rep', config, { out: { write: () => true }, runsDir: dir, runId: 'run-0123456789ab', limits }) };
}

function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]);
}

describe('run reporter', () => {
  it('follows a status message the sink re-posted (the old one was deleted)', async () => {
    const { sink: inner } = sink();
    const seen: (string | undefined)[] = [];
    const stored: string[] = [];
    let n = 0;
    // The console sink, except that its second edit finds the status message gone and posts anew.
    const s = { ...inner, limits: inner.limits, threadRef: inner.threadRef, post: inner.post.bind(inner), upload: inner.upload.bind(inner), flush: inner.flush.bind(inner),
      async status(view: Parameters<typeof inner.status>[0], ref?: { id: string }) {
        seen.push(ref?.id);
        n++;
        return n === 3 ? { id: 'console:rep:reposted' } : inner.status(view, ref);
      },
    };
    const r = createRunReporter(s, { runId: 'run-0123456789ab', title: 'Cleaning t', onStatusRef: (ref) => void stored.push(ref.id) });
    await r.start();
    for (let i = 1; i <= 3; i++) {
      await r.handle({ type: 'progress', phase: 'replay', chunksDone: i, totalChunks: 3, rowsProcessed: i, elapsedMs: i, modelCalls: 0, at: Date.now() });
      await new Promise((res) => setTimeout(res, 300)); // past minEditIntervalMs: one edit each
    }
    await r.handle({ type: 'run_finished', runId: 'run-0123456789ab', status: 'stopped', message: 'Stopped.', artifacts: [], at: Date.now() });
    await r.close();
    expect(seen.length, JSON.stringify(seen)).toBeGreaterThanOrEqual(4);
    expect(stored).toEqual([expect.any(String), 'console:rep:reposted']);
    expect(seen.at(-1)).toBe('console:rep:reposted');
  });

  it('coalesces a burst of steps into few posts within the limits and edits one status message', async () => {
    const { sink: s } = sink();
    const r = createRunReporter(s, { runId: 'run-0123456789ab', title: 'Cleaning t' });
    await r.start();
    for (let i = 1; i <= 40; i++) {
      await r.handle({ type: 'step', phase: 'draft', step: i, thought: `Thought number ${i}`, code: 'x', observation: 'ok', isError: i % 7 === 0, durationMs: 5, usage, at: Date.now() });
      await r.handle({ type: 'progress', phase: 'replay', chunksDone: i, totalChunks: 40, rowsProcessed: i * 10, elapsedMs: i, modelCalls: i, at: Date.now() });
      if (i % 10 === 0) await new Promise((res) => setTimeout(res, 60));
    }
    await r.handle({ type: 'run_finished', runId: 'run-0123456789ab', status: 'stopped', message: 'Stopped by admin.', artifacts: [], at: Date.now() });
    await r.close();

    const posts = s.entries.filter((e) => e.kind === 'post');
    const statuses = s.entries.filter((e) => e.kind === 'status');
    // The thread's budget: at most 5 posts for the whole attempt, however many lines came.
    expect(posts.length).toBeLessThanOrEqual(5);
    expect(posts.every((p) => p.text.length <= limits.maxTextChars)).toBe(true);
    for (const g of gaps(posts.map((p) => p.at))) expect(g).toBeGreaterThanOrEqual(limits.minPostIntervalMs - 2);
    for (const g of gaps(statuses.map((p) => p.at))) expect(g).toBeGreaterThanOrEqual(limits.minEditIntervalMs - 2);
    expect(new Set(statuses.map((e) => e.ref)).size).toBe(1);
    // Steps appear at most once, in order, from the first; the final message counts the rest.
    const text = posts.map((p) => p.text).join('\n');
    const steps = [...text.matchAll(/Step (\d+) \(draft\)/g)].map((m) => Number(m[1]));
    expect(steps[0]).toBe(1);
    expect(steps).toEqual([...new Set(steps)].sort((a, b) => a - b));
    const notPosted = Number(/(\d+) more progress lines not posted/.exec(posts.at(-1)!.text)?.[1]);
    expect(steps.length + notPosted).toBe(40);
    expect(text).toContain('Step 1 (draft): Thought number 1 → ok');
    expect(statuses.at(-1)!.view).toMatchObject({ state: 'stopped', chunksDone: 40, totalChunks: 40 });
    expect(posts.at(-1)!.text).toMatch(/stopped after .* Stopped by admin\./);
  });

  it('final summary: headline, table, files attached; too-large files named, not attached', async () => {
    const { sink: s, dir } = sink();
    const outDir = mkdtempSync(path.join(tmpdir(), 'dsbot-out-'));
    const art = (name: string, content: string) => {
      const p = path.join(outDir, name);
      writeFileSync(p, content);
      return { name, path: p, contentType: 'text/plain', bytes: content.length };
    };
    const r = createRunReporter(s, { runId: 'run-0123456789ab', title: 'Cleaning t' });
    await r.start();
    const events: RunEvent[] = [
      { type: 'chunk_committed', index: 0, rowsIn: 10, rowsOut: 9, hash: 'h', at: 1 },
      { type: 'validation', phase: 'replay', scope: 'chunk', chunkIndex: 0, ok: false, checks: [{ name: 'ranges', ok: false, detail: 'Age 200 > 120' }, { name: 'schema', ok: true, detail: '' }], at: 2 },
      {
        type: 'run_finished', runId: 'run-0123456789ab', status: 'succeeded', message: 'ok', at: 3,
        artifacts: [art('changes.csv', 'c'), art('cleaned.csv', 'a,b\n'), art('report.md', 'x'.repeat(100)), art('recipe.py', 'pass')],
        summary: { rowsIn: 10, rowsOut: 9, rowsRemoved: 1, cellsChanged: 3, chunks: 1, chunksCommitted: 1, modelCalls: 2, tokens: usage, durationMs: 1234, beforeAfterTable: '| col | before | after |', headline: 'One duplicate removed.' },
      },
    ];
    for (const e of events) await r.handle(e);
    await r.close();
    const text = s.entries.map((e) => e.text).join('\n');
    expect(text).toContain('❌ Validation (replay, chunk 0): 1 of 2 checks failed: ranges: Age 200 > 120');
    expect(text).toMatch(/succeeded in 1\.2 s[\s\S]*One duplicate removed\.[\s\S]*10 in → 9 out \(1 removed\)[\s\S]*\| col \| before \| after \|/);
    expect(text).not.toContain('Too large'); // over-limit files are the sink's to compress or explain
    expect(text).toContain('Also in the run directory: recipe.py');
    const upload = s.entries.at(-1)!;
    expect(upload.kind).toBe('upload');
    expect(upload.files!.map((f) => path.relative(dir, f))).toEqual(['run-0123456789ab/cleaned.csv', 'run-0123456789ab/report.md', 'run-0123456789ab/changes.csv']);
  });

  it('a failure says what happened, what was kept and whether it will be retried', async () => {
    const { sink: s } = sink();
    const r = createRunReporter(s, { runId: 'run-0123456789ab', title: 'Cleaning t' });
    await r.start();
    await r.handle({ type: 'chunk_committed', index: 0, rowsIn: 10, rowsOut: 10, hash: 'h', at: 1 });
    await r.handle({ type: 'chunk_committed', index: 1, rowsIn: 10, rowsOut: 10, hash: 'h', at: 1 });
    await r.fail(new SandboxError('kernel crashed'), true);
    await r.close();
    const last = s.entries.filter((e) => e.kind === 'post').at(-1)!.text;
    expect(last).toContain('failed (sandbox): kernel crashed');
    expect(last).toContain('Kept: 2 committed chunks');
    expect(last).toContain('retry it automatically');
  });

  it('splitText keeps every character within the limit', () => {
    const text = ['short', 'x'.repeat(25), 'tail'].join('\n');
    const parts = splitText(text, 10);
    expect(parts.every((p) => p.length <= 10)).toBe(true);
    expect(parts.join('').replace(/\n/g, '')).toBe(text.replace(/\n/g, ''));
  });
});
