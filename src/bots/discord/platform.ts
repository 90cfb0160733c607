/**
 * The Discord ChatPlatform: a discord.js gateway client that normalises mentions, messages in
 * the bot's run threads, DMs, slash commands, 🛑 reactions and clicks on the run buttons
 * (message components) for the router, and gives the router a RouterContext to reply and to
 * open a run thread.
 *
 * Intents: Guilds, GuildMessages, GuildMessageReactions, DirectMessages, and MessageContent —
 * the only privileged one (needed to read replies in run threads that do not mention the bot;
 * enable it under Developer Portal → Bot → Privileged Gateway Intents). GuildMembers and
 * Presence are not used: role ids come with each message, reaction and interaction, and role
 * names from the guild's role list.
 */
import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type Message,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  type User,
} from 'discord.js';
import type { Config } from '../../config/schema.js';
import { DsbotError } from '../../errors.js';
import type { ChatPlatform, IncomingMessage, MessageHandler, RouterContext } from '../types.js';
import { commandText, COMMAND_NAMES } from './commands.js';
import {
  messageFiles,
  refsFor,
  refsForChannel,
  roleNames,
  roleNamesFromIds,
  splitText,
  STOP_EMOJI,
  stripMention,
  toFile,
  toUser,
} from './normalize.js';
import { encodeMessageRef } from './refs.js';
import { parseCustomId } from './render.js';
import { restOptions } from './rest.js';
import { openRunThread } from './threads.js';
import { logger } from '../../observability/logger.js';

/** Collaborators for tests and the bot process. */
export interface DiscordPlatformDeps {
  /** Where errors of handling one event go (default: the process logger). */
  log?: (line: string, err?: unknown) => void;
}

/** The gateway intents dsbot asks for (MessageContent is privileged). */
export const DISCORD_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.GuildMessageReactions,
  GatewayIntentBits.DirectMessages,
  GatewayIntentBits.MessageContent,
];

