/**
 * Discord references as plain strings, so jobs and routers can carry them (DESIGN.md decision 6).
 *
 * - thread ref  `discord:G:C:T` — G guild id (`@me` for DMs), C the parent channel, T the channel
 *   posts go to: a thread id, or C itself when there is no thread.
 * - channel ref `discord:G:C`   — the channel (a thread's parent), for allowlists and run limits.
 * - message ref `discord:G:C:M` — message M in channel C (C is the thread when M is in a thread).
 *
 * A thread started from a message has the message's id, so the starter (status) message of a
 * run thread `discord:G:C:T` is the message ref `discord:G:C:T`.
 */
import { InputError } from '../../errors.js';

/** Guild placeholder for direct messages. */
export const DM_GUILD = '@me';

/** A decoded three-part Discord ref (thread ref or message ref). */
export interface DiscordRef {
  /** Guild id, or `@me` for direct messages. */
  guildId: string;
  /** Parent channel (thread refs) or the channel holding the message (message refs). */
  channelId: string;
  /** Thread/channel id to post into (thread refs) or message id (message refs). */
  id: string;
}

const PART = /^(?:@me|\d{1,25})$/;

/** `discord:G:C:T` for posts into channel T (a thread of C, or C itself). */
export function encodeThreadRef(guildId: string | null | undefined, channelId: string, threadId: string): string {
  return `discord:${guildId ?? DM_GUILD}:${channelId}:${threadId}`;
}

/** `discord:G:C:M` for message M in channel C. */
export function encodeMessageRef(guildId: string | null | undefined, channelId: string, messageId: string): string {
  return `discord:${guildId ?? DM_GUILD}:${channelId}:${messageId}`;
}

/** `discord:G:C`. */
export function encodeChannelRef(guildId: string | null | undefined, channelId: string): string {
  return `discord:${guildId ?? DM_GUILD}:${channelId}`;
}

/** Decodes `discord:G:C:X`; throws InputError naming the expected shape otherwise. */
export function decodeRef(ref: string): DiscordRef {
  const parts = ref.split(':');
  if (parts.length !== 4 || parts[0] !== 'discord' || !parts.slice(1).every((p) => PART.test(p)) || parts[2] === DM_GUILD) {
    throw new InputError(`Not a Discord ref: "${ref}". Expected discord:GUILD:CHANNEL:ID (GUILD may be @me for DMs).`);
  }
  return { guildId: parts[1], channelId: parts[2], id: parts[3] };
}

/** True when the ref names a thread (or starter message) rather than the channel itself. */
export function isThreadRef(ref: DiscordRef): boolean {
  return ref.id !== ref.channelId;
}
