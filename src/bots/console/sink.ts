import type { Config } from '../../config/schema.js';
import type { ThreadSink } from '../types.js';

/** Placeholder until the Console platform lands. */
export function createConsoleSink(threadRef: string, _config: Config): ThreadSink {
  throw new Error(`The console sink is not built yet (thread ${threadRef}).`);
}
