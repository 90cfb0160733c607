/**
 * Turns a run's events into posts in its thread (DESIGN.md decision 6): one status message
 * posted once then edited in place (throttled), step summaries and validation results
 * coalesced into replies within the sink's limits, and a final summary with attachments.
 * A failure or stop says what happened and what was kept.
 */
import type { Artifact, RunEvent, RunSummary, ValidationCheck } from '../agent/events.js';
import type { DsbotError } from '../errors.js';
import type { MessageRef, OutgoingFile, StatusView, ThreadSink } from './types.js';
import { logger } from '../observability/logger.js';

export interface RunReporterOptions {
  /** The run reported. */
  runId: string;
  /** Shown in the status message, e.g. `Cleaning turtle_sales`. */
  title: string;
  /** Called with the ref of every message posted (so a reaction on it finds the run). */
  onMessage?: (ref: MessageRef) => unknown;
  /** The status message of an earlier attempt (retry, resume): edited instead of posting a new one. */
  statusRef?: MessageRef;
  /** Called once with the ref of the status message when it is first posted. */
  onStatusRef?: (ref: MessageRef) => unknown;
  /** Clock (tests). Default Date.now. */
  now?: () => number;
}

export interface RunReporter {
  /** Posts the status message; call once, as soon as the job is taken. */
  start(): Promise<void>;
  /** Renders one engine event (returns quickly; posts go out in the background, in order). */
  handle(event: RunEvent): Promise<void>;
  /** Reports a failure: what happened, what was kept, whether the queue retries. */
  fail(error: DsbotError, willRetry: boolean): Promise<void>;
  /** Reports that the worker shut down mid-run and the run will continue elsewhere. */
  interrupted(): Promise<void>;
  /** Waits for everything queued to be posted. */
  close(): Promise<void>;
  /** The last status shown (tests, logs). */
  readonly view: StatusView;
}

