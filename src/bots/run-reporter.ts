/**
 * Turns a run's events into posts in its thread (DESIGN.md decision 6): one status message
 * posted once then edited in place (throttled, with a Stop or Resume button), progress lines
 * coalesced into few posts, a plan with Approve / Cancel when the run waits for approval, and a
 * final summary with attachments. A failure or stop says what happened and what was kept.
 *
 * What goes into the thread has a budget: at most `maxPosts` posts per attempt, the final
 * message and the files included. Progress lines go out together when a phase ends (or when
 * they have waited `lineFlushMs`); once the budget is spent, the rest wait for the final
 * message, warnings first, and the before/after table shows only the columns with most
 * problems (report.md has all).
 */
import type { Artifact, RunEvent } from '../agent/events.js';
import type { DsbotError } from '../errors.js';
import type { RunReporter as QueueRunReporter } from '../queue/reporting.js';
import { firstLine, formatChecks, heldLines, num, planText, seconds, summaryText } from './run-text.js';
import type { MessageRef, OutgoingFile, RunAction, StatusView, ThreadSink } from './types.js';
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
  /** Posts this attempt may make into the thread, final message and files included. Default 5 (`thread.maxPosts`). */
  maxPosts?: number;
  /** Rows of the before/after table (and columns of a plan) shown. Default 10 (`thread.tableColumns`). */
  tableColumns?: number;
  /** How long progress lines may wait to go out together, ms. Default 15,000. */
  lineFlushMs?: number;
  /** Clock (tests). Default Date.now. */
  now?: () => number;
}

export interface RunReporter extends QueueRunReporter {
  /** The last status shown (tests, logs). */
  readonly view: StatusView;
}

const STOP_HINT = 'stop with 🛑, `stop` or the Stop button';
const ARTIFACT_ORDER = ['cleaned.csv', 'report.md', 'chart.png', 'changes.csv'];
/** Posts kept for the end: the final message and the files. */
const RESERVED = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isWarning = (line: string) => /^(⚠️|❌)/.test(line);

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

