/** Setup: `dsbot discord register-commands` and platform login errors, against the fake Discord. */
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { registerDiscordCommands } from '../../src/cli/discord.js';
import { registerCommands } from '../../src/bots/discord/commands.js';
import { APP_ID, GUILD_ID, startFakeDiscord, type FakeDiscord } from '../fakes/discord-server.js';

let fake: FakeDiscord;
beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterAll(async () => fake?.close());

const config = () =>
  configSchema.parse({
    discord: { botToken: 'fake-token', applicationId: APP_ID, apiUrl: fake.apiUrl },
    datasets: { turtle_reviews: { path: '/x.csv' }, turtle_sales: { path: '/y.csv' } },
  });

describe('dsbot discord register-commands', () => {
  it('registers the five commands in a guild, with the datasets as /clean choices', async () => {
    const out: string[] = [];
    const program = new Command().exitOverride();
    registerDiscordCommands(program, { loadConfig: config, print: (l) => out.push(l) });
    await program.parseAsync(['node', 'dsbot', 'discord', 'register-commands', '--guild', GUILD_ID]);
    const [put] = fake.find('PUT', new RegExp(`^/applications/${APP_ID}/guilds/${GUILD_ID}/commands$`));
    expect(put.body.map((c: any) => c.name)).toEqual(['clean', 'ask', 'status', 'stop', 'resume']);
    const clean = put.body[0];
    expect(clean.options.find((o: any) => o.name === 'dataset').choices.map((c: any) => c.value)).toEqual(['turtle_reviews', 'turtle_sales']);
    expect(clean.options.find((o: any) => o.name === 'file').type).toBe(11); // attachment
    expect(put.body[1].options[0]).toMatchObject({ name: 'question', required: true });
    expect(out).toEqual([`Registered /clean, /ask, /status, /stop, /resume (guild ${GUILD_ID}).`]);
  });

  it('registers globally without --guild', async () => {
    await registerCommands(config());
    expect(fake.find('PUT', new RegExp(`^/applications/${APP_ID}/commands$`))).toHaveLength(1);
  });

  it('says which setting is missing', async () => {
    await expect(registerCommands(configSchema.parse({ discord: { botToken: 't' } }))).rejects.toThrow(/DISCORD_APPLICATION_ID/);
    await expect(registerCommands(configSchema.parse({}))).rejects.toThrow(/DISCORD_BOT_TOKEN/);
  });
});

describe('discord platform login', () => {
  it('stops with the fix when Discord refuses the Message Content intent', async () => {
    const { createDiscordPlatform } = await import('../../src/bots/discord/platform.js');
    const refusing = await startFakeDiscord({ closeOnIdentify: 4014 });
    try {
      const platform = createDiscordPlatform(configSchema.parse({ discord: { botToken: 't', apiUrl: refusing.apiUrl } }), { log: () => {} });
      await expect(platform.start(async () => {})).rejects.toMatchObject({ kind: 'config', message: expect.stringMatching(/Message Content intent/) });
      await platform.stop();
    } finally {
      await refusing.close();
    }
  });

  it('asks for the token when none is set', async () => {
    const { createDiscordPlatform } = await import('../../src/bots/discord/platform.js');
    expect(() => createDiscordPlatform(configSchema.parse({}))).toThrow(/DISCORD_BOT_TOKEN/);
  });
});