const STOP_HINT = 'stop with 🛑 or `stop`';
const ARTIFACT_ORDER = ['cleaned.csv', 'report.md', 'chart.png', 'changes.csv'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function firstLine(text: string, max = 160): string {
  const line = text
    .replace(/^Observation:\s*/, '')
    .replace(/<\/?untrusted-data[^>]*>/g, '')
    .trim().split('\n').find((l) => l.trim()) ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function formatChecks(checks: ValidationCheck[]): string {
  const failed = checks.filter((c) => !c.ok);
  if (failed.length === 0) return `${checks.length}/${checks.length} checks passed (${checks.map((c) => c.name).join(', ')})`;
  return `${failed.length} of ${checks.length} checks failed: ${failed.map((c) => `${c.name}: ${firstLine(c.detail, 200)}`).join('; ')}`;
}

/** Splits text into pieces of at most `max` chars, on line breaks where possible. */
export function splitText(text: string, max: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const line of text.split('\n')) {
    let rest = line;
    while (rest.length > max) {
      if (cur) out.push(cur), (cur = '');
      out.push(rest.slice(0, max));
      rest = rest.slice(max);
    }
    const next = cur ? `${cur}\n${rest}` : rest;
    if (next.length > max) out.push(cur), (cur = rest);
    else cur = next;
  }
  if (cur) out.push(cur);
  return out;
}

function summaryText(runId: string, title: string, s: RunSummary | undefined, message: string, files: string[], skipped: string[], others: string[]): string {
  const lines = [`✅ ${title}: run \`${runId}\` succeeded${s ? ` in ${seconds(s.durationMs)}` : ''}.`];
  if (s) {
    lines.push(s.headline);
    lines.push(
      `Rows: ${s.rowsIn} in → ${s.rowsOut} out (${s.rowsRemoved} removed) · ${s.cellsChanged} cells changed · ` +
        `${s.chunksCommitted}/${s.chunks} chunks · ${s.modelCalls} model calls` +
        (s.costUsd !== undefined ? ` · $${s.costUsd.toFixed(4)}` : ''),
    );
    if (s.beforeAfterTable.trim()) lines.push('', s.beforeAfterTable.trim());
  } else if (message) lines.push(message);
  if (files.length) lines.push('', `Files: ${files.join(', ')}`);
  if (skipped.length) lines.push(`Too large to attach (kept on the server): ${skipped.join(', ')}`);
  if (others.length) lines.push(`Also in the run directory: ${others.join(', ')}`);
  return lines.join('\n');
}

/** Creates the reporter of one run attempt. */
export function createRunReporter(sink: ThreadSink, options: RunReporterOptions): RunReporter {
  const now = options.now ?? Date.now;
  const limits = sink.limits;
  const startedAt = now();
  const view: StatusView = {
    runId: options.runId,
    title: options.title,
    phase: 'starting',
    state: 'running',
    chunksDone: 0,
    totalChunks: 0,
    rowsProcessed: 0,
    elapsedMs: 0,
    modelCalls: 0,
    footer: STOP_HINT,
  };
  let statusRef: MessageRef | undefined = options.statusRef;
  let lastPostAt = -Infinity;
  let lastEditAt = -Infinity;
  let pending: string[] = [];
  let postTimer: NodeJS.Timeout | undefined;
  let editTimer: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let committed = 0;
  /** Chunk validations per phase, summarised when the phase ends. */
  const chunkChecks = new Map<string, { passed: number; failed: number }>();
  let finished = false;

  /** Runs sink calls one at a time, in order; a failing call is logged into the next, not lost silently. */
  const enqueue = (fn: () => Promise<unknown>): Promise<unknown> => {
    chain = chain.then(fn).catch((err) => {
      logger.warn(`dsbot: posting to ${sink.threadRef} failed: ${(err as Error).message}`);
    });
    return chain;
  };

  const noted = async (ref: MessageRef) => {
    try {
      await options.onMessage?.(ref);
    } catch {
      /* linking a ref is best effort */
    }
  };

  const postNow = async (text: string) => {
    for (const piece of splitText(text, limits.maxTextChars)) {
      await sleep(Math.max(0, lastPostAt + limits.minPostIntervalMs - now()));
      const ref = await sink.post(piece);
      lastPostAt = now();
      await noted(ref);
    }
  };

  const editNow = async () => {
    await sleep(Math.max(0, lastEditAt + limits.minEditIntervalMs - now()));
    if (view.state === 'running') view.elapsedMs = Math.max(view.elapsedMs, now() - startedAt);
    const ref = await sink.status({ ...view }, statusRef);
    lastEditAt = now();
    if (!statusRef || statusRef.id !== ref.id) {
      // First post, or the sink posted a fresh status message because the old one was deleted.
      await noted(ref);
      try {
        await options.onStatusRef?.(ref);
      } catch {
        /* remembering the ref is best effort */
      }
    }
    statusRef = ref;
  };

  const flushLines = async () => {
    if (pending.length === 0) return;
    const text = pending.join('\n');
    pending = [];
    await postNow(text);
  };

  const scheduleEdit = () => {
    if (editTimer || finished) return;
    editTimer = setTimeout(() => {
      editTimer = undefined;
      void enqueue(editNow);
    }, Math.max(0, lastEditAt + limits.minEditIntervalMs - now()));
  };

  const scheduleLines = () => {
    if (postTimer || finished) return;
    postTimer = setTimeout(() => {
      postTimer = undefined;
      void enqueue(flushLines);
    }, Math.max(0, lastPostAt + limits.minPostIntervalMs - now()));
  };

  const line = (text: string) => {
    pending.push(text);
    scheduleLines();
  };

  /**
   * Stops the timers, posts what is pending and the closing message (first: a stop is
   * reported without waiting for the edit interval), then edits the status message.
   */
  const finalStatus = async (state: StatusView['state'], phase: string, text: () => string) => {
    finished = true;
    clearTimeout(postTimer);
    clearTimeout(editTimer);
    postTimer = editTimer = undefined;
    view.state = state;
    view.phase = phase;
    view.elapsedMs = now() - startedAt;
    view.footer = undefined;
    await enqueue(flushLines);
    await enqueue(() => postNow(text()));
    await enqueue(editNow);
  };

  const keptText = () =>
    committed > 0
      ? `Kept: ${committed} committed chunk${committed === 1 ? '' : 's'} (${view.rowsProcessed} rows); \`resume ${options.runId}\` continues from there.`
      : 'Nothing was committed yet.';

  const uploadArtifacts = async (artifacts: Artifact[]) => {
    // The files people open are attached; the rest stay in the run directory.
    const main = artifacts.filter((a) => ARTIFACT_ORDER.includes(a.name)).sort((a, b) => rank(a.name) - rank(b.name));
    // Every file goes to the sink: a sink over its platform's upload limit compresses the file or
    // says where it is kept (Discord gzips; Slack explains).
    const fit = main;
    const skipped: string[] = [];
    const others = artifacts.filter((a) => !ARTIFACT_ORDER.includes(a.name)).map((a) => a.name);
    return { fit, skipped, others };
  };

  const onFinished = async (ev: Extract<RunEvent, { type: 'run_finished' }>) => {
    if (ev.summary) {
      view.modelCalls = ev.summary.modelCalls;
      view.totalChunks = ev.summary.chunks;
      view.chunksDone = ev.summary.chunksCommitted;
    }
    if (ev.status === 'succeeded') {
      const { fit, skipped, others } = await uploadArtifacts(ev.artifacts);
      const names = fit.map((a) => a.name);
      await finalStatus('succeeded', 'done', () => summaryText(options.runId, options.title, ev.summary, ev.message, names, skipped, others));
      if (fit.length)
        await enqueue(async () => {
          await sleep(Math.max(0, lastPostAt + limits.minPostIntervalMs - now()));
          const files: OutgoingFile[] = fit.map((a) => ({ name: a.name, path: a.path, contentType: a.contentType, bytes: a.bytes }));
          await sink.upload(files, `Results of \`${options.runId}\``);
          lastPostAt = now();
        });
    } else if (ev.status === 'stopped') {
      await finalStatus('stopped', 'stopped', () => `🛑 Run \`${options.runId}\` stopped after ${seconds(view.elapsedMs)}. ${ev.message}\n${keptText()}`);
    } else {
      const what = ev.error ? `${ev.error.kind}: ${ev.error.message}` : ev.message;
      await finalStatus('failed', 'failed', () => `❌ Run \`${options.runId}\` failed: ${what}\n${keptText()}`);
    }
  };

  return {
    view,
    async start() {
      await enqueue(editNow);
    },
    async handle(ev) {
      switch (ev.type) {
        case 'run_started':
          if (ev.resumed) line(`↩️ Resuming \`${ev.runId}\` from the first uncommitted chunk.`);
          break;
        case 'phase': {
          view.phase = ev.phase;
          const tally = chunkChecks.get(ev.phase);
          if (ev.status === 'done' && tally) {
            const total = tally.passed + tally.failed;
            line(`${tally.failed ? '⚠️' : '✅'} Validation (${ev.phase}): ${tally.passed} of ${total} chunk${total === 1 ? '' : 's'} passed every check.`);
            chunkChecks.delete(ev.phase);
          }
          if (ev.status === 'done' && ev.detail) line(`▸ ${ev.phase} done: ${firstLine(ev.detail, 300)}`);
          scheduleEdit();
          break;
        }
        case 'step':
          // Every step is one model call at least; progress events bring the exact count.
          view.modelCalls = Math.max(view.modelCalls, ev.step);
          scheduleEdit();
          line(
            `• Step ${ev.step} (${ev.phase}): ${firstLine(ev.thought) || 'code'} → ` +
              (ev.isError ? `error: ${firstLine(ev.observation)}` : 'ok') +
              ` (${seconds(ev.durationMs)})`,
          );
          break;
        case 'validation': {
          if (ev.scope === 'chunk') {
            const tally = chunkChecks.get(ev.phase) ?? { passed: 0, failed: 0 };
            chunkChecks.set(ev.phase, tally);
            if (ev.ok) {
              tally.passed += 1;
              break; // passing chunks are summarised when the phase ends
            }
            tally.failed += 1;
          }
          const where = ev.scope === 'chunk' ? `chunk ${ev.chunkIndex ?? '?'}` : 'sample';
          line(`${ev.ok ? '✅' : '❌'} Validation (${ev.phase}, ${where}): ${formatChecks(ev.checks)}`);
          break;
        }
        case 'chunk_committed':
          committed += 1;
          break;
        case 'progress':
          Object.assign(view, {
            phase: ev.phase,
            chunksDone: ev.chunksDone,
            totalChunks: ev.totalChunks,
            rowsProcessed: ev.rowsProcessed,
            elapsedMs: ev.elapsedMs,
            modelCalls: Math.max(view.modelCalls, ev.modelCalls),
          });
          scheduleEdit();
          break;
        case 'insight':
          line(`💡 ${firstLine(ev.text, 400)}`);
          break;
        case 'log':
          if (ev.level === 'warn') line(`⚠️ ${firstLine(ev.message, 400)}`);
          break;
        case 'run_finished':
          await onFinished(ev);
          break;
      }
    },
    async fail(error, willRetry) {
      const next = willRetry
        ? 'The queue will retry it automatically and continue from the last committed chunk.'
        : error.kind === 'input' || error.kind === 'config'
          ? 'Not retried: fix the input or the configuration, then start it again.'
          : `Not retried; \`resume ${options.runId}\` tries again.`;
      await finalStatus(willRetry ? 'queued' : 'failed', willRetry ? 'retrying' : 'failed', () => `❌ Run \`${options.runId}\` failed (${error.kind}): ${error.message}\n${keptText()}\n${next}`);
    },
    async interrupted() {
      await finalStatus('queued', 'interrupted', () => `⏸️ The worker running \`${options.runId}\` shut down; the run continues on another worker. ${keptText()}`);
    },
    async close() {
      await enqueue(() => sink.flush());
    },
  };
}

function rank(name: string): number {
  const i = ARTIFACT_ORDER.indexOf(name);
  return i < 0 ? ARTIFACT_ORDER.length : i;
}
