/**
 * Who may start, stop and resume runs: a pure function over the policy in `config.admin`.
 * Default deny; admins per platform by user id; Discord role names; an optional channel
 * allowlist; at most N active runs per channel. The requester of a run may stop it.
 */
import type { AdminConfig } from '../config/schema.js';
import type { PlatformName } from './types.js';

export type GuardAction = 'trigger' | 'stop' | 'resume' | 'approve' | 'cancel' | 'change';

/** What each guarded action is called in a refusal. */
const DOING: Record<Exclude<GuardAction, 'trigger'>, string> = {
  stop: 'stop runs',
  resume: 'resume runs',
  approve: 'approve plans',
  cancel: 'cancel plans',
  change: 'change plans',
};

export interface GuardRequest {
  /** What the user wants to do. */
  action: GuardAction;
  /** The platform the message came from (admins are listed per platform). */
  platform: PlatformName;
  /** The user's platform id. */
  userId: string;
  /** Discord role names of the user. */
  roles?: string[];
  /** Channel the action happens in (`slack:T:C`, `discord:G:C`, `console:…`). */
  channelRef: string;
  /** Queued or running runs in that channel now (trigger only). */
  activeRunsInChannel?: number;
  /** Who started the run (stop only): the requester may stop their own run. */
  requesterId?: string;
}

export type GuardRefusal = 'not_admin' | 'channel_not_allowed' | 'too_many_runs';

export type GuardDecision =
  | { allowed: true }
  | {
      allowed: false;
      reason: GuardRefusal;
      /** A polite sentence for the user. */
      message: string;
    };

/** True when the user is an admin on that platform (by id, or by Discord role). */
export function isAdmin(policy: AdminConfig, platform: PlatformName, userId: string, roles: string[] = []): boolean {
  if ((policy.users[platform] ?? []).includes(userId)) return true;
  return platform === 'discord' && roles.some((r) => policy.discordRoles.includes(r));
}

/** Decides whether the action is allowed. Pure: same inputs, same answer. */
export function checkAction(policy: AdminConfig, req: GuardRequest): GuardDecision {
  const admin = isAdmin(policy, req.platform, req.userId, req.roles);
  if (req.action === 'stop' && req.requesterId !== undefined && req.requesterId === req.userId) return { allowed: true };
  if (!admin)
    return {
      allowed: false,
      reason: 'not_admin',
      message:
        req.action === 'trigger'
          ? 'Sorry, only admins can start cleaning runs. You can still ask me anything about the datasets.'
          : `Sorry, only admins${req.action === 'stop' ? ' or the person who started the run' : ''} can ${DOING[req.action]}.`,
    };
  if (req.action !== 'trigger') return { allowed: true };
  if (policy.channelAllowlist.length > 0 && !policy.channelAllowlist.includes(req.channelRef))
    return {
      allowed: false,
      reason: 'channel_not_allowed',
      message: 'Cleaning runs are not enabled in this channel. Ask an admin which channel to use.',
    };
  const active = req.activeRunsInChannel ?? 0;
  if (active >= policy.maxActiveRunsPerChannel)
    return {
      allowed: false,
      reason: 'too_many_runs',
      message: `This channel already has ${active} active run${active === 1 ? '' : 's'} (limit ${policy.maxActiveRunsPerChannel}). Wait for it to finish or stop it first.`,
    };
  return { allowed: true };
}
