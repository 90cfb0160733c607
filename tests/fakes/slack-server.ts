/**
 * A fake Slack for tests: the Web API methods dsbot calls (records every call), shared files
 * behind bot-token auth, the files.uploadV2 upload URLs, response_url endpoints, scripted
 * failures (HTTP 429 with Retry-After), a Socket Mode WebSocket, views.publish (App Home), and
 * helpers that sign Events API / slash-command / interactivity (block_actions) requests into an
 * app's HTTP receiver the way Slack does.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export const TEAM = 'T0TEST';
export const BOT_USER = 'UBOT';
export const BOT_ID = 'BBOT';
export const BOT_TOKEN = 'xoxb-test-token';
export const SIGNING_SECRET = 'test-signing-secret';
export const APP_TOKEN = 'xapp-test-token';

/** One recorded request. */
export interface FakeCall {
  /** Web API method (`chat.postMessage`), or `upload` / `response_url`. */
  method: string;
  /** Parsed arguments (form fields; `blocks` etc. JSON-decoded). */
  args: Record<string, any>;
  /** Authorization header as sent. */
  authorization?: string;
  /** HTTP status answered. */
  status: number;
  /** When it arrived (Date.now()). */
  at: number;
}

/** A message the fake holds (posted by the bot or seeded by a test). */
export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  user?: string;
  bot_id?: string;
  blocks?: unknown[];
  files?: unknown[];
}

/** A Slack file object as events carry it. */
export interface FakeFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
  mode: string;
}

interface Failure {
  status: number;
  retryAfter?: number;
  error?: string;
  times: number;
}

