/**
 * The thread's post budget, end to end with the REAL engine: a generated 10,000-column CSV
 * attached on the fake Discord → real discord.js platform → router → Redis/BullMQ → worker →
 * real run (builtin model, local sandbox) → Discord sink. Before, its before/after table went
 * into the thread in full (670 KB, 344 posts); now the run thread gets at most 5 posts, the table
 * shows the columns with most problems and says how many more are in report.md, and the full
 * table is in the attached report.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BOT, type FakeUser } from '../fakes/discord-server.js';
import { createDiscordHarness, type DiscordHarness } from './harness.js';

const ALICE: FakeUser = { id: '1500000000000000001', username: 'alice' };

let h: DiscordHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** 10,000 columns × `rows` rows, with problems in most columns (null tokens, spaces, float-typed years). */
function wideCsv(columns: number, rows: number): Buffer {
  const lines = [Array.from({ length: columns }, (_, c) => `c${String(c).padStart(5, '0')}`).join(',')];
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < columns; c++) {
      const k = c % 4;
      cells.push(k === 0 ? ((r + c) % 3 ? String((r * c) % 97) : 'N/A') : k === 1 ? ` x${r % 3} ` : k === 2 ? `${2000 + (r % 7)}.0` : String((r * 7 + c) % 50));
    }
    lines.push(cells.join(','));
  }
  return Buffer.from(lines.join('\n') + '\n');
}

describe('discord post budget (real engine)', () => {
  it('a 10,000-column file: at most 5 posts in the run thread; the table is cut to the worst columns; report.md has it all', async () => {
    h = await createDiscordHarness({
      overrides: { admin: { users: { discord: [ALICE.id] } }, sandbox: { cellTimeoutMs: 300_000 } },
    });
    const att = h.fake.attachment('wide.csv', wideCsv(10_000, 8));
    h.fake.userMessage(ALICE, `<@${BOT.id}> clean`, { mentions: [BOT], attachments: [att] });
    const thread = await h.fake.waitFor(() => h!.fake.find('POST', /\/threads$/).at(-1), 30_000, 'the run thread');
    const threadId = thread.path.split('/')[4];
    const runId = /run-[0-9a-f]+/.exec(h.fake.channels.get(threadId).name)![0];
    const final = await h.waitForState(runId, ['succeeded', 'failed', 'stopped'], 540_000);
    expect(final, (await h.registry.get(runId))?.message).toBe('succeeded');
    await h.worker.close(); // everything flushed

    const posts = h.fake.find('POST', new RegExp(`^/channels/${threadId}/messages$`));
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(posts.length).toBeLessThanOrEqual(5);
    const text = posts.map((p) => p.body?.content ?? '').join('\n');
    for (const p of posts) expect((p.body?.content ?? '').length).toBeLessThanOrEqual(2000);
    expect(text.length).toBeLessThan(10_000); // was 670 KB
    const summary = posts.find((p) => /succeeded in/.test(p.body?.content ?? ''))!.body.content as string;
    const shown = (summary.match(/^\| c\d{5} \|/gm) ?? []).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThanOrEqual(10);
    const more = /… and ([\d,]+) more columns in report\.md/.exec(summary);
    expect(more, summary).not.toBeNull();
    expect(shown + Number(more![1].replace(/,/g, ''))).toBe(10_000);
    // The full table is in the attached report.
    const files = posts.flatMap((p) => p.files);
    const report = files.find((f) => f.name === 'report.md' || f.name === 'report.md.gz');
    expect(report, files.map((f) => f.name).join(', ')).toBeDefined();
    if (report!.name === 'report.md') expect((report!.data.toString().match(/^\| c\d{5} \|/gm) ?? []).length).toBe(10_000);
    // The status message (the thread's starter, edited in place) says it succeeded.
    expect(h.fake.messages.get(threadId).content).toMatch(/✅[\s\S]*succeeded/);
  }, 600_000);
});
