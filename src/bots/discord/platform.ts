import type { Config } from '../../config/schema.js';
import type { ChatPlatform } from '../types.js';

/** Placeholder until the Discord platform lands. */
export function createDiscordPlatform(_config: Config): ChatPlatform {
  throw new Error('The discord platform is not built yet.');
}
