/**
 * Corrections in a run's thread on Discord (issue 11): the fake Discord ⇄ real discord.js
 * platform → real router, queue, worker and engine (builtin model, local sandbox). An admin's
 * `fix` reply and an attached corrections CSV in the run's thread each start a follow-up run
 * that posts what changed there with the new files; a non-admin's attachment is refused.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNEL_ID, GUILD_ID, type FakeUser } from '../fakes/discord-server.js';
import { FIX_TWO_DATES, monthFirst, visitsCsv, waitFor, whenColumn } from '../bots/visits.js';
import { createDiscordHarness, type DiscordHarness } from './harness.js';

const ALICE: FakeUser = { id: '1500000000000000001', username: 'alice' };
const BOB: FakeUser = { id: '1500000000000000002', username: 'bob' };

let h: DiscordHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('discord: corrections in a run thread', () => {
  it('`fix` reply and an attached corrections CSV → follow-up runs → the difference posted in the thread', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dsbot-discord-fix-'));
    writeFileSync(path.join(dir, 'visits.csv'), visitsCsv());
    h = await createDiscordHarness({ overrides: { admin: { users: { discord: [ALICE.id] } }, datasets: { visits: { path: path.join(dir, 'visits.csv') } } } });
    const harness = h;
    harness.fake.slashCommand(ALICE, 'clean', [{ name: 'dataset', type: 3, value: 'visits' }]);
    const threadCall = await harness.fake.waitFor(() => harness.fake.find('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages/\\d+/threads$`)).at(-1), 15_000, 'the run thread');
    const threadId = threadCall.path.split('/')[4];
    const threadRef = `discord:${GUILD_ID}:${CHANNEL_ID}:${threadId}`;
    const first = await waitFor(() => harness.registry.findByRef(threadRef), 'the run');
    expect(await harness.waitForState(first, ['succeeded', 'failed', 'stopped'], 120_000)).toBe('succeeded');
    const csv = (row: number) => harness.fake.attachment('fixes.csv', Buffer.from(`row,id,when,city\n${row},${row},${monthFirst(row)},Leeds\n`));

    harness.fake.userMessage(BOB, '', { channelId: threadId, attachments: [csv(4)] });
    await harness.fake.waitFor(() => harness.fake.find('POST', new RegExp(`^/channels/${threadId}/messages$`)).find((c) => /only admins can correct/.test(c.body?.content ?? '')), 15_000, 'the refusal');
    expect(await harness.registry.findByRef(threadRef)).toBe(first);

    harness.fake.userMessage(ALICE, FIX_TWO_DATES, { channelId: threadId });
    const second = await waitFor(async () => ((await harness.registry.findByRef(threadRef)) !== first ? harness.registry.findByRef(threadRef) : undefined), 'the follow-up');
    expect(await harness.waitForState(second, ['succeeded', 'failed', 'stopped'], 120_000)).toBe('succeeded');
    harness.fake.userMessage(ALICE, '', { channelId: threadId, attachments: [csv(4)] });
    const third = await waitFor(async () => ((await harness.registry.findByRef(threadRef)) !== second ? harness.registry.findByRef(threadRef) : undefined), 'the second follow-up');
    expect(await harness.waitForState(third, ['succeeded', 'failed', 'stopped'], 120_000)).toBe('succeeded');
    await harness.worker.close(); // everything flushed

    const posts = harness.fake.find('POST', new RegExp(`^/channels/${threadId}/messages$`));
    const text = posts.map((p) => p.body?.content ?? '').join('\n');
    for (const id of [second, third]) expect(text).toMatch(new RegExp(`run \`${id}\` succeeded[\\s\\S]*?Compared with the earlier run: \\+\\d+ cells? repaired`));
    expect(text).toMatch(/Learned: `when`: dates written/);
    for (const p of posts) expect((p.body?.content ?? '').length).toBeLessThanOrEqual(2000);
    const uploads = posts.filter((p) => p.files?.length);
    expect(uploads.length).toBeGreaterThanOrEqual(3);
    const cleaned = uploads.at(-1)!.files.find((f: { name: string }) => f.name === 'cleaned.csv')!;
    expect(whenColumn(cleaned.data.toString())).toEqual(Array.from({ length: 60 }, (_, i) => monthFirst(i)));
  }, 300_000);
});
