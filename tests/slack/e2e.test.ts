/**
 * Slack end to end: signed events and commands into the real Bolt app → real router → real
 * BullMQ/Redis → real worker → real engine (builtin model, local sandbox) → Slack sink → the
 * fake Slack. Stop tests use a stand-in engine that blocks after its first chunk, so the stop
 * always lands mid-run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BOT_USER, deliverCommand, deliverEvent, eventEnvelope, nextTs, TEAM, type FakeCall } from '../fakes/slack-server.js';
import { scriptedEngine } from '../bots/event-script.js';
import { ADMIN, startSlackStack, type SlackStack } from './stack.js';

let s: SlackStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const posts = (stack: SlackStack) => stack.fake.callsOf('chat.postMessage').filter((c) => c.status === 200);
const textOf = (c: FakeCall) => `${c.args.text ?? ''} ${JSON.stringify(c.args.blocks ?? [])}`;

/** Triggers `/dsbot <text>` as `user` in C1 and returns the run id from the registry. */
async function command(stack: SlackStack, user: string, text: string, channel = 'C1') {
  const res = await deliverCommand(stack.endpoint, { text, user_id: user, channel_id: channel, response_url: stack.fake.responseUrl() });
  expect(res.status).toBe(200);
}

async function runIdOf(stack: SlackStack, channel = 'C1'): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const id = await stack.registry.findByRef(`slack:${TEAM}:${channel}`);
    if (id) return id;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no run was linked to the channel');
}

