/** `dsbot discord register-commands [--guild ID]`. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { registerCommands } from '../bots/discord/commands.js';

/** Collaborators (tests pass a config and capture output). */
export interface DiscordCliDeps {
  /** Default: loadConfig(). */
  loadConfig?: () => Config;
  /** Default: console.log. */
  print?: (line: string) => void;
}

export function registerDiscordCommands(program: Command, deps: DiscordCliDeps = {}): void {
  const discord = program.command('discord').description('Discord setup');
  discord
    .command('register-commands')
    .description('Register the slash commands (/clean, /ask, /status, /stop, /resume). Global unless --guild.')
    .option('--guild <id>', 'register in one guild only (appears at once; global takes up to an hour)')
    .action(async (opts: { guild?: string }) => {
      const config = (deps.loadConfig ?? loadConfig)();
      const result = await registerCommands(config, { guildId: opts.guild });
      (deps.print ?? console.log)(`Registered ${result.names.map((n) => `/${n}`).join(', ')} (${result.scope}).`);
    });
}