/** Creates the reporter of one run attempt. */
export function createRunReporter(sink: ThreadSink, options: RunReporterOptions): RunReporter {
  const now = options.now ?? Date.now;
  const limits = sink.limits;
  const maxPosts = Math.max(RESERVED + 1, options.maxPosts ?? 5);
  const tableColumns = options.tableColumns ?? 10;
  const lineFlushMs = options.lineFlushMs ?? 15_000;
  const startedAt = now();
  const stop: RunAction[] = [{ name: 'stop', runId: options.runId }];
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
    actions: stop,
  };
  let statusRef: MessageRef | undefined = options.statusRef;
  let lastPostAt = -Infinity;
  let lastEditAt = -Infinity;
  let pending: string[] = [];
  let pendingSince = 0;
  let postTimer: NodeJS.Timeout | undefined;
  let postTimerAt = Infinity;
  let editTimer: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let committed = 0;
  let posts = 0;
  let dropped = 0;
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

  /** Posts `text` (split within the platform's limit); buttons go under the last piece. */
  const postNow = async (text: string, actions?: RunAction[]) => {
    const pieces = splitText(text, limits.maxTextChars);
    for (const [i, piece] of pieces.entries()) {
      await sleep(Math.max(0, lastPostAt + limits.minPostIntervalMs - now()));
      const ref = await sink.post(piece, actions && i === pieces.length - 1 ? { actions } : undefined);
      posts += 1;
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

  /** Posts left for progress lines (the final message and the files keep theirs). */
  const linePostsLeft = () => maxPosts - RESERVED - posts;

  /** Posts pending lines: as many whole lines as fit one post, while the budget lasts. */
  const flushLines = async () => {
    if (pending.length === 0 || linePostsLeft() <= 0) return;
    let take = 0;
    let size = 0;
    while (take < pending.length && (take === 0 || size + 1 + pending[take].length <= limits.maxTextChars)) size += (take ? 1 : 0) + pending[take++].length;
    const text = pending.slice(0, take).join('\n');
    pending = pending.slice(take);
    pendingSince = now();
    await postNow(text);
    if (pending.length) scheduleLines(true);
  };

  /**
   * Lines go out together: at once when `soon` (a phase ended, or a post's worth is waiting),
   * else once the oldest has waited `lineFlushMs`; never faster than the post interval.
   */
  const scheduleLines = (soon: boolean) => {
    if (finished || pending.length === 0) return;
    const waiting = pending.reduce((n, l) => n + l.length + 1, 0);
    const at = Math.max(lastPostAt + limits.minPostIntervalMs, soon || waiting >= limits.maxTextChars ? now() : pendingSince + lineFlushMs);
    if (postTimer && postTimerAt <= at) return;
    clearTimeout(postTimer);
    postTimerAt = at;
    postTimer = setTimeout(() => {
      postTimer = undefined;
      postTimerAt = Infinity;
      void enqueue(flushLines);
    }, Math.max(0, at - now()));
  };

  const scheduleEdit = () => {
    if (editTimer || finished) return;
    editTimer = setTimeout(() => {
      editTimer = undefined;
      void enqueue(editNow);
    }, Math.max(0, lastEditAt + limits.minEditIntervalMs - now()));
  };

  const line = (text: string) => {
    if (pending.length === 0) pendingSince = now();
    pending.push(text);
    scheduleLines(false);
  };

  /** Lines still pending at the end that the budget cannot post: warnings first, for the final message. */
  const takeHeld = (): string[] => {
    const held = [...pending.filter(isWarning), ...pending.filter((l) => !isWarning(l))];
    pending = [];
    return held;
  };

  /** `base`, then as many held lines as fit the post, then how many were left out. */
  const withHeld = (base: string, held: string[]) => {
    if (!held.length && !dropped) return base;
    const extra = heldLines(held, dropped, limits.maxTextChars - base.length - 1);
    return extra ? `${base}\n${extra}` : base;
  };

  /**
   * Stops the timers, posts what is pending (within the budget) and the closing message (first: a
   * stop is reported without waiting for the edit interval), then edits the status message.
   */
  const finalStatus = async (state: StatusView['state'], phase: string, text: ((held: string[]) => string) | undefined, actions: RunAction[] = []) => {
    // `text` gets the progress lines the budget could not post (it fits them in).
    finished = true;
    clearTimeout(postTimer);
    clearTimeout(editTimer);
    postTimer = editTimer = undefined;
    view.state = state;
    view.phase = phase;
    view.elapsedMs = now() - startedAt;
    view.footer = state === 'waiting' ? 'waiting for approval of the plan below' : undefined;
    view.actions = actions;
    await enqueue(async () => {
      while (pending.length && linePostsLeft() > 0) await flushLines();
    });
    if (text) await enqueue(() => postNow(text(takeHeld())));
    await enqueue(editNow);
  };

  const keptText = () =>
    committed > 0
      ? `Kept: ${committed} committed chunk${committed === 1 ? '' : 's'} (${num(view.rowsProcessed)} rows); \`resume ${options.runId}\` continues from there.`
      : 'Nothing was committed yet.';

  const resume: RunAction[] = [{ name: 'resume', runId: options.runId }];

  const onFinished = async (ev: Extract<RunEvent, { type: 'run_finished' }>) => {
    if (ev.summary) {
      view.modelCalls = ev.summary.modelCalls;
      view.totalChunks = ev.summary.chunks;
      view.chunksDone = ev.summary.chunksCommitted;
    }
    if (ev.status === 'succeeded') {
      // The files people open are attached (a sink over its platform's limit compresses or explains); the rest stay in the run directory.
      const fit = ev.artifacts.filter((a) => ARTIFACT_ORDER.includes(a.name)).sort((a, b) => rank(a.name) - rank(b.name));
      const others = ev.artifacts.filter((a) => !ARTIFACT_ORDER.includes(a.name)).map((a) => a.name);
      const names = fit.map((a) => a.name);
      await finalStatus('succeeded', 'done', (held) =>
        summaryText({ runId: options.runId, title: options.title, summary: ev.summary, message: ev.message, files: names, others, held, dropped, tableColumns }, limits.maxTextChars),
      );
      if (fit.length) await enqueue(() => uploadNow(fit));
    } else if (ev.status === 'awaiting_approval') {
      // The plan (posted on its event) is the closing post; the status says the run waits.
      await finalStatus('waiting', 'plan', undefined);
    } else if (ev.status === 'stopped') {
      await finalStatus('stopped', 'stopped', (held) => withHeld(`🛑 Run \`${options.runId}\` stopped after ${seconds(view.elapsedMs)}. ${ev.message}\n${keptText()}`, held), resume);
    } else {
      const what = ev.error ? `${ev.error.kind}: ${ev.error.message}` : ev.message;
      await finalStatus('failed', 'failed', (held) => withHeld(`❌ Run \`${options.runId}\` failed: ${what}\n${keptText()}`, held), resume);
    }
  };

  const uploadNow = async (fit: Artifact[]) => {
    await sleep(Math.max(0, lastPostAt + limits.minPostIntervalMs - now()));
    const files: OutgoingFile[] = fit.map((a) => ({ name: a.name, path: a.path, contentType: a.contentType, bytes: a.bytes }));
    await sink.upload(files, `Results of \`${options.runId}\` (report.md has the full before/after table)`);
    posts += 1;
    lastPostAt = now();
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
            line(`${tally.failed ? '⚠️' : '✅'} Validation (${ev.phase}): ${num(tally.passed)} of ${num(total)} chunk${total === 1 ? '' : 's'} passed every check.`);
            chunkChecks.delete(ev.phase);
          }
          if (ev.status === 'done' && ev.detail) line(`▸ ${ev.phase} done: ${firstLine(ev.detail, 300)}`);
          // The natural checkpoints: what the draft and the replay did goes out when they end.
          if (ev.status === 'done' && (ev.phase === 'draft' || ev.phase === 'replay')) scheduleLines(true);
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
        case 'plan': {
          // Progress first (within the budget), then the plan with its buttons in one post.
          const text = planText(options.runId, ev.plan, tableColumns, limits.maxTextChars);
          clearTimeout(postTimer);
          postTimer = undefined;
          postTimerAt = Infinity;
          await enqueue(async () => {
            while (pending.length && linePostsLeft() > 0) await flushLines();
            const held = takeHeld();
            const extra = held.length || dropped ? heldLines(held, dropped, limits.maxTextChars - text.length - 2) : '';
            await postNow(extra ? `${extra}\n\n${text}` : text, [
              { name: 'approve', runId: options.runId },
              { name: 'cancel', runId: options.runId },
            ]);
          });
          break;
        }
        case 'run_finished':
          await onFinished(ev);
          break;
      }
    },
    async fail(error: DsbotError, willRetry: boolean) {
      const next = willRetry
        ? 'The queue will retry it automatically and continue from the last committed chunk.'
        : error.kind === 'input' || error.kind === 'config'
          ? 'Not retried: fix the input or the configuration, then start it again.'
          : `Not retried; \`resume ${options.runId}\` tries again.`;
      await finalStatus(
        willRetry ? 'queued' : 'failed',
        willRetry ? 'retrying' : 'failed',
        (held) => withHeld(`❌ Run \`${options.runId}\` failed (${error.kind}): ${error.message}\n${keptText()}\n${next}`, held),
        willRetry ? stop : resume,
      );
    },
    async interrupted() {
      await finalStatus('queued', 'interrupted', () => `⏸️ The worker running \`${options.runId}\` shut down; the run continues on another worker. ${keptText()}`, stop);
    },
    async ended(state, message) {
      await finalStatus(state, state, () => `🛑 Run \`${options.runId}\`: ${message}`, resume);
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
