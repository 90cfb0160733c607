/** Creates the ThreadSink for a thread ref (workers are platform-agnostic: DESIGN.md decision 6). */
import type { Config } from '../config/schema.js';
import type { ThreadSink } from './types.js';
import { createConsoleSink } from './console/sink.js';
import { createSlackSink } from './slack/sink.js';
import { createDiscordSink } from './discord/sink.js';

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
