/** Block Kit rendering of the run status message and of long text posts. */
import { ACTION_LABELS, type RunAction, type StatusView } from '../types.js';
import { SECTION_MAX_CHARS, splitText } from './text.js';

/** A Block Kit block as sent to chat.postMessage / chat.update (kept loose: only what we build). */
export type SlackBlock = Record<string, unknown>;

/** A rendered message: `text` is the notification/fallback text, `blocks` the layout. */
export interface RenderedMessage {
  text: string;
  blocks: SlackBlock[];
}

const STATE_EMOJI: Record<StatusView['state'], string> = {
  queued: ':hourglass_flowing_sand:',
  running: ':gear:',
  waiting: ':hourglass:',
  succeeded: ':white_check_mark:',
  stopped: ':octagonal_sign:',
  failed: ':x:',
};

/** A text progress bar: `▓▓▓▓░░░░░░ 40%`; `done`/`total` with total 0 reads as 0%. */
export function progressBar(done: number, total: number, width = 20): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(fraction * width);
  return `${'▓'.repeat(filled)}${'░'.repeat(width - filled)} ${Math.round(fraction * 100)}%`;
}

/** `1h 02m 03s` / `2m 05s` / `7s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${String(sec).padStart(2, '0')}s`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The status message: title and state, a progress bar, and the figures as context. */
export function renderStatus(view: StatusView): RenderedMessage {
  const done = view.state === 'succeeded' ? Math.max(view.chunksDone, view.totalChunks) : view.chunksDone;
  const bar = progressBar(done, view.totalChunks);
  const head = `${STATE_EMOJI[view.state]} *${escapeMrkdwn(view.title)}* — ${view.state}`;
  const figures = [
    `run \`${escapeMrkdwn(view.runId)}\``,
    `phase: ${escapeMrkdwn(view.phase)}`,
    `chunks ${view.chunksDone}/${view.totalChunks}`,
    `${view.rowsProcessed.toLocaleString('en-US')} rows`,
    formatDuration(view.elapsedMs),
    `${view.modelCalls} model call${view.modelCalls === 1 ? '' : 's'}`,
  ].join(' · ');
  const blocks: SlackBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: clip(head) } },
    { type: 'section', text: { type: 'mrkdwn', text: `\`${bar}\`` } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: clip(figures) }] },
  ];
  if (view.footer) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(view.footer) }] });
  if (view.actions?.length) blocks.push(actionsBlock(view.actions));
  // The fallback text shows in notifications: escaped too, so a title can never ping anyone.
  const text = escapeMrkdwn(`${view.title} — ${view.state} — ${bar} — ${view.phase}`);
  return { text, blocks };
}

/** Slack `action_id` of a run button (`dsbot_stop`…); the run id is the button's value. */
export function actionId(name: RunAction['name']): string {
  return `dsbot_${name}`;
}

/** Matches the action ids of run buttons. */
export const ACTION_ID = /^dsbot_(stop|resume|approve|cancel)$/;

/** Buttons as an actions block: Approve and Resume primary, Stop and Cancel red. */
export function actionsBlock(actions: RunAction[]): SlackBlock {
  return {
    type: 'actions',
    block_id: 'dsbot_run_actions',
    elements: actions.map((a) => ({
      type: 'button',
      action_id: actionId(a.name),
      text: { type: 'plain_text', text: ACTION_LABELS[a.name] },
      value: a.runId,
      style: a.name === 'stop' || a.name === 'cancel' ? 'danger' : 'primary',
    })),
  };
}

/** Largest text one Slack message carries as section blocks (50 blocks of 3,000 chars, kept well under 40,000). */
export const MESSAGE_MAX_CHARS = 36_000;

/** A text post as section blocks of at most 3,000 chars each (plus buttons); `text` must be within MESSAGE_MAX_CHARS. */
export function renderText(text: string, actions?: RunAction[]): RenderedMessage {
  const sections = splitText(text, SECTION_MAX_CHARS);
  const blocks: SlackBlock[] = sections.map((s) => ({ type: 'section', text: { type: 'mrkdwn', text: s.length > 0 ? s : ' ' } }));
  if (actions?.length) blocks.push(actionsBlock(actions));
  return { text: text.length > 3_000 ? `${text.slice(0, 2_990)}…` : text, blocks };
}

function clip(s: string): string {
  return s.length <= SECTION_MAX_CHARS ? s : `${s.slice(0, SECTION_MAX_CHARS - 1)}…`;
}