export function createDiscordPlatform(config: Config, deps: DiscordPlatformDeps = {}): ChatPlatform {
  const token = config.discord.botToken;
  if (!token) throw new DsbotError('config', 'discord.botToken is required. Set DISCORD_BOT_TOKEN or provide it in config.');
  const log = deps.log ?? ((line: string, err?: unknown) => logger.error({ err }, `discord: ${line}`));
  let client: Client | undefined;

  const safely = (what: string, fn: () => Promise<void>) => {
    fn().catch((err) => log(`handling ${what} failed`, err));
  };

  async function onMessage(handler: MessageHandler, c: Client, message: Message): Promise<void> {
    const me = c.user!.id;
    const isSelf = message.author.id === me;
    if (!isSelf && (message.author.bot || message.webhookId)) return; // other bots and webhooks: never actionable
    if (message.system) return;
    const channel = message.channel;
    const dm = channel.isDMBased();
    const inRunThread = channel.isThread() && channel.ownerId === me;
    // Discord's autocomplete sometimes picks the bot's managed role instead of the bot user.
    const botRoles = message.mentions.roles.filter((r) => r.tags?.botId === me).map((r) => r.id);
    const mentioned = message.mentions.users.has(me) || botRoles.length > 0;
    if (!dm && !inRunThread && !mentioned) return;
    const refs = refsForChannel(message.guildId, channel, message.channelId);
    const member = message.member ?? (message.guild ? message.guild.members.cache.get(message.author.id) : null);
    const incoming: IncomingMessage = {
      platform: 'discord',
      ...refs,
      messageId: message.id,
      user: toUser(message.author, message.guild ? roleNames(member) ?? [] : undefined),
      text: stripMention(message.content, me, botRoles),
      files: messageFiles(message, config),
      isSelf,
      kind: 'message',
    };
    const ctx: RouterContext = {
      reply: async ({ text }) => {
        const parts = splitText(text, 2000);
        await message.reply({ content: parts[0], allowedMentions: { parse: [], repliedUser: false } });
        for (const part of parts.slice(1)) await sendTo(c, message.channelId, part);
      },
      ...(dm ? {} : { openRunThread: (runId: string, title: string) => openRunThread(c, message.channelId, runId, title) }),
    };
    await handler(incoming, ctx);
  }

  async function onReaction(handler: MessageHandler, c: Client, reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): Promise<void> {
    if (reaction.emoji.name !== STOP_EMOJI) return;
    const me = c.user!.id;
    const isSelf = user.id === me;
    if (!isSelf && user.bot) return;
    const message = reaction.message;
    const guild = message.guild ?? (message.guildId ? c.guilds.cache.get(message.guildId) ?? null : null);
    const channel = message.channel ?? (c.channels.cache.get(message.channelId) as Message['channel'] | undefined) ?? null;
    // A reaction on a run thread's starter (status) message belongs to that thread.
    const startedThread = c.channels.cache.get(message.id);
    const refs = startedThread?.isThread()
      ? refsFor(message.guildId, message.id, message.channelId)
      : refsForChannel(message.guildId, channel, message.channelId);
    // targetRef names the reacted message (the sink's MessageRef format). Inside a thread, a
    // message the bot did not post (or one it cannot see) carries none: the thread names the run.
    const inThread = !!channel?.isThread();
    const byBot = !message.partial && message.author?.id === me;
    const targetRef = !inThread || byBot ? encodeMessageRef(message.guildId, message.channelId, message.id) : undefined;
    const member = guild?.members.cache.get(user.id);
    const fullUser = user.partial ? await user.fetch().catch(() => user) : user;
    const incoming: IncomingMessage = {
      platform: 'discord',
      ...refs,
      messageId: `${message.id}:${user.id}:${STOP_EMOJI}`,
      user: { id: user.id, name: fullUser.username ?? undefined, isBot: fullUser.bot ?? false, ...(guild ? { roles: roleNames(member) ?? [] } : {}) },
      text: '',
      files: [],
      isSelf,
      kind: 'reaction',
      reaction: STOP_EMOJI,
      ...(targetRef ? { targetRef } : {}),
    };
    const postChannel = refs.threadRef.split(':')[3];
    const ctx: RouterContext = {
      reply: async ({ text }) => {
        for (const part of splitText(text, 2000)) await sendTo(c, postChannel, part);
      },
    };
    await handler(incoming, ctx);
  }

  async function onInteraction(handler: MessageHandler, c: Client, interaction: Interaction): Promise<void> {
    if (interaction.isButton()) return onButton(handler, interaction);
    if (!interaction.isChatInputCommand()) return;
    if (!(COMMAND_NAMES as readonly string[]).includes(interaction.commandName)) return;
    await interaction.deferReply(); // first, within Discord's 3 seconds
    await handleCommand(handler, c, interaction);
  }

  /** A click on a run button: answered (deferred, only the clicker sees it) within 3 s, then routed. */
  async function onButton(handler: MessageHandler, interaction: ButtonInteraction): Promise<void> {
    const action = parseCustomId(interaction.customId);
    if (!action) return;
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const guild = interaction.guild;
    const member = interaction.member;
    const roles = !guild
      ? undefined
      : member && 'roles' in member && Array.isArray(member.roles)
        ? roleNamesFromIds(guild, member.roles)
        : roleNames(member as Parameters<typeof roleNames>[0]) ?? [];
    const incoming: IncomingMessage = {
      platform: 'discord',
      ...refsForChannel(interaction.guildId, interaction.channel, interaction.channelId),
      messageId: `${interaction.id}:${action.name}`,
      user: toUser(interaction.user, roles),
      text: '',
      files: [],
      isSelf: false,
      kind: 'action',
      action,
      targetRef: encodeMessageRef(interaction.guildId, interaction.message.channelId, interaction.message.id),
    };
    let edited = false;
    const ctx: RouterContext = {
      reply: async ({ text, ephemeral }) => {
        for (const part of splitText(text, 2000)) {
          // Only the clicker sees the deferred reply; what everyone should see is a follow-up.
          if (ephemeral && !edited) await interaction.editReply({ content: part, allowedMentions: { parse: [] } });
          else await interaction.followUp({ content: part, flags: ephemeral ? MessageFlags.Ephemeral : undefined, allowedMentions: { parse: [] } });
          edited ||= Boolean(ephemeral);
        }
      },
    };
    try {
      await handler(incoming, ctx);
    } catch (err) {
      await interaction.editReply({ content: `Something went wrong: ${(err as Error).message}` }).catch(() => undefined);
      throw err;
    }
    if (!edited) await interaction.deleteReply().catch(() => undefined); // no "thinking…" left behind
  }

  async function handleCommand(handler: MessageHandler, c: Client, interaction: ChatInputCommandInteraction): Promise<void> {
    const strings: Record<string, string | undefined> = {};
    for (const o of interaction.options.data) {
      if (typeof o.value === 'string') strings[o.name] = o.value;
      else if (typeof o.value === 'boolean') strings[o.name] = o.value ? 'yes' : 'no';
    }
    const text = commandText({ name: interaction.commandName, strings })!;
    const attachment = interaction.options.getAttachment('file');
    const guild = interaction.guild;
    const member = interaction.member;
    const roles = !guild
      ? undefined
      : member && 'roles' in member && Array.isArray(member.roles)
        ? roleNamesFromIds(guild, member.roles)
        : roleNames(member as Parameters<typeof roleNames>[0]) ?? [];
    const incoming: IncomingMessage = {
      platform: 'discord',
      ...refsForChannel(interaction.guildId, interaction.channel, interaction.channelId),
      messageId: interaction.id,
      user: toUser(interaction.user, roles),
      text,
      files: attachment ? [toFile(attachment, config)] : [],
      isSelf: false,
      kind: 'command',
    };
    let answered = false;
    let opened: string | undefined;
    const ctx: RouterContext = {
      reply: async ({ text: replyText, ephemeral }) => {
        const flags = ephemeral ? MessageFlags.Ephemeral : undefined;
        for (const part of splitText(replyText, 2000)) {
          if (!answered && !ephemeral) await interaction.editReply({ content: part, allowedMentions: { parse: [] } });
          else await interaction.followUp({ content: part, flags, allowedMentions: { parse: [] } });
          if (!answered && ephemeral) await interaction.deleteReply().catch(() => undefined);
          answered = true;
        }
      },
      ...(interaction.channelId && guild
        ? {
            openRunThread: async (runId: string, title: string) => {
              opened = await openRunThread(c, interaction.channelId, runId, title);
              return opened;
            },
          }
        : {}),
    };
    try {
      await handler(incoming, ctx);
    } catch (err) {
      if (!answered) await interaction.editReply({ content: `Something went wrong: ${(err as Error).message}` }).catch(() => undefined);
      throw err;
    }
    if (!answered) {
      // The deferred "thinking…" must not hang: point at the run thread, or remove it.
      if (opened) await interaction.editReply({ content: `Run thread: <#${opened.split(':')[3]}>` });
      else await interaction.deleteReply().catch(() => undefined);
    }
  }

  return {
    name: 'discord',
    async start(handler: MessageHandler): Promise<void> {
      if (client) return;
      const c = new Client({
        intents: DISCORD_INTENTS,
        partials: [Partials.Channel, Partials.Message, Partials.Reaction, Partials.User],
        rest: restOptions(config),
        allowedMentions: { parse: [], repliedUser: false },
      });
      client = c;
      c.on(Events.MessageCreate, (m) => safely('a message', () => onMessage(handler, c, m)));
      c.on(Events.MessageReactionAdd, (r, u) => safely('a reaction', () => onReaction(handler, c, r, u)));
      c.on(Events.InteractionCreate, (i) => safely('a slash command', () => onInteraction(handler, c, i)));
      c.on(Events.Error, (err) => log('client error', err));
      // Ready, or a close Discord will not recover from (bad token, intents not enabled).
      const ready = new Promise<void>((resolve, reject) => {
        c.once(Events.ClientReady, () => resolve());
        c.on(Events.ShardDisconnect, (event) => reject(new Error(closeReason(event.code))));
      });
      ready.catch(() => undefined); // login() may reject first
      try {
        await c.login(token);
        await ready;
      } catch (err) {
        client = undefined;
        await c.destroy().catch(() => undefined);
        const msg = (err as Error).message;
        const text = /disallowed intents/i.test(msg) ? closeReason(4014) : /invalid token|authentication failed|401: Unauthorized/i.test(msg) ? closeReason(4004) : msg;
        throw new DsbotError('config', `Discord login failed: ${text}`, { cause: err });
      }
    },
    async stop(): Promise<void> {
      const c = client;
      client = undefined;
      if (c) await c.destroy();
    },
  };
}

/** Sends plain text to a channel by id (fetching it when not cached). */
async function sendTo(c: Client, channelId: string, content: string): Promise<void> {
  const channel = c.channels.cache.get(channelId) ?? (await c.channels.fetch(channelId));
  if (!channel?.isSendable()) throw new DsbotError('internal', `Discord channel ${channelId} cannot receive messages.`);
  await channel.send({ content, allowedMentions: { parse: [] } });
}

/** What an unrecoverable gateway close means for the person running the bot. */
function closeReason(code: number): string {
  if (code === 4014) return 'Discord refused a privileged intent (close 4014). Enable the Message Content intent: Developer Portal → Bot → Privileged Gateway Intents.';
  if (code === 4004) return 'Discord rejected the bot token (close 4004). Check DISCORD_BOT_TOKEN.';
  return `the gateway closed with code ${code} and will not reconnect.`;
}
