/** The console platform normalises typed lines like Slack and Discord do. */
import { PassThrough } from 'node:stream';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConsolePlatform } from '../../src/bots/console/platform.js';
import type { IncomingMessage } from '../../src/bots/types.js';

describe('console platform', () => {
  it('turns lines into messages, slash commands, uploads and reactions, in order', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dsbot-console-'));
    const csv = path.join(dir, 'mine.csv');
    writeFileSync(csv, 'a\n1\n');
    const input = new PassThrough();
    const out: string[] = [];
    const got: IncomingMessage[] = [];
    let quit!: () => void;
    const quitting = new Promise<void>((r) => (quit = r));
    const p = createConsolePlatform({ session: 's1', user: 'guest', input, output: { write: (t: string) => out.push(t) }, onQuit: () => quit() });
    await p.start(async (m, ctx) => {
      got.push(m);
      await ctx.reply({ text: `got ${m.kind}`, ephemeral: m.kind === 'reaction' });
    });
    input.end(['which columns?', '/as admin', '/clean turtle_sales', `/upload ${csv}`, '/react console:s1:7 🛑', '/quit', ''].join('\n'));
    await quitting;
    expect(got.map((m) => [m.kind, m.user.id, m.text])).toEqual([
      ['message', 'guest', 'which columns?'],
      ['command', 'admin', 'clean turtle_sales'],
      ['command', 'admin', 'clean'],
      ['reaction', 'admin', ''],
    ]);
    expect(got.every((m) => m.threadRef === 'console:s1' && m.channelRef === 'console:s1' && !m.isSelf)).toBe(true);
    expect(new Set(got.map((m) => m.messageId)).size).toBe(4);
    expect(got[2].files[0]).toMatchObject({ name: 'mine.csv', size: 4, contentType: 'text/csv' });
    expect((await got[2].files[0].download()).toString()).toBe('a\n1\n');
    expect(got[3]).toMatchObject({ reaction: '🛑', targetRef: 'console:s1:7' });
    expect(out.join('')).toContain('dsbot (only you): got reaction');
    await p.stop();
  });

  it('message ids differ between sessions of different processes (no run id reuse)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const p = createConsolePlatform({ session: 'same', output: { write: () => true } });
      await p.start(async (m) => void ids.push(m.messageId));
      await p.say('hello');
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(ids[0]).not.toBe(ids[1]);
  });
});
