/**
 * `.env` at start: `.env.example` says "copy to .env", so every command reads it. Variables
 * already set in the environment win (as with Node's --env-file and docker's env_file), so a
 * deployment can always override the file. Parsed by Node's own `util.parseEnv` (20.12+).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from './load.js';

export interface DotEnvResult {
  /** The file read, when there was one. */
  file?: string;
  /** Variables taken from it (those not already set). */
  loaded: string[];
}

/**
 * Reads `DSBOT_ENV_FILE` (which must exist) or `./.env` (if present) into `env`, without
 * replacing variables already set. Call once, before loadConfig.
 */
export function loadDotEnv(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): DotEnvResult {
  const env = options.env ?? process.env;
  const named = env.DSBOT_ENV_FILE;
  const file = path.resolve(options.cwd ?? process.cwd(), named || '.env');
  if (!existsSync(file)) {
    if (named) throw new ConfigError(`DSBOT_ENV_FILE points to ${file}, which does not exist. Fix the path or unset it.`);
    return { loaded: [] };
  }
  let parsed: Record<string, string>;
  try {
    parsed = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (err) {
    throw new ConfigError(`Cannot read ${file}: ${(err as Error).message}.`);
  }
  const loaded: string[] = [];
  for (const [k, v] of Object.entries(parsed)) {
    if (env[k] !== undefined) continue;
    env[k] = v;
    loaded.push(k);
  }
  return { file, loaded };
}
