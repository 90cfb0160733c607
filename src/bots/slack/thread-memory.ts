/**
 * What the platform remembers about threads: which ones the bot takes part in (so replies there
 * reach the router without a mention) and the thread root of each message it posted (so a
 * reaction on it maps to its thread without a lookup). Bounded; after a restart, unknown
 * threads are read once with conversations.replies.
 */
import type { SlackWebClient } from './client.js';
import { createBoundedMap } from './lru.js';
import { isSelfEvent, mentionsBot, type BotIdentity } from './normalize.js';

/** How long "the bot is not in this thread" is believed before asking Slack again. */
const NEGATIVE_TTL_MS = 60_000;

export interface ThreadMemory {
  /** Records a message the bot posted (or saw itself post) and its thread root. */
  remember(channel: string, ts: string, rootTs: string): void;
  /** Marks a thread as one the bot takes part in (it was mentioned there). */
  join(channel: string, rootTs: string): void;
  /** Whether the bot takes part in the thread: remembered, else read once from Slack. */
  isBotThread(client: SlackWebClient, channel: string, threadTs: string, bot: BotIdentity): Promise<boolean>;
  /** The thread root of a message: remembered, else conversations.replies, else the message itself. */
  rootOf(client: SlackWebClient, channel: string, ts: string): Promise<string>;
}

export function createThreadMemory(capacity = 10_000, warn: (line: string) => void = () => {}): ThreadMemory {
  /** `channel:rootTs` → true (bot is in it) or the time until which "not in it" holds. */
  const threads = createBoundedMap<true | number>(capacity);
  /** `channel:ts` → root ts of messages the bot posted. */
  const roots = createBoundedMap<string>(capacity);
  const key = (channel: string, ts: string) => `${channel}:${ts}`;

  return {
    remember(channel, ts, rootTs) {
      roots.set(key(channel, ts), rootTs);
      threads.set(key(channel, rootTs), true);
    },
    join(channel, rootTs) {
      threads.set(key(channel, rootTs), true);
    },
    async isBotThread(client, channel, threadTs, bot) {
      const known = threads.get(key(channel, threadTs));
      if (known === true) return true;
      if (typeof known === 'number' && known > Date.now()) return false;
      try {
        const res = await client.conversations.replies({ channel, ts: threadTs, limit: 100 });
        const messages = (res.messages ?? []) as { user?: string; bot_id?: string; text?: string }[];
        const joined = messages.some((m) => isSelfEvent(m, bot) || mentionsBot(m.text, bot.userId));
        threads.set(key(channel, threadTs), joined ? true : Date.now() + NEGATIVE_TTL_MS);
        return joined;
      } catch (err) {
        warn(`dsbot slack: cannot read thread ${channel}/${threadTs}: ${(err as Error).message}`);
        return false;
      }
    },
    async rootOf(client, channel, ts) {
      const known = roots.get(key(channel, ts));
      if (known) return known;
      try {
        const res = await client.conversations.replies({ channel, ts, limit: 1 });
        const first = (res.messages ?? [])[0] as { ts?: string; thread_ts?: string } | undefined;
        return first?.thread_ts ?? first?.ts ?? ts;
      } catch {
        return ts;
      }
    },
  };
}
