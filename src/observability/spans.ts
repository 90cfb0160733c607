/**
 * Spans and what the current async context knows about the work in progress: the active span
 * (trace id) and the run it belongs to. Read by the logger (every line of a run carries its run
 * and trace id) and by the worker (the trace id goes into the run's report). OpenTelemetry's API
 * only: cheap to import, and no-op spans until tracing.ts registers a provider.
 */
import { context, createContextKey, trace, SpanStatusCode, type Attributes, type Context, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';

/** The tracer every dsbot span comes from. */
export function tracer(): Tracer {
  return trace.getTracer('dsbot');
}

/** Marks `span` failed with `err` (message only: stacks stay in logs). */
export function recordError(span: Span, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.setAttribute('error.type', err instanceof Error ? err.name : 'Error');
}

/**
 * Runs `fn` inside a new active span (a child of the active one), ending it when `fn` settles;
 * a thrown error marks the span failed and is rethrown.
 */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, options: SpanOptions = {}): Promise<T> {
  return tracer().startActiveSpan(name, { ...options, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      recordError(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

const RUN_ID = createContextKey('dsbot.run_id');

/** `ctx` (default: the active context) tagged with a run id. */
export function withRunId(runId: string, ctx: Context = context.active()): Context {
  return ctx.setValue(RUN_ID, runId);
}

/** The run id of the active context, if any. */
export function currentRunId(): string | undefined {
  return context.active().getValue(RUN_ID) as string | undefined;
}

/** The active span's trace and span ids, when a recording tracer is set up. */
export function currentTraceIds(): { traceId: string; spanId: string } | undefined {
  const sc = trace.getSpan(context.active())?.spanContext();
  if (!sc || !trace.isSpanContextValid(sc)) return undefined;
  return { traceId: sc.traceId, spanId: sc.spanId };
}

/** The active trace id (32 hex digits), if any. */
export function currentTraceId(): string | undefined {
  return currentTraceIds()?.traceId;
}
