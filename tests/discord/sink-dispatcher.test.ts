/**
 * Uploads keep working when another package has installed undici 7's global dispatcher (e2b
 * does in every worker): the case that broke @discordjs/rest's default request strategy.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { createDiscordSink } from '../../src/bots/discord/sink.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord-server.js';

let fake: FakeDiscord;
beforeAll(async () => {
  setGlobalDispatcher(new Agent()); // undici 7 (the top-level copy), as e2b leaves it
  fake = await startFakeDiscord();
});
afterAll(async () => fake?.close());

it('uploads a file under a foreign global dispatcher', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dsbot-discord-disp-'));
  const file = path.join(dir, 'cleaned.csv');
  await writeFile(file, 'a,b\n1,2\n');
  const { threadRef, threadId } = fake.seedRunThread('dispatcher');
  const sink = createDiscordSink(threadRef, configSchema.parse({ discord: { botToken: 't', apiUrl: fake.apiUrl } }));
  await sink.upload([{ name: 'cleaned.csv', path: file, contentType: 'text/csv', bytes: 8 }], 'Results');
  const [call] = fake.find('POST', new RegExp(`^/channels/${threadId}/messages$`));
  expect(call.body.content).toBe('Results');
  expect(call.files.map((f) => [f.name, f.data.toString()])).toEqual([['cleaned.csv', 'a,b\n1,2\n']]);
});
