import { describe, expect, it } from 'vitest';
import { checkAction, isAdmin } from '../../src/bots/admin-guard.js';
import { adminSchema } from '../../src/config/schema.js';

const policy = adminSchema.parse({
  users: { slack: ['U_ADMIN'], discord: ['111'], console: ['admin'] },
  discordRoles: ['data-admin'],
  maxActiveRunsPerChannel: 1,
});

describe('admin guard', () => {
  it('denies by default', () => {
    const empty = adminSchema.parse({});
    expect(checkAction(empty, { action: 'trigger', platform: 'slack', userId: 'U_ADMIN', channelRef: 'slack:T:C' })).toMatchObject({
      allowed: false,
      reason: 'not_admin',
    });
  });

  it('admins by user id per platform; ids do not cross platforms', () => {
    expect(isAdmin(policy, 'slack', 'U_ADMIN')).toBe(true);
    expect(isAdmin(policy, 'discord', 'U_ADMIN')).toBe(false);
    expect(isAdmin(policy, 'console', 'admin')).toBe(true);
  });

  it('Discord role names count only on Discord', () => {
    expect(isAdmin(policy, 'discord', '999', ['data-admin'])).toBe(true);
    expect(isAdmin(policy, 'slack', 'U2', ['data-admin'])).toBe(false);
  });

  it('channel allowlist and active-run limit apply to triggers', () => {
    const allow = { ...policy, channelAllowlist: ['slack:T:C_OK'] };
    const base = { action: 'trigger' as const, platform: 'slack' as const, userId: 'U_ADMIN' };
    expect(checkAction(allow, { ...base, channelRef: 'slack:T:C_OTHER' })).toMatchObject({ allowed: false, reason: 'channel_not_allowed' });
    expect(checkAction(allow, { ...base, channelRef: 'slack:T:C_OK' })).toEqual({ allowed: true });
    const busy = checkAction(policy, { ...base, channelRef: 'slack:T:C', activeRunsInChannel: 1 });
    expect(busy).toMatchObject({ allowed: false, reason: 'too_many_runs' });
    expect(checkAction({ ...policy, maxActiveRunsPerChannel: 2 }, { ...base, channelRef: 'slack:T:C', activeRunsInChannel: 1 })).toEqual({ allowed: true });
  });

  it('the requester may stop their own run; others need to be admins', () => {
    const stop = { action: 'stop' as const, platform: 'slack' as const, channelRef: 'slack:T:C' };
    expect(checkAction(policy, { ...stop, userId: 'U_REQ', requesterId: 'U_REQ' })).toEqual({ allowed: true });
    expect(checkAction(policy, { ...stop, userId: 'U_OTHER', requesterId: 'U_REQ' })).toMatchObject({ allowed: false, reason: 'not_admin' });
    expect(checkAction(policy, { ...stop, userId: 'U_ADMIN', requesterId: 'U_REQ' })).toEqual({ allowed: true });
  });
});
