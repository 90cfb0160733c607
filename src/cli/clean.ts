import type { Command } from 'commander';

/** Placeholder: filled in by the issue that builds it. */
export function registerCleanCommands(_program: Command): void {}
