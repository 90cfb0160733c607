/**
 * The Slack App Home tab: the workspace's recent runs, newest first, each with its state and a
 * link to its thread. Built from the run registry when a person opens the tab.
 */
import type { RunRecord } from '../../queue/run-registry.js';
import { describeSource } from '../../queue/run-request.js';
import { escapeMrkdwn, type SlackBlock } from './blocks.js';
import { decodeSlackRef } from './refs.js';

const STATE_EMOJI: Record<RunRecord['state'], string> = {
  queued: ':hourglass_flowing_sand:',
  running: ':gear:',
  awaiting_approval: ':hourglass:',
  succeeded: ':white_check_mark:',
  stopped: ':octagonal_sign:',
  failed: ':x:',
};

const STATE_TEXT: Record<RunRecord['state'], string> = {
  queued: 'queued',
  running: 'running',
  awaiting_approval: 'waiting for approval',
  succeeded: 'succeeded',
  stopped: 'stopped',
  failed: 'failed',
};

/** A message permalink from the workspace URL (auth.test `url`): `https://x.slack.com/archives/C/p1700000000000100`. */
export function permalink(workspaceUrl: string, channel: string, ts: string): string {
  return `${workspaceUrl.replace(/\/?$/, '/')}archives/${channel}/p${ts.replace('.', '')}`;
}

/** The Home view (`views.publish`) listing `runs` of workspace `team`. */
export function renderHome(runs: RunRecord[], team: string, workspaceUrl: string | undefined): { type: 'home'; blocks: SlackBlock[] } {
  const mine = runs.filter((r) => r.request.threadRef.startsWith(`slack:${team}:`));
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Recent cleaning runs' } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: 'Start one with `/dsbot clean <dataset>` or by mentioning me with a CSV. Newest first.' }] },
    { type: 'divider' },
  ];
  if (mine.length === 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'No runs yet in this workspace.' } });
  for (const r of mine.slice(0, 20)) {
    const ref = decodeSlackRef(r.request.threadRef);
    const where = ref.ts && workspaceUrl ? `<${permalink(workspaceUrl, ref.channel, ref.ts)}|open the thread>` : `<#${ref.channel}>`;
    const when = `<!date^${Math.floor(r.updatedAt / 1000)}^{date_short_pretty} {time}|${new Date(r.updatedAt).toISOString()}>`;
    const lines = [
      `${STATE_EMOJI[r.state]} *${escapeMrkdwn(describeSource(r.request.source))}* — ${STATE_TEXT[r.state]} · ${where}`,
      `run \`${escapeMrkdwn(r.runId)}\` · by <@${escapeMrkdwn(r.request.requestedBy.userId)}> · ${when}`,
    ];
    if (r.message) lines.push(escapeMrkdwn(r.message.length > 200 ? `${r.message.slice(0, 199)}…` : r.message));
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } });
  }
  return { type: 'home', blocks };
}
