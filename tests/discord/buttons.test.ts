/**
 * Run buttons on Discord, end to end: fake Discord ⇄ real discord.js platform → real router →
 * real Redis/BullMQ → real worker → Discord sink (REST) back to the fake. The status message (the
 * run thread's starter) carries Stop while the run runs and Resume once it stopped; clicks
 * (INTERACTION_CREATE, component type 2) are deferred ephemerally within Discord's 3 s; only
 * admins' clicks act, others get an ephemeral refusal; a click on a finished run says so; every
 * click is audited. With the real engine, `approve=yes` posts the plan with Approve / Cancel and
 * an admin's Approve finishes the run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scriptedEngine } from '../bots/event-script.js';
import { ADMIN_ROLE, APP_ID, BOT, CHANNEL_ID, type FakeUser } from '../fakes/discord-server.js';
import { createDiscordHarness, type DiscordHarness } from './harness.js';

const ALICE: FakeUser = { id: '1500000000000000001', username: 'alice' }; // admin by user id
const CAROL: FakeUser = { id: '1500000000000000004', username: 'carol', roles: [ADMIN_ROLE.id] }; // admin by role
const BOB: FakeUser = { id: '1500000000000000002', username: 'bob' };
const admins = { admin: { users: { discord: [ALICE.id] }, discordRoles: [ADMIN_ROLE.name] } };

let h: DiscordHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The ephemeral answer to a click: the deferred reply's edit. */
async function clickAnswer(h: DiscordHarness, token: string): Promise<string> {
  const edit = await h.fake.waitFor(() => h.fake.find('PATCH', new RegExp(`^/webhooks/${APP_ID}/${token}/messages/@original$`))[0], 15_000, `the answer to ${token}`);
  const deferred = h.fake.find('POST', new RegExp(`^/interactions/\\d+/${token}/callback$`))[0];
  expect(deferred.body).toMatchObject({ type: 5, data: { flags: 64 } }); // deferred, only the clicker sees it
  return edit.body.content as string;
}