describe('slack end to end (real router, Redis, worker, engine)', () => {
  it('a mention gets an answer in its thread', async () => {
    s = await startSlackStack();
    const env = eventEnvelope({ type: 'app_mention', channel: 'C1', user: 'UBOB', text: `<@${BOT_USER}> which datasets do you know?`, ts: nextTs() });
    await deliverEvent(s.endpoint, env);
    await s.fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage'));
    const [answer] = posts(s);
    expect(answer.args.thread_ts).toBe((env.event as { ts: string }).ts);
    expect(textOf(answer)).toContain('turtle_reviews');
  });

  it('refuses a non-admin /dsbot clean ephemerally and enqueues nothing', async () => {
    s = await startSlackStack();
    await command(s, 'UGUEST', 'clean turtle_reviews');
    await s.fake.waitFor((calls) => calls.some((c) => c.method === 'response_url'));
    const [reply] = s.fake.callsOf('response_url');
    expect(reply.args.response_type).toBe('ephemeral');
    expect(reply.args.text).toMatch(/only admins/i);
    expect(await s.jobCount()).toBe(0);
    expect(posts(s)).toHaveLength(0);
    expect(s.audit()).toEqual([expect.objectContaining({ action: 'refusal', reason: 'not_admin', userId: 'UGUEST' })]);
  });

  it('a forged or five-minute-old admin trigger gets 401 and enqueues nothing', async () => {
    s = await startSlackStack();
    const fields = { text: 'clean turtle_sales', user_id: ADMIN, channel_id: 'C1', response_url: s.fake.responseUrl() };
    expect((await deliverCommand(s.endpoint, fields, { forgeWith: 'guessed-secret' })).status).toBe(401);
    expect((await deliverCommand(s.endpoint, fields, { timestampSec: Math.floor(Date.now() / 1000) - 301 })).status).toBe(401);
    const mentionEnv = eventEnvelope({ type: 'app_mention', channel: 'C1', user: ADMIN, text: `<@${BOT_USER}> clean turtle_sales`, ts: nextTs() });
    expect((await deliverEvent(s.endpoint, mentionEnv, { forgeWith: 'guessed-secret' })).status).toBe(401);
    // A genuine request afterwards is answered, so the rejected ones had their chance to arrive.
    await command(s, 'UGUEST', 'help');
    await s.fake.waitFor((calls) => calls.some((c) => c.method === 'response_url'));
    expect(await s.jobCount()).toBe(0);
    expect(posts(s)).toHaveLength(0);
    expect(s.audit()).toEqual([]);
  });

  it('admin /dsbot clean → run thread, status edited to succeeded, step summaries, files uploaded into the thread', async () => {
    s = await startSlackStack();
    await command(s, ADMIN, 'clean turtle_sales');
    const runId = await runIdOf(s);
    expect(await s.waitForState(runId, ['succeeded', 'failed', 'stopped'], 120_000)).toBe('succeeded');
    await s.fake.waitFor((calls) => calls.some((c) => c.method === 'files.completeUploadExternal'), 20_000);
    const all = posts(s);
    const root = all[0];
    expect(root.args.thread_ts).toBeUndefined();
    expect(textOf(root)).toContain(runId);
    const rootTs = s.fake.messages.find((m) => !m.thread_ts)!.ts;
    // Everything after the root is in its thread.
    for (const p of all.slice(1)) expect(p.args.thread_ts).toBe(rootTs);
    // The status message: posted in the thread with a progress bar, then edited in place.
    expect(all.some((p) => JSON.stringify(p.args.blocks ?? []).includes('░'))).toBe(true);
    const statusTs = s.fake.callsOf('chat.update')[0].args.ts as string;
    expect(s.fake.messages.find((m) => m.ts === statusTs)!.thread_ts).toBe(rootTs);
    const edits = s.fake.callsOf('chat.update').filter((c) => c.args.ts === statusTs);
    expect(edits.length).toBeGreaterThan(0);
    expect(JSON.stringify(edits.at(-1)!.args.blocks)).toContain('succeeded');
    expect(JSON.stringify(edits.at(-1)!.args.blocks)).toContain('100%');
    expect(all.length).toBeGreaterThan(3);
    const complete = s.fake.callsOf('files.completeUploadExternal')[0].args;
    expect(complete.channel_id).toBe('C1');
    expect(complete.thread_ts).toBe(rootTs);
    const names = s.fake.callsOf('files.getUploadURLExternal').map((c) => c.args.filename);
    expect(names).toContain('cleaned.csv');
    const uploaded = [...s.fake.uploads.values()].map((b) => b.toString('utf8'));
    expect(uploaded.some((u) => u.split('\n').length > 300)).toBe(true);
  });

  it('a stop reaction by the requester stops the run; one by a stranger is ignored', async () => {
    s = await startSlackStack({ run: scriptedEngine({ chunks: 3, blockAfterFirstChunk: true }) });
    await command(s, ADMIN, 'clean turtle_reviews');
    const runId = await runIdOf(s);
    await s.waitForState(runId, ['running']);
    await s.fake.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && JSON.stringify(c.args.blocks).includes('chunks 1/3')));
    const statusTs = s.fake.callsOf('chat.update')[0].args.ts as string;
    const react = (user: string) =>
      deliverEvent(s!.endpoint, eventEnvelope({ type: 'reaction_added', user, reaction: 'octagonal_sign', item: { type: 'message', channel: 'C1', ts: statusTs }, event_ts: nextTs() }));
    await react('USTRANGER');
    await s.fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    expect(s.fake.callsOf('chat.postEphemeral')[0].args.user).toBe('USTRANGER');
    expect((await s.registry.get(runId))!.state).toBe('running');
    await react(ADMIN);
    expect(await s.waitForState(runId, ['stopped', 'failed'], 5_000)).toBe('stopped');
    expect(s.audit().map((a) => `${a.action}:${a.userId}`)).toEqual([`trigger:${ADMIN}`, 'refusal:USTRANGER', `stop:${ADMIN}`]);
  });

  it('`stop` typed in the run thread (no mention) stops a run started by a mention', async () => {
    s = await startSlackStack({ run: scriptedEngine({ chunks: 3, blockAfterFirstChunk: true }) });
    const env = eventEnvelope({ type: 'app_mention', channel: 'C5', user: ADMIN, text: `<@${BOT_USER}> clean turtle_reviews`, ts: nextTs() });
    await deliverEvent(s.endpoint, env);
    const rootTs = (env.event as { ts: string }).ts;
    let runId: string | undefined;
    for (let i = 0; i < 200 && !runId; i++) {
      runId = await s.registry.findByRef(`slack:${TEAM}:C5:${rootTs}`);
      if (!runId) await new Promise((r) => setTimeout(r, 25));
    }
    await s.waitForState(runId!, ['running']);
    await deliverEvent(s.endpoint, eventEnvelope({ type: 'message', channel: 'C5', channel_type: 'channel', user: ADMIN, text: 'stop', ts: nextTs(), thread_ts: rootTs }));
    expect(await s.waitForState(runId!, ['stopped', 'failed'], 5_000)).toBe('stopped');
    await s.fake.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && JSON.stringify(c.args.blocks).includes('stopped')));
  });

  it("Slack's retried delivery of a trigger starts one run", async () => {
    let attempts = 0;
    s = await startSlackStack({ run: scriptedEngine({ chunks: 1, onAttempt: () => attempts++ }) });
    const env = eventEnvelope({ type: 'app_mention', channel: 'C1', user: ADMIN, text: `<@${BOT_USER}> clean turtle_sales`, ts: nextTs() });
    await Promise.all([deliverEvent(s.endpoint, env), deliverEvent(s.endpoint, env, { retryNum: 1 }), deliverEvent(s.endpoint, env, { retryNum: 2 })]);
    const threadRef = `slack:${TEAM}:C1:${(env.event as { ts: string }).ts}`;
    let runId: string | undefined;
    for (let i = 0; i < 200 && !runId; i++) {
      runId = await s.registry.findByRef(threadRef);
      if (!runId) await new Promise((r) => setTimeout(r, 25));
    }
    expect(await s.waitForState(runId!, ['succeeded'])).toBe('succeeded');
    expect(await s.jobCount()).toBe(1);
    expect(attempts).toBe(1);
    expect(posts(s).filter((p) => textOf(p).includes('queued'))).toHaveLength(1);
  });

  it('an attached CSV is the run input; a 0-byte or binary file is refused clearly and nothing is enqueued', async () => {
    s = await startSlackStack();
    const empty = s.fake.addFile('empty.csv', '');
    const binary = s.fake.addFile('data.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x01]));
    // One after the other: two triggers at once in a channel with a limit of one run would refuse the second as busy.
    for (const [n, file] of [empty, binary].entries()) {
      await deliverEvent(s.endpoint, eventEnvelope({ type: 'app_mention', channel: 'C1', user: ADMIN, text: `<@${BOT_USER}> clean`, ts: nextTs(), files: [file] }));
      await s.fake.waitFor((calls) => calls.filter((c) => c.method === 'chat.postEphemeral').length >= n + 1);
    }
    const refusals = s.fake.callsOf('chat.postEphemeral').map((c) => c.args.text as string);
    expect(refusals[0]).toMatch(/empty \(0 bytes\)/);
    expect(refusals[1]).toMatch(/binary/);
    expect(await s.jobCount()).toBe(0);

    const rows = ['id,name,score', ...Array.from({ length: 40 }, (_, i) => `${i},Name ${i},${i % 5 === 0 ? 'N/A' : i * 1.5}`)];
    const good = s.fake.addFile('scores.csv', rows.join('\n') + '\n');
    const env = eventEnvelope({ type: 'app_mention', channel: 'C3', user: ADMIN, text: `<@${BOT_USER}> clean`, ts: nextTs(), files: [good] });
    await deliverEvent(s.endpoint, env);
    const threadRef = `slack:${TEAM}:C3:${(env.event as { ts: string }).ts}`;
    let runId: string | undefined;
    for (let i = 0; i < 200 && !runId; i++) {
      runId = await s.registry.findByRef(threadRef);
      if (!runId) await new Promise((r) => setTimeout(r, 25));
    }
    const rec = await s.registry.get(runId!);
    expect(rec!.request.source).toMatchObject({ kind: 'upload', originalName: 'scores.csv' });
    expect(await s.waitForState(runId!, ['succeeded', 'failed'], 120_000)).toBe('succeeded');
    await s.fake.waitFor((calls) => calls.some((c) => c.method === 'files.completeUploadExternal'), 20_000);
    const cleaned = [...s.fake.uploads.values()].map((b) => b.toString('utf8')).find((u) => u.startsWith('id,name,score'));
    expect(cleaned).toBeDefined();
    expect(cleaned!).toContain('Name 39');
  });
});
