/**
 * Run buttons and the App Home on Slack, end to end: signed interactivity payloads
 * (`block_actions`) into the real Bolt app's HTTP receiver, and the same over Socket Mode
 * (`interactive` envelopes) → real router → real Redis/BullMQ → real worker → Slack sink → the
 * fake Slack. Stop sits on the status message while the run runs and Resume once it stopped;
 * only admins' clicks act, others get an ephemeral refusal; a click on a finished run says so;
 * every click is audited. With the real engine, `approve=yes` posts the plan with Approve /
 * Cancel, and Approve (over Socket Mode) finishes the run. The App Home lists recent runs with
 * their state and a link to their thread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scriptedEngine } from '../bots/event-script.js';
import {
  blockActionsPayload,
  BOT_USER,
  buttonsOf,
  deliverCommand,
  deliverInteraction,
  eventEnvelope,
  nextTs,
  TEAM,
  type FakeMessage,
} from '../fakes/slack-server.js';
import { ADMIN, startSlackStack, type SlackStack } from './stack.js';

let s: SlackStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function runIdOf(stack: SlackStack, channel = 'C1'): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const id = await stack.registry.findByRef(`slack:${TEAM}:${channel}`);
    if (id) return id;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no run was linked to the channel');
}

/** The message the fake holds with a button `actionId` for `runId`. */
const withButton = (stack: SlackStack, actionId: string, runId: string): FakeMessage | undefined =>
  stack.fake.messages.find((m) => buttonsOf(m).some((b) => b.actionId === actionId && b.value === runId));

const ephemerals = (stack: SlackStack, user: string) => stack.fake.callsOf('chat.postEphemeral').filter((c) => c.args.user === user).map((c) => String(c.args.text));

describe('slack run buttons (HTTP interactivity)', () => {
  it('Stop: a stranger is refused ephemerally, an admin stops the run; Resume appears; a click on the finished run says so; all audited', async () => {
    s = await startSlackStack({ run: scriptedEngine({ chunks: 3, blockAfterFirstChunk: true }) });
    const res = await deliverCommand(s.endpoint, { text: 'clean turtle_reviews', user_id: ADMIN, channel_id: 'C1', response_url: s.fake.responseUrl() });
    expect(res.status).toBe(200);
    const runId = await runIdOf(s);
    await s.waitForState(runId, ['running']);
    await s.fake.waitFor(() => withButton(s!, 'dsbot_stop', runId) !== undefined, 15_000);
    const status = withButton(s, 'dsbot_stop', runId)!;
    expect(buttonsOf(status).map((b) => b.text)).toEqual(['Stop']);

    const click = (user: string, actionId: string) => deliverInteraction(s!.endpoint, blockActionsPayload(user, status, actionId, runId));
    expect((await click('USTRANGER', 'dsbot_stop')).status).toBe(200); // acked
    await s.fake.waitFor(() => ephemerals(s!, 'USTRANGER').length > 0);
    expect(ephemerals(s, 'USTRANGER')[0]).toMatch(/only admins or the person who started the run can stop runs/);
    expect(s.fake.callsOf('chat.postEphemeral')[0].args.thread_ts).toBe(status.thread_ts); // in the run's thread
    expect((await s.registry.get(runId))!.state).toBe('running');

    await click(ADMIN, 'dsbot_stop');
    expect(await s.waitForState(runId, ['stopped', 'failed'], 10_000)).toBe('stopped');
    await s.fake.waitFor(() => buttonsOf(s!.fake.messages.find((m) => m.ts === status.ts)).some((b) => b.actionId === 'dsbot_resume'), 15_000);
    expect(buttonsOf(s.fake.messages.find((m) => m.ts === status.ts)).map((b) => b.text)).toEqual(['Resume']);

    await click(ADMIN, 'dsbot_stop');
    await s.fake.waitFor(() => ephemerals(s!, ADMIN).some((t) => /already stopped: there is nothing to stop/.test(t)));
    await click('USTRANGER', 'dsbot_resume');
    await s.fake.waitFor(() => ephemerals(s!, 'USTRANGER').some((t) => /only admins can resume runs/.test(t)));
    expect((await s.registry.get(runId))!.state).toBe('stopped');
    const clicks = s.audit().filter((a) => a.action === 'click').map((a) => `${a.userId}:${a.button}`);
    expect(clicks).toEqual(['USTRANGER:stop', `${ADMIN}:stop`, `${ADMIN}:stop`, 'USTRANGER:resume']);
  });
});

describe('slack plan approval over Socket Mode, and the App Home', () => {
  it('approve=yes (real engine): the plan with Approve / Cancel; Approve finishes the run; the App Home links its thread', async () => {
    s = await startSlackStack({ socketMode: true });
    const mention = eventEnvelope({ type: 'app_mention', channel: 'C7', user: ADMIN, text: `<@${BOT_USER}> clean turtle_sales approve=yes`, ts: nextTs() });
    const rootTs = (mention.event as { ts: string }).ts;
    await s.fake.sendSocketEnvelope({ envelope_id: 'env-trigger', type: 'events_api', accepts_response_payload: false, payload: mention });
    let runId: string | undefined;
    for (let i = 0; i < 400 && !runId; i++) {
      runId = await s.registry.findByRef(`slack:${TEAM}:C7:${rootTs}`);
      if (!runId) await new Promise((r) => setTimeout(r, 25));
    }
    expect(await s.waitForState(runId!, ['awaiting_approval', 'failed'], 120_000)).toBe('awaiting_approval');
    await s.fake.waitFor(() => withButton(s!, 'dsbot_approve', runId!) !== undefined, 15_000);
    const plan = withButton(s, 'dsbot_approve', runId!)!;
    expect(plan.thread_ts).toBe(rootTs);
    expect(buttonsOf(plan).map((b) => b.text)).toEqual(['Approve', 'Cancel']);
    expect(plan.text).toMatch(/Plan for run .*nothing has been changed yet/);
    expect(JSON.stringify(plan.blocks)).toMatch(/`Year`: 352 cells/);

    const ack = await s.fake.sendSocketEnvelope({ envelope_id: 'env-click', type: 'interactive', accepts_response_payload: false, payload: blockActionsPayload(ADMIN, plan, 'dsbot_approve', runId!) });
    expect(ack.envelope_id).toBe('env-click');
    expect(await s.waitForState(runId!, ['succeeded', 'failed', 'stopped'], 120_000)).toBe('succeeded');
    await s.fake.waitFor((calls) => calls.some((c) => c.method === 'files.completeUploadExternal'), 20_000);
    expect(s.audit().filter((a) => a.runId === runId).map((a) => a.action)).toEqual(['trigger', 'click', 'approve']);

    const home = eventEnvelope({ type: 'app_home_opened', user: ADMIN, channel: 'D0HOME', tab: 'home' });
    await s.fake.sendSocketEnvelope({ envelope_id: 'env-home', type: 'events_api', accepts_response_payload: false, payload: home });
    await s.fake.waitFor((calls) => calls.some((c) => c.method === 'views.publish'), 10_000);
    const publish = s.fake.callsOf('views.publish')[0].args;
    expect(publish.user_id).toBe(ADMIN);
    const text = JSON.stringify(publish.view.blocks);
    expect(text).toContain('Recent cleaning runs');
    expect(text).toContain(`run \`${runId}\``);
    expect(text).toMatch(/:white_check_mark: \*turtle_sales\* — succeeded/);
    expect(text).toContain(`https://test.slack.com/archives/C7/p${rootTs.replace('.', '')}|open the thread`);
  });
});
