/**
 * The Slack ThreadSink: everything a run posts goes into its thread (`thread_ts`), through one
 * ordered queue per sink (paced under Slack's limits; a 429 waits Retry-After and retries, so
 * nothing is lost and order is kept). The status message is Block Kit edited with chat.update;
 * edits still waiting in the queue are merged (the latest view wins). Files go up with
 * files.uploadV2 into the thread; if the status message was deleted, the next status is posted
 * afresh (its new ref returned). A sink made from a channel ref (`slack:T:C`) posts its first
 * message top level and threads everything after under it.
 */
import type { Config } from '../../config/schema.js';
import type { MessageRef, OutgoingFile, PostOptions, SinkLimits, StatusView, ThreadSink } from '../types.js';
import { MESSAGE_MAX_CHARS, renderStatus, renderText, type RenderedMessage } from './blocks.js';
import { createSlackWebClient, rateLimitWaitMs, slackErrorCode, toSlackError, type SlackWebClient } from './client.js';
import { toMrkdwn } from './mrkdwn.js';
import { createOrderedQueue, type Pace } from './queue.js';
import { decodeSlackRef, encodeSlackRef } from './refs.js';
import { splitText } from './text.js';

/** Slack's limits as the worker should plan for them (FIELD-NOTES.md). */
export const SLACK_LIMITS: SinkLimits = {
  maxTextChars: MESSAGE_MAX_CHARS,
  minPostIntervalMs: 1_000,
  minEditIntervalMs: 1_200,
  maxUploadBytes: 1_000 * 1024 * 1024,
};

export interface SlackSinkOptions {
  /** A WebClient to use (default: one made from `config.slack`, with 429s handed to the queue). */
  client?: SlackWebClient;
  /** Pacing per kind of call. Default: posts 1/s after a burst of 3, edits 1 per 1.2 s, uploads 1/s. */
  paces?: Partial<Record<'post' | 'edit' | 'upload', Pace>>;
  /** Called when Slack answered 429 and the queue is waiting (logs, tests). */
  onRateLimited?(lane: string, waitMs: number): void;
}

/** chat.update answers meaning the status message is gone for good. */
const GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

interface PendingEdit {
  view: StatusView;
  started: boolean;
  done: Promise<MessageRef>;
}

/** Creates the sink for `slack:T:C:ts` (or `slack:T:C`). */
export function createSlackSink(threadRef: string, config: Config, options: SlackSinkOptions = {}): ThreadSink {
  const ref = decodeSlackRef(threadRef);
  const client = options.client ?? createSlackWebClient(config, { rejectRateLimitedCalls: true });
  const queue = createOrderedQueue({
    paces: {
      post: { intervalMs: SLACK_LIMITS.minPostIntervalMs, burst: 3 },
      edit: { intervalMs: SLACK_LIMITS.minEditIntervalMs, burst: 2 },
      upload: { intervalMs: 1_000, burst: 1 },
      ...options.paces,
    },
    retryAfterMs: rateLimitWaitMs,
    onRateLimited: options.onRateLimited,
  });
  let threadTs = ref.ts;
  const pendingEdits = new Map<string, PendingEdit>();
  /** What each status message shows now (an edit that changes nothing is not sent). */
  const shown = new Map<string, string>();

  async function postNow(message: RenderedMessage, status = false): Promise<MessageRef> {
    try {
      const res = await client.chat.postMessage({
        channel: ref.channel,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        text: message.text,
        blocks: message.blocks as never,
        unfurl_links: false,
        unfurl_media: false,
      });
      const ts = String(res.ts);
      threadTs ??= ts;
      const id = encodeSlackRef({ team: ref.team, channel: ref.channel, ts });
      if (status) shown.set(id, JSON.stringify(message));
      return { id };
    } catch (err) {
      throw toSlackError(err, `Posting to Slack thread ${threadRef}`);
    }
  }

  function enqueuePost(message: RenderedMessage, status = false): Promise<MessageRef> {
    return queue.run('post', () => postNow(message, status));
  }

  function enqueueEdit(view: StatusView, target: MessageRef): Promise<MessageRef> {
    const waiting = pendingEdits.get(target.id);
    if (waiting && !waiting.started) {
      waiting.view = view;
      return waiting.done;
    }
    const entry = { view, started: false } as PendingEdit;
    const { channel, ts } = decodeSlackRef(target.id);
    entry.done = queue.run('edit', async () => {
      entry.started = true;
      if (pendingEdits.get(target.id) === entry) pendingEdits.delete(target.id);
      const message = renderStatus(entry.view);
      const fingerprint = JSON.stringify(message);
      if (shown.get(target.id) === fingerprint) return target;
      try {
        await client.chat.update({ channel, ts: ts ?? '', text: message.text, blocks: message.blocks as never });
      } catch (err) {
        // Someone deleted the status message (or it can no longer be edited): post a fresh one.
        if (GONE.has(slackErrorCode(err) ?? '')) return postNow(message, true);
        throw toSlackError(err, `Editing the status message ${target.id}`);
      }
      shown.set(target.id, fingerprint);
      return target;
    });
    pendingEdits.set(target.id, entry);
    return entry.done;
  }

  async function uploadNow(files: OutgoingFile[], comment?: string): Promise<void> {
    try {
      await client.filesUploadV2({
        channel_id: ref.channel,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        ...(comment ? { initial_comment: toMrkdwn(comment) } : {}),
        file_uploads: files.map((f) => ({ file: f.path, filename: f.name, title: f.name })),
      } as never);
    } catch (err) {
      throw toSlackError(err, `Uploading ${files.map((f) => f.name).join(', ')} to Slack`);
    }
  }

  return {
    threadRef,
    limits: SLACK_LIMITS,
    async post(text: string, options?: PostOptions): Promise<MessageRef> {
      const split = splitText(toMrkdwn(text), SLACK_LIMITS.maxTextChars);
      const pieces = split.map((piece, i) => renderText(piece, i === split.length - 1 ? options?.actions : undefined));
      const refs = pieces.map((piece) => enqueuePost(piece));
      return (await Promise.all(refs))[0];
    },
    status(view: StatusView, target?: MessageRef): Promise<MessageRef> {
      return target ? enqueueEdit(view, target) : enqueuePost(renderStatus(view), true);
    },
    async upload(files: OutgoingFile[], comment?: string): Promise<void> {
      const fitting = files.filter((f) => f.bytes <= SLACK_LIMITS.maxUploadBytes);
      const tooBig = files.filter((f) => f.bytes > SLACK_LIMITS.maxUploadBytes);
      const jobs: Promise<unknown>[] = [];
      if (fitting.length > 0) jobs.push(queue.run('upload', () => uploadNow(fitting, comment)));
      for (const f of tooBig) {
        const mb = (f.bytes / 1024 / 1024).toFixed(1);
        jobs.push(enqueuePost(renderText(toMrkdwn(`${f.name} (${mb} MB) is larger than Slack accepts; it stays in the run's artifacts.`))));
      }
      await Promise.all(jobs);
    },
    flush: () => queue.idle(),
  };
}
