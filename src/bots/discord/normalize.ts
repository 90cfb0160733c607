/**
 * Turns discord.js structures into the router's IncomingMessage. Nothing outside
 * src/bots/discord sees a discord.js type.
 */
import type { Attachment, Channel, Guild, GuildMember, Message, User } from 'discord.js';
import type { Config } from '../../config/schema.js';
import { InputError } from '../../errors.js';
import type { IncomingFile, IncomingUser } from '../types.js';
import { encodeChannelRef, encodeThreadRef } from './refs.js';

/** The stop emoji: a reaction with it on a run's status message or in its thread stops the run. */
export const STOP_EMOJI = '🛑';

/** Where a channel's posts go and which channel it belongs to. */
export interface ChannelRefs {
  /** `discord:G:C:T` (T = C outside threads). */
  threadRef: string;
  /** `discord:G:C` of the channel or the thread's parent. */
  channelRef: string;
}

/** Refs for a channel by id (`parentId` set when the channel is a thread). */
export function refsFor(guildId: string | null, channelId: string, parentId?: string | null): ChannelRefs {
  const parent = parentId ?? channelId;
  return { threadRef: encodeThreadRef(guildId, parent, channelId), channelRef: encodeChannelRef(guildId, parent) };
}

/** Refs for a discord.js channel. */
export function refsForChannel(guildId: string | null, channel: Channel | null, channelId: string): ChannelRefs {
  const parentId = channel?.isThread() ? channel.parentId : undefined;
  return refsFor(guildId, channelId, parentId);
}

/** Removes `<@bot>` / `<@!bot>` mentions (and `<@&role>` of the bot's own managed role) and trims. */
export function stripMention(content: string, botId: string, botRoleIds: string[] = []): string {
  const roles = botRoleIds.map((id) => `|<@&${id}>`).join('');
  return content.replace(new RegExp(`<@!?${botId}>${roles}`, 'g'), ' ').replace(/\s+/g, ' ').trim();
}

/** Role names of a guild member (without @everyone). */
export function roleNames(member: GuildMember | null | undefined): string[] | undefined {
  if (!member) return undefined;
  return member.roles.cache.filter((r) => r.id !== member.guild.id).map((r) => r.name);
}

/** Role names from role ids, through the guild's role cache. */
export function roleNamesFromIds(guild: Guild | null, ids: string[]): string[] {
  return ids.map((id) => guild?.roles.cache.get(id)?.name).filter((n): n is string => !!n);
}

/** The normalised user. */
export function toUser(user: User, roles: string[] | undefined): IncomingUser {
  return { id: user.id, name: user.globalName ?? user.username, isBot: user.bot, ...(roles ? { roles } : {}) };
}

/**
 * An attachment as an IncomingFile. download() refuses files over admin.maxUploadMb (checked
 * against the declared size and again while reading) with an InputError the router can show.
 */
export function toFile(att: Attachment, config: Config): IncomingFile {
  const maxBytes = Math.floor(config.admin.maxUploadMb * 1024 * 1024);
  return {
    name: att.name,
    size: att.size,
    ...(att.contentType ? { contentType: att.contentType } : {}),
    async download(): Promise<Buffer> {
      if (att.size > maxBytes) throw tooLarge(att.name, att.size, maxBytes);
      let res: Response;
      try {
        res = await fetch(att.url);
      } catch (err) {
        throw new InputError(`Could not download ${att.name} from Discord: ${(err as Error).message}. Try attaching it again.`, { cause: err });
      }
      if (!res.ok || !res.body) throw new InputError(`Could not download ${att.name} from Discord (HTTP ${res.status}). Try attaching it again.`);
      const parts: Buffer[] = [];
      let total = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        total += chunk.byteLength;
        if (total > maxBytes) throw tooLarge(att.name, total, maxBytes);
        parts.push(Buffer.from(chunk));
      }
      return Buffer.concat(parts);
    },
  };
}

function tooLarge(name: string, bytes: number, maxBytes: number): InputError {
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  return new InputError(`${name} is ${mb(bytes)} MiB, over the ${mb(maxBytes)} MiB upload limit (admin.maxUploadMb).`);
}

/** Files of a message. */
export function messageFiles(message: Message, config: Config): IncomingFile[] {
  return [...message.attachments.values()].map((a) => toFile(a, config));
}

/** Splits text into parts of at most `max` characters, preferring line breaks, keeping code fences balanced. */
export function splitText(text: string, max = 2000): string[] {
  if (text.length <= max) return [text];
  const parts: string[] = [];
  let rest = text;
  let reopen = '';
  while (rest.length > 0) {
    const budget = max - reopen.length - 4; // room to close a fence
    let piece = rest.length + reopen.length <= max ? rest : rest.slice(0, budget);
    let skip = 0;
    if (piece.length < rest.length) {
      const nl = piece.lastIndexOf('\n');
      if (nl > budget / 2) (piece = piece.slice(0, nl)), (skip = 1); // split at the line break, dropping it
    }
    rest = rest.slice(piece.length + skip);
    let out = reopen + piece;
    const fences = (out.match(/```/g) ?? []).length;
    if (fences % 2 === 1 && rest.length > 0) {
      const open = out.lastIndexOf('```');
      const lang = out.slice(open + 3).split('\n', 1)[0].trim();
      out = `${out}\n\`\`\``;
      reopen = `\`\`\`${/^[\w+-]*$/.test(lang) ? lang : ''}\n`;
    } else reopen = '';
    parts.push(out);
  }
  return parts;
}
