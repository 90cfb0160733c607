/** Creates the chat platforms whose tokens are configured (`dsbot bot`). */
import type { Config } from '../config/schema.js';
import { DsbotError } from '../errors.js';
import type { RunRegistry } from '../queue/run-registry.js';
import type { ChatPlatform } from './types.js';
import { createSlackPlatform } from './slack/platform.js';
import { createDiscordPlatform } from './discord/platform.js';

/** Which platforms the config enables, by the tokens present. */
export function enabledPlatforms(config: Config): ('slack' | 'discord')[] {
  const out: ('slack' | 'discord')[] = [];
  if (config.slack.botToken) out.push('slack');
  if (config.discord.botToken) out.push('discord');
  return out;
}

/**
 * Slack when SLACK_BOT_TOKEN is set, Discord when DISCORD_BOT_TOKEN is set; throws a config
 * error naming the variables when neither is. Call `start(router)` on each.
 */
export function createPlatforms(config: Config, deps: { runs?: Pick<RunRegistry, 'recent'> } = {}): ChatPlatform[] {
  const names = enabledPlatforms(config);
  if (names.length === 0)
    throw new DsbotError(
      'config',
      'No chat platform is configured. Set SLACK_BOT_TOKEN (+ SLACK_SIGNING_SECRET or SLACK_APP_TOKEN) and/or DISCORD_BOT_TOKEN (see .env.example), or run `dsbot demo` for the console.',
    );
  return names.map((n) => (n === 'slack' ? createSlackPlatform(config, { runs: deps.runs }) : createDiscordPlatform(config)));
}
