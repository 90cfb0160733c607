/**
 * What the worker needs to report a run into its thread, defined here (by the code that uses
 * it) so the queue depends on no chat code: whoever builds a worker (src/cli, the bots, tests)
 * passes a ReporterFactory. src/bots/run-reporter.ts implements it over a ThreadSink.
 */
import type { RunEvent } from '../agent/events.js';
import type { DsbotError } from '../errors.js';

export interface RunReporter {
  /** Posts the status message; called once, as soon as the job is taken. */
  start(): Promise<void>;
  /** Renders one engine event (returns quickly; posts go out in the background, in order). */
  handle(event: RunEvent): Promise<void>;
  /** Reports a failure: what happened, what was kept, whether the queue retries. */
  fail(error: DsbotError, willRetry: boolean): Promise<void>;
  /** Reports that the worker shut down mid-run and the run will continue elsewhere. */
  interrupted(): Promise<void>;
  /** Reports how a parked run ended without running again (cancelled, approval timed out). */
  ended(state: 'stopped' | 'failed', message: string): Promise<void>;
  /** Waits for everything queued to be posted. */
  close(): Promise<void>;
}

/** What the worker tells a reporter about the run attempt it reports. */
export interface ReporterRequest {
  /** The run reported. */
  runId: string;
  /** Where it reports (`slack:T:C:ts`, `discord:G:C:T`, `console:…`). */
  threadRef: string;
  /** Shown in the status message, e.g. `Cleaning turtle_sales`. */
  title: string;
  /** Ref of the status message an earlier attempt posted (retry, resume, approval): edited, not posted again. */
  statusRef?: string;
  /** Called with the ref of every message posted (so a reaction or click on it finds the run). */
  onMessage(ref: string): unknown;
  /** Called with the status message's ref when it is first posted (or posted afresh). */
  onStatusRef(ref: string): unknown;
}

/**
 * Creates the reporter of one run attempt. Throws when it cannot report to that thread (e.g.
 * no token for its platform): the worker then records the run as failed without retrying.
 */
export type ReporterFactory = (request: ReporterRequest) => RunReporter;
