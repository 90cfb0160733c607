/**
 * The Discord platform (real discord.js) against the local fake Discord, with a recording
 * MessageHandler in place of the router.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../src/config/schema.js';
import { createDiscordPlatform } from '../../src/bots/discord/platform.js';
import type { ChatPlatform, IncomingMessage, RouterContext } from '../../src/bots/types.js';
import { ADMIN_ROLE, BOT, BOT_ROLE, CHANNEL_ID, GUILD_ID, startFakeDiscord, type FakeDiscord, type FakeUser } from '../fakes/discord-server.js';

const ALICE: FakeUser = { id: '1400000000000000001', username: 'alice', roles: [ADMIN_ROLE.id] };
const BOB: FakeUser = { id: '1400000000000000002', username: 'bob' };
const OTHER_BOT: FakeUser = { id: '1400000000000000003', username: 'otherbot', bot: true };

interface Seen {
  message: IncomingMessage;
  ctx: RouterContext;
}

let fake: FakeDiscord;
let platform: ChatPlatform;
let seen: Seen[] = [];
let onMessage: (s: Seen) => Promise<void> = async () => {};
let config: Config;

beforeAll(async () => {
  fake = await startFakeDiscord();
  config = configSchema.parse({ discord: { botToken: 'fake-token', applicationId: '1', apiUrl: fake.apiUrl }, admin: { maxUploadMb: 1 } });
  platform = createDiscordPlatform(config, { log: (line, err) => console.error(line, err) });
  await platform.start(async (message, ctx) => {
    seen.push({ message, ctx });
    await onMessage({ message, ctx });
  });
});

afterAll(async () => {
  await platform?.stop();
  await fake?.close();
});

beforeEach(() => {
  seen = [];
  onMessage = async () => {};
});

const waitSeen = (pred: (m: IncomingMessage) => boolean, what: string) =>
  fake.waitFor(() => seen.find((s) => pred(s.message)), 10_000, what);

describe('discord platform', () => {
  it('identifies with the needed intents only', () => {
    const intents: number = fake.identifies[0].intents;
    // Guilds 1<<0, GuildMessages 1<<9, GuildMessageReactions 1<<10, DirectMessages 1<<12, MessageContent 1<<15
    expect(intents).toBe((1 << 0) | (1 << 9) | (1 << 10) | (1 << 12) | (1 << 15));
  });

  it('delivers a mention with the mention stripped and replies in the channel', async () => {
    onMessage = async ({ ctx }) => ctx.reply({ text: 'hello alice' });
    const msg = fake.userMessage(ALICE, `<@${BOT.id}> what columns does turtle_reviews have?`, { mentions: [BOT] });
    const s = await waitSeen((m) => m.messageId === msg.id, 'the mention');
    expect(s.message).toMatchObject({
      platform: 'discord',
      kind: 'message',
      text: 'what columns does turtle_reviews have?',
      threadRef: `discord:${GUILD_ID}:${CHANNEL_ID}:${CHANNEL_ID}`,
      channelRef: `discord:${GUILD_ID}:${CHANNEL_ID}`,
      isSelf: false,
      user: { id: ALICE.id, roles: [ADMIN_ROLE.name], isBot: false },
    });
    const post = await fake.waitFor(() => fake.find('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages$`)).find((c) => c.body?.content === 'hello alice'), 10_000, 'the reply');
    expect(post.body.message_reference.message_id).toBe(msg.id);
  });

  it("treats a mention of the bot's managed role as a mention", async () => {
    const msg = fake.userMessage(BOB, `<@&${BOT_ROLE.id}> status`, { mentionRoles: [BOT_ROLE.id] });
    const s = await waitSeen((m) => m.messageId === msg.id, 'the role mention');
    expect(s.message.text).toBe('status');
  });

  it('ignores messages that neither mention the bot nor sit in its threads', async () => {
    const plain = fake.userMessage(BOB, 'just chatting');
    const marker = fake.userMessage(BOB, `<@${BOT.id}> marker`, { mentions: [BOT] });
    await waitSeen((m) => m.messageId === marker.id, 'the marker');
    expect(seen.some((s) => s.message.messageId === plain.id)).toBe(false);
  });

  it("drops other bots' messages and marks its own as isSelf", async () => {
    const fromBot = fake.userMessage(OTHER_BOT, `<@${BOT.id}> stop`, { mentions: [BOT] });
    const own = fake.userMessage(BOT, `<@${BOT.id}> echo`, { mentions: [BOT] });
    const s = await waitSeen((m) => m.messageId === own.id, 'own message');
    expect(s.message.isSelf).toBe(true);
    expect(seen.some((x) => x.message.messageId === fromBot.id)).toBe(false);
  });

  it('opens a run thread from a starter message; replies in that thread reach the router', async () => {
    let threadRef = '';
    onMessage = async ({ message, ctx }) => {
      if (message.text === 'clean it') threadRef = await ctx.openRunThread!('run-42', 'Cleaning turtle_reviews');
    };
    fake.userMessage(ALICE, `<@${BOT.id}> clean it`, { mentions: [BOT] });
    await fake.waitFor(() => threadRef, 10_000, 'the thread');
    const [, g, c, t] = threadRef.split(':');
    expect([g, c]).toEqual([GUILD_ID, CHANNEL_ID]);
    const starter = fake.messages.get(t);
    expect(starter.content).toContain('run-42');
    expect(fake.channels.get(t)).toMatchObject({ type: 11, parent_id: CHANNEL_ID, owner_id: BOT.id });
    // A reply in the run thread, without a mention, is delivered.
    const reply = fake.userMessage(BOB, 'stop', { channelId: t });
    const s = await waitSeen((m) => m.messageId === reply.id, 'the thread reply');
    expect(s.message).toMatchObject({ kind: 'message', text: 'stop', threadRef, channelRef: `discord:${GUILD_ID}:${CHANNEL_ID}` });
  });

  it('defers a slash command first, then follows up; options become router text', async () => {
    onMessage = async ({ ctx }) => ctx.reply({ text: 'Only admins can start a run.', ephemeral: true });
    const { id } = fake.slashCommand(BOB, 'clean', [{ name: 'dataset', type: 3, value: 'turtle_reviews' }]);
    const s = await waitSeen((m) => m.messageId === id, 'the command');
    expect(s.message).toMatchObject({ kind: 'command', text: 'clean turtle_reviews', user: { id: BOB.id, roles: [] } });
    const callback = await fake.waitFor(() => fake.find('POST', new RegExp(`^/interactions/${id}/`))[0], 10_000, 'defer');
    expect(callback.body.type).toBe(5);
    const follow = await fake.waitFor(() => fake.find('POST', /^\/webhooks\/\d+\/tok-/).find((c) => c.path.includes(id)), 10_000, 'follow-up');
    expect(follow.body.content).toBe('Only admins can start a run.');
    expect(follow.body.flags & 64).toBe(64); // ephemeral
    expect(follow.at).toBeGreaterThanOrEqual(callback.at);
  });

  it('maps /ask, /status, /stop, /resume to router text', async () => {
    onMessage = async ({ ctx }) => ctx.reply({ text: 'ok' });
    const cases: [string, { name: string; type: number; value: string }[], string][] = [
      ['ask', [{ name: 'question', type: 3, value: 'how many rows?' }], 'ask how many rows?'],
      ['status', [], 'status'],
      ['stop', [], 'stop'],
      ['resume', [{ name: 'run', type: 3, value: 'run-7' }], 'resume run-7'],
    ];
    for (const [name, options, text] of cases) {
      const { id } = fake.slashCommand(ALICE, name, options);
      const s = await waitSeen((m) => m.messageId === id, name);
      expect(s.message.text).toBe(text);
      expect(s.message.user.roles).toEqual([ADMIN_ROLE.name]);
      await fake.waitFor(() => fake.find('PATCH', new RegExp(`^/webhooks/\\d+/tok-${id}/messages/@original$`))[0], 10_000, `${name} reply`);
    }
  });

  it('a /clean file attachment arrives as an IncomingFile that downloads', async () => {
    const csv = Buffer.from('a,b\n1,2\n3,4\n');
    const att = fake.attachment('sales.csv', csv);
    const { id } = fake.slashCommand(ALICE, 'clean', [{ name: 'file', type: 11, value: att.id }], [att]);
    const s = await waitSeen((m) => m.messageId === id, '/clean with file');
    expect(s.message.text).toBe('clean');
    expect(s.message.files).toHaveLength(1);
    expect(s.message.files[0]).toMatchObject({ name: 'sales.csv', size: csv.length, contentType: 'text/csv' });
    expect((await s.message.files[0].download()).equals(csv)).toBe(true);
  });

  it('refuses to download an attachment over admin.maxUploadMb', async () => {
    const big = fake.attachment('big.csv', Buffer.alloc(2 * 1024 * 1024, 0x61));
    const msg = fake.userMessage(ALICE, `<@${BOT.id}> clean this`, { mentions: [BOT], attachments: [big] });
    const s = await waitSeen((m) => m.messageId === msg.id, 'message with file');
    await expect(s.message.files[0].download()).rejects.toMatchObject({ kind: 'input', message: expect.stringContaining('upload limit') });
  });

  it('a 🛑 reaction arrives as kind reaction with the message ref as target and role names', async () => {
    const target = fake.userMessage(BOB, 'some message');
    fake.react(OTHER_BOT, CHANNEL_ID, target.id);
    fake.react(BOB, CHANNEL_ID, target.id, '👍');
    fake.react(ALICE, CHANNEL_ID, target.id); // dispatched last: the others were dropped before it arrives
    const s = await waitSeen((m) => m.kind === 'reaction' && m.user.id === ALICE.id, 'the reaction');
    expect(s.message).toMatchObject({
      reaction: '🛑',
      targetRef: `discord:${GUILD_ID}:${CHANNEL_ID}:${target.id}`,
      user: { id: ALICE.id, roles: [ADMIN_ROLE.name] },
      isSelf: false,
    });
    expect(seen.filter((x) => x.message.kind === 'reaction')).toHaveLength(1);
  });

  it('a 🛑 on a run thread starter or inside the thread names that thread', async () => {
    let threadRef = '';
    onMessage = async ({ message, ctx }) => {
      if (message.text === 'open a thread') threadRef = await ctx.openRunThread!('run-43', 'Cleaning turtle_sales');
    };
    fake.userMessage(ALICE, `<@${BOT.id}> open a thread`, { mentions: [BOT] });
    await fake.waitFor(() => threadRef, 10_000, 'the thread');
    const threadId = threadRef.split(':')[3];
    onMessage = async () => {};
    // On the starter (status) message, in the parent channel: thread ref and target are the same string.
    fake.react(BOB, CHANNEL_ID, threadId);
    const onStarter = await waitSeen((m) => m.kind === 'reaction' && m.user.id === BOB.id, 'reaction on the starter');
    expect(onStarter.message).toMatchObject({ threadRef, targetRef: threadRef, channelRef: `discord:${GUILD_ID}:${CHANNEL_ID}` });
    // On someone's message inside the thread: the thread names the run, no target.
    const inThread = fake.userMessage(BOB, 'hmm', { channelId: threadId });
    await waitSeen((m) => m.messageId === inThread.id, 'the thread message');
    fake.react(ALICE, threadId, inThread.id);
    const onUserMsg = await waitSeen((m) => m.kind === 'reaction' && m.user.id === ALICE.id, 'reaction in the thread');
    expect(onUserMsg.message.threadRef).toBe(threadRef);
    expect(onUserMsg.message.targetRef).toBeUndefined();
  });

  it('a DM is delivered without roles or run threads and answered in the DM', async () => {
    onMessage = async ({ ctx }) => ctx.reply({ text: 'hi in private' });
    const dm = fake.userMessage(BOB, 'what can you do?', { dm: true });
    const s = await waitSeen((m) => m.messageId === dm.id, 'the DM');
    expect(s.message).toMatchObject({
      kind: 'message',
      text: 'what can you do?',
      threadRef: `discord:@me:${dm.channel_id}:${dm.channel_id}`,
      channelRef: `discord:@me:${dm.channel_id}`,
    });
    expect(s.message.user.roles).toBeUndefined();
    expect(s.ctx.openRunThread).toBeUndefined();
    await fake.waitFor(() => fake.find('POST', new RegExp(`^/channels/${dm.channel_id}/messages$`)).find((c) => c.body?.content === 'hi in private'), 10_000, 'the DM reply');
  });
});
