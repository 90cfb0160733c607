/** The `dsbot` command line. Each command lives in src/cli/<name>.ts and registers itself here. */
import { Command } from 'commander';
import { registerSandboxCommand } from './cli/sandbox.js';
import { registerCleanCommands } from './cli/clean.js';
import { registerChatopsCommands } from './cli/chatops.js';
import { registerAskCommand } from './cli/ask.js';
import { registerDiscordCommands } from './cli/discord.js';

const program = new Command();
program.name('dsbot').description('Chat-ops bot for data cleaning').showHelpAfterError();

registerSandboxCommand(program); // dsbot sandbox run FILE.py
registerCleanCommands(program); // dsbot clean FILE, dsbot eval
registerChatopsCommands(program); // dsbot demo, dsbot bot, dsbot worker
registerAskCommand(program); // dsbot ask "…"
registerDiscordCommands(program); // dsbot discord register-commands

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err as Error;
  console.error(`dsbot: ${e.message}`);
  process.exitCode = process.exitCode || 1;
}
