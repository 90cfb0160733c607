import type { Config } from '../../config/schema.js';
import type { ChatPlatform } from '../types.js';

/** Placeholder until the Slack platform lands. */
export function createSlackPlatform(_config: Config): ChatPlatform {
  throw new Error('The slack platform is not built yet.');
}
