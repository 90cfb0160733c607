/**
 * A local fake model server for tests: speaks Anthropic Messages (POST /v1/messages) and
 * OpenAI Chat Completions (POST /v1/chat/completions), tool calls included. Each test scripts
 * it (a queue of replies, or a function of the request), reads the recorded requests, and can
 * ask for faults: HTTP 500, 429 with retry-after, a hang, malformed JSON, an empty answer.
 * It also answers embedding requests (OpenAI `/v1/embeddings`, Ollama `/api/embed`) with small
 * deterministic vectors (`fakeVector`).
 * The real SDKs talk to it through their `baseURL`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Which API a request came through (`embeddings`: OpenAI /v1/embeddings or Ollama /api/embed, answered without script). */
export type FakeApi = 'anthropic' | 'openai' | 'embeddings';

/** Fault modes. */
export type FakeFault =
  /** HTTP 500 with an error body. */
  | 'error500'
  /** HTTP 429 with `retry-after: retryAfterSec` (default 1). */
  | 'rate-limit'
  /** HTTP 401 (bad key). */
  | 'unauthorized'
  /** Accepts the request and never answers (client timeout). */
  | 'hang'
  /** HTTP 200 with a truncated JSON body. */
  | 'malformed-json'
  /** HTTP 200 with an empty body. */
  | 'empty-body'
  /** A well-formed answer with no text and no tool calls. */
  | 'empty';

/** One scripted answer. */
export interface FakeReply {
  /** Answer text (cut at the request's stop sequences). */
  text?: string;
  /** Tool calls; string arguments are sent as is (OpenAI) to simulate malformed JSON. */
  toolCalls?: { id?: string; name: string; arguments: Record<string, unknown> | string }[];
  /** Reported usage; default derived from sizes. */
  usage?: { inputTokens: number; outputTokens: number };
  /** Answer with this fault instead. */
  fault?: FakeFault;
  /** Seconds for `rate-limit`. */
  retryAfterSec?: number;
}

/** A request the server received. */
export interface RecordedRequest {
  /** API the request used. */
  api: FakeApi;
  /** URL path. */
  path: string;
  /** Request headers (e.g. authorization). */
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body. */
  body: any;
  /** Date.now() at arrival. */
  at: number;
}

export interface FakeModelServer {
  /** Base URL for the Anthropic SDK (`baseURL`). */
  anthropicUrl: string;
  /** Base URL for the OpenAI SDK (`baseURL`, ends in /v1). */
  openaiUrl: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Appends scripted replies (used first, in order). */
  enqueue(...replies: FakeReply[]): void;
  /** Answers with `fn(request)` once the queue is empty. */
  respondWith(fn: (req: RecordedRequest) => FakeReply): void;
  /** Stops the server, dropping hanging requests. */
  close(): Promise<void>;
}

/** The fake embedding: 8 letter-frequency buckets (deterministic, so tests can predict it). */
export function fakeVector(text: string): number[] {
  const v = new Array<number>(8).fill(0);
  for (const ch of text.toLowerCase()) if (ch >= 'a' && ch <= 'z') v[(ch.charCodeAt(0) - 97) % 8] += 1;
  return v;
}

let seq = 0;
const id = (prefix: string) => `${prefix}_${++seq}`;

/** Applies stop sequences the way the APIs do: cut at the first one. */
function applyStop(text: string, stop: string[] | undefined): { text: string; stopped?: string } {
  let cut = -1;
  let which: string | undefined;
  for (const s of stop ?? []) {
    const i = text.indexOf(s);
    if (i >= 0 && (cut < 0 || i < cut)) [cut, which] = [i, s];
  }
  return cut < 0 ? { text } : { text: text.slice(0, cut), stopped: which };
}

