/**
 * REST client options shared by the platform and the sink.
 *
 * Requests go through Node's global fetch with multipart bodies serialised to bytes first.
 * @discordjs/rest's default (its own undici 6) hands a FormData to whatever global dispatcher
 * the process has; once another package installs undici 7's (e2b does, in every worker), that
 * dispatcher cannot read the FormData and every upload fails with "action is not a function".
 * Bytes work with any dispatcher.
 */
import { REST, type RESTOptions } from 'discord.js';
import type { Config } from '../../config/schema.js';

/** fetch with FormData bodies turned into bytes plus their multipart content-type. */
export async function fetchWithPlainBody(url: string, init: RequestInit): Promise<Response> {
  const { body } = init;
  if (!(body instanceof FormData)) return fetch(url, init);
  const encoded = new Request(url, { method: init.method ?? 'POST', body });
  const headers = new Headers(init.headers);
  headers.set('content-type', encoded.headers.get('content-type')!);
  return fetch(url, { ...init, headers, body: Buffer.from(await encoded.arrayBuffer()) });
}

/** Options for discord.js's REST (API base from config.discord.apiUrl, the fetch above). */
export function restOptions(config: Config): Partial<RESTOptions> {
  return {
    version: '10',
    ...(config.discord.apiUrl ? { api: config.discord.apiUrl } : {}),
    makeRequest: fetchWithPlainBody as RESTOptions['makeRequest'],
  };
}

/** A REST client with the bot token. */
export function createRest(config: Config, token: string): REST {
  return new REST(restOptions(config)).setToken(token);
}
