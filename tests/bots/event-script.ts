/**
 * A stand-in engine for queue-mechanics tests: yields a real RunEvent sequence (the shapes of
 * src/agent/events.ts) and writes real artifact files, or waits for the abort signal like a
 * long cell. Tests of the real engine end to end live in chatops-engine.test.ts.
 */
import { mkdirSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RunEvent } from '../../src/agent/events.js';
import type { RunFunction } from '../../src/queue/worker.js';
import { DsbotError, type ErrorKind } from '../../src/errors.js';

export interface ScriptOptions {
  chunks?: number;
  /** After the first chunk, wait until aborted (then end as stopped). */
  blockAfterFirstChunk?: boolean;
  /** Throw a DsbotError of this kind after run_started. */
  throwKind?: ErrorKind;
  /** Called for every attempt (counts attempts). */
  onAttempt?: (runId: string, input: Parameters<RunFunction>[0]) => void;
}

const usage = { inputTokens: 10, outputTokens: 5 };

export function scriptedEngine(opts: ScriptOptions = {}): RunFunction {
  const chunks = opts.chunks ?? 3;
  return async function* (input, _deps, signal): AsyncGenerator<RunEvent> {
    opts.onAttempt?.(input.runId, input);
    const t0 = Date.now();
    yield { type: 'run_started', runId: input.runId, input: input.inputPath, dataset: input.datasetName, resumed: false, at: Date.now() };
    if (opts.throwKind) throw new DsbotError(opts.throwKind, `scripted ${opts.throwKind} failure`);
    yield { type: 'phase', phase: 'profile', status: 'started', at: Date.now() };
    yield { type: 'phase', phase: 'profile', status: 'done', detail: '352 rows, 9 columns', at: Date.now() };
    yield { type: 'phase', phase: 'draft', status: 'started', at: Date.now() };
    yield {
      type: 'step', phase: 'draft', step: 1, thought: 'Look at the sample and the profile.', code: 'print(df.head())',
      observation: '   Ranking  Product', isError: false, durationMs: 120, usage, at: Date.now(),
    };
    yield {
      type: 'validation', phase: 'draft', scope: 'sample', ok: true,
      checks: [{ name: 'schema', ok: true, detail: 'same columns' }, { name: 'row_accounting', ok: true, detail: 'rows in = out + removed' }],
      at: Date.now(),
    };
    yield { type: 'phase', phase: 'draft', status: 'done', at: Date.now() };
    yield { type: 'phase', phase: 'replay', status: 'started', at: Date.now() };
    for (let i = 0; i < chunks; i++) {
      yield { type: 'validation', phase: 'replay', scope: 'chunk', chunkIndex: i, ok: true, checks: [{ name: 'types', ok: true, detail: 'ok' }], at: Date.now() };
      yield { type: 'chunk_committed', index: i, rowsIn: 100, rowsOut: 99, hash: `h${i}`, at: Date.now() };
      yield { type: 'progress', phase: 'replay', chunksDone: i + 1, totalChunks: chunks, rowsProcessed: (i + 1) * 100, elapsedMs: Date.now() - t0, modelCalls: 1, at: Date.now() };
      if (i === 0 && opts.blockAfterFirstChunk) {
        await new Promise<void>((resolve) => {
          if (signal?.aborted) return resolve();
          signal?.addEventListener('abort', () => resolve(), { once: true });
        });
        yield { type: 'run_finished', runId: input.runId, status: 'stopped', message: 'Stopped during replay.', artifacts: [], at: Date.now() };
        return;
      }
    }
    yield { type: 'phase', phase: 'replay', status: 'done', at: Date.now() };
    mkdirSync(input.outDir, { recursive: true });
    const files: [string, string, string][] = [
      ['cleaned.csv', 'a,b\n1,2\n', 'text/csv'],
      ['report.md', '# Report\n', 'text/markdown'],
      ['changes.csv', 'row,col,before,after\n', 'text/csv'],
    ];
    const artifacts = files.map(([name, content, contentType]) => {
      const p = path.join(input.outDir, name);
      writeFileSync(p, content);
      return { name, path: p, contentType, bytes: statSync(p).size };
    });
    yield {
      type: 'run_finished', runId: input.runId, status: 'succeeded', message: 'Cleaned.', artifacts, at: Date.now(),
      summary: {
        rowsIn: chunks * 100, rowsOut: chunks * 99, rowsRemoved: chunks, cellsChanged: 12, chunks, chunksCommitted: chunks,
        modelCalls: 1, tokens: usage, durationMs: Date.now() - t0, beforeAfterTable: '| column | before | after |\n|---|---|---|\n| Year | 2 nulls | 0 |',
        headline: 'Removed duplicate rows and filled missing years.',
      },
    };
  };
}
