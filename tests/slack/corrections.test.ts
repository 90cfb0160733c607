/**
 * Corrections in a run's thread on Slack (issue 11): the real Bolt app against the fake Slack,
 * the real router, queue, worker and engine (builtin model, local sandbox). An admin's `fix`
 * reply, then an attached corrections CSV, each start a follow-up run that posts what changed
 * into the same thread with the new files; a non-admin's `fix` is refused ephemerally.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deliverCommand, deliverEvent, eventEnvelope, nextTs, TEAM, type FakeCall } from '../fakes/slack-server.js';
import { FIX_TWO_DATES, monthFirst, visitsCsv, waitFor, whenColumn } from '../bots/visits.js';
import { ADMIN, startSlackStack, type SlackStack } from './stack.js';

let s: SlackStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const textOf = (c: FakeCall) => `${c.args.text ?? ''} ${JSON.stringify(c.args.blocks ?? [])}`;

describe('slack: corrections in a run thread', () => {
  it('`fix` reply and an attached corrections CSV → follow-up runs → the difference posted in the thread', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dsbot-slack-fix-'));
    writeFileSync(path.join(dir, 'visits.csv'), visitsCsv());
    s = await startSlackStack({ overrides: { datasets: { visits: { path: path.join(dir, 'visits.csv') } } } });
    const stack = s;
    await deliverCommand(stack.endpoint, { text: 'clean visits', user_id: ADMIN, channel_id: 'C1', response_url: stack.fake.responseUrl() });
    const first = await waitFor(() => stack.registry.findByRef(`slack:${TEAM}:C1`), 'the run');
    expect(await stack.waitForState(first, ['succeeded', 'failed', 'stopped'], 120_000)).toBe('succeeded');
    const rootTs = stack.fake.messages.find((m) => !m.thread_ts)!.ts;
    const threadRef = `slack:${TEAM}:C1:${rootTs}`;
    const inThread = (text: string, user = ADMIN, files: unknown[] = []) =>
      deliverEvent(stack.endpoint, eventEnvelope({ type: 'message', channel: 'C1', channel_type: 'channel', user, text, ts: nextTs(), thread_ts: rootTs, ...(files.length ? { files } : {}) }));

    // A non-admin's correction is refused (ephemeral), and nothing is queued.
    await inThread(`fix 3 when=${monthFirst(3)}`, 'UGUEST');
    await stack.fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral' && /only admins can correct/.test(String(c.args.text))));
    expect(await stack.registry.findByRef(threadRef)).toBe(first);

    await inThread(FIX_TWO_DATES);
    const second = await waitFor(async () => ((await stack.registry.findByRef(threadRef)) !== first ? stack.registry.findByRef(threadRef) : undefined), 'the follow-up');
    expect(await stack.waitForState(second, ['succeeded', 'failed', 'stopped'], 120_000)).toBe('succeeded');
    const file = stack.fake.addFile('fixes.csv', `row,id,when,city\n4,4,${monthFirst(4)},Leeds\n`);
    await inThread('', ADMIN, [file]);
    const third = await waitFor(async () => ((await stack.registry.findByRef(threadRef)) !== second ? stack.registry.findByRef(threadRef) : undefined), 'the second follow-up');
    expect(await stack.waitForState(third, ['succeeded', 'failed', 'stopped'], 120_000)).toBe('succeeded');

    await stack.fake.waitFor((calls) => calls.filter((c) => c.method === 'files.completeUploadExternal').length >= 3, 20_000);
    const posts = stack.fake.callsOf('chat.postMessage').filter((c) => c.status === 200);
    for (const p of posts.slice(1)) expect(p.args.thread_ts).toBe(rootTs); // everything in the run's thread
    for (const id of [second, third]) {
      const summary = posts.find((p) => textOf(p).includes(`run \`${id}\` succeeded`));
      expect(summary, `the summary of ${id}`).toBeDefined();
      expect(textOf(summary!)).toMatch(/Compared with the earlier run: \+\d+ cells? repaired/);
    }
    expect(textOf(posts.find((p) => textOf(p).includes(`run \`${second}\` succeeded`))!)).toMatch(/Learned: `when`: dates written/);
    // The follow-ups' files come into the same thread; the last cleaned.csv has every date month first.
    for (const c of stack.fake.callsOf('files.completeUploadExternal')) expect(c.args.thread_ts).toBe(rootTs);
    const cleaned = [...stack.fake.uploads.values()].map((b) => b.toString('utf8')).filter((t) => t.startsWith('id,when,city')).at(-1)!;
    expect(whenColumn(cleaned)).toEqual(Array.from({ length: 60 }, (_, i) => monthFirst(i)));
  }, 300_000);
});
