import type { Config } from '../../config/schema.js';
import type { ThreadSink } from '../types.js';

/** Placeholder until the Discord platform lands. */
export function createDiscordSink(threadRef: string, _config: Config): ThreadSink {
  throw new Error(`The discord sink is not built yet (thread ${threadRef}).`);
}
