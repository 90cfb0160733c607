/**
 * Issue 12 item 6 (Slack): a signed request timestamped more than five minutes from now, in
 * either direction, is refused by the real Bolt HTTP receiver; the run status's fallback `text`
 * is escaped so a file name like `<!channel>` cannot ping anyone (checked at the fake Slack).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSlackSink } from '../../src/bots/slack/sink.js';
import { configSchema } from '../../src/config/schema.js';
import { BOT_TOKEN, deliverEvent, eventEnvelope, nextTs, startFakeSlack, TEAM, type FakeSlack } from '../fakes/slack-server.js';
import { recordingHandler, startRig, type SlackRig } from '../slack/helpers.js';

let rig: SlackRig | undefined;
let fake: FakeSlack | undefined;
afterEach(async () => {
  await rig?.stop();
  await fake?.close();
  rig = undefined;
  fake = undefined;
});

const dm = (text: string) => eventEnvelope({ type: 'message', channel: 'D1', channel_type: 'im', user: 'UALICE', text, ts: nextTs() });

describe('Slack HTTP requests are timestamped within five minutes of now', () => {
  it('refuses a correctly signed request from 10 minutes in the future (and from 10 minutes ago); accepts 4 minutes either way', async () => {
    const rec = recordingHandler();
    rig = await startRig(rec.handler);
    const now = Math.floor(Date.now() / 1000);
    const future = await deliverEvent(rig.endpoint, dm('from the future'), { timestampSec: now + 10 * 60 });
    expect(future.status).toBe(401);
    const past = await deliverEvent(rig.endpoint, dm('from the past'), { timestampSec: now - 10 * 60 });
    expect(past.status).toBe(401);
    expect((await deliverEvent(rig.endpoint, dm('slightly ahead'), { timestampSec: now + 4 * 60 })).status).toBe(200);
    expect((await deliverEvent(rig.endpoint, dm('slightly behind'), { timestampSec: now - 4 * 60 })).status).toBe(200);
    await rec.waitForCount(2);
    await deliverEvent(rig.endpoint, dm('sentinel'));
    await rec.waitForCount(3);
    expect(rec.received.map((r) => r.message.text)).toEqual(['slightly ahead', 'slightly behind', 'sentinel']);
  });
});

describe('Slack status fallback text', () => {
  it('escapes &, < and > so a <!channel> in a file name reaches Slack as text, not a ping', async () => {
    fake = await startFakeSlack();
    const config = configSchema.parse({ slack: { botToken: BOT_TOKEN, apiUrl: fake.apiUrl } });
    const sink = createSlackSink(`slack:${TEAM}:C1:${nextTs()}`, config, { paces: { post: { intervalMs: 0 }, edit: { intervalMs: 0 } } });
    const view = {
      runId: 'r-1',
      title: 'Cleaning <!channel> & <@U123>.csv',
      phase: 'profile <!here>',
      state: 'running' as const,
      chunksDone: 0,
      totalChunks: 2,
      rowsProcessed: 0,
      elapsedMs: 1000,
      modelCalls: 0,
    };
    const ref = await sink.status(view);
    await sink.status({ ...view, chunksDone: 1 }, ref);
    for (const call of [...fake.callsOf('chat.postMessage'), ...fake.callsOf('chat.update')]) {
      const text = call.args.text as string;
      expect(text).not.toMatch(/[<>]/);
      expect(text).toContain('Cleaning &lt;!channel&gt; &amp; &lt;@U123&gt;.csv');
      expect(text).toContain('profile &lt;!here&gt;');
    }
    expect(fake.callsOf('chat.update')).toHaveLength(1);
  });
});
