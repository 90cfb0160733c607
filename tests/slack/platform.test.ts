import { afterEach, describe, expect, it } from 'vitest';
import {
  BOT_ID,
  BOT_USER,
  deliverCommand,
  deliverEvent,
  eventEnvelope,
  nextTs,
  TEAM,
} from '../fakes/slack-server.js';
import { recordingHandler, startRig, type SlackRig } from './helpers.js';

let rig: SlackRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const mention = (text: string, extra: Record<string, unknown> = {}) =>
  eventEnvelope({ type: 'app_mention', channel: 'C1', user: 'UALICE', text, ts: nextTs(), ...extra });
const dm = (text: string) => eventEnvelope({ type: 'message', channel: 'D1', channel_type: 'im', user: 'UALICE', text, ts: nextTs() });

describe('slack platform (HTTP Events API, real Bolt, fake Slack)', () => {
  it('normalises a mention and answers in its thread', async () => {
    const rec = recordingHandler(async (_m, ctx) => ctx.reply({ text: 'Here is **the answer**' }));
    rig = await startRig(rec.handler);
    const env = mention(`<@${BOT_USER}> which columns have nulls?`);
    const ts = (env.event as { ts: string }).ts;
    const res = await deliverEvent(rig.endpoint, env);
    expect(res.status).toBe(200);
    await rec.waitForCount(1);
    const m = rec.received[0].message;
    expect(m).toMatchObject({
      platform: 'slack',
      kind: 'message',
      text: 'which columns have nulls?',
      threadRef: `slack:${TEAM}:C1:${ts}`,
      channelRef: `slack:${TEAM}:C1`,
      messageId: `slack:${TEAM}:C1:${ts}`,
      isSelf: false,
      user: { id: 'UALICE' },
    });
    await rig.fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage'));
    const post = rig.fake.callsOf('chat.postMessage')[0].args;
    expect(post.channel).toBe('C1');
    expect(post.thread_ts).toBe(ts);
    expect(post.blocks[0].text.text).toBe('Here is *the answer*');
  });

  it('follows threads the bot is in, answers DMs, and ignores other threads', async () => {
    const rec = recordingHandler();
    rig = await startRig(rec.handler);
    const first = mention(`<@${BOT_USER}> hi`);
    const root = (first.event as { ts: string }).ts;
    await deliverEvent(rig.endpoint, first);
    await rec.waitForCount(1);
    // The same message also arrives as a channel message event: delivered once (by app_mention).
    await deliverEvent(rig.endpoint, eventEnvelope({ ...(first.event as object), type: 'message', channel_type: 'channel' }));
    // A reply in someone else's thread: not for the bot.
    await deliverEvent(rig.endpoint, eventEnvelope({ type: 'message', channel: 'C1', channel_type: 'channel', user: 'UBOB', text: 'unrelated', ts: nextTs(), thread_ts: nextTs() }));
    // A reply in the bot's thread, without a mention.
    await deliverEvent(rig.endpoint, eventEnvelope({ type: 'message', channel: 'C1', channel_type: 'channel', user: 'UALICE', text: 'stop', ts: nextTs(), thread_ts: root }));
    await deliverEvent(rig.endpoint, dm('status'));
    await rec.waitForCount(3);
    expect(rec.received.map((r) => r.message.text)).toEqual(['hi', 'stop', 'status']);
    expect(rec.received[1].message.threadRef).toBe(`slack:${TEAM}:C1:${root}`);
    expect(rec.received[2].message.channelRef).toBe(`slack:${TEAM}:D1`);
  });

  it('never delivers its own messages as someone else', async () => {
    const rec = recordingHandler();
    rig = await startRig(rec.handler);
    const first = mention(`<@${BOT_USER}> hi`);
    const root = (first.event as { ts: string }).ts;
    await deliverEvent(rig.endpoint, first);
    await deliverEvent(rig.endpoint, eventEnvelope({ type: 'message', channel: 'C1', channel_type: 'channel', user: BOT_USER, bot_id: BOT_ID, text: 'step 1 done', ts: nextTs(), thread_ts: root }));
    await deliverEvent(rig.endpoint, dm('after'));
    await rec.waitForCount(3);
    const own = rec.received.find((r) => r.message.text === 'step 1 done');
    expect(own?.message.isSelf).toBe(true);
    expect(rec.received.filter((r) => !r.message.isSelf).map((r) => r.message.text)).toEqual(['hi', 'after']);
  });

  it('rejects a forged signature and a five-minute-old timestamp with 401; nothing is delivered', async () => {
    const rec = recordingHandler();
    rig = await startRig(rec.handler);
    const forged = await deliverEvent(rig.endpoint, mention(`<@${BOT_USER}> clean turtle_reviews`), { forgeWith: 'not-the-secret' });
    expect(forged.status).toBe(401);
    const stale = await deliverEvent(rig.endpoint, mention(`<@${BOT_USER}> clean turtle_reviews`), { timestampSec: Math.floor(Date.now() / 1000) - 5 * 60 - 10 });
    expect(stale.status).toBe(401);
    const forgedCommand = await deliverCommand(rig.endpoint, { text: 'clean turtle_reviews', user_id: 'UALICE', channel_id: 'C1', response_url: rig.fake.responseUrl() }, { forgeWith: 'x' });
    expect(forgedCommand.status).toBe(401);
    await deliverEvent(rig.endpoint, dm('sentinel'));
    await rec.waitForCount(1);
    expect(rec.received.map((r) => r.message.text)).toEqual(['sentinel']);
  });

  it('tells the person when handling failed', async () => {
    const rec = recordingHandler(async () => {
      throw new Error('Redis is down');
    });
    rig = await startRig(rec.handler);
    await deliverEvent(rig.endpoint, mention(`<@${BOT_USER}> clean turtle_reviews`));
    await rig.fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    const [sorry] = rig.fake.callsOf('chat.postEphemeral');
    expect(sorry.args).toMatchObject({ channel: 'C1', user: 'UALICE' });
    expect(sorry.args.text).toContain('Redis is down');
  });

  it('answers URL verification and the health check', async () => {
    const rec = recordingHandler();
    rig = await startRig(rec.handler);
    const res = await deliverEvent(rig.endpoint, { token: 'legacy', type: 'url_verification', challenge: 'c-123' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('c-123');
    const health = await fetch(rig.endpoint.replace('/slack/events', '/healthz'));
    expect(await health.text()).toBe('ok');
    expect(rec.received).toHaveLength(0);
  });

  it("handles Slack's retried delivery of the same event once", async () => {
    const rec = recordingHandler(async (_m, ctx) => ctx.reply({ text: 'answer' }));
    rig = await startRig(rec.handler);
    const env = mention(`<@${BOT_USER}> how many rows?`);
    expect((await deliverEvent(rig.endpoint, env)).status).toBe(200);
    expect((await deliverEvent(rig.endpoint, env, { retryNum: 1 })).status).toBe(200);
    expect((await deliverEvent(rig.endpoint, env, { retryNum: 2 })).status).toBe(200);
    await deliverEvent(rig.endpoint, dm('sentinel'));
    await rec.waitForCount(2);
    await rig.fake.waitFor((calls) => calls.filter((c) => c.method === 'chat.postMessage').length >= 2);
    expect(rec.received.map((r) => r.message.text)).toEqual(['how many rows?', 'sentinel']);
    expect(rig.fake.callsOf('chat.postMessage')).toHaveLength(2);
  });

  it('delivers stop reactions with the reacted message as targetRef and its thread as threadRef', async () => {
    const rec = recordingHandler();
    rig = await startRig(rec.handler);
    const root = nextTs();
    const status = nextTs();
    rig.fake.addMessage({ channel: 'C1', ts: root, user: 'UALICE', text: 'clean' });
    rig.fake.addMessage({ channel: 'C1', ts: status, thread_ts: root, user: BOT_USER, bot_id: BOT_ID, text: 'status' });
    const reaction = (name: string) =>
      eventEnvelope({ type: 'reaction_added', user: 'UALICE', reaction: name, item: { type: 'message', channel: 'C1', ts: status }, item_user: BOT_USER, event_ts: nextTs() });
    await deliverEvent(rig.endpoint, reaction('thumbsup'));
    await deliverEvent(rig.endpoint, reaction('octagonal_sign'));
    await deliverEvent(rig.endpoint, reaction('stop_sign'));
    await rec.waitForCount(2);
    expect(rec.received.map((r) => r.message.reaction)).toEqual(['octagonal_sign', 'stop_sign']);
    expect(rec.received[0].message).toMatchObject({
      kind: 'reaction',
      user: { id: 'UALICE' },
      targetRef: `slack:${TEAM}:C1:${status}`,
      threadRef: `slack:${TEAM}:C1:${root}`,
      isSelf: false,
    });
  });

  it('acks /dsbot before the handler finishes, then replies ephemerally and opens a run thread', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const rec = recordingHandler(async (_m, ctx) => {
      await gate;
      await ctx.reply({ text: 'Only admins can start runs.', ephemeral: true });
      const ref = await ctx.openRunThread!('run-abc', 'Cleaning turtle_reviews');
      await ctx.reply({ text: 'queued' });
      expect(ref).toMatch(new RegExp(`^slack:${TEAM}:C1:\\d+\\.\\d+$`));
    });
    rig = await startRig(rec.handler);
    const responseUrl = rig.fake.responseUrl('cmd1');
    const res = await deliverCommand(rig.endpoint, { text: 'clean turtle_reviews', user_id: 'UALICE', channel_id: 'C1', response_url: responseUrl });
    // The HTTP answer (the ack) came back while the handler is still blocked.
    expect(res.status).toBe(200);
    await rec.waitForCount(1);
    expect(rig.fake.callsOf('response_url')).toHaveLength(0);
    const m = rec.received[0].message;
    expect(m).toMatchObject({ kind: 'command', text: 'clean turtle_reviews', threadRef: `slack:${TEAM}:C1`, channelRef: `slack:${TEAM}:C1`, user: { id: 'UALICE' } });
    release();
    await rig.fake.waitFor((calls) => calls.filter((c) => c.method === 'chat.postMessage').length >= 2);
    const [ephemeral] = rig.fake.callsOf('response_url');
    expect(ephemeral.args).toMatchObject({ response_type: 'ephemeral', text: 'Only admins can start runs.' });
    const [open, queued] = rig.fake.callsOf('chat.postMessage');
    expect(open.args.thread_ts).toBeUndefined();
    expect(open.args.text).toContain('run-abc');
    expect(open.args.text).toContain('requested by <@UALICE>');
    expect(queued.args.thread_ts).toBe(rig.fake.messages[0].ts);
  });

  it('downloads shared files with the bot token; `/dsbot clean` picks up the CSV just shared', async () => {
    const rec = recordingHandler();
    rig = await startRig(rec.handler);
    const file = rig.fake.addFile('reviews.csv', 'a,b\n1,2\n');
    await deliverEvent(rig.endpoint, mention(`<@${BOT_USER}> clean`, { files: [file] }));
    await rec.waitForCount(1);
    const incoming = rec.received[0].message.files[0];
    expect(incoming).toMatchObject({ name: 'reviews.csv', size: 8, contentType: 'text/csv' });
    expect((await incoming.download()).toString()).toBe('a,b\n1,2\n');
    expect(rig.fake.callsOf('file_download')[0].authorization).toBe('Bearer xoxb-test-token');

    rig.fake.addMessage({ channel: 'C2', ts: (Date.now() / 1000).toFixed(6), user: 'UALICE', files: [file] });
    await deliverCommand(rig.endpoint, { text: 'clean', user_id: 'UALICE', channel_id: 'C2', response_url: rig.fake.responseUrl() });
    await rec.waitForCount(2);
    const fromCommand = rec.received[1].message;
    expect(fromCommand.kind).toBe('command');
    expect(fromCommand.files.map((f) => f.name)).toEqual(['reviews.csv']);
    expect((await fromCommand.files[0].download()).toString()).toBe('a,b\n1,2\n');

    // `@dsbot clean` in a thread where the same user shared a CSV earlier.
    const root = (Date.now() / 1000 - 60).toFixed(6);
    const other = rig.fake.addFile('other.csv', 'x\n1\n');
    rig.fake.addMessage({ channel: 'C4', ts: root, user: 'UALICE', text: 'here is the data' });
    rig.fake.addMessage({ channel: 'C4', ts: (Date.now() / 1000 - 30).toFixed(6), thread_ts: root, user: 'UALICE', files: [other] });
    rig.fake.addMessage({ channel: 'C4', ts: (Date.now() / 1000 - 20).toFixed(6), thread_ts: root, user: 'UBOB', files: [file] });
    await deliverEvent(rig.endpoint, mention(`<@${BOT_USER}> clean`, { channel: 'C4', thread_ts: root }));
    await rec.waitForCount(3);
    expect(rec.received[2].message.files.map((f) => f.name)).toEqual(['other.csv']);
  });
});
