/** Discord markdown for a run's status message. */
import { ACTION_LABELS, type RunAction, type StatusView } from '../types.js';

const STATE_ICON: Record<StatusView['state'], string> = {
  queued: '⏳',
  running: '🧹',
  waiting: '⏸️',
  succeeded: '✅',
  stopped: '🛑',
  failed: '❌',
};

/** A text progress bar, e.g. `▰▰▰▱▱▱▱▱▱▱ 30%`; an empty-ish bar when the total is unknown. */
export function progressBar(done: number, total: number, width = 12): string {
  if (total <= 0) return `${'▱'.repeat(width)} –`;
  const ratio = Math.max(0, Math.min(1, done / total));
  const filled = Math.round(ratio * width);
  return `${'▰'.repeat(filled)}${'▱'.repeat(width - filled)} ${Math.round(ratio * 100)}%`;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** The status message (well under 2,000 characters). */
export function renderStatus(view: StatusView): string {
  const lines = [
    `${STATE_ICON[view.state]} **${view.title.slice(0, 200)}** · run \`${view.runId}\` · ${view.state}`,
    `${progressBar(view.chunksDone, view.totalChunks)} · ${view.chunksDone}/${view.totalChunks || '?'} chunks`,
    `phase: ${view.phase} · ${view.rowsProcessed.toLocaleString('en-US')} rows · ${duration(view.elapsedMs)} · ${view.modelCalls} model calls`,
  ];
  if (view.footer) lines.push(`-# ${view.footer.slice(0, 300)}`);
  return lines.join('\n');
}

/** The `custom_id` of a run button: `dsbot:<action>:<run id>` (Discord allows 100 characters). */
export function customId(action: RunAction): string {
  return `dsbot:${action.name}:${action.runId}`.slice(0, 100);
}

/** Reads a run button's `custom_id`; undefined for components that are not ours. */
export function parseCustomId(id: string): RunAction | undefined {
  const m = /^dsbot:(stop|resume|approve|cancel):(.+)$/.exec(id);
  return m ? { name: m[1] as RunAction['name'], runId: m[2] } : undefined;
}

/** Buttons as one action row (Approve and Resume primary, Stop and Cancel red); none: an empty list, which removes old buttons. */
export function renderComponents(actions: RunAction[] | undefined): unknown[] {
  if (!actions?.length) return [];
  return [
    {
      type: 1,
      components: actions.map((a) => ({ type: 2, style: a.name === 'stop' || a.name === 'cancel' ? 4 : 1, label: ACTION_LABELS[a.name], custom_id: customId(a) })),
    },
  ];
}
