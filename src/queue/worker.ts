/**
 * The BullMQ worker of cleaning runs. For each job: validate the RunRequest again, post the
 * status message, run the engine with an AbortSignal, hand its events to the run's reporter
 * (injected: the queue imports no chat code), record the outcome in the registry, and let
 * failure-policy.ts decide retries. A stop from any process (control.ts) aborts the run;
 * SIGTERM (close) aborts running jobs as interrupted and puts them back in the queue so another
 * worker resumes them. An attempt whose job lock is lost is aborted and ends silently; its chunk
 * commits are fenced (commit-fence.ts). A run that needs approval is parked after its plan
 * (approval.ts).
 */
import path from 'node:path';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import type { RunEvent } from '../agent/events.js';
import type { CleaningRunInput, RunDeps } from '../agent/types.js';
import { runCleaning } from '../agent/run.js';
import { InputError, toDsbotError } from '../errors.js';
import type { ReporterFactory, RunReporter } from './reporting.js';
import { planAttempt } from './approval.js';
import { describeSource, parseRunRequest, type RunRequest } from './run-request.js';
import type { RunRegistry } from './run-registry.js';
import type { RunControl } from './control.js';
import { decideFailure } from './failure-policy.js';
import { createRunDeps } from './run-deps.js';
import { logLines } from '../observability/logger.js';
import { traceRunEvents, traceRunJob } from './run-trace.js';
import { currentTraceId } from '../observability/spans.js';
import { createRedisFence } from './commit-fence.js';
import { StaleAttemptError } from '../agent/commit-log.js';

/** The engine's signature (src/agent/run.ts). */
export type RunFunction = (input: CleaningRunInput, deps: RunDeps, signal?: AbortSignal) => AsyncGenerator<RunEvent>;

export interface RunWorkerDeps {
  /** Queue settings (prefix, concurrency, lock and stall), datasets, dataDir. */
  config: Config;
  /** Connection for BullMQ and the runs' commit fences (created with maxRetriesPerRequest: null); not closed by the worker. */
  connection: Redis;
  /** Run records shared with the router. */
  registry: RunRegistry;
  /** Stop messages from other processes arrive here. */
  control: RunControl;
  /** The engine. Default: runCleaning. */
  run?: RunFunction;
  /** Collaborators of every run, or a factory called once on first use. Default: createRunDeps(config). */
  runDeps?: RunDeps | (() => Promise<RunDeps>);
  /** The reporter of each run attempt (src/bots: `threadReporters(config)`). */
  createReporter: ReporterFactory;
  /** Log lines. Default: stderr. */
  log?: (line: string) => void;
  /** How often running runs re-check the registry's stop flag (a missed pub/sub message). Default 2000 ms. */
  cancelPollMs?: number;
}

export interface RunWorker {
  /** Subscribes to stops, then starts taking jobs. */
  start(): Promise<void>;
  /** Graceful shutdown: stop taking jobs, interrupt running ones (re-queued to resume elsewhere), close. Idempotent. */
  close(): Promise<void>;
  /** Ids of the runs this worker is running now. */
  activeRuns(): string[];
  /** The BullMQ worker (events, tests). */
  readonly worker: Worker;
}

/**
 * Why a run's AbortController fired: a stop, a worker shutdown, or a lost job lock (another
 * attempt may already run the job: this one ends without reporting or recording anything).
 */
type AbortReason = { kind: 'stop'; by?: string } | { kind: 'interrupted' } | { kind: 'lost' };

/** A run attempt this worker is processing. */
interface Attempt {
  ac: AbortController;
  /** Settles when the processor returns. */
  done: Promise<unknown>;
}

/** What the job returns when it completes. */
export interface RunJobResult {
  /** How the run ended. */
  status: 'succeeded' | 'stopped' | 'failed';
  /** The engine's closing message. */
  message: string;
}

