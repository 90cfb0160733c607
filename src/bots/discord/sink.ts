/**
 * The Discord ThreadSink: posts a run's status, summaries and files into its thread through the
 * REST API only (no gateway connection per worker). @discordjs/rest waits out 429s using
 * `retry_after`; on top of that every call of one sink goes through one ordered queue, so posts
 * keep their order even when a rate-limited request is retried.
 *
 * Status: for a run thread `discord:G:C:T` started from the bot's starter message, the first
 * status() edits that starter (message T in channel C) in place, so the status sits at the top
 * of the thread and a 🛑 on it maps to the run; otherwise the status is a new post in T.
 */
import { readFile } from 'node:fs/promises';
import { DiscordAPIError, Routes, type REST, type RESTGetAPIGuildResult, type RESTPostAPIChannelMessageResult } from 'discord.js';
import type { Config } from '../../config/schema.js';
import { DsbotError } from '../../errors.js';
import type { MessageRef, OutgoingFile, PostOptions, SinkLimits, StatusView, ThreadSink } from '../types.js';
import { splitText } from './normalize.js';
import { decodeRef, DM_GUILD, encodeMessageRef, isThreadRef } from './refs.js';
import { renderComponents, renderStatus } from './render.js';
import { createRest } from './rest.js';
import { planUpload } from './upload-plan.js';

const MiB = 1024 * 1024;
/** Upload limit by guild boost tier (0 and 1: 10 MiB, 2: 50 MiB, 3: 100 MiB). */
const UPLOAD_LIMIT_BY_TIER = [10 * MiB, 10 * MiB, 50 * MiB, 100 * MiB];
const NO_MENTIONS = { parse: [] as string[] };

/** Collaborators (tests may pass their own REST client). */
export interface DiscordSinkDeps {
  /** REST client; default one built from config.discord. */
  rest?: REST;
}

