/**
 * A local fake Discord: REST (`/api/v10/...`) and gateway (`/gateway`) on one port, enough for
 * the real discord.js client and @discordjs/rest. It answers HELLO/IDENTIFY/heartbeats, sends
 * READY then GUILD_CREATE, dispatches events the test asks for (messages, reactions, slash
 * commands, button clicks), keeps the components (buttons) of the bot's messages, records every
 * REST call, serves attachments and can answer 429 for chosen routes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeUser {
  id: string;
  username: string;
  bot?: boolean;
  /** Role ids in the fake guild. */
  roles?: string[];
}

/** One recorded REST call. */
export interface RecordedCall {
  method: string;
  /** Path after `/api/v10`, e.g. `/channels/1/messages`. */
  path: string;
  query: string;
  /** Parsed JSON body (for multipart: the payload_json). */
  body: any;
  /** Uploaded files (multipart). */
  files: { name: string; bytes: number; data: Buffer }[];
  /** Status answered. */
  status: number;
  at: number;
}

export interface FakeDiscordOptions {
  /** Close the gateway with this code instead of answering IDENTIFY (4014: disallowed intents, 4004: bad token). */
  closeOnIdentify?: number;
  /** Guild premium tier (upload limit 10 MiB for 0–1, 50 MiB for 2, 100 MiB for 3). */
  premiumTier?: number;
}

let nextId = BigInt('1300000000000000000');
/** A fresh snowflake-like id. */
export function snowflake(): string {
  nextId += 1n;
  return nextId.toString();
}

export const BOT: FakeUser = { id: '1100000000000000001', username: 'dsbot', bot: true };
export const APP_ID = '1100000000000000001';
export const GUILD_ID = '1200000000000000001';
export const CHANNEL_ID = '1200000000000000002';
export const ADMIN_ROLE = { id: '1200000000000000003', name: 'data-admins' };
/** The bot's managed role (what Discord's autocomplete sometimes inserts for "@dsbot"). */
export const BOT_ROLE = { id: '1200000000000000004', name: 'dsbot' };

function userJson(u: FakeUser) {
  return { id: u.id, username: u.username, discriminator: '0', global_name: u.username, avatar: null, bot: u.bot ?? false };
}

