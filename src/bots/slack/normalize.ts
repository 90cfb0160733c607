/** Slack payloads → IncomingMessage (pure functions; the platform wires them to Bolt). */
import type { IncomingFile, IncomingMessage, RunActionName } from '../types.js';
import { encodeSlackRef } from './refs.js';

/** Who the bot is, from auth.test. */
export interface BotIdentity {
  /** The bot's user id (`U…`): mentions look like `<@U…>`. */
  userId: string;
  /** The bot id (`B…`) its messages carry. */
  botId?: string;
  /** Its workspace, used when an event lacks a team id. */
  teamId: string;
}

/** The fields of a message / app_mention event this adapter reads. */
export interface SlackMessageEvent {
  type: string;
  subtype?: string;
  channel: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  team?: string;
  files?: unknown[];
}

/** Message subtypes that carry something a person said; the rest (edits, joins, deletions) are ignored. */
export const CONVERSATIONAL_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast', 'me_message', 'bot_message']);

/** Decodes the three entities Slack escapes in message text. */
export function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Removes mentions of the bot (`<@UBOT>`, `<@UBOT|dsbot>`) and tidies whitespace. */
export function stripMention(text: string, botUserId: string): string {
  const mention = new RegExp(`<@${botUserId}(?:\\|[^>]*)?>[,:]?`, 'g');
  return decodeEntities(text.replace(mention, ' ')).replace(/[ \t]+/g, ' ').replace(/^\s+|\s+$/g, '');
}

/** True when the text mentions the bot. */
export function mentionsBot(text: string | undefined, botUserId: string): boolean {
  return Boolean(text && new RegExp(`<@${botUserId}(?:\\|[^>]*)?>`).test(text));
}

/** True when the event was written by this bot. */
export function isSelfEvent(event: { user?: string; bot_id?: string }, bot: BotIdentity): boolean {
  return (event.user !== undefined && event.user === bot.userId) || (event.bot_id !== undefined && event.bot_id === bot.botId);
}

/** True for a direct message with the bot. */
export function isDirectMessage(event: { channel_type?: string; channel: string }): boolean {
  return event.channel_type === 'im' || (event.channel_type === undefined && event.channel.startsWith('D'));
}

/** A message, mention or DM as an IncomingMessage; replies go in its thread (`thread_ts`, or its own ts). */
export function fromMessageEvent(event: SlackMessageEvent, team: string, bot: BotIdentity, files: IncomingFile[]): IncomingMessage {
  const threadTs = event.thread_ts ?? event.ts;
  return {
    platform: 'slack',
    threadRef: encodeSlackRef({ team, channel: event.channel, ts: threadTs }),
    channelRef: encodeSlackRef({ team, channel: event.channel }),
    messageId: encodeSlackRef({ team, channel: event.channel, ts: event.ts }),
    user: { id: event.user ?? event.bot_id ?? 'unknown', isBot: Boolean(event.bot_id) || event.subtype === 'bot_message' },
    text: stripMention(event.text ?? '', bot.userId),
    files,
    isSelf: isSelfEvent(event, bot),
    kind: 'message',
  };
}

/** The fields of a slash command payload this adapter reads. */
export interface SlackCommandPayload {
  team_id: string;
  channel_id: string;
  user_id: string;
  user_name?: string;
  text?: string;
  trigger_id?: string;
}

/**
 * A `/dsbot …` command. Slash commands cannot be sent in a thread, so `threadRef` is the
 * channel ref (`slack:T:C`): a run opens its own thread (RouterContext.openRunThread).
 */
export function fromCommand(command: SlackCommandPayload, files: IncomingFile[]): IncomingMessage {
  const channelRef = encodeSlackRef({ team: command.team_id, channel: command.channel_id });
  return {
    platform: 'slack',
    threadRef: channelRef,
    channelRef,
    messageId: `${channelRef}:command:${command.trigger_id ?? `${command.user_id}-${Date.now()}`}`,
    user: { id: command.user_id, name: command.user_name },
    text: decodeEntities(command.text ?? '').trim(),
    files,
    isSelf: false,
    kind: 'command',
  };
}

/** The fields of a reaction_added event this adapter reads. */
export interface SlackReactionEvent {
  user: string;
  reaction: string;
  item: { type: string; channel?: string; ts?: string };
  event_ts?: string;
}

/** A stop reaction; `targetRef` is the reacted message, `threadRef` its thread root (`rootTs`). */
export function fromReaction(event: SlackReactionEvent, team: string, rootTs: string, bot: BotIdentity): IncomingMessage {
  const channel = event.item.channel ?? '';
  const targetRef = encodeSlackRef({ team, channel, ts: event.item.ts });
  const reaction = event.reaction.split('::')[0];
  return {
    platform: 'slack',
    threadRef: encodeSlackRef({ team, channel, ts: rootTs }),
    channelRef: encodeSlackRef({ team, channel }),
    messageId: `${targetRef}:reaction:${reaction}:${event.user}:${event.event_ts ?? ''}`,
    user: { id: event.user },
    text: '',
    files: [],
    isSelf: event.user === bot.userId,
    kind: 'reaction',
    reaction,
    targetRef,
  };
}

/** The fields of a `block_actions` payload (a button clicked) this adapter reads. */
export interface SlackBlockActionBody {
  user: { id: string; username?: string; name?: string; team_id?: string };
  team?: { id: string } | null;
  channel?: { id: string };
  container?: { channel_id?: string; message_ts?: string; thread_ts?: string };
  message?: { ts: string; thread_ts?: string };
}

/** The clicked button of a `block_actions` payload. */
export interface SlackButtonAction {
  action_id: string;
  value?: string;
  action_ts?: string;
}

/**
 * A click on one of the bot's buttons: `targetRef` is the message it is on, `threadRef` its
 * thread (replies and refusals go there), `action` the button and the run its value names.
 */
export function fromBlockAction(body: SlackBlockActionBody, action: SlackButtonAction, name: RunActionName, fallbackTeam: string): IncomingMessage {
  const team = body.team?.id ?? body.user.team_id ?? fallbackTeam;
  const channel = body.channel?.id ?? body.container?.channel_id ?? '';
  const ts = body.message?.ts ?? body.container?.message_ts ?? '';
  const rootTs = body.message?.thread_ts ?? body.container?.thread_ts ?? ts;
  const targetRef = encodeSlackRef({ team, channel, ts });
  return {
    platform: 'slack',
    threadRef: encodeSlackRef({ team, channel, ts: rootTs }),
    channelRef: encodeSlackRef({ team, channel }),
    messageId: `${targetRef}:action:${action.action_id}:${body.user.id}:${action.action_ts ?? ''}`,
    user: { id: body.user.id, name: body.user.username ?? body.user.name },
    text: '',
    files: [],
    isSelf: false,
    kind: 'action',
    action: { name, runId: action.value ?? '' },
    targetRef,
  };
}
