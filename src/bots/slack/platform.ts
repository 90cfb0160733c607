/**
 * The Slack platform: a Bolt app that normalises mentions, thread replies, DMs, `/dsbot`
 * commands, stop reactions and clicks on the run buttons (Block Kit `block_actions`) into
 * IncomingMessage for the router, and answers through a RouterContext; the App Home tab lists
 * recent runs. Socket Mode when `slack.appToken` is set, otherwise the HTTP Events API with
 * request signing (Bolt's HTTPReceiver checks the signature; request-time.ts the 5-minute window both ways).
 * Events are acknowledged before any work; Slack's retried deliveries are dropped by event id.
 */
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, webApi, type Logger } from '@slack/bolt';
import type { AddressInfo } from 'node:net';
import type { Config } from '../../config/schema.js';
import type { RunRegistry } from '../../queue/run-registry.js';
import { DsbotError, toDsbotError } from '../../errors.js';
import type { ChatPlatform, IncomingFile, IncomingMessage, MessageHandler, RouterContext } from '../types.js';
import { ACTION_ID, escapeMrkdwn, renderText, MESSAGE_MAX_CHARS } from './blocks.js';
import { renderHome } from './home.js';
import { requireBotToken, slackClientOptions, slackErrorCode, toSlackError, type SlackWebClient } from './client.js';
import { isDownloadable, toIncomingFile, type SlackFileObject } from './files.js';
import { createBoundedMap } from './lru.js';
import { createThreadMemory } from './thread-memory.js';
import { toMrkdwn } from './mrkdwn.js';
import {
  CONVERSATIONAL_SUBTYPES,
  fromBlockAction,
  fromCommand,
  fromMessageEvent,
  fromReaction,
  isDirectMessage,
  isSelfEvent,
  mentionsBot,
  type BotIdentity,
  type SlackBlockActionBody,
  type SlackButtonAction,
  type SlackCommandPayload,
  type SlackMessageEvent,
  type SlackReactionEvent,
} from './normalize.js';
import { decodeSlackRef, encodeSlackRef } from './refs.js';
import { refuseRequestsOutsideWindow } from './request-time.js';
import { splitText } from './text.js';
import { logger } from '../../observability/logger.js';

export interface SlackPlatformDeps {
  /** Bolt's logger. Default: Bolt's console logger at `warn`. */
  logger?: Logger;
  /** Reaction names delivered as `kind: 'reaction'`. Default: `octagonal_sign`, `stop_sign`. */
  stopReactions?: string[];
  /** Event ids and message ids remembered for dedupe. Default 5,000. */
  dedupeSize?: number;
  /** How far back `/dsbot clean` (no dataset) looks for a file shared in the channel, ms. Default 30 min. */
  fileLookbackMs?: number;
  /** Recent runs for the App Home tab; absent: the tab says runs are not available here. */
  runs?: Pick<RunRegistry, 'recent'>;
}

/** The Slack ChatPlatform, plus what an operator (or a test) wants to know once it runs. */
export interface SlackPlatform extends ChatPlatform {
  /** `socket` (SLACK_APP_TOKEN set) or `http`. */
  readonly mode: 'socket' | 'http';
  /** The HTTP receiver's port once started (HTTP mode; `slack.port` 0 picks a free one). */
  readonly port: number | undefined;
  /** The bot's identity from auth.test once started. */
  readonly identity: BotIdentity | undefined;
}

const DEFAULT_STOP_REACTIONS = ['octagonal_sign', 'stop_sign'];