function memberJson(u: FakeUser) {
  return { user: userJson(u), roles: u.roles ?? [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 };
}

export class FakeDiscord {
  readonly calls: RecordedCall[] = [];
  readonly messages = new Map<string, any>();
  readonly channels = new Map<string, any>();
  readonly identifies: any[] = [];
  url = '';
  private readonly server = createServer((req, res) => void this.onHttp(req, res));
  private readonly wss = new WebSocketServer({ noServer: true });
  private sockets = new Set<WebSocket>();
  private seq = 0;
  private limits: { method: string; path: RegExp; retryAfter: number; times: number; global: boolean }[] = [];
  private attachments = new Map<string, Buffer>();
  private waiters: (() => void)[] = [];

  /** Guild boost tier served by GET /guilds/G (tests may change it). */
  premiumTier: number;

  constructor(private readonly options: FakeDiscordOptions = {}) {
    this.premiumTier = options.premiumTier ?? 0;
    this.channels.set(CHANNEL_ID, { id: CHANNEL_ID, type: 0, guild_id: GUILD_ID, name: 'data', position: 0, permission_overwrites: [], nsfw: false, parent_id: null });
    this.server.on('upgrade', (req, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
  }

  /** REST base for config.discord.apiUrl. */
  get apiUrl(): string {
    return `${this.url}/api`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Answers the next `times` calls matching method + path with 429 and `retry_after` seconds. */
  rateLimit(method: string, path: RegExp, retryAfter: number, times = 1, global = false): void {
    this.limits.push({ method, path, retryAfter, times, global });
  }

  /** Serves bytes as an attachment; returns the attachment JSON (as in a message). */
  attachment(filename: string, data: Buffer, contentType = 'text/csv'): any {
    const id = snowflake();
    this.attachments.set(`${id}/${filename}`, data);
    const url = `${this.url}/attachments/${id}/${filename}`;
    return { id, filename, size: data.length, url, proxy_url: url, content_type: contentType };
  }

  /** Sends a gateway dispatch to every connected client. */
  dispatch(t: string, d: unknown): void {
    const payload = JSON.stringify({ op: 0, t, s: ++this.seq, d });
    for (const ws of this.sockets) ws.send(payload);
  }

  /** A user writes a message; returns its payload. */
  userMessage(author: FakeUser, content: string, opts: { channelId?: string; mentions?: FakeUser[]; mentionRoles?: string[]; attachments?: any[]; dm?: boolean } = {}): any {
    const channelId = opts.dm ? this.dmChannel(author) : (opts.channelId ?? CHANNEL_ID);
    const where = opts.dm
      ? { channel_type: 1 }
      : {
          guild_id: GUILD_ID,
          channel_type: this.channels.get(channelId)?.type ?? 0,
          member: { roles: author.roles ?? [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 },
        };
    const msg = {
      id: snowflake(),
      channel_id: channelId,
      ...where,
      author: userJson(author),
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: (opts.mentions ?? []).map(userJson),
      mention_roles: opts.mentionRoles ?? [],
      attachments: opts.attachments ?? [],
      embeds: [],
      pinned: false,
      type: 0,
      flags: 0,
      components: [],
    };
    this.messages.set(msg.id, msg);
    this.dispatch('MESSAGE_CREATE', msg);
    return msg;
  }

  /** The DM channel between the bot and `user` (created on first use). */
  dmChannel(user: FakeUser): string {
    const existing = [...this.channels.values()].find((c) => c.type === 1 && c.recipients?.[0]?.id === user.id);
    if (existing) return existing.id;
    const ch = { id: snowflake(), type: 1, recipients: [userJson(user)], last_message_id: null, flags: 0 };
    this.channels.set(ch.id, ch);
    return ch.id;
  }

  /** A user runs a slash command; `options` are (name, type, value) as Discord sends them. */
  slashCommand(user: FakeUser, name: string, options: { name: string; type: number; value: string }[] = [], attachments: any[] = [], channelId = CHANNEL_ID): { id: string; token: string } {
    const id = snowflake();
    const token = `tok-${id}`;
    const resolved = attachments.length ? { attachments: Object.fromEntries(attachments.map((a) => [a.id, a])) } : undefined;
    const channel = this.channels.get(channelId);
    this.dispatch('INTERACTION_CREATE', {
      id,
      application_id: APP_ID,
      type: 2,
      token,
      version: 1,
      guild_id: GUILD_ID,
      channel_id: channelId,
      channel,
      member: { ...memberJson(user), permissions: '0' },
      data: { id: snowflake(), name, type: 1, options, ...(resolved ? { resolved } : {}) },
      locale: 'en-US',
      guild_locale: 'en-US',
      app_permissions: '0',
      entitlements: [],
      authorizing_integration_owners: { '0': GUILD_ID },
      context: 0,
      attachment_size_limit: 10 * 1024 * 1024,
    });
    return { id, token };
  }

  /** The buttons (custom_id, label) on a message the fake holds. */
  buttons(messageId: string): { customId: string; label: string }[] {
    const msg = this.messages.get(messageId);
    return (msg?.components ?? []).flatMap((row: any) => (row.components ?? []).filter((c: any) => c.type === 2).map((c: any) => ({ customId: c.custom_id, label: c.label })));
  }

  /** A user clicks a button (custom_id) on a message; returns the interaction's id and token. */
  clickButton(user: FakeUser, messageId: string, customId: string): { id: string; token: string } {
    const message = this.messages.get(messageId);
    if (!message) throw new Error(`FakeDiscord: no message ${messageId}`);
    const id = snowflake();
    const token = `tok-${id}`;
    const channel = this.channels.get(message.channel_id);
    this.dispatch('INTERACTION_CREATE', {
      id,
      application_id: APP_ID,
      type: 3,
      token,
      version: 1,
      guild_id: GUILD_ID,
      channel_id: message.channel_id,
      channel,
      member: { ...memberJson(user), permissions: '0' },
      message,
      data: { custom_id: customId, component_type: 2 },
      locale: 'en-US',
      guild_locale: 'en-US',
      app_permissions: '0',
      entitlements: [],
      authorizing_integration_owners: { '0': GUILD_ID },
      context: 0,
      attachment_size_limit: 10 * 1024 * 1024,
    });
    return { id, token };
  }

  /** A user adds a reaction to a message. */
  react(user: FakeUser, channelId: string, messageId: string, emoji = '🛑'): void {
    this.dispatch('MESSAGE_REACTION_ADD', {
      user_id: user.id,
      channel_id: channelId,
      message_id: messageId,
      guild_id: GUILD_ID,
      member: memberJson(user),
      emoji: { id: null, name: emoji },
      type: 0,
      burst: false,
      burst_colors: [],
    });
  }

  /** Creates a run thread as the platform would (a bot starter message in the channel, a thread from it), without recording calls. */
  seedRunThread(title = 'run'): { threadRef: string; threadId: string } {
    const starter = this.botMessage(CHANNEL_ID, { content: `starter ${title}` }, []);
    const thread = this.threadFor(CHANNEL_ID, starter.id, title);
    return { threadRef: `discord:${GUILD_ID}:${CHANNEL_ID}:${thread.id}`, threadId: thread.id };
  }

  /** Calls so far matching method and path. */
  find(method: string, path: RegExp): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && path.test(c.path) && c.status < 300);
  }

  /** Waits until `predicate` holds (checked after every REST call and every `timeoutMs/50`). */
  async waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = predicate();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`FakeDiscord: timed out waiting for ${what}. Calls: ${this.calls.map((c) => `${c.method} ${c.path} ${c.status}`).join(', ')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  // ---- gateway ----

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 } }));
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString());
      if (msg.op === 1) ws.send(JSON.stringify({ op: 11 }));
      if (msg.op === 2) {
        this.identifies.push(msg.d);
        if (this.options.closeOnIdentify) return void ws.close(this.options.closeOnIdentify, 'closed by the fake');
        ws.send(JSON.stringify({ op: 0, t: 'READY', s: ++this.seq, d: this.ready() }));
        ws.send(JSON.stringify({ op: 0, t: 'GUILD_CREATE', s: ++this.seq, d: this.guild(true) }));
      }
    });
  }

  private ready() {
    return {
      v: 10,
      user: { ...userJson(BOT), verified: true, flags: 0, mfa_enabled: false },
      guilds: [{ id: GUILD_ID, unavailable: true }],
      session_id: 'fake-session',
      resume_gateway_url: `${this.url.replace('http', 'ws')}/gateway`,
      shard: [0, 1],
      application: { id: APP_ID, flags: 0 },
      private_channels: [],
      relationships: [],
      user_settings: {},
      guild_join_requests: [],
      presences: [],
      geo_ordered_rtc_regions: [],
    };
  }

  private guild(withState: boolean) {
    const base = {
      id: GUILD_ID,
      name: 'Data team',
      icon: null,
      owner_id: '1',
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [
        { id: GUILD_ID, name: '@everyone', permissions: '0', position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 },
        { id: ADMIN_ROLE.id, name: ADMIN_ROLE.name, permissions: '0', position: 1, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 },
        { id: BOT_ROLE.id, name: BOT_ROLE.name, permissions: '0', position: 2, color: 0, hoist: false, managed: true, mentionable: false, flags: 0, tags: { bot_id: BOT.id } },
      ],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      system_channel_id: null,
      system_channel_flags: 0,
      premium_tier: this.premiumTier,
      premium_subscription_count: 0,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      unavailable: false,
    };
    if (!withState) return base;
    const all = [...this.channels.values()];
    return {
      ...base,
      joined_at: new Date(0).toISOString(),
      large: false,
      member_count: 2,
      members: [memberJson(BOT)],
      channels: all.filter((c) => c.type !== 11),
      threads: all.filter((c) => c.type === 11),
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
    };
  }

  // ---- REST ----

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const u = new URL(req.url ?? '/', this.url);
    if (u.pathname.startsWith('/attachments/')) {
      const data = this.attachments.get(decodeURIComponent(u.pathname.slice('/attachments/'.length)));
      res.writeHead(data ? 200 : 404, { 'content-type': 'text/csv' }).end(data ?? '');
      return;
    }
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(u.pathname).replace(/^\/api\/v10/, '');
    let body: any = undefined;
    const files: RecordedCall['files'] = [];
    const ct = req.headers['content-type'] ?? '';
    if (ct.startsWith('multipart/form-data')) {
      const form = await new Response(raw, { headers: { 'content-type': ct } }).formData();
      for (const [key, value] of form.entries()) {
        if (key === 'payload_json') body = JSON.parse(String(value));
        else if (typeof value !== 'string') {
          const data = Buffer.from(await value.arrayBuffer());
          files.push({ name: value.name, bytes: data.length, data });
        }
      }
    } else if (raw.length) body = JSON.parse(raw.toString('utf8'));
    const call: RecordedCall = { method, path, query: u.search, body, files, status: 200, at: Date.now() };
    this.calls.push(call);
    const limit = this.limits.find((l) => l.times > 0 && l.method === method && l.path.test(path));
    if (limit) {
      limit.times--;
      call.status = 429;
      const headers: Record<string, string> = { 'content-type': 'application/json', 'retry-after': String(limit.retryAfter), 'x-ratelimit-scope': 'user' };
      if (limit.global) headers['x-ratelimit-global'] = 'true';
      res.writeHead(429, headers).end(JSON.stringify({ message: 'You are being rate limited.', retry_after: limit.retryAfter, global: limit.global }));
      this.wake();
      return;
    }
    const [status, out] = this.route(method, path, body, files, u);
    call.status = status;
    if (status === 204) res.writeHead(204).end();
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    this.wake();
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  private botMessage(channelId: string, body: any, files: RecordedCall['files']): any {
    const channel = this.channels.get(channelId);
    const msg = {
      id: snowflake(),
      channel_id: channelId,
      ...(channel?.type === 1 ? {} : { guild_id: channel?.guild_id ?? GUILD_ID }),
      author: userJson(BOT),
      content: body?.content ?? '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: files.map((f) => ({ ...this.attachment(f.name, f.data, 'application/octet-stream') })),
      embeds: [],
      pinned: false,
      type: 0,
      flags: body?.flags ?? 0,
      components: body?.components ?? [],
    };
    this.messages.set(msg.id, msg);
    return msg;
  }

  private threadFor(parentId: string, messageId: string, name: string, autoArchive = 1440): any {
    const thread = {
      id: messageId,
      type: 11,
      guild_id: GUILD_ID,
      parent_id: parentId,
      owner_id: BOT.id,
      name,
      last_message_id: null,
      message_count: 0,
      member_count: 1,
      rate_limit_per_user: 0,
      flags: 0,
      thread_metadata: { archived: false, auto_archive_duration: autoArchive, archive_timestamp: new Date().toISOString(), locked: false },
      total_message_sent: 0,
    };
    this.channels.set(thread.id, thread);
    this.messages.get(messageId).thread = thread;
    return thread;
  }

  private route(method: string, path: string, body: any, files: RecordedCall['files'], u: URL): [number, unknown] {
    let m: RegExpMatchArray | null;
    if (method === 'GET' && path === '/gateway/bot') {
      return [200, { url: `${this.url.replace('http', 'ws')}/gateway`, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } }];
    }
    if (method === 'GET' && path === '/users/@me') return [200, userJson(BOT)];
    if (method === 'GET' && path === `/guilds/${GUILD_ID}`) return [200, this.guild(false)];
    if (method === 'GET' && (m = path.match(/^\/guilds\/\d+\/members\/(\d+)$/))) return [404, { message: 'Unknown Member', code: 10007 }];
    if (method === 'PUT' && (m = path.match(/^\/applications\/\d+(?:\/guilds\/\d+)?\/commands$/))) {
      return [200, (body as any[]).map((c) => ({ ...c, id: snowflake(), application_id: APP_ID, version: '1' }))];
    }
    if ((m = path.match(/^\/channels\/(\d+)\/messages$/)) && method === 'POST') {
      if (!this.channels.has(m[1])) return [404, { message: 'Unknown Channel', code: 10003 }];
      const msg = this.botMessage(m[1], body, files);
      this.dispatch('MESSAGE_CREATE', msg);
      return [200, msg];
    }
    if ((m = path.match(/^\/channels\/(\d+)\/messages\/(\d+)$/))) {
      const msg = this.messages.get(m[2]);
      if (!msg || msg.channel_id !== m[1]) return [404, { message: 'Unknown Message', code: 10008 }];
      if (method === 'GET') return [200, msg];
      if (method === 'PATCH') {
        if (msg.author.id !== BOT.id) return [403, { message: 'Cannot edit a message authored by another user', code: 50005 }];
        Object.assign(msg, { content: body?.content ?? msg.content, components: body?.components ?? msg.components, edited_timestamp: new Date().toISOString() });
        this.dispatch('MESSAGE_UPDATE', msg);
        return [200, msg];
      }
    }
    if (method === 'POST' && (m = path.match(/^\/channels\/(\d+)\/messages\/(\d+)\/threads$/))) {
      const parent = this.channels.get(m[1]);
      if (!parent || !this.messages.has(m[2])) return [404, { message: 'Unknown Message', code: 10008 }];
      const thread = this.threadFor(m[1], m[2], body?.name ?? 'thread', body?.auto_archive_duration);
      this.dispatch('THREAD_CREATE', { ...thread, newly_created: true });
      return [201, thread];
    }
    if (method === 'GET' && (m = path.match(/^\/channels\/(\d+)$/))) {
      const ch = this.channels.get(m[1]);
      return ch ? [200, ch] : [404, { message: 'Unknown Channel', code: 10003 }];
    }
    if (method === 'PUT' && path.match(/^\/channels\/\d+\/messages\/\d+\/reactions\/.+\/@me$/)) return [204, null];
    if (method === 'POST' && (m = path.match(/^\/interactions\/(\d+)\/([^/]+)\/callback$/))) {
      if (u.searchParams.get('with_response') === 'true') return [200, { interaction: { id: m[1], type: 2 } }];
      return [204, null];
    }
    if ((m = path.match(/^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/(@original|\d+))?$/))) {
      const channelId = CHANNEL_ID;
      if (method === 'POST' && !m[3]) return [200, this.botMessage(channelId, body, files)];
      if (method === 'PATCH' && m[3]) return [200, { ...this.botMessage(channelId, body, files), id: m[3] === '@original' ? snowflake() : m[3] }];
      if (method === 'DELETE' && m[3]) return [204, null];
    }
    return [404, { message: `fake Discord has no route ${method} ${path}`, code: 0 }];
  }
}

/** Starts a fake Discord on a random port. */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  return new FakeDiscord(options).start();
}
