/**
 * Slack thread and channel references: `slack:T:C:ts` (a thread, or one message), `slack:T:C`
 * (a channel, posts go top level). Jobs carry these strings, never Slack objects.
 */
import { InputError } from '../../errors.js';

/** A decoded Slack reference. */
export interface SlackRef {
  /** Workspace (team) id, e.g. `T0123`. */
  team: string;
  /** Channel id (`C…`, `G…`, or a DM `D…`). */
  channel: string;
  /** Message timestamp (`1700000000.000100`): the thread root for a thread ref; absent for a channel ref. */
  ts?: string;
}

const PART = /^[A-Za-z0-9._-]+$/;

/** Encodes `{team, channel, ts?}` as `slack:T:C:ts` (or `slack:T:C` without ts). */
export function encodeSlackRef(ref: SlackRef): string {
  for (const [key, value] of Object.entries(ref)) {
    if (value !== undefined && !PART.test(value)) throw new InputError(`Invalid Slack ${key} "${value}" in a thread ref.`);
  }
  return ref.ts ? `slack:${ref.team}:${ref.channel}:${ref.ts}` : `slack:${ref.team}:${ref.channel}`;
}

/** Decodes `slack:T:C:ts` or `slack:T:C`; throws InputError on anything else. */
export function decodeSlackRef(ref: string): SlackRef {
  const parts = ref.split(':');
  if (parts[0] !== 'slack' || parts.length < 3 || parts.length > 4 || parts.slice(1).some((p) => !PART.test(p))) {
    throw new InputError(`"${ref}" is not a Slack thread ref: expected slack:TEAM:CHANNEL or slack:TEAM:CHANNEL:TS.`);
  }
  return parts.length === 4 ? { team: parts[1], channel: parts[2], ts: parts[3] } : { team: parts[1], channel: parts[2] };
}

/** The channel ref (`slack:T:C`) of any Slack ref. */
export function slackChannelRef(ref: SlackRef): string {
  return encodeSlackRef({ team: ref.team, channel: ref.channel });
}
