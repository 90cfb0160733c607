/**
 * The ThreadSink contract, shared by every sink (console here; Slack and Discord suites can
 * call it with their fake servers): refs in the platform's format, the status message edited
 * in place, uploads accepted, limits sane.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { StatusView, ThreadSink } from '../../src/bots/types.js';

export const sampleView = (over: Partial<StatusView> = {}): StatusView => ({
  runId: 'run-0123456789abcdef',
  title: 'Cleaning turtle_sales',
  phase: 'replay',
  state: 'running',
  chunksDone: 2,
  totalChunks: 5,
  rowsProcessed: 200,
  elapsedMs: 1234,
  modelCalls: 3,
  footer: 'stop with 🛑 or `stop`',
  ...over,
});

/** Registers the contract tests for a sink factory. `platform` is the ref prefix (`console`, `slack`, `discord`). */
export function sinkContract(platform: string, make: () => Promise<ThreadSink> | ThreadSink): void {
  it(`${platform} sink: posts return refs in the platform's format`, async () => {
    const sink = await make();
    const a = await sink.post('first');
    const b = await sink.post('second');
    expect(a.id.startsWith(`${platform}:`)).toBe(true);
    expect(a.id).not.toBe(b.id);
    await sink.flush();
  });

  it(`${platform} sink: the status message is posted once, then edited in place`, async () => {
    const sink = await make();
    const ref = await sink.status(sampleView());
    const again = await sink.status(sampleView({ chunksDone: 5, state: 'succeeded' }), ref);
    expect(again.id).toBe(ref.id);
    await sink.flush();
  });

  it(`${platform} sink: uploads files and has sane limits`, async () => {
    const sink = await make();
    const dir = mkdtempSync(path.join(tmpdir(), 'dsbot-sink-'));
    const p = path.join(dir, 'cleaned.csv');
    writeFileSync(p, 'a,b\n1,2\n');
    await sink.upload([{ name: 'cleaned.csv', path: p, contentType: 'text/csv', bytes: 8 }], 'Results');
    await sink.flush();
    expect(sink.limits.maxTextChars).toBeGreaterThan(500);
    expect(sink.limits.minPostIntervalMs).toBeGreaterThanOrEqual(0);
    expect(sink.limits.minEditIntervalMs).toBeGreaterThanOrEqual(0);
    expect(sink.limits.maxUploadBytes).toBeGreaterThan(1024 * 1024);
  });
}
