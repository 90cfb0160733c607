/**
 * Prometheus metrics (prom-client), served at /metrics by the bot and the worker (http.ts).
 * One registry per process; the decorators (model, sandbox, chat) and the run tracer record
 * into it, and the queue depth is read from BullMQ at scrape time.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();

/** Seconds buckets from 10 ms to 1 h (cells, model calls, phases, runs). */
const SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export const metrics = {
  runs: new Counter({
    name: 'dsbot_runs_total',
    help: 'Run attempts by outcome: succeeded, stopped, failed (final), retried, interrupted (worker shutdown; resumes elsewhere).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  runDuration: new Histogram({
    name: 'dsbot_run_duration_seconds',
    help: 'Wall time of a run attempt on a worker (queue wait excluded), by outcome.',
    labelNames: ['outcome'] as const,
    buckets: SECONDS,
    registers: [registry],
  }),
  queueWait: new Histogram({
    name: 'dsbot_run_queue_wait_seconds',
    help: 'Time a run waited in the queue before a worker took it.',
    buckets: SECONDS,
    registers: [registry],
  }),
  phaseDuration: new Histogram({
    name: 'dsbot_run_phase_duration_seconds',
    help: 'Wall time of each run phase (memory, profile, draft, replay, reflect).',
    labelNames: ['phase'] as const,
    buckets: SECONDS,
    registers: [registry],
  }),
  chunks: new Counter({ name: 'dsbot_chunks_committed_total', help: 'Chunks committed by runs.', registers: [registry] }),
  modelCalls: new Counter({
    name: 'dsbot_model_calls_total',
    help: 'Model calls by provider, model and outcome (ok, error).',
    labelNames: ['provider', 'model', 'outcome'] as const,
    registers: [registry],
  }),
  modelDuration: new Histogram({
    name: 'dsbot_model_call_duration_seconds',
    help: 'Latency of model calls.',
    labelNames: ['provider', 'model'] as const,
    buckets: SECONDS,
    registers: [registry],
  }),
  modelTokens: new Counter({
    name: 'dsbot_model_tokens_total',
    help: 'Model tokens by provider, model and type (input, output).',
    labelNames: ['provider', 'model', 'type'] as const,
    registers: [registry],
  }),
  modelCost: new Counter({
    name: 'dsbot_model_cost_usd_total',
    help: 'Model cost in USD (when model.price is configured).',
    labelNames: ['provider', 'model'] as const,
    registers: [registry],
  }),
  sandboxCell: new Histogram({
    name: 'dsbot_sandbox_cell_duration_seconds',
    help: 'Latency of sandbox cells (host round trip) by sandbox kind and outcome (ok, error, timeout, memory, aborted, crashed).',
    labelNames: ['kind', 'outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 600],
    registers: [registry],
  }),
  sandboxStarts: new Counter({
    name: 'dsbot_sandbox_starts_total',
    help: 'Sandbox (kernel) starts by kind and outcome (ok, error).',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  }),
  chatAnswers: new Counter({
    name: 'dsbot_chat_answers_total',
    help: 'Chat answers by outcome: answered, refused (bad input), error, cancelled.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  chatDuration: new Histogram({
    name: 'dsbot_chat_answer_duration_seconds',
    help: 'Time to answer a chat question.',
    buckets: SECONDS,
    registers: [registry],
  }),
};

/** Job counts by state, read when /metrics is scraped. */
export type QueueCounts = () => Promise<Record<string, number>>;

let queueCounts: QueueCounts | undefined;
new Gauge({
  name: 'dsbot_queue_jobs',
  help: 'Cleaning-run jobs in the queue by state (waiting, active, delayed, prioritized, completed, failed).',
  labelNames: ['state'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    if (!queueCounts) return;
    const counts = await queueCounts().catch(() => undefined);
    for (const [state, n] of Object.entries(counts ?? {})) this.set({ state }, n);
  },
});

/** Where dsbot_queue_jobs reads its counts (the process's BullMQ queue). */
export function setQueueCounts(fn: QueueCounts | undefined): void {
  queueCounts = fn;
}

let defaults = false;
/** Adds Node's process metrics (memory, CPU, event loop lag) to the registry. Once per process. */
export function collectProcessMetrics(): void {
  if (defaults) return;
  defaults = true;
  collectDefaultMetrics({ register: registry });
}
