/**
 * One trace per run attempt: a root span `dsbot.run` that begins when the job was enqueued, a
 * `queue.wait` child until a worker took it, a `phase <name>` child per phase, and under the
 * phases the spans of what ran there: model calls (agent/models/traced.ts), sandbox cells
 * (sandbox/traced.ts) and a `chunk.commit` per committed chunk. Also records the run metrics.
 *
 * The worker makes two calls: `traceRunJob` around an attempt, `traceRunEvents` around the
 * engine's event stream. Phase spans become the active context while the engine works in them,
 * so the model and sandbox spans nest under the phase without the engine knowing.
 */
import { context, trace, SpanKind, SpanStatusCode, type Context, type Span } from '@opentelemetry/api';
import type { RunEvent } from '../agent/events.js';
import { metrics } from '../observability/metrics.js';
import { recordError, tracer, withRunId } from '../observability/spans.js';

/** The fields of a BullMQ job this needs (a Job fits). */
export interface TracedJob {
  id?: string;
  queueName: string;
  /** When the job was added (ms). */
  timestamp: number;
  /** When this attempt started (ms). */
  processedOn?: number;
  /** Attempts already made before this one. */
  attemptsMade: number;
  opts: { attempts?: number };
}

/** How an attempt ended, from what the processor returned or threw. */
function outcomeOf(result: { status?: string } | undefined, err: unknown, job: TracedJob): string {
  if (!err) return result?.status ?? 'succeeded';
  const name = err instanceof Error ? err.name : '';
  if (name === 'DelayedError') return 'interrupted';
  if (name === 'UnrecoverableError' || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) return 'failed';
  return 'retried';
}

/**
 * Runs one attempt of run `runId` (a queue job) inside its root span, with its run id in the
 * context (for log lines). The first attempt's span starts at enqueue time and has a
 * `queue.wait` child.
 */
export function traceRunJob<T extends { status?: string }>(job: TracedJob, runId: string, fn: () => Promise<T>): Promise<T> {
  return traceAttempt(runId, job, fn);
}

/** Runs a run that no queue carried (`dsbot clean`) inside its root span. */
export function traceRun<T extends { status?: string }>(runId: string, fn: () => Promise<T>): Promise<T> {
  return traceAttempt(runId, undefined, fn);
}

async function traceAttempt<T extends { status?: string }>(runId: string, job: TracedJob | undefined, fn: () => Promise<T>): Promise<T> {
  const now = Date.now();
  const first = !job || job.attemptsMade === 0;
  const takenAt = Math.min(job?.processedOn ?? now, now);
  const start = job && first ? Math.min(job.timestamp, takenAt) : takenAt;
  const root = tracer().startSpan('dsbot.run', {
    kind: job ? SpanKind.CONSUMER : SpanKind.INTERNAL,
    startTime: start,
    attributes: {
      'dsbot.run.id': runId,
      ...(job
        ? {
            'dsbot.run.attempt': job.attemptsMade + 1,
            'messaging.system': 'bullmq',
            'messaging.operation.type': 'process',
            'messaging.destination.name': job.queueName,
            ...(job.id ? { 'messaging.message.id': job.id } : {}),
          }
        : {}),
    },
  });
  const ctx = withRunId(runId, trace.setSpan(context.active(), root));
  if (job && first) {
    tracer().startSpan('queue.wait', { startTime: start, attributes: { 'dsbot.run.id': runId } }, ctx).end(takenAt);
    metrics.queueWait.observe((takenAt - start) / 1000);
  }
  let result: T | undefined;
  let error: unknown;
  try {
    result = await context.with(ctx, fn);
    return result;
  } catch (err) {
    error = err;
    throw err;
  } finally {
    const outcome = outcomeOf(result, error, job ?? { queueName: '', timestamp: 0, attemptsMade: 0, opts: {} });
    root.setAttribute('dsbot.run.outcome', outcome);
    if (outcome === 'failed' || outcome === 'retried') recordError(root, error ?? new Error('failed'));
    else if (outcome === 'succeeded') root.setStatus({ code: SpanStatusCode.OK });
    metrics.runs.inc({ outcome });
    metrics.runDuration.observe({ outcome }, (Date.now() - takenAt) / 1000);
    root.end();
  }
}

/**
 * Passes the engine's events through, turning them into spans under the active run span: each
 * `phase` pair a span (active while the engine works in it), each committed chunk a
 * `chunk.commit` span covering its replay. Records phase durations and the run's totals.
 */
export async function* traceRunEvents(events: AsyncGenerator<RunEvent>): AsyncGenerator<RunEvent> {
  const runCtx = context.active();
  const root = trace.getSpan(runCtx);
  let phase: { span: Span; ctx: Context; name: string; startedAt: number } | undefined;
  let lastBoundary = Date.now();
  const endPhase = (status?: { error: string }) => {
    if (!phase) return;
    if (status) phase.span.setStatus({ code: SpanStatusCode.ERROR, message: status.error });
    phase.span.end();
    metrics.phaseDuration.observe({ phase: phase.name }, (Date.now() - phase.startedAt) / 1000);
    phase = undefined;
  };
  let failed = true;
  let done = false;
  try {
    for (;;) {
      const r = await context.with(phase?.ctx ?? runCtx, () => events.next());
      if (r.done) {
        done = true;
        break;
      }
      const e = r.value;
      if (e.type === 'phase' && e.status === 'started') {
        endPhase();
        const span = tracer().startSpan(`phase ${e.phase}`, { attributes: { 'dsbot.phase': e.phase } }, runCtx);
        phase = { span, ctx: trace.setSpan(runCtx, span), name: e.phase, startedAt: Date.now() };
        lastBoundary = Date.now();
      } else if (e.type === 'phase' && e.status === 'done') {
        if (e.detail) phase?.span.setAttribute('dsbot.phase.detail', e.detail);
        endPhase();
      } else if (e.type === 'chunk_committed') {
        const span = tracer().startSpan(
          'chunk.commit',
          { startTime: lastBoundary, attributes: { 'dsbot.chunk.index': e.index, 'dsbot.chunk.rows_in': e.rowsIn, 'dsbot.chunk.rows_out': e.rowsOut, 'dsbot.chunk.hash': e.hash } },
          phase?.ctx ?? runCtx,
        );
        span.end(e.at);
        lastBoundary = e.at;
        metrics.chunks.inc();
      } else if (e.type === 'run_finished') {
        root?.setAttributes({
          'dsbot.run.status': e.status,
          ...(e.summary
            ? {
                'dsbot.run.rows_in': e.summary.rowsIn,
                'dsbot.run.rows_out': e.summary.rowsOut,
                'dsbot.run.cells_changed': e.summary.cellsChanged,
                'dsbot.run.chunks': e.summary.chunks,
                'dsbot.run.model_calls': e.summary.modelCalls,
                'gen_ai.usage.input_tokens': e.summary.tokens.inputTokens,
                'gen_ai.usage.output_tokens': e.summary.tokens.outputTokens,
                ...(e.summary.costUsd !== undefined ? { 'dsbot.run.cost_usd': e.summary.costUsd } : {}),
              }
            : {}),
        });
      }
      yield e;
    }
    failed = false;
  } catch (err) {
    done = true; // the engine threw: it is finished
    throw err;
  } finally {
    endPhase(failed ? { error: 'the run ended inside this phase' } : undefined);
    // The consumer stopped early (e.g. an interrupted run): let the engine release its sandbox.
    if (!done) await context.with(runCtx, () => events.return(undefined));
  }
}