/** Creates the Slack platform from `config.slack` (tokens from SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN). */
export function createSlackPlatform(config: Config, deps: SlackPlatformDeps = {}): SlackPlatform {
  const botToken = requireBotToken(config);
  const mode = config.slack.appToken ? 'socket' : 'http';
  if (mode === 'http' && !config.slack.signingSecret) {
    throw new DsbotError('config', 'slack.signingSecret is required for the HTTP Events API. Set SLACK_SIGNING_SECRET, or set SLACK_APP_TOKEN (xapp-…) to use Socket Mode.');
  }
  const stopReactions = new Set(deps.stopReactions ?? DEFAULT_STOP_REACTIONS);
  const seen = createBoundedMap<true>(deps.dedupeSize ?? 5_000);
  const log = deps.logger ?? { warn: (line: string) => logger.warn(line), error: (line: string) => logger.error(line) };
  const memory = createThreadMemory(10_000, (line) => log.warn(line));
  const fileLookbackMs = deps.fileLookbackMs ?? 30 * 60_000;
  const maxBytes = Math.floor(config.admin.maxUploadMb * 1024 * 1024);
  let app: App | undefined;
  let port: number | undefined;
  let identity: BotIdentity | undefined;
  let workspaceUrl: string | undefined;
  let started = false;

  function buildApp(): App {
    const clientOptions = slackClientOptions(config, false);
    const common = { logger: deps.logger, logLevel: deps.logger ? undefined : LogLevel.WARN };
    if (mode === 'socket') {
      const receiver = new SocketModeReceiver({ appToken: config.slack.appToken!, ...common });
      if (config.slack.apiUrl) {
        // Bolt does not pass clientOptions to the Socket Mode client: point its apps.connections.open at the same API base.
        (receiver.client as unknown as { webClient: SlackWebClient }).webClient = new webApi.WebClient('', {
          ...clientOptions,
          headers: { Authorization: `Bearer ${config.slack.appToken}` },
        });
      }
      return new App({ token: botToken, receiver, clientOptions, ignoreSelf: false, ...common });
    }
    const receiver = new HTTPReceiver({
      signingSecret: config.slack.signingSecret!,
      endpoints: '/slack/events',
      customRoutes: [{ path: '/healthz', method: ['GET'], handler: (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok') }],
      ...common,
    });
    refuseRequestsOutsideWindow(receiver, (line) => log.warn(line));
    return new App({ token: botToken, receiver, clientOptions, ignoreSelf: false, ...common });
  }

  function filesOf(raw: unknown[] | undefined, client: SlackWebClient): IncomingFile[] {
    return ((raw ?? []) as SlackFileObject[]).filter(isDownloadable).map((f) =>
      toIncomingFile(f, {
        botToken,
        maxBytes,
        fileInfo: async (id) => ((await client.files.info({ file: id })).file as SlackFileObject | undefined) ?? undefined,
      }),
    );
  }

  /** Posts markdown (or, with `mrkdwn`, text already in Slack's format) in a thread, split within limits. */
  async function postInThread(client: SlackWebClient, channel: string, threadTs: string | undefined, text: string, mrkdwn = false): Promise<string> {
    let firstTs = '';
    for (const piece of splitText(mrkdwn ? text : toMrkdwn(text), MESSAGE_MAX_CHARS)) {
      const m = renderText(piece);
      const res = await client.chat.postMessage({ channel, thread_ts: threadTs, text: m.text, blocks: m.blocks as never, unfurl_links: false });
      firstTs ||= String(res.ts);
      memory.remember(channel, String(res.ts), threadTs ?? String(res.ts));
    }
    return firstTs;
  }

  /** Replies in the thread of a message (mentions, thread replies, DMs, reactions). */
  function threadContext(client: SlackWebClient, channel: string, threadTs: string, userId: string): RouterContext {
    return {
      async reply({ text, ephemeral }) {
        try {
          if (ephemeral) await client.chat.postEphemeral({ channel, user: userId, thread_ts: threadTs, text: toMrkdwn(text) });
          else await postInThread(client, channel, threadTs, text);
        } catch (err) {
          throw toSlackError(err, 'Replying on Slack');
        }
      },
    };
  }

  /** Replies to a slash command (response_url), and opens a run thread in the channel when asked. */
  function commandContext(client: SlackWebClient, command: SlackCommandPayload, respond: ((msg: object) => Promise<unknown>) | undefined): RouterContext {
    let runThreadTs: string | undefined;
    return {
      async reply({ text, ephemeral }) {
        try {
          if (!ephemeral && runThreadTs) await postInThread(client, command.channel_id, runThreadTs, text);
          else if (respond) await respond({ response_type: ephemeral ? 'ephemeral' : 'in_channel', text: toMrkdwn(text) });
          else if (ephemeral) await client.chat.postEphemeral({ channel: command.channel_id, user: command.user_id, text: toMrkdwn(text) });
          else await postInThread(client, command.channel_id, undefined, text);
        } catch (err) {
          throw toSlackError(err, 'Answering a /dsbot command');
        }
      },
      async openRunThread(runId, title) {
        const text = `:broom: *${escapeMrkdwn(title)}* — run \`${escapeMrkdwn(runId)}\`, requested by <@${command.user_id}>`;
        const post = () => postInThread(client, command.channel_id, undefined, text, true);
        try {
          runThreadTs = await post().catch(async (err) => {
            if (slackErrorCode(err) !== 'not_in_channel') throw err;
            await client.conversations.join({ channel: command.channel_id });
            return post();
          });
        } catch (err) {
          throw toSlackError(err, 'Opening the run thread on Slack');
        }
        return encodeSlackRef({ team: command.team_id, channel: command.channel_id, ts: runThreadTs });
      },
    };
  }

  /**
   * Files for a bare `clean` (no dataset, nothing attached): the newest file the same user shared
   * recently in the thread (`threadTs`) or, outside a thread, in the channel.
   */
  async function recentFiles(client: SlackWebClient, channel: string, userId: string, threadTs?: string): Promise<IncomingFile[]> {
    try {
      const oldest = ((Date.now() - fileLookbackMs) / 1000).toFixed(6);
      const res = threadTs
        ? await client.conversations.replies({ channel, ts: threadTs, limit: 200 })
        : await client.conversations.history({ channel, oldest, limit: 50 });
      const messages = (res.messages ?? []) as { user?: string; ts?: string; files?: unknown[] }[];
      const mine = messages
        .filter((m) => m.user === userId && (m.files?.length ?? 0) > 0 && Number(m.ts ?? 0) >= Number(oldest))
        .sort((a, b) => Number(b.ts) - Number(a.ts))[0];
      return filesOf(mine?.files, client);
    } catch (err) {
      log.warn(`dsbot slack: cannot look for files in ${channel}: ${(err as Error).message}`);
      return [];
    }
  }

  const BARE_CLEAN = /^clean\s*$/i;

  function register(a: App, handler: MessageHandler, bot: BotIdentity): void {
    const deliver = async (message: IncomingMessage, ctx: RouterContext) => {
      if (!seen.add(`msg:${message.messageId}`, true)) return;
      try {
        await handler(message, ctx);
      } catch (err) {
        const e = toDsbotError(err);
        log.error(`dsbot slack: handling ${message.kind} ${message.messageId} failed (${e.kind}): ${e.message}`);
        // Tell the person rather than leave them waiting (best effort: Slack itself may be the problem).
        if (!message.isSelf && message.kind !== 'reaction') {
          await ctx.reply({ text: `Sorry, that failed (${e.kind}): ${e.message}`, ephemeral: true }).catch(() => undefined);
        }
      }
    };

    // Slack redelivers an event it thinks was not acknowledged (x-slack-retry-num): once per event id.
    a.use(async ({ body, next }) => {
      const eventId = (body as { event_id?: string }).event_id;
      if (eventId && !seen.add(`event:${eventId}`, true)) return;
      await next();
    });

    a.event('app_mention', async ({ event, body, client }) => {
      const e = event as unknown as SlackMessageEvent;
      if (isDirectMessage(e)) return; // DMs arrive as message events
      const team = teamOf(body, e, bot);
      memory.join(e.channel, e.thread_ts ?? e.ts);
      const message = fromMessageEvent(e, team, bot, filesOf(e.files, client));
      if (message.files.length === 0 && BARE_CLEAN.test(message.text) && e.user) {
        message.files = await recentFiles(client, e.channel, e.user, e.thread_ts);
      }
      await deliver(message, threadContext(client, e.channel, e.thread_ts ?? e.ts, message.user.id));
    });

    a.event('message', async ({ event, body, client }) => {
      const e = event as unknown as SlackMessageEvent;
      if (!CONVERSATIONAL_SUBTYPES.has(e.subtype)) return;
      const rootTs = e.thread_ts ?? e.ts;
      if (isSelfEvent(e, bot)) memory.remember(e.channel, e.ts, rootTs);
      if (!isDirectMessage(e)) {
        if (mentionsBot(e.text, bot.userId)) return; // app_mention delivers it
        if (!e.thread_ts || !(await memory.isBotThread(client, e.channel, e.thread_ts, bot))) return;
      }
      const message = fromMessageEvent(e, teamOf(body, e, bot), bot, filesOf(e.files, client));
      if (message.files.length === 0 && BARE_CLEAN.test(message.text) && e.user && !message.isSelf) {
        message.files = await recentFiles(client, e.channel, e.user, e.thread_ts);
      }
      await deliver(message, threadContext(client, e.channel, rootTs, message.user.id));
    });

    a.event('reaction_added', async ({ event, body, client }) => {
      const e = event as unknown as SlackReactionEvent;
      const name = e.reaction.split('::')[0];
      if (e.item.type !== 'message' || !e.item.channel || !e.item.ts || !stopReactions.has(name)) return;
      const rootTs = await memory.rootOf(client, e.item.channel, e.item.ts);
      const message = fromReaction(e, teamOf(body, {}, bot), rootTs, bot);
      await deliver(message, threadContext(client, e.item.channel, rootTs, e.user));
    });

    a.command('/dsbot', async ({ command, ack, respond, client }) => {
      await ack(); // within Slack's 3 s; everything else happens after
      const payload = command as unknown as SlackCommandPayload;
      const wantsFile = BARE_CLEAN.test((payload.text ?? '').trim());
      const files = wantsFile ? await recentFiles(client, payload.channel_id, payload.user_id) : [];
      await deliver(fromCommand(payload, files), commandContext(client, payload, respond));
    });

    // A click on a run button (Stop, Resume, Approve, Cancel): acked at once, then routed.
    a.action(ACTION_ID, async ({ ack, body, action, client }) => {
      await ack();
      const b = body as unknown as SlackBlockActionBody;
      const act = action as unknown as SlackButtonAction;
      const name = ACTION_ID.exec(act.action_id)![1] as 'stop' | 'resume' | 'approve' | 'cancel';
      const message = fromBlockAction(b, act, name, bot.teamId || '_');
      const { channel, ts } = decodeSlackRef(message.threadRef);
      await deliver(message, threadContext(client, channel, ts ?? '', message.user.id));
    });

    a.event('app_home_opened', async ({ event, client }) => {
      const e = event as unknown as { user: string; tab?: string };
      if (e.tab && e.tab !== 'home') return;
      try {
        const runs = deps.runs ? await deps.runs.recent(50) : [];
        await client.views.publish({ user_id: e.user, view: renderHome(runs, bot.teamId, workspaceUrl) as never });
      } catch (err) {
        log.warn(`dsbot slack: could not publish the App Home of ${e.user}: ${toDsbotError(err).message}`);
      }
    });

    a.error(async (err) => {
      log.error(`dsbot slack: ${toDsbotError(err).message}`);
    });
  }

  return {
    name: 'slack',
    mode,
    get port() {
      return port;
    },
    get identity() {
      return identity;
    },
    async start(handler: MessageHandler): Promise<void> {
      if (started) throw new DsbotError('internal', 'The Slack platform is already started.');
      let auth: Awaited<ReturnType<SlackWebClient['auth']['test']>>;
      try {
        // Before Bolt's App exists: its constructor checks the token too, and a rejection there is unhandled (a stack, not this message).
        auth = await new webApi.WebClient(botToken, slackClientOptions(config, false)).auth.test();
      } catch (err) {
        throw toSlackError(err, 'Checking the Slack bot token (auth.test)');
      }
      identity = { userId: String(auth.user_id), botId: auth.bot_id ? String(auth.bot_id) : undefined, teamId: String(auth.team_id ?? '') };
      workspaceUrl = auth.url ? String(auth.url) : undefined;
      const a = buildApp();
      register(a, handler, identity);
      const server = (await a.start(config.slack.port)) as unknown;
      const address = mode === 'http' ? (server as { address?: () => AddressInfo | string | null }).address?.() : undefined;
      port = address && typeof address === 'object' ? address.port : undefined;
      app = a;
      started = true;
    },
    async stop(): Promise<void> {
      if (!started || !app) return;
      started = false;
      const a = app;
      app = undefined;
      await a.stop();
    },
  };
}

function teamOf(body: unknown, event: { team?: string }, bot: BotIdentity): string {
  const b = body as { team_id?: string; authorizations?: { team_id?: string }[] };
  return b.team_id ?? b.authorizations?.[0]?.team_id ?? event.team ?? (bot.teamId || '_');
}
