import { randomBytes } from 'node:crypto';
/**
 * Discord end to end: fake Discord ⇄ real discord.js platform → real router → real Redis/BullMQ
 * → real worker → Discord sink (REST) back to the fake. A stand-in engine (real event
 * sequences) drives the queue cases; the CSV-attachment case runs the real engine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunFunction } from '../../src/queue/worker.js';
import { scriptedEngine } from '../bots/event-script.js';
import { ADMIN_ROLE, BOT, CHANNEL_ID, GUILD_ID, type FakeUser, type RecordedCall } from '../fakes/discord-server.js';
import { createDiscordHarness, type DiscordHarness } from './harness.js';

const ALICE: FakeUser = { id: '1500000000000000001', username: 'alice' }; // admin by user id
const CAROL: FakeUser = { id: '1500000000000000004', username: 'carol', roles: [ADMIN_ROLE.id] }; // admin by role
const BOB: FakeUser = { id: '1500000000000000002', username: 'bob' };
const OTHER_BOT: FakeUser = { id: '1500000000000000003', username: 'otherbot', bot: true };

let h: DiscordHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const admins = { admin: { users: { discord: [ALICE.id] }, discordRoles: [ADMIN_ROLE.name] } };

function threadPosts(fake: DiscordHarness['fake'], threadId: string): RecordedCall[] {
  return fake.find('POST', new RegExp(`^/channels/${threadId}/messages$`));
}

/** Waits for the deferred reply's first edit and returns the run id it names. */
async function queuedRunId(h: DiscordHarness, interactionId: string): Promise<string> {
  const edit = await h.fake.waitFor(
    () => h.fake.find('PATCH', new RegExp(`^/webhooks/\\d+/tok-${interactionId}/messages/@original$`))[0],
    15_000,
    'the deferred reply edit',
  );
  const m = /Run `(run-[0-9a-f]+)` queued/.exec(edit.body.content);
  expect(m, edit.body.content).not.toBeNull();
  return m![1];
}

