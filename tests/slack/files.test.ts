import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toIncomingFile } from '../../src/bots/slack/files.js';
import { BOT_TOKEN, startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';

let fake: FakeSlack;
beforeEach(async () => {
  fake = await startFakeSlack();
});
afterEach(async () => {
  await fake.close();
});

const deps = (over: Partial<Parameters<typeof toIncomingFile>[1]> = {}) => ({
  botToken: BOT_TOKEN,
  maxBytes: 1024,
  fileInfo: async () => undefined,
  ...over,
});

describe('slack files', () => {
  it('stops downloading past the size limit even when Slack reported a small size', async () => {
    const file = fake.addFile('big.csv', 'x,y\n'.repeat(1000));
    const incoming = toIncomingFile({ ...file, size: 10 }, deps());
    await expect(incoming.download()).rejects.toMatchObject({ kind: 'input', message: expect.stringContaining('admin.maxUploadMb') });
  });

  it('names the missing scope when Slack answers with its sign-in page', async () => {
    const file = fake.addFile('a.csv', 'a\n1\n');
    const incoming = toIncomingFile(file, deps({ botToken: 'xoxb-without-files-read' }));
    await expect(incoming.download()).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('files:read') });
  });

  it('asks files.info for the link when the event only carried the id', async () => {
    const file = fake.addFile('c.csv', 'c\n3\n');
    let asked = '';
    const incoming = toIncomingFile({ id: file.id, name: 'c.csv', file_access: 'check_file_info' }, deps({
      fileInfo: async (id) => {
        asked = id;
        return file;
      },
    }));
    expect((await incoming.download()).toString()).toBe('c\n3\n');
    expect(asked).toBe(file.id);
  });
});
