import { afterEach, describe, expect, it } from 'vitest';
import { createSlackPlatform, type SlackPlatform } from '../../src/bots/slack/platform.js';
import { configSchema } from '../../src/config/schema.js';
import { APP_TOKEN, BOT_TOKEN, BOT_USER, eventEnvelope, nextTs, startFakeSlack, TEAM, type FakeSlack } from '../fakes/slack-server.js';
import { quietLogger, recordingHandler } from './helpers.js';

let fake: FakeSlack | undefined;
let platform: SlackPlatform | undefined;
afterEach(async () => {
  await platform?.stop();
  await fake?.close();
  platform = undefined;
  fake = undefined;
});

describe('slack platform (Socket Mode, real Bolt, fake WebSocket)', () => {
  it('connects with the app token, acks envelopes, delivers mentions and commands once', async () => {
    fake = await startFakeSlack();
    const config = configSchema.parse({ slack: { botToken: BOT_TOKEN, appToken: APP_TOKEN, apiUrl: fake.apiUrl } });
    const rec = recordingHandler(async (m, ctx) => {
      if (m.kind === 'message') await ctx.reply({ text: 'pong' });
    });
    platform = createSlackPlatform(config, { logger: quietLogger as never });
    expect(platform.mode).toBe('socket');
    await platform.start(rec.handler);
    await fake.socketConnected();
    expect(fake.callsOf('apps.connections.open')[0].authorization).toBe(`Bearer ${APP_TOKEN}`);

    const body = eventEnvelope({ type: 'app_mention', channel: 'C1', user: 'UALICE', text: `<@${BOT_USER}> ping`, ts: nextTs() });
    const envelope = { envelope_id: 'env-1', type: 'events_api', accepts_response_payload: false, retry_attempt: 0, retry_reason: '', payload: body };
    const ack = await fake.sendSocketEnvelope(envelope);
    expect(ack.envelope_id).toBe('env-1');
    // Slack redelivers the same event in a new envelope when it missed the ack.
    await fake.sendSocketEnvelope({ ...envelope, envelope_id: 'env-2', retry_attempt: 1, retry_reason: 'timeout' });

    const command = {
      envelope_id: 'env-3',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: { command: '/dsbot', text: 'status', team_id: TEAM, channel_id: 'C1', user_id: 'UALICE', trigger_id: 't1', response_url: fake.responseUrl() },
    };
    expect((await fake.sendSocketEnvelope(command)).envelope_id).toBe('env-3');
    await rec.waitForCount(2);
    expect(rec.received.map((r) => [r.message.kind, r.message.text])).toEqual([
      ['message', 'ping'],
      ['command', 'status'],
    ]);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage'));
    expect(fake.callsOf('chat.postMessage')).toHaveLength(1);
    expect(fake.callsOf('chat.postMessage')[0].args.thread_ts).toBe((body.event as { ts: string }).ts);
  });
});
