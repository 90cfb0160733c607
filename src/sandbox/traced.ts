/**
 * A Sandbox decorator: `start` and each `exec` (one cell) become spans, and feed the sandbox
 * metrics. A Python error in a cell is the model's mistake, so it is an attribute, not a span
 * error; a killed kernel (timeout, memory, crash) is an error. A Proxy keeps the sandbox's own
 * class (instanceof) and every other member; start/exec assigned later wrap the traced ones.
 */
import type { Sandbox } from './types.js';
import { metrics } from '../observability/metrics.js';
import { recordError, tracer } from '../observability/spans.js';

/** The start of a cell: enough to tell `replay_chunk(3)` from `profile()` in a trace. */
function codeHead(code: string): string {
  const head = code.trim();
  return head.length > 400 ? `${head.slice(0, 400)}…` : head;
}

export function tracedSandbox<S extends Sandbox>(sandbox: S): S {
  // The originals, captured now: a caller may later replace start/exec on the returned object.
  const run = sandbox.exec.bind(sandbox);
  const boot = sandbox.start.bind(sandbox);
  const exec: Sandbox['exec'] = (code, options) =>
    tracer().startActiveSpan('sandbox.exec', { attributes: { 'dsbot.sandbox.kind': sandbox.kind, 'dsbot.sandbox.code': codeHead(code), 'dsbot.sandbox.code_chars': code.length } }, async (span) => {
      const started = performance.now();
      let outcome = 'ok';
      try {
        const r = await run(code, options);
        outcome = r.killed ?? (r.error ? 'error' : 'ok');
        span.setAttributes({ 'dsbot.sandbox.outcome': outcome, 'dsbot.sandbox.kernel_ms': r.durationMs, ...(r.error ? { 'dsbot.sandbox.python_error': r.error.type } : {}) });
        if (r.killed && r.killed !== 'aborted') recordError(span, new Error(`kernel killed: ${r.killed}`));
        return r;
      } catch (err) {
        outcome = 'crashed';
        recordError(span, err);
        throw err;
      } finally {
        metrics.sandboxCell.observe({ kind: sandbox.kind, outcome }, (performance.now() - started) / 1000);
        span.end();
      }
    });
  const start: Sandbox['start'] = (options) =>
    tracer().startActiveSpan('sandbox.start', { attributes: { 'dsbot.sandbox.kind': sandbox.kind } }, async (span) => {
      try {
        await boot(options);
        metrics.sandboxStarts.inc({ kind: sandbox.kind, outcome: 'ok' });
      } catch (err) {
        metrics.sandboxStarts.inc({ kind: sandbox.kind, outcome: 'error' });
        recordError(span, err);
        throw err;
      } finally {
        span.end();
      }
    });
  const traced: Record<string, unknown> = { exec, start };
  return new Proxy(sandbox, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in traced) return traced[prop];
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set(target, prop, value) {
      // Replacing start/exec (tests count calls that way) wraps the traced ones.
      if (typeof prop === 'string' && prop in traced) traced[prop] = value;
      else Reflect.set(target, prop, value, target);
      return true;
    },
  });
}
