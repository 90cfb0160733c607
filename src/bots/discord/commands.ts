/**
 * Slash commands: their definitions, their registration (REST, no gateway), and how an
 * invocation becomes the router's text (`clean turtle_reviews`, `ask …`, `status`, `stop`,
 * `resume <run>`).
 */
import { Routes, SlashCommandBuilder, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { Config } from '../../config/schema.js';
import { DsbotError } from '../../errors.js';
import { createRest } from './rest.js';

/** Names of the commands dsbot answers. */
export const COMMAND_NAMES = ['clean', 'ask', 'status', 'stop', 'resume'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Discord allows at most 25 choices per option. */
const MAX_CHOICES = 25;

/** The slash command definitions; `/clean dataset:` offers the configured datasets as choices. */
export function commandDefinitions(config: Config): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const datasets = Object.entries(config.datasets).slice(0, MAX_CHOICES);
  const clean = new SlashCommandBuilder()
    .setName('clean')
    .setDescription('Start a cleaning run on a dataset or an attached CSV (admins).')
    .addStringOption((o) => {
      o.setName('dataset').setDescription('A registered dataset').setRequired(false);
      if (datasets.length > 0) o.addChoices(...datasets.map(([name]) => ({ name: name.slice(0, 100), value: name.slice(0, 100) })));
      return o;
    })
    .addAttachmentOption((o) => o.setName('file').setDescription('A CSV file to clean').setRequired(false))
    .addBooleanOption((o) => o.setName('approve').setDescription('Post the plan for approval before changing anything').setRequired(false));
  const ask = new SlashCommandBuilder()
    .setName('ask')
    .setDescription('Ask a question about the datasets.')
    .addStringOption((o) => o.setName('question').setDescription('Your question').setRequired(true).setMaxLength(2000));
  const status = new SlashCommandBuilder().setName('status').setDescription('Show the runs in progress.');
  const stop = new SlashCommandBuilder().setName('stop').setDescription("Stop this thread's run.");
  const resume = new SlashCommandBuilder()
    .setName('resume')
    .setDescription('Resume a stopped or failed run (admins).')
    .addStringOption((o) => o.setName('run').setDescription('Run id').setRequired(true));
  return [clean, ask, status, stop, resume].map((c) => c.toJSON());
}

/** The option values of one invocation, as the platform reads them. */
export interface CommandInvocation {
  /** Command name. */
  name: string;
  /** String options by name (booleans as `yes` / `no`). */
  strings: Record<string, string | undefined>;
}

/** The router's text for a slash command, or undefined for commands dsbot does not own. */
export function commandText(inv: CommandInvocation): string | undefined {
  const s = (k: string) => (inv.strings[k] ?? '').trim();
  switch (inv.name) {
    case 'clean': {
      const approve = s('approve') ? ` approve=${s('approve')}` : '';
      return (s('dataset') ? `clean ${s('dataset')}` : 'clean') + approve;
    }
    case 'ask':
      return `ask ${s('question')}`.trim();
    case 'status':
    case 'stop':
      return inv.name;
    case 'resume':
      return `resume ${s('run')}`.trim();
    default:
      return undefined;
  }
}

/** Where commands were registered. */
export interface RegisterResult {
  /** `global` or `guild G`. */
  scope: string;
  /** Names registered. */
  names: string[];
}

/**
 * Registers (overwrites) the slash commands, globally (takes up to an hour to appear) or for one
 * guild (immediate). Needs discord.botToken and discord.applicationId.
 */
export async function registerCommands(config: Config, options: { guildId?: string } = {}): Promise<RegisterResult> {
  const { botToken, applicationId } = config.discord;
  if (!botToken) throw new DsbotError('config', 'discord.botToken is required. Set DISCORD_BOT_TOKEN or provide it in config.');
  if (!applicationId) {
    throw new DsbotError('config', 'discord.applicationId is required to register commands. Set DISCORD_APPLICATION_ID (Developer Portal → General Information → Application ID).');
  }
  const rest = createRest(config, botToken);
  const body = commandDefinitions(config);
  const route = options.guildId ? Routes.applicationGuildCommands(applicationId, options.guildId) : Routes.applicationCommands(applicationId);
  try {
    await rest.put(route, { body });
  } catch (err) {
    const status = (err as { status?: number }).status;
    const kind = status === 401 || status === 403 ? 'config' : 'internal';
    const hint = status === 401 ? ' Check DISCORD_BOT_TOKEN.' : status === 403 ? ' Check DISCORD_APPLICATION_ID and that the bot was invited with the applications.commands scope.' : '';
    throw new DsbotError(kind, `Registering Discord commands failed: ${(err as Error).message}.${hint}`, { cause: err });
  }
  return { scope: options.guildId ? `guild ${options.guildId}` : 'global', names: body.map((c) => c.name) };
}
