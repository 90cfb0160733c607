/**
 * The ChatPlatform seam (inbound) and ThreadSink seam (outbound). Nothing outside
 * src/bots/<platform> sees platform types: adapters normalise to these.
 */

export type PlatformName = 'slack' | 'discord' | 'console';

/** A file attached to an incoming message; downloading it is the adapter's job (it has the token). */
export interface IncomingFile {
  name: string;
  /** Size in bytes as the platform reports it. */
  size: number;
  contentType?: string;
  /** Downloads the content. */
  download(): Promise<Buffer>;
}

export interface IncomingUser {
  id: string;
  name?: string;
  /** Role names (Discord). */
  roles?: string[];
  isBot?: boolean;
}

/** One normalised inbound event. */
export interface IncomingMessage {
  platform: PlatformName;
  /** Where replies go: `slack:T:C:ts`, `discord:G:C:thread`, `console:session`. */
  threadRef: string;
  /** The channel (for allowlists and one-run-per-channel): `slack:T:C`, `discord:G:C`, `console:…`. */
  channelRef: string;
  /** Platform id of the message (for dedup of retried deliveries). */
  messageId: string;
  user: IncomingUser;
  /** Text with the bot mention removed. */
  text: string;
  files: IncomingFile[];
  /** The bot itself wrote it. */
  isSelf: boolean;
  /** `message` (mention, DM, thread reply), `command` (slash command), `reaction` (a reaction added), `action` (a button clicked). */
  kind: 'message' | 'command' | 'reaction' | 'action';
  /** For `kind: 'reaction'`: the emoji name (e.g. `octagonal_sign`, `🛑`). */
  reaction?: string;
  /** For reactions: the thread ref of the message reacted to, when different from threadRef. */
  targetRef?: string;
  /** For `kind: 'action'`: the button clicked and the run it names. */
  action?: RunAction;
}

/** Buttons on a run's messages (Slack Block Kit buttons, Discord message components). */
export type RunActionName = 'stop' | 'resume' | 'approve' | 'cancel';

/** A button: what it does, to which run. */
export interface RunAction {
  name: RunActionName;
  runId: string;
}

/** Button labels, the same on every platform. */
export const ACTION_LABELS: Record<RunActionName, string> = { stop: 'Stop', resume: 'Resume', approve: 'Approve', cancel: 'Cancel' };

/** Options of a post. */
export interface PostOptions {
  /** Buttons under the post (on its last piece when the text is split). */
  actions?: RunAction[];
}

/** What the router asks the platform to post as a direct reply. */
export interface BotReply {
  text: string;
  /** Only the requester sees it (Slack ephemeral / Discord ephemeral), where supported. */
  ephemeral?: boolean;
}

/** How the router answers the message it is handling; given by the platform adapter. */
export interface RouterContext {
  /** Posts a direct reply to the message (in its thread; ephemeral where asked and supported). */
  reply(reply: BotReply): Promise<void>;
  /**
   * Opens a dedicated thread for a run (Discord: a thread started from a message) and returns
   * its thread ref. Absent: the run reports into `message.threadRef`.
   */
  openRunThread?(runId: string, title: string): Promise<string>;
}

/** The router's entry point, called by platforms for every normalised message. */
export type MessageHandler = (message: IncomingMessage, ctx: RouterContext) => Promise<void>;

export interface ChatPlatform {
  readonly name: PlatformName;
  /** Connects and starts delivering normalised messages to `handler`. */
  start(handler: MessageHandler): Promise<void>;
  /** Disconnects. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Reference to a posted message, so it can be edited. `id` is a full message ref in the
 * platform's ref format (`slack:T:C:ts`, `discord:G:C:messageId`, `console:session:n`), the
 * same format adapters use for `IncomingMessage.targetRef` of a reaction, so a reaction on
 * any message the worker posted can be mapped back to its run.
 */
export interface MessageRef {
  id: string;
}

/** The live status of a run, rendered by each sink in its own format (Block Kit, markdown, text). */
export interface StatusView {
  runId: string;
  title: string;
  phase: string;
  /** `waiting`: the plan is posted and waits for approval. */
  state: 'queued' | 'running' | 'waiting' | 'succeeded' | 'stopped' | 'failed';
  chunksDone: number;
  totalChunks: number;
  rowsProcessed: number;
  elapsedMs: number;
  modelCalls: number;
  /** Optional last line (e.g. "stop with 🛑 or `stop`"). */
  footer?: string;
  /** Buttons under the status message (Stop while running, Resume once stopped or failed). */
  actions?: RunAction[];
}

export interface OutgoingFile {
  name: string;
  path: string;
  contentType: string;
  bytes: number;
}

export interface SinkLimits {
  /** Longest text one post may carry. */
  maxTextChars: number;
  /** Minimum spacing of posts (rate limits). */
  minPostIntervalMs: number;
  /** Minimum spacing of status edits. */
  minEditIntervalMs: number;
  /** Largest upload. */
  maxUploadBytes: number;
}

/**
 * Outbound side of a thread: created by the worker from a thread ref. Implementations keep
 * order, wait out 429s and never drop a post.
 */
export interface ThreadSink {
  readonly threadRef: string;
  readonly limits: SinkLimits;
  /** Posts text (already within `limits.maxTextChars`), with buttons when asked. */
  post(text: string, options?: PostOptions): Promise<MessageRef>;
  /** Posts the status message (no ref) or edits it in place (ref). */
  status(view: StatusView, ref?: MessageRef): Promise<MessageRef>;
  /** Uploads files into the thread, with an optional comment. */
  upload(files: OutgoingFile[], comment?: string): Promise<void>;
  /** Waits for queued posts to go out. */
  flush(): Promise<void>;
}
