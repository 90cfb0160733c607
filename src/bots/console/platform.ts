/**
 * The console platform: a terminal chat through readline, normalised to IncomingMessage like
 * Slack and Discord. One session = one channel = one thread (`console:<session>`).
 * Lines: plain text is a message (mention implied); `/clean turtle_sales` etc. are slash
 * commands; `/as <user>` switches who is typing; `/upload <file.csv>` attaches a file to a
 * `clean`; `/correct <corrections.csv>` attaches corrections of the last run (as `fix <row>
 * <column>=<value>` lines do); `/react <message-ref> 🛑` reacts to a posted message; `/click <action> <run>` clicks a
 * run's button (stop, resume, approve, cancel); `/quit` leaves.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { ChatPlatform, IncomingFile, IncomingMessage, MessageHandler, RouterContext, RunActionName } from '../types.js';

export interface ConsolePlatformOptions {
  /** Session name; the thread and channel ref are `console:<session>`. Default `session`. */
  session?: string;
  /** Who is typing at first. Default `admin`. */
  user?: string;
  /** Read lines from here (interactive mode); absent: only `say()` delivers messages. */
  input?: NodeJS.ReadableStream;
  /** Where replies and echoes go. Default process.stdout. */
  output?: { write(text: string): unknown };
  /** Called when the user types `/quit` or input ends. */
  onQuit?: () => void;
}

export interface ConsolePlatform extends ChatPlatform {
  /** The session's thread ref (`console:<session>`). */
  readonly threadRef: string;
  /** Delivers a line as if typed, and resolves when the router has handled it. */
  say(text: string, options?: { user?: string; files?: string[]; kind?: IncomingMessage['kind'] }): Promise<void>;
  /** Delivers a reaction on a posted message (`console:<session>:<n>`). */
  react(targetRef: string, emoji: string, user?: string): Promise<void>;
  /** Delivers a click on a run's button. */
  click(action: RunActionName, runId: string, user?: string): Promise<void>;
}

async function fileFromDisk(p: string): Promise<IncomingFile> {
  const abs = path.resolve(p);
  const st = await stat(abs);
  const ext = path.extname(abs).toLowerCase();
  return {
    name: path.basename(abs),
    size: st.size,
    contentType: ext === '.csv' ? 'text/csv' : ext === '.txt' ? 'text/plain' : 'application/octet-stream',
    download: () => readFile(abs),
  };
}

export function createConsolePlatform(options: ConsolePlatformOptions = {}): ConsolePlatform {
  const session = options.session ?? 'session';
  const threadRef = `console:${session}`;
  const out = options.output ?? process.stdout;
  let user = options.user ?? 'admin';
  let handler: MessageHandler | undefined;
  let rl: Interface | undefined;
  let seq = 0;
  /** Message ids are unique across processes, so a new session never reuses an old run id. */
  const epoch = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  let stopped = false;

  const ctx: RouterContext = {
    async reply(reply) {
      out.write(`dsbot${reply.ephemeral ? ' (only you)' : ''}: ${reply.text.split('\n').join('\n       ')}\n`);
    },
  };

  const deliver = async (m: Omit<IncomingMessage, 'platform' | 'threadRef' | 'channelRef' | 'messageId' | 'isSelf'>) => {
    if (!handler) throw new Error('The console platform is not started.');
    const message: IncomingMessage = { platform: 'console', threadRef, channelRef: threadRef, messageId: `${epoch}-${++seq}`, isSelf: false, ...m };
    try {
      await handler(message, ctx);
    } catch (err) {
      out.write(`dsbot: error: ${(err as Error).message}\n`);
    }
  };

  const platform: ConsolePlatform = {
    name: 'console',
    threadRef,
    async say(text, o = {}) {
      const who = o.user ?? user;
      out.write(`${who}> ${text}${o.files?.length ? ` [${o.files.map((f) => path.basename(f)).join(', ')}]` : ''}\n`);
      const files = await Promise.all((o.files ?? []).map(fileFromDisk));
      await deliver({ user: { id: who, name: who }, text, files, kind: o.kind ?? 'message' });
    },
    async react(targetRef, emoji, who = user) {
      out.write(`${who} reacted ${emoji} to ${targetRef}\n`);
      await deliver({ user: { id: who, name: who }, text: '', files: [], kind: 'reaction', reaction: emoji, targetRef });
    },
    async click(name, runId, who = user) {
      out.write(`${who} clicked ${name} on ${runId}\n`);
      await deliver({ user: { id: who, name: who }, text: '', files: [], kind: 'action', action: { name, runId } });
    },
    async start(h) {
      handler = h;
      if (!options.input) return;
      rl = createInterface({ input: options.input, terminal: false });
      // One line at a time, in order, like a person waiting for the answer.
      let chain: Promise<void> = Promise.resolve();
      rl.on('line', (raw) => void (chain = chain.then(() => onLine(raw.trim()))));
      rl.on('close', () => void chain.then(() => (stopped ? undefined : options.onQuit?.())));
    },
    async stop() {
      stopped = true;
      rl?.close();
      rl = undefined;
    },
  };

  async function onLine(line: string) {
    if (!line) return;
    const [head = '', ...rest] = line.split(/\s+/);
    const arg = rest.join(' ');
    try {
      switch (head.toLowerCase()) {
        case '/as':
          user = arg || user;
          return void out.write(`(you are now ${user})\n`);
        case '/upload': {
          const [file, ...text] = rest;
          if (!file) return void out.write('usage: /upload <file.csv>\n');
          const files = [await fileFromDisk(file)];
          return deliver({ user: { id: user, name: user }, text: ['clean', ...text].join(' '), files, kind: 'command' });
        }
        case '/correct': {
          const [file] = rest;
          if (!file) return void out.write('usage: /correct <corrections.csv>\n');
          return deliver({ user: { id: user, name: user }, text: '', files: [await fileFromDisk(file)], kind: 'message' });
        }
        case '/react':
          return platform.react(rest[0] ?? '', rest[1] ?? '🛑');
        case '/click': {
          const [name, runId] = rest;
          if (!name || !runId || !['stop', 'resume', 'approve', 'cancel'].includes(name)) return void out.write('usage: /click stop|resume|approve|cancel <run>\n');
          return platform.click(name as RunActionName, runId);
        }
        case '/quit':
        case '/exit':
          options.onQuit?.();
          return;
      }
      if (line.startsWith('/')) return deliver({ user: { id: user, name: user }, text: line.slice(1), files: [], kind: 'command' });
      return deliver({ user: { id: user, name: user }, text: line, files: [], kind: 'message' });
    } catch (err) {
      out.write(`dsbot: ${(err as Error).message}\n`);
    }
  }

  return platform;
}