describe('discord end to end', () => {
  it('admin /clean → deferred, run thread, status edited in place, summaries, files uploaded', async () => {
    h = await createDiscordHarness({ run: scriptedEngine({ chunks: 3 }), overrides: admins });
    const { id } = h.fake.slashCommand(ALICE, 'clean', [{ name: 'dataset', type: 3, value: 'turtle_sales' }]);
    const runId = await queuedRunId(h, id);
    const callback = h.fake.find('POST', new RegExp(`^/interactions/${id}/`))[0];
    expect(callback.body.type).toBe(5); // deferred…
    const firstForInteraction = h.fake.calls.find((c) => c.path.includes(id));
    expect(firstForInteraction).toBe(callback); // …before anything else for this interaction
    const threadCall = h.fake.find('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages/\\d+/threads$`)).at(-1)!;
    const threadId = threadCall.path.split('/')[4];
    const threadRef = `discord:${GUILD_ID}:${CHANNEL_ID}:${threadId}`;
    expect(await h.registry.findByRef(threadRef)).toBe(runId);
    expect(await h.waitForState(runId, ['succeeded', 'failed'])).toBe('succeeded');
    await h.worker.close(); // everything flushed
    const edits = h.fake.find('PATCH', new RegExp(`^/channels/${CHANNEL_ID}/messages/${threadId}$`));
    expect(edits.length).toBeGreaterThanOrEqual(2); // the starter is the status message, edited in place
    expect(h.fake.messages.get(threadId).content).toMatch(/✅[\s\S]*succeeded[\s\S]*100%[\s\S]*3\/3 chunks/);
    const posts = threadPosts(h.fake, threadId);
    const text = posts.map((p) => p.body?.content ?? '').join('\n');
    for (const needle of ['Step 1 (draft)', 'Validation (draft, sample)', 'succeeded']) expect(text).toContain(needle);
    for (const p of posts) expect((p.body?.content ?? '').length).toBeLessThanOrEqual(2000);
    const upload = posts.at(-1)!;
    expect(upload.files.map((f) => f.name)).toEqual(['cleaned.csv', 'report.md', 'changes.csv']);
    expect(upload.files[0].data.toString()).toBe('a,b\n1,2\n');
  });

  it('non-admin /clean → refused (ephemeral), nothing enqueued, no thread', async () => {
    h = await createDiscordHarness({ run: scriptedEngine(), overrides: admins });
    const { id } = h.fake.slashCommand(BOB, 'clean', [{ name: 'dataset', type: 3, value: 'turtle_sales' }]);
    const follow = await h.fake.waitFor(() => h!.fake.find('POST', new RegExp(`^/webhooks/\\d+/tok-${id}$`))[0], 15_000, 'the refusal');
    expect(follow.body.content).toMatch(/only admins/i);
    expect(follow.body.flags & 64).toBe(64);
    expect(await h.producer.queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed')).toBe(0);
    expect(h.fake.find('POST', /\/threads$/)).toHaveLength(0);
  });

  it('🛑 from a stranger is ignored; 🛑 from the requester stops the run', async () => {
    h = await createDiscordHarness({ run: scriptedEngine({ chunks: 3, blockAfterFirstChunk: true }), overrides: admins });
    const { id } = h.fake.slashCommand(CAROL, 'clean', [{ name: 'dataset', type: 3, value: 'turtle_reviews' }]);
    const runId = await queuedRunId(h, id);
    const threadId = h.fake.find('POST', /\/threads$/).at(-1)!.path.split('/')[4];
    await h.waitForState(runId, ['running']);
    await h.fake.waitFor(() => /1\/3 chunks/.test(h!.fake.messages.get(threadId).content), 15_000, 'first chunk in the status');
    h.fake.react(BOB, CHANNEL_ID, threadId); // on the status message
    const refusal = await h.fake.waitFor(
      () => threadPosts(h!.fake, threadId).find((p) => /admin|started/i.test(p.body?.content ?? '') && !/Step|Validation/.test(p.body.content)),
      15_000,
      'the refusal of the stranger',
    );
    expect(refusal).toBeDefined();
    expect((await h.registry.get(runId))!.state).toBe('running');
    h.fake.react(CAROL, CHANNEL_ID, threadId);
    expect(await h.waitForState(runId, ['stopped', 'failed', 'succeeded'])).toBe('stopped');
    await h.worker.close();
    expect(threadPosts(h.fake, threadId).map((p) => p.body?.content ?? '').join('\n')).toContain(`🛑 Run \`${runId}\` stopped`);
    expect(h.fake.messages.get(threadId).content).toMatch(/🛑[\s\S]*stopped/);
  });

  it('`stop` typed in the run thread, or /stop there, stops the run', async () => {
    h = await createDiscordHarness({ run: scriptedEngine({ chunks: 3, blockAfterFirstChunk: true }), overrides: admins });
    const start = async (user: FakeUser, dataset: string) => {
      const { id } = h!.fake.slashCommand(user, 'clean', [{ name: 'dataset', type: 3, value: dataset }]);
      const runId = await queuedRunId(h!, id);
      const threadId = (await h!.fake.waitFor(() => h!.fake.find('POST', /\/threads$/).find((c) => h!.fake.channels.get(c.path.split('/')[4])?.name.includes(runId)), 10_000, 'thread')).path.split('/')[4];
      await h!.waitForState(runId, ['running']);
      return { runId, threadId };
    };
    const typed = await start(ALICE, 'turtle_reviews');
    h.fake.userMessage(ALICE, 'stop', { channelId: typed.threadId });
    expect(await h.waitForState(typed.runId, ['stopped', 'failed', 'succeeded'])).toBe('stopped');
    const slash = await start(ALICE, 'turtle_sales');
    h.fake.slashCommand(ALICE, 'stop', [], [], slash.threadId);
    expect(await h.waitForState(slash.runId, ['stopped', 'failed', 'succeeded'])).toBe('stopped');
  });

  it('429s on the thread are waited out: every post arrives, in order', async () => {
    h = await createDiscordHarness({ run: scriptedEngine({ chunks: 3 }), overrides: admins });
    h.fake.rateLimit('POST', new RegExp(`^/channels/(?!${CHANNEL_ID})\\d+/messages$`), 1, 2); // the run thread's first two posts
    const { id } = h.fake.slashCommand(ALICE, 'clean', [{ name: 'dataset', type: 3, value: 'turtle_sales' }]);
    const runId = await queuedRunId(h, id);
    const threadId = h.fake.find('POST', /\/threads$/).at(-1)!.path.split('/')[4];
    expect(await h.waitForState(runId, ['succeeded', 'failed'])).toBe('succeeded');
    await h.worker.close();
    expect(h.fake.calls.filter((c) => c.status === 429)).toHaveLength(2);
    const posts = threadPosts(h.fake, threadId);
    const text = posts.map((p) => p.body?.content ?? '').join('\n');
    let at = -1;
    for (const needle of ['Step 1 (draft)', 'Validation (draft, sample)', `run \`${runId}\` succeeded`]) {
      const i = text.indexOf(needle);
      expect(i, needle).toBeGreaterThan(at);
      at = i;
    }
    expect(posts.at(-1)!.files.map((f) => f.name)).toContain('cleaned.csv'); // the upload is still last
  });

  it('an over-limit result file is explained, with where it is kept', async () => {
    const bigRun: RunFunction = async function* (input) {
      yield { type: 'run_started', runId: input.runId, input: input.inputPath, resumed: false, at: Date.now() };
      mkdirSync(input.outDir, { recursive: true });
      const big = path.join(input.outDir, 'cleaned.csv');
      writeFileSync(big, randomBytes(11 * 1024 * 1024)); // incompressible: too large even gzipped
      const small = path.join(input.outDir, 'report.md');
      writeFileSync(small, '# Report\n');
      yield {
        type: 'run_finished', runId: input.runId, status: 'succeeded', message: 'done',
        artifacts: [
          { name: 'cleaned.csv', path: big, contentType: 'text/csv', bytes: 11 * 1024 * 1024 },
          { name: 'report.md', path: small, contentType: 'text/markdown', bytes: 9 },
        ],
        at: Date.now(),
      };
    };
    h = await createDiscordHarness({ run: bigRun, overrides: admins });
    const { id } = h.fake.slashCommand(ALICE, 'clean', [{ name: 'dataset', type: 3, value: 'turtle_sales' }]);
    const runId = await queuedRunId(h, id);
    const threadId = h.fake.find('POST', /\/threads$/).at(-1)!.path.split('/')[4];
    expect(await h.waitForState(runId, ['succeeded', 'failed'])).toBe('succeeded');
    await h.worker.close();
    const posts = threadPosts(h.fake, threadId);
    const text = posts.map((p) => p.body?.content ?? '').join('\n');
    expect(text).toMatch(new RegExp(`cleaned\\.csv[^\\n]*(kept|gzipped)[^\\n]*|(kept|gzipped)[^\\n]*cleaned\\.csv`));
    expect(text).toContain(path.join(h.config.dataDir, 'runs', runId, 'cleaned.csv'));
    const uploaded = posts.flatMap((p) => p.files);
    for (const f of uploaded) expect(f.bytes).toBeLessThanOrEqual(10 * 1024 * 1024);
    expect(uploaded.map((f) => f.name)).toContain('report.md');
  });

  it('a mention is answered; its own and other bots’ messages are not', async () => {
    h = await createDiscordHarness({ run: scriptedEngine(), overrides: admins });
    const fromBot = h.fake.userMessage(OTHER_BOT, `<@${BOT.id}> clean turtle_sales`, { mentions: [BOT] });
    const own = h.fake.userMessage(BOT, `<@${BOT.id}> clean turtle_sales`, { mentions: [BOT] });
    const ask = h.fake.userMessage(BOB, `<@${BOT.id}> which datasets do you know?`, { mentions: [BOT] });
    const reply = await h.fake.waitFor(
      () => h!.fake.find('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages$`)).find((c) => c.body?.message_reference?.message_id === ask.id),
      15_000,
      'the answer',
    );
    expect(reply.body.content).toContain('turtle_reviews');
    const repliedTo = h.fake.find('POST', /\/messages$/).map((c) => c.body?.message_reference?.message_id);
    expect(repliedTo).not.toContain(fromBot.id);
    expect(repliedTo).not.toContain(own.id);
    expect(await h.producer.queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed')).toBe(0);
  });

  it('a file that is not a CSV gets a clear refusal', async () => {
    h = await createDiscordHarness({ run: scriptedEngine(), overrides: admins });
    const pdf = h.fake.attachment('notes.pdf', Buffer.from('%PDF-1.4 binary'), 'application/pdf');
    const msg = h.fake.userMessage(ALICE, `<@${BOT.id}> clean`, { mentions: [BOT], attachments: [pdf] });
    const reply = await h.fake.waitFor(
      () => h!.fake.find('POST', /\/messages$/).find((c) => c.body?.message_reference?.message_id === msg.id),
      15_000,
      'the refusal',
    );
    expect(reply.body.content).toMatch(/only clean CSV/);
    expect(await h.producer.queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed')).toBe(0);
  });

  it('a CSV attachment → the real engine cleans that file and uploads the result', async () => {
    h = await createDiscordHarness({ overrides: { ...admins, agent: { chunkRows: 50 } } });
    const rows = ['id,name,age,city'];
    for (let i = 1; i <= 120; i++) rows.push(`${i},person ${i},${i % 7 === 0 ? 'N/A' : 20 + (i % 50)},${i % 2 ? 'Leeds' : ' leeds '}`);
    const csv = Buffer.from(rows.join('\n') + '\n');
    const att = h.fake.attachment('people.csv', csv);
    const msg = h.fake.userMessage(ALICE, `<@${BOT.id}> clean`, { mentions: [BOT], attachments: [att] });
    const queued = await h.fake.waitFor(
      () => h!.fake.find('POST', /\/messages$/).find((c) => c.body?.message_reference?.message_id === msg.id),
      15_000,
      'the queued reply',
    );
    const runId = /Run `(run-[0-9a-f]+)` queued: cleaning people\.csv/.exec(queued.body.content)?.[1];
    expect(runId, queued.body.content).toBeDefined();
    const threadId = h.fake.find('POST', /\/threads$/).at(-1)!.path.split('/')[4];
    const final = await h.waitForState(runId!, ['succeeded', 'failed', 'stopped'], 120_000);
    expect(final, `${(await h.registry.get(runId!))?.message} ${h.logs.join(' | ')}`).toBe('succeeded');
    await h.worker.close();
    const upload = threadPosts(h.fake, threadId).find((p) => p.files.length > 0)!;
    const cleaned = upload.files.find((f) => f.name === 'cleaned.csv')!;
    const lines = cleaned.data.toString().trim().split('\n');
    expect(lines[0]).toBe('id,name,age,city');
    expect(lines.length - 1).toBeLessThanOrEqual(120);
    expect(lines.slice(1).every((l) => !l.includes(' leeds '))).toBe(true); // the file's own values, cleaned
    expect(h.fake.messages.get(threadId).content).toMatch(/succeeded[\s\S]*3\/3 chunks/);
  });
});
