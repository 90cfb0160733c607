/**
 * The `dsbot` command line. Each command lives in src/cli/<name>.ts and registers itself here.
 * Only the module of the command being run is loaded (the platform SDKs are heavy to import);
 * `dsbot --help` loads them all.
 */
import { Command } from 'commander';
import { loadDotEnv } from './config/env.js';

type Register = (program: Command) => void;

/** Command name → the module that registers it and its register function's name. */
const COMMANDS: Record<string, [() => Promise<Record<string, unknown>>, string]> = {
  sandbox: [() => import('./cli/sandbox.js'), 'registerSandboxCommand'], // dsbot sandbox run FILE.py
  clean: [() => import('./cli/clean.js'), 'registerCleanCommands'], // dsbot clean FILE
  eval: [() => import('./cli/clean.js'), 'registerCleanCommands'], // dsbot eval --dirty D --clean C
  demo: [() => import('./cli/chatops.js'), 'registerChatopsCommands'], // dsbot demo
  bot: [() => import('./cli/chatops.js'), 'registerChatopsCommands'], // dsbot bot
  worker: [() => import('./cli/chatops.js'), 'registerChatopsCommands'], // dsbot worker
  ask: [() => import('./cli/ask.js'), 'registerAskCommand'], // dsbot ask "…"
  discord: [() => import('./cli/discord.js'), 'registerDiscordCommands'], // dsbot discord register-commands
};

const program = new Command();
program.name('dsbot').description('Chat-ops bot for data cleaning').showHelpAfterError();

try {
  loadDotEnv(); // .env in the working directory (or DSBOT_ENV_FILE); the environment wins
  const wanted = process.argv[2];
  const entries = wanted && COMMANDS[wanted] ? [COMMANDS[wanted]] : Object.values(COMMANDS);
  const seen = new Set<string>();
  for (const [load, fn] of entries) {
    if (seen.has(fn)) continue;
    seen.add(fn);
    ((await load())[fn] as Register)(program);
  }
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err as Error;
  console.error(`dsbot: ${e.message}`);
  // Fail fast: connections and servers opened before the error must not keep the process alive.
  process.exit(process.exitCode || 1);
}
