/** Loads the config once: config/default.yaml, then DSBOT_CONFIG (a YAML file), then secrets from the environment. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describeUnknownKeys, findUnknownKeys } from './keys.js';
import { configSchema, type Config } from './schema.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects; arrays and scalars from `b` replace `a`. */
export function deepMerge(a: unknown, b: unknown): unknown {
  if (!isObject(a) || !isObject(b)) return b === undefined ? a : b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = deepMerge(a[k], v);
  return out;
}

function readYaml(file: string): unknown {
  try {
    return parseYaml(readFileSync(file, 'utf8')) ?? {};
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${file}: ${(err as Error).message}. Fix the YAML or unset DSBOT_CONFIG.`);
  }
}

/** Refuses settings the schema does not know (zod would drop them silently), naming the nearest known one. */
function refuseUnknownKeys(raw: unknown, where: string): unknown {
  const unknown = findUnknownKeys(raw, configSchema);
  if (unknown.length)
    throw new ConfigError(`Unknown setting${unknown.length > 1 ? 's' : ''} in ${where}:\n${describeUnknownKeys(unknown).join('\n')}\nFix the name (every setting is in src/config/schema.ts).`);
  return raw;
}

/** A number from the environment (NaN when it is not one, which the schema then refuses by name). */
const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
/** A boolean from the environment: false/0/no/off, true/1/yes/on; anything else is refused by the schema. */
const bool = (v: string | undefined) => (v === undefined || v === '' ? undefined : /^(1|true|yes|on)$/i.test(v) ? true : /^(0|false|no|off)$/i.test(v) ? false : v);

/** Secrets and deployment settings that come from the environment. */
function fromEnv(env: Env): Record<string, unknown> {
  const o: Record<string, any> = {};
  const set = (pathKeys: string[], value: unknown) => {
    if (value === undefined || value === '') return;
    let cur = o;
    for (const k of pathKeys.slice(0, -1)) cur = cur[k] ??= {};
    cur[pathKeys[pathKeys.length - 1]] = value;
  };
  set(['queue', 'redisUrl'], env.REDIS_URL);
  set(['knowledge', 'chromaUrl'], env.CHROMA_URL);
  set(['dataDir'], env.DSBOT_DATA_DIR);
  set(['sandbox', 'kind'], env.DSBOT_SANDBOX);
  set(['sandbox', 'e2b', 'apiKey'], env.E2B_API_KEY);
  set(['sandbox', 'e2b', 'domain'], env.E2B_DOMAIN);
  set(['slack', 'botToken'], env.SLACK_BOT_TOKEN);
  set(['slack', 'signingSecret'], env.SLACK_SIGNING_SECRET);
  set(['slack', 'appToken'], env.SLACK_APP_TOKEN);
  set(['discord', 'botToken'], env.DISCORD_BOT_TOKEN);
  set(['discord', 'applicationId'], env.DISCORD_APPLICATION_ID);
  set(['model', 'provider'], env.DSBOT_MODEL_PROVIDER);
  set(['model', 'model'], env.DSBOT_MODEL);
  set(['model', 'baseUrl'], env.DSBOT_MODEL_BASE_URL);
  set(['queue', 'connectWaitMs'], num(env.DSBOT_REDIS_WAIT_MS));
  set(['observability', 'serviceName'], env.OTEL_SERVICE_NAME);
  set(['observability', 'otlpEndpoint'], env.OTEL_EXPORTER_OTLP_ENDPOINT);
  set(['observability', 'otlpHeaders'], env.OTEL_EXPORTER_OTLP_HEADERS);
  set(['observability', 'logLevel'], env.DSBOT_LOG_LEVEL);
  set(['observability', 'logFormat'], env.DSBOT_LOG_FORMAT);
  set(['observability', 'http', 'port'], num(env.DSBOT_HTTP_PORT));
  set(['observability', 'http', 'host'], env.DSBOT_HTTP_HOST);
  set(['observability', 'dashboard', 'token'], env.DSBOT_DASHBOARD_TOKEN);
  set(['observability', 'dashboard', 'readOnly'], bool(env.DSBOT_DASHBOARD_READ_ONLY));
  set(['observability', 'dashboard', 'publicUrl'], env.DSBOT_PUBLIC_URL);
  // Keys: the provider's own variable.
  const provider = (env.DSBOT_MODEL_PROVIDER as string | undefined) ?? undefined;
  if (env.ANTHROPIC_API_KEY && (provider === 'anthropic' || provider === undefined)) set(['model', 'apiKey'], env.ANTHROPIC_API_KEY);
  if (env.OPENAI_API_KEY && (provider === 'openai-compatible' || (provider === undefined && !env.ANTHROPIC_API_KEY)))
    set(['model', 'apiKey'], env.OPENAI_API_KEY);
  if (env.DSBOT_ADMINS_SLACK) set(['admin', 'users', 'slack'], env.DSBOT_ADMINS_SLACK.split(',').map((s) => s.trim()));
  if (env.DSBOT_ADMINS_DISCORD) set(['admin', 'users', 'discord'], env.DSBOT_ADMINS_DISCORD.split(',').map((s) => s.trim()));
  return o;
}

/** Picks a provider from the keys present when the files leave it at builtin. */
function inferProvider(raw: any, env: Env): void {
  if (env.DSBOT_MODEL_PROVIDER || raw?.model?.provider && raw.model.provider !== 'builtin') return;
  if (env.ANTHROPIC_API_KEY) {
    raw.model = { ...raw.model, provider: 'anthropic', model: raw.model?.model && raw.model.model !== 'builtin' ? raw.model.model : 'claude-sonnet-4-5', apiKey: env.ANTHROPIC_API_KEY };
  } else if (env.OPENAI_API_KEY) {
    raw.model = { ...raw.model, provider: 'openai-compatible', model: raw.model?.model && raw.model.model !== 'builtin' ? raw.model.model : 'gpt-4.1-mini', apiKey: env.OPENAI_API_KEY };
  }
}

export interface LoadOptions {
  env?: Env;
  /** Extra overrides (CLI flags, tests), applied last. */
  overrides?: unknown;
  /** Directory holding default.yaml; default: <project>/config. */
  configDir?: string;
}

/** Parses and validates; errors name the setting and how to fix it. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const dir = options.configDir ?? path.join(PROJECT_ROOT, 'config');
  let raw: any = {};
  const defaults = path.join(dir, 'default.yaml');
  if (existsSync(defaults)) raw = deepMerge(raw, refuseUnknownKeys(readYaml(defaults), defaults));
  if (env.DSBOT_CONFIG) {
    if (!existsSync(env.DSBOT_CONFIG)) throw new ConfigError(`DSBOT_CONFIG points to ${env.DSBOT_CONFIG}, which does not exist. Fix the path or unset it.`);
    raw = deepMerge(raw, refuseUnknownKeys(readYaml(env.DSBOT_CONFIG), env.DSBOT_CONFIG));
  }
  raw = deepMerge(raw, fromEnv(env));
  inferProvider(raw, env);
  if (options.overrides) raw = deepMerge(raw, refuseUnknownKeys(options.overrides, 'the overrides'));
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}\nFix these in config/default.yaml, the file named by DSBOT_CONFIG, or the environment.`);
  }
  const config = parsed.data;
  // Relative paths are relative to the project root (config files) — datasets and dataDir.
  config.dataDir = path.resolve(PROJECT_ROOT, config.dataDir);
  for (const ds of Object.values(config.datasets)) {
    ds.path = path.resolve(PROJECT_ROOT, ds.path);
    if (ds.dictionary) ds.dictionary = path.resolve(PROJECT_ROOT, ds.dictionary);
  }
  if (config.model.provider !== 'builtin' && !config.model.apiKey && !config.model.baseUrl) {
    const v = config.model.provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY (or model.baseUrl for a local server)';
    throw new ConfigError(`model.provider is ${config.model.provider} but no key is set. Set ${v}, or set model.provider: builtin.`);
  }
  return config;
}
