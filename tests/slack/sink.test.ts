import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackSink } from '../../src/bots/slack/sink.js';
import type { StatusView } from '../../src/bots/types.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import { BOT_TOKEN, nextTs, startFakeSlack, TEAM, type FakeSlack } from '../fakes/slack-server.js';

let fake: FakeSlack;
let config: Config;
const fast = { post: { intervalMs: 0 }, edit: { intervalMs: 0 }, upload: { intervalMs: 0 } };

beforeEach(async () => {
  fake = await startFakeSlack();
  config = configSchema.parse({ slack: { botToken: BOT_TOKEN, apiUrl: fake.apiUrl } });
});
afterEach(async () => {
  await fake.close();
});

const view = (over: Partial<StatusView> = {}): StatusView => ({
  runId: 'r-1',
  title: 'Cleaning turtle_reviews',
  phase: 'profile',
  state: 'running',
  chunksDone: 1,
  totalChunks: 4,
  rowsProcessed: 50_000,
  elapsedMs: 65_000,
  modelCalls: 3,
  footer: 'stop with :octagonal_sign: or `stop`',
  ...over,
});

describe('slack sink', () => {
  it('posts into the thread with the bot token and returns a full message ref', async () => {
    const root = nextTs();
    const sink = createSlackSink(`slack:${TEAM}:C1:${root}`, config, { paces: fast });
    const ref = await sink.post('Profiled **3 columns** of <!channel> data');
    const [call] = fake.callsOf('chat.postMessage');
    expect(call.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(call.args.channel).toBe('C1');
    expect(call.args.thread_ts).toBe(root);
    const text = call.args.blocks[0].text.text as string;
    expect(text).toContain('*3 columns*');
    expect(text).toContain('&lt;!channel&gt;');
    expect(ref.id).toBe(`slack:${TEAM}:C1:${fake.messages[0].ts}`);
  });

  it('posts the status as Block Kit with a progress bar and edits it with chat.update', async () => {
    const sink = createSlackSink(`slack:${TEAM}:C1:${nextTs()}`, config, { paces: fast });
    const ref = await sink.status(view());
    const posted = fake.callsOf('chat.postMessage')[0].args;
    expect(JSON.stringify(posted.blocks)).toContain('▓▓▓▓▓░░░░░░░░░░░░░░░ 25%');
    const again = await sink.status(view({ chunksDone: 4, state: 'succeeded', phase: 'done' }), ref);
    expect(again.id).toBe(ref.id);
    const update = fake.callsOf('chat.update')[0].args;
    expect(update.ts).toBe(ref.id.split(':')[3]);
    expect(JSON.stringify(update.blocks)).toContain('100%');
    expect(JSON.stringify(update.blocks)).toContain('succeeded');
  });

  it('does not send an edit that changes nothing', async () => {
    const sink = createSlackSink(`slack:${TEAM}:C1:${nextTs()}`, config, { paces: fast });
    const ref = await sink.status(view());
    await sink.status(view(), ref);
    await sink.status(view({ chunksDone: 2 }), ref);
    await sink.status(view({ chunksDone: 2 }), ref);
    expect(fake.callsOf('chat.update')).toHaveLength(1);
  });

  it('posts a fresh status when the old one was deleted, and returns its ref', async () => {
    const sink = createSlackSink(`slack:${TEAM}:C1:${nextTs()}`, config, { paces: fast });
    const ref = await sink.status(view());
    fake.messages.splice(0, fake.messages.length);
    const fresh = await sink.status(view({ chunksDone: 3 }), ref);
    expect(fresh.id).not.toBe(ref.id);
    expect(fake.callsOf('chat.postMessage')).toHaveLength(2);
    expect(JSON.stringify(fake.messages[0].blocks)).toContain('chunks 3/4');
  });

  it('merges status edits still waiting in the queue (the latest view wins)', async () => {
    const sink = createSlackSink(`slack:${TEAM}:C1:${nextTs()}`, config, { paces: fast });
    const ref = await sink.status(view({ chunksDone: 0 }));
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const blocker = sink.post('a step summary');
    const edits = [1, 2, 3].map((n) => sink.status(view({ chunksDone: n }), ref));
    await Promise.all([blocker, ...edits]);
    const updates = fake.callsOf('chat.update');
    expect(updates).toHaveLength(1);
    expect(JSON.stringify(updates[0].args.blocks)).toContain('chunks 3/4');
  });

  it('waits out a 429 on chat.postMessage and posts everything, in order', async () => {
    const sink = createSlackSink(`slack:${TEAM}:C1:${nextTs()}`, config, { paces: fast });
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    await Promise.all(['first', 'second', 'third'].map((t) => sink.post(t)));
    await sink.flush();
    const calls = fake.callsOf('chat.postMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 200, 200, 200]);
    expect(calls.slice(1).map((c) => c.args.text)).toEqual(['first', 'second', 'third']);
    // Posted after the wait Slack asked for (Retry-After: 1 s).
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(950);
  });

  it('splits long text within block and message limits, keeping code fences balanced', async () => {
    const sink = createSlackSink(`slack:${TEAM}:C1:${nextTs()}`, config, { paces: fast });
    const code = '```\n' + Array.from({ length: 1500 }, (_, i) => `row ${i}: value`).join('\n') + '\n```';
    const long = 'Summary\n' + code + '\n' + 'x'.repeat(20_000);
    await sink.post(long);
    const calls = fake.callsOf('chat.postMessage');
    expect(calls.length).toBeGreaterThan(1);
    for (const c of calls) {
      const sections = c.args.blocks.map((b: any) => b.text.text as string);
      for (const s of sections) expect(s.length).toBeLessThanOrEqual(3000);
      expect(sections.join('').length).toBeLessThanOrEqual(40_000);
      expect(c.args.blocks.length).toBeLessThanOrEqual(50);
      for (const s of sections) expect((s.match(/```/g) ?? []).length % 2).toBe(0);
    }
    const joined = calls.flatMap((c) => c.args.blocks.map((b: any) => b.text.text)).join('');
    expect(joined).toContain('row 0: value');
    expect(joined).toContain('row 1499: value');
  });

  it('uploads files into the thread with files.uploadV2', async () => {
    const root = nextTs();
    const dir = mkdtempSync(path.join(tmpdir(), 'slack-sink-'));
    const file = path.join(dir, 'cleaned.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    const sink = createSlackSink(`slack:${TEAM}:C1:${root}`, config, { paces: fast });
    await sink.upload([{ name: 'cleaned.csv', path: file, contentType: 'text/csv', bytes: 8 }], 'Cleaned file');
    const get = fake.callsOf('files.getUploadURLExternal')[0].args;
    expect(get.filename).toBe('cleaned.csv');
    const complete = fake.callsOf('files.completeUploadExternal')[0].args;
    expect(complete.channel_id).toBe('C1');
    expect(complete.thread_ts).toBe(root);
    expect(complete.initial_comment).toBe('Cleaned file');
    expect([...fake.uploads.values()][0].toString()).toBe('a,b\n1,2\n');
  });

  it('from a channel ref, threads everything under its first post', async () => {
    const sink = createSlackSink(`slack:${TEAM}:C9`, config, { paces: fast });
    const first = await sink.post('Run r-2 started');
    await sink.post('step 1');
    const calls = fake.callsOf('chat.postMessage');
    expect(calls[0].args.thread_ts).toBeUndefined();
    expect(calls[1].args.thread_ts).toBe(first.id.split(':')[3]);
  });

  it('reports setup problems as config errors naming the fix', async () => {
    const bad = configSchema.parse({ slack: { botToken: 'xoxb-wrong', apiUrl: fake.apiUrl } });
    const sink = createSlackSink(`slack:${TEAM}:C1:${nextTs()}`, bad, { paces: fast });
    await expect(sink.post('hello')).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('SLACK_BOT_TOKEN') });
    expect(() => createSlackSink('discord:G:C:T', config)).toThrow(/not a Slack thread ref/);
  });
});