const audit = (h: DiscordHarness) => readFileSync(path.join(h.config.dataDir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);

async function startInThread(h: DiscordHarness, user: FakeUser, text: string): Promise<{ runId: string; threadId: string }> {
  h.fake.userMessage(user, `<@${BOT.id}> ${text}`, { mentions: [BOT] });
  const thread = await h.fake.waitFor(() => h.fake.find('POST', /\/threads$/).at(-1), 15_000, 'the run thread');
  const threadId = thread.path.split('/')[4];
  const runId = /run-[0-9a-f]+/.exec(h.fake.channels.get(threadId).name)![0];
  return { runId, threadId };
}

describe('discord run buttons', () => {
  it('Stop on the status message: a stranger is refused, an admin stops it; then Resume; a click on a finished run says so; all audited', async () => {
    h = await createDiscordHarness({ run: scriptedEngine({ chunks: 3, blockAfterFirstChunk: true }), overrides: admins });
    const { runId, threadId } = await startInThread(h, CAROL, 'clean turtle_reviews');
    await h.waitForState(runId, ['running']);
    await h.fake.waitFor(() => h!.fake.buttons(threadId).length > 0 && /1\/3 chunks/.test(h!.fake.messages.get(threadId).content), 15_000, 'the Stop button');
    expect(h.fake.buttons(threadId)).toEqual([{ customId: `dsbot:stop:${runId}`, label: 'Stop' }]);

    const bob = h.fake.clickButton(BOB, threadId, `dsbot:stop:${runId}`);
    expect(await clickAnswer(h, bob.token)).toMatch(/only admins or the person who started the run can stop runs/);
    expect((await h.registry.get(runId))!.state).toBe('running');

    const alice = h.fake.clickButton(ALICE, threadId, `dsbot:stop:${runId}`);
    expect(await clickAnswer(h, alice.token)).toMatch(/Stopping `run-/);
    expect(await h.waitForState(runId, ['stopped', 'failed', 'succeeded'])).toBe('stopped');
    await h.fake.waitFor(() => h!.fake.buttons(threadId)[0]?.label === 'Resume', 15_000, 'the Resume button');
    expect(h.fake.messages.get(threadId).content).toMatch(/🛑[\s\S]*stopped/);

    const again = h.fake.clickButton(ALICE, threadId, `dsbot:stop:${runId}`);
    expect(await clickAnswer(h, again.token)).toMatch(/already stopped: there is nothing to stop/);
    const bobResume = h.fake.clickButton(BOB, threadId, `dsbot:resume:${runId}`);
    expect(await clickAnswer(h, bobResume.token)).toMatch(/only admins can resume runs/);
    expect((await h.registry.get(runId))!.state).toBe('stopped');

    const resume = h.fake.clickButton(ALICE, threadId, `dsbot:resume:${runId}`);
    const follow = await h.fake.waitFor(() => h!.fake.find('POST', new RegExp(`^/webhooks/${APP_ID}/${resume.token}$`))[0], 15_000, 'the resume follow-up');
    expect(follow.body.content).toMatch(/Resuming `run-/);
    expect(follow.body.flags ?? 0).toBe(0); // everyone sees it
    expect(await h.waitForState(runId, ['running', 'queued'])).toMatch(/running|queued/);

    const clicks = audit(h).filter((a) => a.action === 'click').map((a) => `${a.userId === ALICE.id ? 'alice' : 'bob'}:${a.button}`);
    expect(clicks).toEqual(['bob:stop', 'alice:stop', 'alice:stop', 'bob:resume', 'alice:resume']);
    expect(audit(h).filter((a) => a.action === 'refusal').map((a) => a.reason)).toEqual(['stop:not_admin', 'resume:not_admin']);
  });

  it('approve=yes (real engine): the plan is posted with Approve / Cancel; a stranger is refused; Approve finishes the run', async () => {
    h = await createDiscordHarness({ overrides: admins });
    const { runId, threadId } = await startInThread(h, ALICE, 'clean turtle_sales approve=yes');
    expect(await h.waitForState(runId, ['awaiting_approval', 'failed'], 120_000)).toBe('awaiting_approval');
    const plan = h.fake.find('POST', new RegExp(`^/channels/${threadId}/messages$`)).find((c) => /Plan for run/.test(c.body?.content ?? ''))!;
    expect(plan.body.content).toMatch(/Measured on all 352 rows/);
    expect(plan.body.content.length).toBeLessThanOrEqual(2000);
    const planId = [...h.fake.messages.values()].find((m) => m.channel_id === threadId && /Plan for run/.test(m.content)).id;
    expect(h.fake.buttons(planId).map((b) => b.label)).toEqual(['Approve', 'Cancel']);
    expect(h.fake.messages.get(threadId).content).toMatch(/⏸️[\s\S]*waiting/); // the status says it waits

    const bob = h.fake.clickButton(BOB, planId, `dsbot:approve:${runId}`);
    expect(await clickAnswer(h, bob.token)).toMatch(/only admins can approve plans/);
    expect((await h.registry.get(runId))!.state).toBe('awaiting_approval');

    h.fake.clickButton(ALICE, planId, `dsbot:approve:${runId}`);
    expect(await h.waitForState(runId, ['succeeded', 'failed', 'stopped'], 120_000)).toBe('succeeded');
    await h.worker.close();
    const posts = h.fake.find('POST', new RegExp(`^/channels/${threadId}/messages$`));
    expect(posts.map((p) => p.body?.content ?? '').join('\n')).toMatch(/Plan of `run-[0-9a-f]+` approved by alice|succeeded/);
    expect(posts.at(-1)!.files.map((f) => f.name)).toContain('cleaned.csv');
    expect(h.fake.messages.get(threadId).content).toMatch(/✅[\s\S]*succeeded/);
    expect(audit(h).filter((a) => a.runId === runId).map((a) => `${a.action}:${a.userId === ALICE.id ? 'alice' : 'bob'}`)).toEqual([
      'trigger:alice', 'click:bob', 'refusal:bob', 'click:alice', 'approve:alice',
    ]);
  });
});
