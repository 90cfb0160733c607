import type { Command } from 'commander';

/** Placeholder: filled in by the issue that builds it. */
export function registerSandboxCommand(_program: Command): void {}
