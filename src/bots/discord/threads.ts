/**
 * Run threads: each run gets its own thread, started from a starter message the bot posts in
 * the channel. The thread has the starter's id, and the Discord sink edits that starter in place
 * as the run's status message, so a 🛑 on it maps back to the run.
 */
import { ChannelType, type Client } from 'discord.js';
import { DsbotError } from '../../errors.js';
import { STOP_EMOJI } from './normalize.js';
import { encodeThreadRef } from './refs.js';

/** Discord caps thread names at 100 characters. */
const MAX_THREAD_NAME = 100;

/**
 * Posts the starter message in `channelId` (or, inside a thread, in its parent) and starts a
 * thread from it. Returns the thread ref `discord:G:C:T`.
 */
export async function openRunThread(c: Client, channelId: string, runId: string, title: string): Promise<string> {
  let channel = c.channels.cache.get(channelId) ?? (await c.channels.fetch(channelId).catch(() => null));
  if (channel?.isThread()) channel = channel.parent;
  if (!channel || (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement)) {
    throw new DsbotError('internal', `Discord channel ${channelId} cannot hold run threads (needs a text or announcement channel).`);
  }
  try {
    const starter = await channel.send({
      content: `🧹 **${title}** · run \`${runId}\` queued. Progress follows in the thread; react ${STOP_EMOJI} here to stop it.`,
      allowedMentions: { parse: [] },
    });
    const name = `${title} · ${runId}`.slice(0, MAX_THREAD_NAME);
    const thread = await starter.startThread({ name, autoArchiveDuration: 1440 });
    return encodeThreadRef(channel.guildId, channel.id, thread.id);
  } catch (err) {
    const status = (err as { status?: number }).status;
    const hint = status === 403 ? ' Give the bot Send Messages and Create Public Threads in this channel.' : '';
    throw new DsbotError('internal', `Could not open a run thread in channel ${channel.id}: ${(err as Error).message}.${hint}`, { cause: err });
  }
}