export function createDiscordSink(threadRef: string, config: Config, deps: DiscordSinkDeps = {}): ThreadSink {
  const ref = decodeRef(threadRef);
  const token = config.discord.botToken;
  if (!token && !deps.rest) throw new DsbotError('config', 'discord.botToken is required. Set DISCORD_BOT_TOKEN or provide it in config.');
  const rest = deps.rest ?? createRest(config, token!);
  const limits: SinkLimits = {
    maxTextChars: 2000,
    // About 5 messages per 5 s per channel; edits share the channel's budget.
    minPostIntervalMs: 1100,
    minEditIntervalMs: 1500,
    maxUploadBytes: 10 * MiB,
  };
  let tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after everything queued before it (one ordered queue per sink). */
  const ordered = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = tail.then(fn);
    tail = p.catch(() => undefined);
    return p;
  };

  const call = async <T>(what: string, fn: () => Promise<unknown>): Promise<T> => {
    try {
      return (await fn()) as T;
    } catch (err) {
      throw classify(what, err);
    }
  };

  const send = (content: string, components?: unknown[]) =>
    call<RESTPostAPIChannelMessageResult>(`posting to thread ${ref.id}`, () =>
      rest.post(Routes.channelMessages(ref.id), { body: { content, allowed_mentions: NO_MENTIONS, ...(components?.length ? { components } : {}) } }),
    );

  /** Edits a message; `components` replaces its buttons (an empty list removes them). */
  const edit = (channelId: string, messageId: string, content: string, components: unknown[]) =>
    call<RESTPostAPIChannelMessageResult>(`editing message ${messageId}`, () =>
      rest.patch(Routes.channelMessage(channelId, messageId), { body: { content, allowed_mentions: NO_MENTIONS, components } }),
    );

  /** The guild's boost tier, read once in the background from creation (DMs and failures: 10 MiB). */
  let limitRead: Promise<number> | undefined;
  const uploadLimit = (): Promise<number> => {
    if (ref.guildId === DM_GUILD) return Promise.resolve(limits.maxUploadBytes);
    limitRead ??= (rest.get(Routes.guild(ref.guildId)) as Promise<RESTGetAPIGuildResult>).then(
      (guild) => (limits.maxUploadBytes = UPLOAD_LIMIT_BY_TIER[guild.premium_tier] ?? 10 * MiB),
      () => limits.maxUploadBytes,
    );
    return limitRead;
  };
  void uploadLimit(); // so `limits` is right before the reporter picks files to attach

  return {
    threadRef,
    limits,
    post(text: string, options?: PostOptions): Promise<MessageRef> {
      return ordered(async () => {
        let first: MessageRef | undefined;
        const parts = splitText(text, limits.maxTextChars);
        for (const [i, part] of parts.entries()) {
          const msg = await send(part, i === parts.length - 1 ? renderComponents(options?.actions) : undefined);
          first ??= { id: encodeMessageRef(ref.guildId, msg.channel_id, msg.id) };
        }
        return first ?? { id: encodeMessageRef(ref.guildId, ref.id, ref.id) };
      });
    },
    status(view: StatusView, existing?: MessageRef): Promise<MessageRef> {
      return ordered(async () => {
        const content = renderStatus(view);
        const components = renderComponents(view.actions);
        if (existing) {
          const target = decodeRef(existing.id);
          try {
            await edit(target.channelId, target.id, content, components);
            return existing;
          } catch (err) {
            // Someone deleted the status message: post a fresh one (its ref replaces the old).
            const status = ((err as DsbotError).cause as { status?: number } | undefined)?.status;
            if (status !== 404) throw err;
          }
          const msg = await send(content, components);
          return { id: encodeMessageRef(ref.guildId, msg.channel_id, msg.id) };
        }
        if (isThreadRef(ref)) {
          try {
            await edit(ref.channelId, ref.id, content, components); // the thread's starter message
            return { id: encodeMessageRef(ref.guildId, ref.channelId, ref.id) };
          } catch (err) {
            const status = ((err as DsbotError).cause as { status?: number } | undefined)?.status;
            if (status !== 403 && status !== 404) throw err; // not ours or no starter: post instead
          }
        }
        const msg = await send(content, components);
        return { id: encodeMessageRef(ref.guildId, msg.channel_id, msg.id) };
      });
    },
    upload(files: OutgoingFile[], comment?: string): Promise<void> {
      return ordered(async () => {
        const plan = await planUpload(files, await uploadLimit());
        const head = [comment, ...plan.notes].filter(Boolean).join('\n');
        if (plan.batches.length === 0) {
          for (const part of splitText(head || 'No files to attach.', limits.maxTextChars)) await send(part);
          return;
        }
        const headParts = head ? splitText(head, limits.maxTextChars) : [];
        for (const part of headParts.slice(0, -1)) await send(part);
        for (const [i, batch] of plan.batches.entries()) {
          const payload = await Promise.all(batch.map(async (f) => ({ name: f.name, data: await readFile(f.path) })));
          const content = i === 0 ? (headParts.at(-1) ?? '') : '';
          await call(`uploading ${batch.map((f) => f.name).join(', ')}`, () =>
            rest.post(Routes.channelMessages(ref.id), {
              body: { content, allowed_mentions: NO_MENTIONS, attachments: payload.map((f, id) => ({ id, filename: f.name })) },
              files: payload,
            }),
          );
        }
      });
    },
    async flush(): Promise<void> {
      await tail;
    },
  };
}

/** A failed REST call as a classified error (bad token or missing access: config), keeping the cause. */
function classify(what: string, err: unknown): DsbotError {
  if (err instanceof DiscordAPIError || (err as { status?: number }).status !== undefined) {
    const status = (err as { status: number }).status;
    if (status === 401) return new DsbotError('config', `Discord rejected the bot token while ${what}. Check DISCORD_BOT_TOKEN.`, { cause: err });
    if (status === 403 && !(err instanceof DiscordAPIError && err.code === 50005)) {
      return new DsbotError('config', `Discord denied ${what} (missing access). Give the bot View Channel, Send Messages, Send Messages in Threads and Attach Files.`, { cause: err });
    }
  }
  return new DsbotError('internal', `Discord REST failed while ${what}: ${(err as Error).message}`, { cause: err });
}
