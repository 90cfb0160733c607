/** The Slack Web API client as this project configures it, and the classification of its errors. */
import { webApi } from '@slack/bolt';
import type { Config } from '../../config/schema.js';
import { DsbotError, ProviderError } from '../../errors.js';

export type SlackWebClient = InstanceType<typeof webApi.WebClient>;

/** Slack answers that mean the app is set up wrong (token, scopes, membership): never retried. */
const CONFIG_ERRORS: Record<string, string> = {
  not_authed: 'No Slack token was sent. Set SLACK_BOT_TOKEN.',
  invalid_auth: 'Slack rejected the bot token. Check SLACK_BOT_TOKEN (xoxb-…) and reinstall the app.',
  account_inactive: 'The Slack app was uninstalled or its token revoked. Reinstall it and update SLACK_BOT_TOKEN.',
  token_revoked: 'The Slack bot token was revoked. Reinstall the app and update SLACK_BOT_TOKEN.',
  missing_scope: 'The Slack app lacks a scope. Recreate it from slack/manifest.yml and reinstall it.',
  not_in_channel: 'The bot is not in this channel. Invite it with /invite @dsbot.',
  channel_not_found: 'The bot cannot see this channel. Invite it with /invite @dsbot.',
};

/** Checks the settings every Slack client needs and returns the bot token. */
export function requireBotToken(config: Config): string {
  const token = config.slack.botToken;
  if (!token) throw new DsbotError('config', 'slack.botToken is required. Set SLACK_BOT_TOKEN (xoxb-…) or provide it in config.');
  return token;
}

/** WebClient options: the configured API base, and 429s handed back to the caller (the sink's queue waits them out). */
export function slackClientOptions(config: Config, rejectRateLimitedCalls: boolean): ConstructorParameters<typeof webApi.WebClient>[1] {
  return {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    rejectRateLimitedCalls,
    retryConfig: { retries: 4, factor: 2, minTimeout: 500, maxTimeout: 10_000 },
    logLevel: webApi.LogLevel.ERROR,
  };
}

/** Creates a WebClient for the bot token in `config`. */
export function createSlackWebClient(config: Config, options: { rejectRateLimitedCalls?: boolean } = {}): SlackWebClient {
  return new webApi.WebClient(requireBotToken(config), slackClientOptions(config, options.rejectRateLimitedCalls ?? true));
}

/** Milliseconds to wait when `err` (or its `cause`) is Slack's HTTP 429, else undefined. */
export function rateLimitWaitMs(err: unknown): number | undefined {
  const outer = err as { code?: string; retryAfter?: number; cause?: unknown } | undefined;
  const e = outer?.code === webApi.ErrorCode.RateLimitedError ? outer : (outer?.cause as typeof outer);
  if (e?.code !== webApi.ErrorCode.RateLimitedError) return undefined;
  return Math.max(0, Number(e.retryAfter ?? 1)) * 1000;
}

/** Slack's error code (`channel_not_found`…) of a platform error, if any. */
export function slackErrorCode(err: unknown): string | undefined {
  const e = err as { code?: string; data?: { error?: string } } | undefined;
  return e?.code === webApi.ErrorCode.PlatformError ? e.data?.error : undefined;
}

/** Wraps a Web API failure as a DsbotError (config for setup problems, provider otherwise), keeping `cause`. */
export function toSlackError(err: unknown, what: string): DsbotError {
  if (err instanceof DsbotError) return err;
  const code = slackErrorCode(err);
  if (code && CONFIG_ERRORS[code]) return new DsbotError('config', `${what}: ${CONFIG_ERRORS[code]} (${code})`, { cause: err });
  const status = (err as { statusCode?: number } | undefined)?.statusCode;
  const detail = code ?? (err instanceof Error ? err.message : String(err));
  return new ProviderError(`${what}: Slack answered ${detail}`, { cause: err, status });
}
