import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceptUpload } from '../../src/bots/uploads.js';
import type { IncomingFile } from '../../src/bots/types.js';
import { InputError } from '../../src/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dsbot-uploads-'));
const file = (name: string, content: Buffer, contentType?: string, size = content.length): IncomingFile => ({
  name,
  size,
  contentType,
  download: async () => content,
});
const opts = { dir, maxMb: 1, key: 'run-abc' };

describe('uploads', () => {
  it('saves a CSV under the uploads dir', async () => {
    const saved = await acceptUpload(file('My Data.csv', Buffer.from('a,b\n1,2\n'), 'text/csv'), opts);
    expect(saved).toMatchObject({ originalName: 'My Data.csv', bytes: 8 });
    expect(path.dirname(saved.path)).toBe(dir);
    expect(path.basename(saved.path)).toBe('run-abc-My_Data.csv');
    expect(readFileSync(saved.path, 'utf8')).toBe('a,b\n1,2\n');
  });

  it.each([
    ['a spreadsheet', file('book.xlsx', Buffer.from('PK\x03\x04'), 'application/vnd.ms-excel'), /only clean CSV or text/],
    ['an empty file', file('empty.csv', Buffer.alloc(0)), /empty \(0 bytes\)/],
    ['a file over the limit (reported size)', file('big.csv', Buffer.from('a\n'), 'text/csv', 5 * 1024 * 1024), /limit is 1 MiB/],
    ['a file over the limit (actual size)', file('big.csv', Buffer.alloc(2 * 1024 * 1024, 0x61), 'text/csv', 10), /limit is 1 MiB/],
    ['a binary file named .csv', file('x.csv', Buffer.from([0x61, 0x00, 0x62])), /binary/],
    ['undecodable bytes', file('latin.csv', Buffer.from([0x61, 0xff, 0xfe, 0x0a])), /not valid UTF-8/],
  ])('refuses %s clearly', async (_label, f, pattern) => {
    const err = await acceptUpload(f, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(pattern);
  });
});
