/** Pure helpers of the Discord adapter: refs round-trip, text splitting, mention stripping, status rendering. */
import { describe, expect, it } from 'vitest';
import { decodeRef, encodeChannelRef, encodeMessageRef, encodeThreadRef, isThreadRef } from '../../src/bots/discord/refs.js';
import { splitText, stripMention } from '../../src/bots/discord/normalize.js';
import { progressBar } from '../../src/bots/discord/render.js';
import { commandText } from '../../src/bots/discord/commands.js';

describe('discord refs', () => {
  it('round-trips thread and message refs, DMs included', () => {
    const t = encodeThreadRef('111', '222', '333');
    expect(t).toBe('discord:111:222:333');
    expect(decodeRef(t)).toEqual({ guildId: '111', channelId: '222', id: '333' });
    expect(isThreadRef(decodeRef(t))).toBe(true);
    expect(isThreadRef(decodeRef(encodeThreadRef('111', '222', '222')))).toBe(false);
    expect(decodeRef(encodeMessageRef(null, '5', '6'))).toEqual({ guildId: '@me', channelId: '5', id: '6' });
    expect(encodeChannelRef('1', '2')).toBe('discord:1:2');
  });

  it('rejects what is not a Discord ref', () => {
    for (const bad of ['slack:T:C:1', 'discord:1:2', 'discord:1:2:3:4', 'discord:a:b:c', 'discord:1:@me:3']) {
      expect(() => decodeRef(bad), bad).toThrow(/Not a Discord ref/);
    }
  });
});

describe('discord text', () => {
  it('keeps short text whole and splits long text under the limit, without losing characters', () => {
    expect(splitText('hello', 2000)).toEqual(['hello']);
    const long = 'word '.repeat(1000).trim();
    const parts = splitText(long, 2000);
    expect(parts.every((p) => p.length <= 2000)).toBe(true);
    expect(parts.join('')).toBe(long);
  });

  it('closes and reopens a code fence cut by a split', () => {
    const code = '```python\n' + Array.from({ length: 200 }, (_, i) => `x_${i} = ${i}`).join('\n') + '\n```';
    const parts = splitText(code, 500);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(500);
      expect((p.match(/```/g) ?? []).length % 2).toBe(0);
    }
    expect(parts[1].startsWith('```python\n')).toBe(true);
  });

  it('strips the bot mention in both forms', () => {
    expect(stripMention('<@42> clean <@!42>  turtle', '42')).toBe('clean turtle');
    expect(stripMention('<@43> hi', '42')).toBe('<@43> hi');
    expect(stripMention('<@&7> status <@&8>', '42', ['7'])).toBe('status <@&8>');
  });

  it('renders a progress bar', () => {
    expect(progressBar(0, 4, 4)).toBe('▱▱▱▱ 0%');
    expect(progressBar(2, 4, 4)).toBe('▰▰▱▱ 50%');
    expect(progressBar(4, 4, 4)).toBe('▰▰▰▰ 100%');
    expect(progressBar(0, 0, 4)).toBe('▱▱▱▱ –');
  });

  it('maps slash commands to router text', () => {
    expect(commandText({ name: 'clean', strings: { dataset: 'turtle_reviews' } })).toBe('clean turtle_reviews');
    expect(commandText({ name: 'clean', strings: {} })).toBe('clean');
    expect(commandText({ name: 'clean', strings: { dataset: 'turtle_sales', approve: 'yes' } })).toBe('clean turtle_sales approve=yes');
    expect(commandText({ name: 'resume', strings: { run: 'r1' } })).toBe('resume r1');
    expect(commandText({ name: 'other', strings: {} })).toBeUndefined();
  });
});
