/** `dsbot discord register-commands [--guild ID]`. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { registerCommands } from '../bots/discord/commands.js';

export function registerDiscordCommands(program: Command): void {
  const discord = program.command('discord').description('Discord setup');
  discord
    .command('register-commands')
    .description('Register the slash commands (/clean, /ask, /status, /stop, /resume). Global unless --guild.')
    .option('--guild <id>', 'register in one guild only (appears at once; global takes up to an hour)')
    .action(async (opts: { guild?: string }) => {
      const config = loadConfig();
      const result = await registerCommands(config, { guildId: opts.guild });
      console.log(`Registered ${result.names.map((n) => `/${n}`).join(', ')} (${result.scope}).`);
    });
}
