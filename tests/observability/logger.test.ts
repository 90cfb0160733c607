/** Structured logs: JSON lines carrying the run id and trace id of the context; readable lines on a terminal. */
import { Writable } from 'node:stream';
import { context } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { tracer, withRunId } from '../../src/observability/spans.js';
import { initTracing } from '../../src/observability/tracing.js';

const tracing = initTracing({ serviceName: 'dsbot-test' }); // records spans, exports nothing
afterAll(() => tracing.shutdown());

function sink(isTTY = false): Writable & { lines: string[]; isTTY: boolean } {
  const lines: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return Object.assign(w, { lines, isTTY });
}

describe('logger', () => {
  it('JSON lines with level, time, service, and the run id and trace id of the active context', async () => {
    const out = sink();
    const log = createLogger({ destination: out, service: 'dsbot-worker', level: 'info' });
    log.info('outside any run');
    let traceId = '';
    await tracer().startActiveSpan('dsbot.run', async (span) => {
      traceId = span.spanContext().traceId;
      await context.with(withRunId('run-abc123'), async () => {
        await new Promise((r) => setTimeout(r, 1)); // across an await
        log.warn('chunk 3 failed validation');
      });
      span.end();
    });
    log.debug('below the level');
    const [outside, inside, ...rest] = out.lines.map((l) => JSON.parse(l));
    expect(rest).toEqual([]);
    expect(outside).toMatchObject({ level: 30, service: 'dsbot-worker', msg: 'outside any run' });
    expect(outside.runId).toBeUndefined();
    expect(outside.trace_id).toBeUndefined();
    expect(inside).toMatchObject({ level: 40, msg: 'chunk 3 failed validation', runId: 'run-abc123', trace_id: traceId });
    expect(inside.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(new Date(inside.time).getTime()).toBeGreaterThan(0);
  });

  it('readable lines on a terminal (auto), with the run id in front', async () => {
    const out = sink(true);
    const log = createLogger({ destination: out, service: 'dsbot-worker' });
    context.with(withRunId('run-xyz'), () => log.info('replaying chunk 2'));
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/\d\d:\d\d:\d\d\.\d{3}.*INFO.*\[run-xyz\] replaying chunk 2/);
    expect(() => JSON.parse(out.lines[0])).toThrow();
  });
});
