/** The Discord ThreadSink (real @discordjs/rest) against the local fake Discord. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../src/config/schema.js';
import { createDiscordSink } from '../../src/bots/discord/sink.js';
import type { StatusView } from '../../src/bots/types.js';
import { CHANNEL_ID, GUILD_ID, startFakeDiscord, type FakeDiscord } from '../fakes/discord-server.js';

let fake: FakeDiscord;
let config: Config;
let dir: string;

const view = (over: Partial<StatusView> = {}): StatusView => ({
  runId: 'run-1',
  title: 'Cleaning turtle_reviews',
  phase: 'replay',
  state: 'running',
  chunksDone: 3,
  totalChunks: 10,
  rowsProcessed: 150_000,
  elapsedMs: 83_000,
  modelCalls: 4,
  footer: 'stop with 🛑 or `stop`',
  ...over,
});

beforeAll(async () => {
  fake = await startFakeDiscord();
  config = configSchema.parse({ discord: { botToken: 'fake-token', apiUrl: fake.apiUrl } });
  dir = await mkdtemp(path.join(tmpdir(), 'dsbot-discord-sink-'));
});

afterAll(async () => {
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

const postsIn = (channelId: string) => fake.find('POST', new RegExp(`^/channels/${channelId}/messages$`));

describe('discord sink', () => {
  it('edits the run thread starter in place as the status message, with a progress bar', async () => {
    const { threadRef, threadId } = fake.seedRunThread('status');
    const sink = createDiscordSink(threadRef, config);
    const ref = await sink.status(view());
    expect(ref.id).toBe(`discord:${GUILD_ID}:${CHANNEL_ID}:${threadId}`);
    expect(fake.messages.get(threadId).content).toContain('▰▰▰▰▱▱▱▱▱▱▱▱ 30%'); // 3/10 of 12 cells
    expect(fake.messages.get(threadId).content).toMatch(/30%.*3\/10 chunks/);
    const again = await sink.status(view({ chunksDone: 10, state: 'succeeded', footer: undefined }), ref);
    expect(again.id).toBe(ref.id);
    expect(fake.messages.get(threadId).content).toMatch(/✅.*succeeded[\s\S]*100%/);
    expect(postsIn(threadId)).toHaveLength(0); // edited, never re-posted
    expect(fake.find('PATCH', new RegExp(`^/channels/${CHANNEL_ID}/messages/${threadId}$`))).toHaveLength(2);
  });

  it('posts a fresh status message when the old one was deleted', async () => {
    const { threadRef, threadId } = fake.seedRunThread('deleted status');
    const sink = createDiscordSink(threadRef, config);
    const ref = await sink.status(view());
    fake.messages.delete(threadId); // someone deleted the status message
    const again = await sink.status(view({ chunksDone: 5 }), ref);
    expect(again.id).not.toBe(ref.id);
    const fresh = fake.messages.get(again.id.split(':').at(-1)!);
    expect(fresh.content).toMatch(/5\/10 chunks/);
  });

  it('posts the status as a new message where there is no starter to edit', async () => {
    const sink = createDiscordSink(`discord:${GUILD_ID}:${CHANNEL_ID}:${CHANNEL_ID}`, config);
    const before = postsIn(CHANNEL_ID).length;
    const ref = await sink.status(view());
    expect(postsIn(CHANNEL_ID)).toHaveLength(before + 1);
    const [, , c, m] = ref.id.split(':');
    expect(c).toBe(CHANNEL_ID);
    expect(fake.messages.get(m).content).toContain('run `run-1`');
  });

  it('splits long posts under 2,000 characters, in order, into the thread', async () => {
    const { threadRef, threadId } = fake.seedRunThread('split');
    const sink = createDiscordSink(threadRef, config);
    const lines = Array.from({ length: 120 }, (_, i) => `line ${String(i).padStart(3, '0')} ${'x'.repeat(30)}`);
    const ref = await sink.post(lines.join('\n'));
    const posts = postsIn(threadId);
    expect(posts.length).toBeGreaterThanOrEqual(3);
    for (const p of posts) expect(p.body.content.length).toBeLessThanOrEqual(2000);
    expect(posts.map((p) => p.body.content).join('\n')).toBe(lines.join('\n'));
    expect(ref.id).toMatch(new RegExp(`^discord:${GUILD_ID}:${threadId}:\\d+$`));
  });

  it('waits out a 429 (retry_after) and keeps the order of posts and edits', async () => {
    const { threadRef, threadId } = fake.seedRunThread('429');
    const sink = createDiscordSink(threadRef, config);
    fake.rateLimit('POST', new RegExp(`^/channels/${threadId}/messages$`), 1, 1);
    const statusRef = sink.status(view({ chunksDone: 1 }));
    const a = sink.post('first');
    const b = sink.post('second');
    const edit = statusRef.then((r) => sink.status(view({ chunksDone: 2 }), r));
    const c = sink.post('third');
    await Promise.all([a, b, c, edit]);
    await sink.flush();
    const sent = postsIn(threadId);
    expect(sent.map((p) => p.body.content)).toEqual(['first', 'second', 'third']);
    const limited = fake.calls.find((x) => x.status === 429 && x.path === `/channels/${threadId}/messages`)!;
    expect(limited).toBeDefined();
    expect(sent[0].at - limited.at).toBeGreaterThanOrEqual(950); // after retry_after (1 s)
    expect(fake.messages.get(threadId).content).toMatch(/2\/10 chunks/);
  });

  it('uploads files with a comment', async () => {
    const { threadRef, threadId } = fake.seedRunThread('files');
    const sink = createDiscordSink(threadRef, config);
    const csv = path.join(dir, 'cleaned.csv');
    const md = path.join(dir, 'report.md');
    await writeFile(csv, 'a,b\n1,2\n');
    await writeFile(md, '# Report\n');
    await sink.upload(
      [
        { name: 'cleaned.csv', path: csv, contentType: 'text/csv', bytes: 8 },
        { name: 'report.md', path: md, contentType: 'text/markdown', bytes: 9 },
      ],
      'Results of `run-1`',
    );
    const [call] = postsIn(threadId);
    expect(call.body.content).toBe('Results of `run-1`');
    expect(call.files.map((f) => [f.name, f.data.toString()])).toEqual([
      ['cleaned.csv', 'a,b\n1,2\n'],
      ['report.md', '# Report\n'],
    ]);
  });

  it('gzips an over-limit file that compresses, and explains one that does not', async () => {
    const { threadRef, threadId } = fake.seedRunThread('big');
    const sink = createDiscordSink(threadRef, config);
    const big = path.join(dir, 'cleaned_big.csv');
    const row = 'id,name,city,amount\n' + '12345,Alice Example,Springfield,100.50\n'.repeat(300_000); // ~11.4 MB
    await writeFile(big, row);
    const noise = path.join(dir, 'noise.bin');
    await writeFile(noise, randomBytes(11 * 1024 * 1024));
    await sink.upload(
      [
        { name: 'cleaned_big.csv', path: big, contentType: 'text/csv', bytes: Buffer.byteLength(row) },
        { name: 'noise.bin', path: noise, contentType: 'application/octet-stream', bytes: 11 * 1024 * 1024 },
      ],
      'Results',
    );
    expect(sink.limits.maxUploadBytes).toBe(10 * 1024 * 1024); // read from the guild (tier 0)
    const [call] = postsIn(threadId);
    expect(call.files.map((f) => f.name)).toEqual(['cleaned_big.csv.gz']);
    expect(gunzipSync(call.files[0].data).toString()).toBe(row);
    expect(call.body.content).toContain('attached gzipped as `cleaned_big.csv.gz`');
    expect(call.body.content).toContain('`noise.bin` is 11.0 MiB');
    expect(call.body.content).toContain(`kept on the worker at \`${noise}\``);
  });

  it('reads a larger upload limit from a boosted guild', async () => {
    fake.premiumTier = 2;
    try {
      const { threadRef } = fake.seedRunThread('tier2');
      const sink = createDiscordSink(threadRef, config);
      const f = path.join(dir, 'small.csv');
      await writeFile(f, 'x\n1\n');
      await sink.upload([{ name: 'small.csv', path: f, contentType: 'text/csv', bytes: 4 }]);
      expect(sink.limits.maxUploadBytes).toBe(50 * 1024 * 1024);
    } finally {
      fake.premiumTier = 0;
    }
  });

  it('rejects refs that are not Discord refs and a missing token', () => {
    expect(() => createDiscordSink('slack:T:C:1', config)).toThrow(/Not a Discord ref/);
    expect(() => createDiscordSink(`discord:${GUILD_ID}:${CHANNEL_ID}:${CHANNEL_ID}`, configSchema.parse({}))).toThrow(/DISCORD_BOT_TOKEN/);
  });
});
