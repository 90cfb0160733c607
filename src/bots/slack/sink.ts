import type { Config } from '../../config/schema.js';
import type { ThreadSink } from '../types.js';

/** Placeholder until the Slack platform lands. */
export function createSlackSink(threadRef: string, _config: Config): ThreadSink {
  throw new Error(`The slack sink is not built yet (thread ${threadRef}).`);
}