export interface FakeSlack {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Web API base for `slack.apiUrl` (`…/api/`). */
  readonly apiUrl: string;
  readonly calls: FakeCall[];
  readonly messages: FakeMessage[];
  /** Bytes received per uploaded file id. */
  readonly uploads: Map<string, Buffer>;
  /** Calls of one method, in order. */
  callsOf(method: string): FakeCall[];
  /** Makes the next `times` calls of `method` fail (429 with Retry-After seconds, or ok:false error). */
  failNext(method: string, failure: { status?: number; retryAfter?: number; error?: string; times?: number }): void;
  /** Serves a shared file (downloadable with the bot token only) and returns its Slack file object. */
  addFile(name: string, content: Buffer | string, mimetype?: string): FakeFile;
  /** Seeds a message (so conversations.replies/history know it). */
  addMessage(message: FakeMessage): void;
  /** A response_url served by the fake. */
  responseUrl(id?: string): string;
  /** Resolves when `predicate` holds for the recorded calls (checked on every call). */
  waitFor(predicate: (calls: FakeCall[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Socket Mode: sends an envelope to every connected client; resolves with the first ack. */
  sendSocketEnvelope(envelope: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Resolves once a Socket Mode client connected (and got `hello`). */
  socketConnected(): Promise<void>;
  close(): Promise<void>;
}

let tsCounter = 100;
/** A fresh, increasing Slack timestamp. */
export function nextTs(): string {
  tsCounter += 1;
  return `1700000000.${String(tsCounter).padStart(6, '0')}`;
}

function parseForm(raw: string): Record<string, any> {
  const args: Record<string, any> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    args[k] = /^[[{]/.test(v) ? safeJson(v) : v;
  }
  return args;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Starts the fake on a free port. */
export async function startFakeSlack(options: { botToken?: string } = {}): Promise<FakeSlack> {
  const botToken = options.botToken ?? BOT_TOKEN;
  const calls: FakeCall[] = [];
  const messages: FakeMessage[] = [];
  const uploads = new Map<string, Buffer>();
  const files = new Map<string, { file: FakeFile; content: Buffer }>();
  const failures = new Map<string, Failure>();
  const waiters = new Set<() => void>();
  let fileCounter = 0;
  let url = '';

  const record = (call: Omit<FakeCall, 'at'>) => {
    calls.push({ ...call, at: Date.now() });
    for (const w of [...waiters]) w();
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const findMessage = (channel: string, ts: string) => messages.find((m) => m.channel === channel && m.ts === ts);

  function answer(method: string, args: Record<string, any>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://test.slack.com/', team: 'Test', user: 'dsbot', team_id: TEAM, user_id: BOT_USER, bot_id: BOT_ID };
      case 'chat.postMessage': {
        const message: FakeMessage = {
          channel: args.channel,
          ts: nextTs(),
          thread_ts: args.thread_ts,
          text: args.text,
          blocks: args.blocks,
          user: BOT_USER,
          bot_id: BOT_ID,
        };
        messages.push(message);
        return { ok: true, channel: args.channel, ts: message.ts, message };
      }
      case 'chat.update': {
        const message = findMessage(args.channel, args.ts);
        if (!message) return { ok: false, error: 'message_not_found' };
        Object.assign(message, { text: args.text, blocks: args.blocks });
        return { ok: true, channel: args.channel, ts: args.ts };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'views.publish':
        return { ok: true, view: { id: `V${++fileCounter}`, type: 'home', blocks: args.view?.blocks ?? [] } };
      case 'conversations.join':
        return { ok: true, channel: { id: args.channel } };
      case 'conversations.replies': {
        const target = findMessage(args.channel, args.ts);
        if (!target) return { ok: false, error: 'thread_not_found' };
        const rootTs = target.thread_ts ?? target.ts;
        const thread = messages.filter((m) => m.channel === args.channel && (m.ts === rootTs || m.thread_ts === rootTs));
        thread.sort((a, b) => a.ts.localeCompare(b.ts));
        const limit = Number(args.limit ?? 1000);
        return { ok: true, messages: thread.slice(0, limit), has_more: thread.length > limit };
      }
      case 'conversations.history': {
        const inChannel = messages.filter((m) => m.channel === args.channel && (!m.thread_ts || m.thread_ts === m.ts));
        inChannel.sort((a, b) => b.ts.localeCompare(a.ts));
        return { ok: true, messages: inChannel.slice(0, Number(args.limit ?? 100)) };
      }
      case 'files.info': {
        const entry = files.get(args.file);
        return entry ? { ok: true, file: entry.file } : { ok: false, error: 'file_not_found' };
      }
      case 'files.getUploadURLExternal': {
        const id = `FUP${++fileCounter}`;
        return { ok: true, upload_url: `${url}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const list = (args.files ?? []) as { id: string; title?: string }[];
        return { ok: true, files: list.map((f) => ({ id: f.id, title: f.title, name: f.title })) };
      }
      case 'apps.connections.open':
        return { ok: true, url: `${url.replace('http', 'ws')}/socket` };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const authorization = req.headers.authorization;
    if (req.method === 'GET' && path.startsWith('/files-pri/')) {
      const id = path.split('/')[2]?.split('-')[1] ?? '';
      const entry = files.get(id);
      record({ method: 'file_download', args: { path }, authorization, status: entry ? 200 : 404 });
      if (!entry) return void json(res, 404, { ok: false });
      if (authorization !== `Bearer ${botToken}`) {
        // Slack answers an unauthenticated file URL with its HTML sign-in page.
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return void res.end('<!DOCTYPE html><html><body>Sign in to Slack</body></html>');
      }
      res.writeHead(200, { 'content-type': entry.file.mimetype, 'content-length': String(entry.content.length) });
      return void res.end(entry.content);
    }
    const raw = await readBody(req);
    const contentType = req.headers['content-type'] ?? '';
    if (path.startsWith('/upload/')) {
      const id = path.split('/')[2];
      const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
      const part = form.get('body') ?? form.get('file');
      const bytes = part && typeof part !== 'string' ? Buffer.from(await part.arrayBuffer()) : Buffer.from(String(part ?? ''));
      uploads.set(id, bytes);
      record({ method: 'upload', args: { id, bytes: bytes.length }, authorization, status: 200 });
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('OK - ' + bytes.length);
    }
    const args = contentType.includes('application/json') ? (safeJson(raw.toString('utf8')) as Record<string, any>) : parseForm(raw.toString('utf8'));
    if (path.startsWith('/respond/')) {
      record({ method: 'response_url', args: { ...args, id: path.split('/')[2] }, authorization, status: 200 });
      return void json(res, 200, { ok: true });
    }
    if (!path.startsWith('/api/')) return void json(res, 404, { ok: false, error: 'not_found' });
    const method = path.slice('/api/'.length);
    const failure = failures.get(method);
    if (failure && failure.times > 0) {
      failure.times -= 1;
      record({ method, args, authorization, status: failure.status });
      if (failure.status === 429) {
        return void json(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfter ?? 1) });
      }
      return void json(res, failure.status, { ok: false, error: failure.error ?? 'fatal_error' });
    }
    if (method !== 'apps.connections.open' && authorization !== `Bearer ${botToken}`) {
      record({ method, args, authorization, status: 200 });
      return void json(res, 200, { ok: false, error: 'invalid_auth' });
    }
    const body = answer(method, args);
    record({ method, args, authorization, status: 200 });
    json(res, 200, body);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => json(res, 500, { ok: false, error: String(err) }));
  });
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  const ackWaiters = new Map<string, (ack: Record<string, unknown>) => void>();
  const connectWaiters = new Set<() => void>();
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        const msg = safeJson(String(data)) as Record<string, unknown>;
        const id = String(msg.envelope_id ?? '');
        ackWaiters.get(id)?.(msg);
        ackWaiters.delete(id);
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0TEST' }, debug_info: { host: 'fake' } }));
      for (const w of [...connectWaiters]) w();
      connectWaiters.clear();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    apiUrl: `${url}/api/`,
    calls,
    messages,
    uploads,
    callsOf: (method) => calls.filter((c) => c.method === method),
    failNext(method, f) {
      failures.set(method, { status: f.status ?? 429, retryAfter: f.retryAfter, error: f.error, times: f.times ?? 1 });
    },
    addFile(name, content, mimetype = 'text/csv') {
      const id = `F${String(++fileCounter).padStart(6, '0')}`;
      const buf = Buffer.isBuffer(content) ? content : Buffer.from(content);
      const filetype = name.includes('.') ? name.split('.').pop()! : 'text';
      const download = `${url}/files-pri/${TEAM}-${id}/download/${encodeURIComponent(name)}`;
      const file: FakeFile = {
        id, name, title: name, mimetype, filetype, size: buf.length, mode: 'hosted',
        url_private: download.replace('/download/', '/'),
        url_private_download: download,
      };
      files.set(id, { file, content: buf });
      return file;
    },
    addMessage: (m) => void messages.push(m),
    responseUrl: (id = String(Math.random()).slice(2)) => `${url}/respond/${id}`,
    waitFor(predicate, timeoutMs = 10_000) {
      if (predicate(calls)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`fake slack: condition not met in ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(', ')}`));
        }, timeoutMs);
        const check = () => {
          if (!predicate(calls)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    sendSocketEnvelope(envelope) {
      const id = String(envelope.envelope_id);
      const acked = new Promise<Record<string, unknown>>((resolve) => ackWaiters.set(id, resolve));
      for (const ws of sockets) ws.send(JSON.stringify(envelope));
      return acked;
    },
    socketConnected() {
      if (sockets.size > 0) return Promise.resolve();
      return new Promise((resolve) => connectWaiters.add(resolve));
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Slack's request signature: `v0=HMAC_SHA256(secret, "v0:" + ts + ":" + body)`. */
export function signSlackBody(body: string, secret: string, timestampSec: number): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestampSec}:${body}`).digest('hex')}`;
}

/** Options for delivering a request into an app's HTTP receiver. */
export interface DeliverOptions {
  secret?: string;
  /** Request timestamp, seconds (default now). */
  timestampSec?: number;
  /** Sends `x-slack-retry-num` (and a retry reason). */
  retryNum?: number;
  /** Signs with this secret instead (forged). */
  forgeWith?: string;
}

/** POSTs a signed request (JSON event or form-encoded command) to `endpoint`. */
export async function deliverToApp(endpoint: string, body: string, contentType: string, options: DeliverOptions = {}): Promise<Response> {
  const ts = options.timestampSec ?? Math.floor(Date.now() / 1000);
  const signature = signSlackBody(body, options.forgeWith ?? options.secret ?? SIGNING_SECRET, ts);
  const headers: Record<string, string> = {
    'content-type': contentType,
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': signature,
  };
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return fetch(endpoint, { method: 'POST', headers, body });
}

let eventCounter = 0;

/** Wraps an event in the Events API envelope. */
export function eventEnvelope(event: Record<string, unknown>, eventId = `Ev${Date.now()}${++eventCounter}`): Record<string, unknown> {
  return {
    token: 'legacy',
    team_id: TEAM,
    api_app_id: 'A0TEST',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: TEAM, user_id: BOT_USER, is_bot: true }],
    event: { event_ts: event.ts ?? nextTs(), ...event },
  };
}

/** Delivers an Events API event, signed. */
export function deliverEvent(endpoint: string, envelope: Record<string, unknown>, options?: DeliverOptions): Promise<Response> {
  return deliverToApp(endpoint, JSON.stringify(envelope), 'application/json', options);
}

/** Delivers a `/dsbot` slash command, signed. */
export function deliverCommand(
  endpoint: string,
  fields: { text: string; user_id: string; channel_id: string; response_url: string; user_name?: string },
  options?: DeliverOptions,
): Promise<Response> {
  const body = new URLSearchParams({
    token: 'legacy',
    team_id: TEAM,
    team_domain: 'test',
    channel_name: 'data',
    user_name: fields.user_name ?? fields.user_id.toLowerCase(),
    command: '/dsbot',
    api_app_id: 'A0TEST',
    trigger_id: `trig.${Date.now()}.${++eventCounter}`,
    ...fields,
  }).toString();
  return deliverToApp(endpoint, body, 'application/x-www-form-urlencoded', options);
}

/**
 * A `block_actions` payload: `user` clicked the button `actionId` (value `value`) on `message`
 * (a message the fake holds), as Slack sends it to the interactivity URL or over Socket Mode.
 */
export function blockActionsPayload(user: string, message: FakeMessage, actionId: string, value: string): Record<string, unknown> {
  const actionTs = nextTs();
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: TEAM },
    api_app_id: 'A0TEST',
    token: 'legacy',
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false, ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}) },
    trigger_id: `trig.${actionTs}`,
    team: { id: TEAM, domain: 'test' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: message.channel, name: 'data' },
    message: { type: 'message', user: BOT_USER, bot_id: BOT_ID, ts: message.ts, text: message.text ?? '', blocks: message.blocks ?? [], ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}) },
    state: { values: {} },
    response_url: `http://127.0.0.1:1/respond/unused`,
    actions: [{ type: 'button', action_id: actionId, block_id: 'dsbot_run_actions', text: { type: 'plain_text', text: actionId }, value, action_ts: actionTs }],
  };
}

/** Delivers an interactivity payload (`payload=<json>`, form-encoded), signed, to the app's HTTP receiver. */
export function deliverInteraction(endpoint: string, payload: Record<string, unknown>, options?: DeliverOptions): Promise<Response> {
  return deliverToApp(endpoint, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded', options);
}

/** The buttons (action_id → value) of a message's blocks. */
export function buttonsOf(message: { blocks?: unknown[] } | undefined): { actionId: string; value: string; text: string }[] {
  const out: { actionId: string; value: string; text: string }[] = [];
  for (const b of (message?.blocks ?? []) as { type?: string; elements?: { type?: string; action_id?: string; value?: string; text?: { text?: string } }[] }[]) {
    if (b.type !== 'actions') continue;
    for (const e of b.elements ?? []) if (e.type === 'button') out.push({ actionId: e.action_id ?? '', value: e.value ?? '', text: e.text?.text ?? '' });
  }
  return out;
}
