/**
 * Files shared on Slack as IncomingFile: downloaded from `url_private_download` with the bot
 * token (Authorization: Bearer), with the size capped while streaming. Content checks (type,
 * empty, binary) are the router's (src/bots/uploads.ts); this only refuses what cannot be a
 * download at all (Slack's HTML sign-in page, an HTTP error, too many bytes).
 */
import { DsbotError, InputError } from '../../errors.js';
import type { IncomingFile } from '../types.js';

/** The fields of a Slack file object this adapter reads. */
export interface SlackFileObject {
  id?: string;
  name?: string;
  title?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
  /** `hosted`, `snippet`, `external`, `tombstone`… */
  mode?: string;
  /** `check_file_info` when the event carries only the id (Slack Connect). */
  file_access?: string;
}

export interface SlackFileDeps {
  botToken: string;
  /** Largest download, bytes. */
  maxBytes: number;
  /** Looks a file up by id (files.info) when the event carried only its id. */
  fileInfo(id: string): Promise<SlackFileObject | undefined>;
  /** Injectable fetch (tests). Default: global fetch. */
  fetch?: typeof fetch;
}

/** True for file objects that are real, downloadable files. */
export function isDownloadable(file: SlackFileObject): boolean {
  return file.mode !== 'tombstone' && file.mode !== 'external' && Boolean(file.id || file.url_private_download || file.url_private);
}

/** Wraps a Slack file object as an IncomingFile whose download() uses the bot token. */
export function toIncomingFile(file: SlackFileObject, deps: SlackFileDeps): IncomingFile {
  const name = file.name ?? file.title ?? file.id ?? 'file';
  return {
    name,
    size: Number(file.size ?? 0),
    contentType: file.mimetype,
    async download(): Promise<Buffer> {
      let url = file.url_private_download ?? file.url_private;
      if ((!url || file.file_access === 'check_file_info') && file.id) {
        const info = await deps.fileInfo(file.id);
        url = info?.url_private_download ?? info?.url_private;
      }
      if (!url) throw new InputError(`Slack gave no download link for "${name}".`);
      return downloadWithToken(url, name, deps);
    },
  };
}

async function downloadWithToken(url: string, name: string, deps: SlackFileDeps): Promise<Buffer> {
  const doFetch = deps.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, { headers: { Authorization: `Bearer ${deps.botToken}` }, redirect: 'follow' });
  } catch (err) {
    throw new DsbotError('provider', `Downloading "${name}" from Slack failed: ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok) throw new DsbotError('provider', `Downloading "${name}" from Slack failed: HTTP ${res.status}.`);
  if ((res.headers.get('content-type') ?? '').includes('text/html')) {
    await res.body?.cancel();
    throw new DsbotError('config', `Slack answered the download of "${name}" with a sign-in page: the bot token lacks the files:read scope. Recreate the app from slack/manifest.yml and reinstall it.`);
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > deps.maxBytes) {
    await res.body?.cancel();
    throw new InputError(`"${name}" is ${mib(declared)} MiB; the limit is ${mib(deps.maxBytes)} MiB (admin.maxUploadMb).`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > deps.maxBytes) throw new InputError(`"${name}" is larger than ${mib(deps.maxBytes)} MiB (admin.maxUploadMb).`);
      chunks.push(Buffer.from(chunk));
    }
  }
  return Buffer.concat(chunks);
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
