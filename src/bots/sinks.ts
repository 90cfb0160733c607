/**
 * Creates the ThreadSink for a thread ref (workers are platform-agnostic: DESIGN.md decision 6),
 * and the worker's reporter factory over those sinks.
 */
import type { Config } from '../config/schema.js';
import type { ReporterFactory } from '../queue/reporting.js';
import type { ThreadSink } from './types.js';
import { createConsoleSink } from './console/sink.js';
import { createSlackSink } from './slack/sink.js';
import { createDiscordSink } from './discord/sink.js';
import { createRunReporter } from './run-reporter.js';

export interface ThreadSinkOptions {
  /** The run the sink reports (the console sink names its attachment folder after it). */
  runId?: string;
  /** Console only: where attachments are copied (default ./runs). */
  runsDir?: string;
}

export function createThreadSink(threadRef: string, config: Config, options: ThreadSinkOptions = {}): ThreadSink {
  const platform = threadRef.split(':', 1)[0];
  switch (platform) {
    case 'console':
      return createConsoleSink(threadRef, config, { runId: options.runId, runsDir: options.runsDir });
    case 'slack':
      return createSlackSink(threadRef, config);
    case 'discord':
      return createDiscordSink(threadRef, config);
    default:
      throw new Error(`Unknown thread ref "${threadRef}": expected console:…, slack:T:C:ts or discord:G:C:T.`);
  }
}

/**
 * The reporters a worker gives each run attempt: a run reporter over the thread's sink, within
 * the thread's budget (`thread.maxPosts`, `thread.tableColumns`). `createSink` defaults to the
 * platform's sink for the thread ref (tests pass their own).
 */
export function threadReporters(config: Config, createSink?: (threadRef: string, runId: string) => ThreadSink): ReporterFactory {
  const make = createSink ?? ((threadRef: string, runId: string) => createThreadSink(threadRef, config, { runId }));
  return (r) =>
    createRunReporter(make(r.threadRef, r.runId), {
      runId: r.runId,
      title: r.title,
      statusRef: r.statusRef ? { id: r.statusRef } : undefined,
      onMessage: (ref) => r.onMessage(ref.id),
      onStatusRef: (ref) => r.onStatusRef(ref.id),
      maxPosts: config.thread.maxPosts,
      tableColumns: config.thread.tableColumns,
    });
}