function anthropicBody(req: RecordedRequest, reply: FakeReply, usage: { inputTokens: number; outputTokens: number }) {
  const { text, stopped } = applyStop(reply.text ?? '', req.body.stop_sequences);
  const content: any[] = [];
  if (text) content.push({ type: 'text', text });
  for (const c of reply.toolCalls ?? [])
    content.push({ type: 'tool_use', id: c.id ?? id('toolu'), name: c.name, input: typeof c.arguments === 'string' ? {} : c.arguments });
  return {
    id: id('msg'),
    type: 'message',
    role: 'assistant',
    model: req.body.model,
    content,
    stop_reason: reply.toolCalls?.length ? 'tool_use' : stopped ? 'stop_sequence' : 'end_turn',
    stop_sequence: stopped ?? null,
    usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
  };
}

function openaiBody(req: RecordedRequest, reply: FakeReply, usage: { inputTokens: number; outputTokens: number }) {
  const stop = typeof req.body.stop === 'string' ? [req.body.stop] : req.body.stop;
  const { text, stopped } = applyStop(reply.text ?? '', stop);
  const toolCalls = (reply.toolCalls ?? []).map((c) => ({
    id: c.id ?? id('call'),
    type: 'function',
    function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) },
  }));
  return {
    id: id('chatcmpl'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: req.body.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text || (toolCalls.length ? null : ''), ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
        finish_reason: toolCalls.length ? 'tool_calls' : stopped ? 'stop' : 'stop',
      },
    ],
    usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens },
  };
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startFakeModelServer(): Promise<FakeModelServer> {
  const queue: FakeReply[] = [];
  let handler: ((req: RecordedRequest) => FakeReply) | undefined;
  const requests: RecordedRequest[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      const api: FakeApi | undefined = path.endsWith('/v1/messages')
        ? 'anthropic'
        : path.endsWith('/chat/completions')
          ? 'openai'
          : path.endsWith('/embeddings') || path.endsWith('/api/embed')
            ? 'embeddings'
            : undefined;
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (!api || req.method !== 'POST') return send(404, { error: { type: 'not_found_error', message: `no route ${req.method} ${path}` } });
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(400, { error: { type: 'invalid_request_error', message: 'body is not JSON' } });
      }
      const recorded: RecordedRequest = { api, path, headers: req.headers, body, at: Date.now() };
      requests.push(recorded);
      if (api === 'embeddings') {
        const input: string[] = Array.isArray(body.input) ? body.input : [body.input];
        if (path.endsWith('/api/embed')) return send(200, { model: body.model, embeddings: input.map(fakeVector) });
        // Out of order on purpose: clients must sort by index.
        const data = input.map((t, index) => ({ object: 'embedding', index, embedding: fakeVector(t) })).reverse();
        return send(200, { object: 'list', model: body.model, data, usage: { prompt_tokens: 0, total_tokens: 0 } });
      }
      const reply = queue.shift() ?? handler?.(recorded);
      if (!reply) return send(400, { error: { type: 'invalid_request_error', message: 'fake model server: no scripted reply left' } });
      const errBody = (type: string, message: string) =>
        api === 'anthropic' ? { type: 'error', error: { type, message } } : { error: { type, message, code: null, param: null } };
      switch (reply.fault) {
        case 'error500':
          return send(500, errBody('api_error', 'fake internal error'));
        case 'rate-limit':
          return send(429, errBody('rate_limit_error', 'fake rate limit'), { 'retry-after': String(reply.retryAfterSec ?? 1) });
        case 'unauthorized':
          return send(401, errBody('authentication_error', 'fake: invalid key'));
        case 'hang':
          return; // never answer; the client times out
        case 'malformed-json':
          return send(200, '{"id": "broken", "content": [{"type": "text", "te');
        case 'empty-body':
          return send(200, '');
        default:
      }
      const r: FakeReply = reply.fault === 'empty' ? {} : reply;
      const usage = r.usage ?? {
        inputTokens: Math.ceil(JSON.stringify(body.messages ?? []).length / 4),
        outputTokens: Math.ceil((r.text ?? '').length / 4) + (r.toolCalls?.length ?? 0) * 10,
      };
      send(200, api === 'anthropic' ? anthropicBody(recorded, r, usage) : openaiBody(recorded, r, usage));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    anthropicUrl: base,
    openaiUrl: `${base}/v1`,
    requests,
    enqueue: (...replies) => void queue.push(...replies),
    respondWith: (fn) => void (handler = fn),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