/** Maps a request to the engine's input (dataset names resolved from config). */
export function toRunInput(config: Config, request: RunRequest): CleaningRunInput {
  const outDir = path.join(config.dataDir, 'runs', request.runId);
  const { approve: _approve, ...options } = request.options; // approval is the worker's, not the engine's
  // Every queued run keeps its profile for a follow-up (corrections in its thread); a follow-up reuses its run's.
  const extra = {
    keepState: true,
    ...(request.followUp ? { followUp: { runId: request.followUp.of, outDir: path.join(config.dataDir, 'runs', request.followUp.of) }, examplesPath: request.followUp.corrections } : {}),
  };
  if (request.source.kind === 'upload')
    return { runId: request.runId, inputPath: request.source.path, outDir, options, ...extra };
  const ds = config.datasets[request.source.name];
  if (!ds) {
    const known = Object.keys(config.datasets).join(', ') || 'none';
    throw new InputError(`Unknown dataset "${request.source.name}". Known datasets: ${known}.`);
  }
  return {
    runId: request.runId,
    inputPath: ds.path,
    datasetName: request.source.name,
    dictionaryPath: ds.dictionary,
    outDir,
    options,
    ...extra,
  };
}

export function createRunWorker(deps: RunWorkerDeps): RunWorker {
  const { config, registry, control } = deps;
  const run = deps.run ?? runCleaning;
  const log = deps.log ?? logLines('warn');
  const running = new Map<string, Attempt>();
  let runDepsPromise: Promise<RunDeps> | undefined;
  let ownedDeps: { close(): Promise<void> } | undefined;
  let closing: Promise<void> | undefined;

  const getRunDeps = (): Promise<RunDeps> => {
    if (!runDepsPromise) {
      const given = deps.runDeps;
      runDepsPromise =
        given === undefined
          ? createRunDeps(config).then((d) => ((ownedDeps = d), d))
          : typeof given === 'function'
            ? given()
            : Promise.resolve(given);
      runDepsPromise.catch(() => (runDepsPromise = undefined));
    }
    return runDepsPromise;
  };

  const processor = async (job: Job, token?: string, signal?: AbortSignal): Promise<RunJobResult> => {
    let request: RunRequest;
    try {
      request = parseRunRequest(job.data);
    } catch (err) {
      throw new UnrecoverableError(`Rejected job ${job.id}: ${(err as Error).message}`);
    }
    const runId = request.runId;
    const earlier = running.get(runId);
    if (earlier) {
      // BullMQ hands a job out again only after its lock was lost: the earlier attempt here is
      // stale. Stop it, and come back once it has ended (two attempts never overlap here).
      loseLock(runId, 'the job was handed out again');
      if (token) {
        await job.moveToDelayed(Date.now() + 1_000, token);
        throw new DelayedError();
      }
      await earlier.done;
    }
    const ac = new AbortController();
    signal?.addEventListener('abort', () => ac.abort({ kind: 'interrupted' } satisfies AbortReason), { once: true });
    const done = traceRunJob(job, runId, () => runJob(job, token, request, ac));
    const attempt: Attempt = { ac, done: done.catch(() => undefined) };
    running.set(runId, attempt);
    try {
      return await done;
    } finally {
      if (running.get(runId) === attempt) running.delete(runId); // a woken run may already run again here
    }
  };

  /** Aborts this worker's attempt of `runId`: its lock is gone, so another attempt may run the job. */
  const loseLock = (runId: string, why: string) => {
    const attempt = running.get(runId);
    if (!attempt || attempt.ac.signal.reason?.kind === 'lost') return;
    log(`dsbot worker: run ${runId} lost its lock (${why}); stopping this attempt`);
    attempt.ac.abort({ kind: 'lost' } satisfies AbortReason);
  };

  /** One attempt of a run: report into its thread, run the engine, record the outcome. */
  const runJob = async (job: Job, token: string | undefined, request: RunRequest, ac: AbortController): Promise<RunJobResult> => {
    const runId = request.runId;
    const reasonOf = () => ac.signal.reason as AbortReason | undefined;
    let record = await registry.get(runId);
    if (!record) {
      await registry.create(request); // enqueued without the router (CLI, tests)
      record = await registry.get(runId);
    }
    const attempt = planAttempt(config, request, record, Date.now());
    if (attempt.kind === 'wait') return park(job, token, runId, attempt.until);
    let reporter: RunReporter;
    try {
      reporter = deps.createReporter({
        runId,
        threadRef: request.threadRef,
        title: `Cleaning ${describeSource(request.source)}`,
        onMessage: (ref) => registry.linkRef(ref, runId),
        // A retried, resumed or approved run edits the status message its first attempt posted.
        statusRef: record?.statusRef && record.request.threadRef === request.threadRef ? record.statusRef : undefined,
        onStatusRef: (ref) => registry.setStatusRef(runId, ref),
      });
    } catch (err) {
      // Nowhere to report (e.g. this worker has no token for the thread's platform): say so here,
      // record the run as failed so its channel is free again, and do not retry.
      const e = toDsbotError(err);
      log(`dsbot worker: run ${runId} cannot report to ${request.threadRef}: ${e.message}`);
      await registry.setState(runId, 'failed', `The worker cannot post to the thread: ${e.message}`);
      throw new UnrecoverableError(e.message);
    }
    if (attempt.kind === 'end') {
      // Cancelled at the plan, or the plan timed out: say so in the thread; the engine does not run.
      try {
        await reporter.ended('stopped', attempt.message);
        await registry.setState(runId, 'stopped', attempt.message);
        return { status: 'stopped', message: attempt.message };
      } finally {
        await reporter.close();
      }
    }
    try {
      // "Run started" goes out first; the registry update runs alongside it.
      await Promise.all([reporter.start(), registry.setState(runId, 'running')]);
      if (record?.cancelRequested) ac.abort({ kind: 'stop' } satisfies AbortReason);
      let finished: Extract<RunEvent, { type: 'run_finished' }> | undefined;
      try {
        // Chunk commits are fenced by attempt: once a later attempt begins, this one's are refused.
        const input = {
          ...toRunInput(config, request),
          traceId: currentTraceId(),
          fence: createRedisFence(deps.connection, config.queue.prefix, runId),
          ...(attempt.approval ? { approval: attempt.approval } : {}),
        };
        const runDeps = await getRunDeps();
        for await (const event of traceRunEvents(run(input, runDeps, ac.signal))) {
          if (event.type === 'run_finished') finished = event;
          // Pending before the plan (and its buttons) is posted, so a quick click finds it.
          if (event.type === 'plan') await registry.setApproval(runId, { state: 'pending', deadline: Date.now() + config.approval.timeoutMs, round: (record?.approval?.round ?? 0) + 1 });
          if (event.type === 'run_finished' && event.status === 'stopped' && (reasonOf()?.kind === 'interrupted' || reasonOf()?.kind === 'lost')) break;
          await reporter.handle(event);
          // Record the outcome at once: the engine may still be releasing its sandbox (a run that waits is recorded once parked).
          if (event.type === 'run_finished' && event.status !== 'awaiting_approval') await registry.setState(runId, event.status, event.message);
        }
      } catch (err) {
        if (!ac.signal.aborted) throw err;
      }
      const reason = reasonOf();
      if (reason?.kind === 'lost') throw new StaleAttemptError('This attempt lost its job lock.');
      if (reason?.kind === 'interrupted' && finished?.status !== 'succeeded') {
        await reporter.interrupted();
        await registry.setState(runId, 'queued', 'Interrupted by a worker shutdown; will resume.');
        if (token) {
          await job.moveToDelayed(Date.now() + 500, token);
          throw new DelayedError();
        }
        throw new Error('Interrupted by a worker shutdown.');
      }
      if (finished?.status === 'awaiting_approval') {
        await reporter.close(); // the plan is posted before the run is parked
        return park(job, token, runId, (await registry.get(runId))?.approval?.deadline ?? Date.now() + config.approval.timeoutMs);
      }
      if (!finished) {
        const message = reason?.kind === 'stop' ? `Stopped${reason.by ? ` by ${reason.by}` : ''}.` : 'The engine ended without a result.';
        finished = { type: 'run_finished', runId, status: reason ? 'stopped' : 'failed', message, artifacts: [], at: Date.now() };
        await reporter.handle(finished);
      }
      await registry.setState(runId, finished.status, finished.message);
      return { status: finished.status as RunJobResult['status'], message: finished.message };
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      if (err instanceof StaleAttemptError || reasonOf()?.kind === 'lost') {
        // Another attempt owns the run now: post nothing, record nothing (BullMQ refuses this
        // attempt's completion anyway, its lock being gone).
        log(`dsbot worker: run ${runId}: stale attempt ended (${(err as Error).message})`);
        throw err;
      }
      const decision = decideFailure(err, job.attemptsMade, job.opts.attempts ?? 1);
      log(`dsbot worker: run ${runId} failed (${decision.error.kind}, ${decision.retry ? 'will retry' : 'final'}): ${decision.error.message}`);
      await reporter.fail(decision.error, decision.retry);
      await registry.setState(runId, decision.retry ? 'queued' : 'failed', decision.error.message);
      throw decision.toThrow;
    } finally {
      await reporter.close();
    }
  };

  /**
   * Parks a run waiting for approval: its job moves to delayed until `until` (no worker slot is
   * held), and the registry says it waits. A decision that arrived meanwhile wakes it at once.
   */
  const park = async (job: Job, token: string | undefined, runId: string, until: number): Promise<never> => {
    if (!token) throw new Error(`Run ${runId} cannot be parked: its job has no lock token.`);
    await job.moveToDelayed(until, token);
    await registry.setState(runId, 'awaiting_approval', 'Waiting for approval of the plan.');
    const rec = await registry.get(runId);
    if (rec?.approval && rec.approval.state !== 'pending') {
      await registry.setState(runId, 'queued');
      await job.promote().catch(() => undefined); // the router may have woken it already
    }
    throw new DelayedError();
  };

  const worker = new Worker(config.queue.queueName, processor, {
    connection: deps.connection,
    prefix: config.queue.prefix,
    concurrency: config.queue.concurrency,
    lockDuration: config.queue.lockDurationMs,
    stalledInterval: config.queue.stalledIntervalMs,
    maxStalledCount: 2,
    autorun: false,
  });
  worker.on('error', (err) => log(`dsbot worker: ${toDsbotError(err).message}`));
  // BullMQ keeps a processor running after "could not renew lock"; the stalled checker may then
  // start the job again elsewhere. Stop ours at once (its commits are fenced meanwhile).
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const id of jobIds) loseLock(id, 'its renewal failed');
  });
  // A job that stalled too often (its workers died) fails without reaching the processor:
  // record it, or its channel would count it as active forever.
  // Any final failure that left the run looking active (a crash outside the processor's own
  // handling) is recorded too.
  worker.on('failed', (job, err) => {
    if (!job?.id) return;
    const final = /stalled/i.test(err.message) || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (!final) return;
    const id = job.id;
    void (async () => {
      const rec = await registry.get(id);
      if (rec && (rec.state === 'queued' || rec.state === 'running')) await registry.setState(id, 'failed', `Gave up: ${err.message}`);
    })().catch(() => {});
  });

  // Pub/sub is fire-and-forget: a subscriber reconnecting can miss a stop. The flag in the
  // registry is the durable copy; poll it for the runs held here.
  let poll: NodeJS.Timeout | undefined;
  const pollCancels = async () => {
    for (const [runId, { ac }] of running) {
      if (ac.signal.aborted) continue;
      try {
        if (await registry.isCancelRequested(runId)) ac.abort({ kind: 'stop' } satisfies AbortReason);
      } catch {
        /* Redis hiccup: try again next round */
      }
    }
  };

  return {
    worker,
    async start() {
      poll = setInterval(() => void pollCancels(), deps.cancelPollMs ?? 2_000);
      poll.unref();
      await control.subscribe((msg) => {
        const ac = running.get(msg.runId)?.ac;
        if (!ac || ac.signal.aborted) return;
        log(`dsbot worker: stopping ${msg.runId}${msg.by ? ` (asked by ${msg.by})` : ''}`);
        ac.abort({ kind: 'stop', by: msg.by } satisfies AbortReason);
      });
      void worker.run().catch((err) => log(`dsbot worker stopped: ${(err as Error).message}`));
      await worker.waitUntilReady();
    },
    close() {
      closing ??= (async () => {
        clearInterval(poll);
        const done = worker.close();
        for (const { ac } of running.values()) if (!ac.signal.aborted) ac.abort({ kind: 'interrupted' } satisfies AbortReason);
        await done;
        await control.close();
        await ownedDeps?.close();
      })();
      return closing;
    },
    activeRuns: () => [...running.keys()],
  };
}
