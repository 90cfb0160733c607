import { describe, expect, it } from 'vitest';
import { progressBar, renderStatus, renderText } from '../../src/bots/slack/blocks.js';
import { toMrkdwn } from '../../src/bots/slack/mrkdwn.js';
import { fromReaction, stripMention } from '../../src/bots/slack/normalize.js';
import { createOrderedQueue } from '../../src/bots/slack/queue.js';
import { decodeSlackRef, encodeSlackRef } from '../../src/bots/slack/refs.js';
import { splitText } from '../../src/bots/slack/text.js';

describe('slack refs', () => {
  it('round-trips thread and channel refs and refuses others', () => {
    for (const ref of [{ team: 'T1', channel: 'C1', ts: '1700000000.000100' }, { team: 'T1', channel: 'D9' }]) {
      expect(decodeSlackRef(encodeSlackRef(ref))).toEqual(ref);
    }
    expect(() => decodeSlackRef('discord:G:C:T')).toThrow(/not a Slack thread ref/);
    expect(() => decodeSlackRef('slack:T1')).toThrow();
    expect(() => encodeSlackRef({ team: 'T:1', channel: 'C' })).toThrow();
  });

  it('a reaction targets the same ref format the sink returns', () => {
    const m = fromReaction({ user: 'U1', reaction: 'octagonal_sign::skin-tone-2', item: { type: 'message', channel: 'C1', ts: '2.2' } }, 'T1', '1.1', { userId: 'UBOT', teamId: 'T1' });
    expect(m.targetRef).toBe('slack:T1:C1:2.2');
    expect(m.threadRef).toBe('slack:T1:C1:1.1');
    expect(m.reaction).toBe('octagonal_sign');
  });
});

describe('slack text', () => {
  it('strips the bot mention and decodes entities', () => {
    expect(stripMention('<@UBOT> clean  &lt;x&gt; &amp; y', 'UBOT')).toBe('clean <x> & y');
    expect(stripMention('<@UBOT|dsbot>: status', 'UBOT')).toBe('status');
    expect(stripMention('hi <@UOTHER>', 'UBOT')).toBe('hi <@UOTHER>');
  });

  it('converts markdown to mrkdwn and defuses mentions from data', () => {
    expect(toMrkdwn('**bold** and [docs](https://x.io/a) <!channel>')).toBe('*bold* and <https://x.io/a|docs> &lt;!channel&gt;');
    expect(toMrkdwn('`**not bold**`')).toBe('`**not bold**`');
    expect(toMrkdwn('```\n<@U1> **x**\n```')).toBe('```\n&lt;@U1&gt; **x**\n```');
  });

  it('splits at line ends within the limit and rebalances code fences', () => {
    const text = ['intro', '```', ...Array.from({ length: 200 }, (_, i) => `line ${i}`), '```', 'outro'].join('\n');
    const pieces = splitText(text, 300);
    expect(pieces.length).toBeGreaterThan(3);
    for (const p of pieces) {
      expect(p.length).toBeLessThanOrEqual(300);
      expect((p.match(/```/g) ?? []).length % 2).toBe(0);
    }
    const lines = pieces.join('\n').split('\n').filter((l) => l.startsWith('line '));
    expect(lines).toEqual(Array.from({ length: 200 }, (_, i) => `line ${i}`));
    expect(renderText('x'.repeat(7_000)).blocks).toHaveLength(3);
  });

  it('renders a progress bar in the status blocks', () => {
    expect(progressBar(1, 4, 8)).toBe('▓▓░░░░░░ 25%');
    expect(progressBar(0, 0, 4)).toBe('░░░░ 0%');
    const r = renderStatus({ runId: 'r', title: 'T <x>', phase: 'replay', state: 'running', chunksDone: 2, totalChunks: 4, rowsProcessed: 1234, elapsedMs: 61_000, modelCalls: 1 });
    const json = JSON.stringify(r.blocks);
    expect(json).toContain('50%');
    expect(json).toContain('T &lt;x&gt;');
    expect(json).toContain('1,234 rows');
    expect(json).toContain('1m 01s');
    expect(r.text).toContain('T &lt;x&gt;'); // the notification fallback is escaped too: a title cannot ping
    expect(renderStatus({ runId: 'r', title: '<!channel>', phase: 'p', state: 'running', chunksDone: 0, totalChunks: 0, rowsProcessed: 0, elapsedMs: 0, modelCalls: 0 }).text).not.toContain('<!channel>');
  });

  it('run buttons: an actions block (Stop red, Approve primary), the run id as the value', () => {
    const r = renderStatus({ runId: 'run-1', title: 'T', phase: 'p', state: 'running', chunksDone: 0, totalChunks: 0, rowsProcessed: 0, elapsedMs: 0, modelCalls: 0, actions: [{ name: 'stop', runId: 'run-1' }] });
    expect(r.blocks.at(-1)).toMatchObject({ type: 'actions', elements: [{ type: 'button', action_id: 'dsbot_stop', value: 'run-1', style: 'danger', text: { text: 'Stop' } }] });
    const plan = renderText('the plan', [{ name: 'approve', runId: 'run-1' }, { name: 'cancel', runId: 'run-1' }]);
    expect(plan.blocks.at(-1)).toMatchObject({ type: 'actions', elements: [{ action_id: 'dsbot_approve', style: 'primary' }, { action_id: 'dsbot_cancel', style: 'danger' }] });
    expect(renderStatus({ runId: 'run-1', title: 'T', phase: 'p', state: 'succeeded', chunksDone: 0, totalChunks: 0, rowsProcessed: 0, elapsedMs: 0, modelCalls: 0 }).blocks.some((b) => b.type === 'actions')).toBe(false);
  });
});

describe('ordered queue', () => {
  it('retries a rate-limited operation after the wait, before anything queued after it', async () => {
    const waits: number[] = [];
    const order: string[] = [];
    let failOnce = true;
    const q = createOrderedQueue({
      paces: {},
      retryAfterMs: (err) => ((err as { rl?: number }).rl !== undefined ? (err as { rl: number }).rl : undefined),
      sleep: async (ms) => void waits.push(ms),
    });
    const a = q.run('post', async () => {
      if (failOnce) {
        failOnce = false;
        throw Object.assign(new Error('429'), { rl: 3000 });
      }
      order.push('a');
    });
    const b = q.run('post', async () => void order.push('b'));
    const c = q.run('post', async () => {
      throw new Error('fatal');
    });
    const d = q.run('post', async () => void order.push('d'));
    await Promise.all([a, b, d]);
    await expect(c).rejects.toThrow('fatal');
    expect(order).toEqual(['a', 'b', 'd']);
    expect(waits).toEqual([3000]);
  });
});

describe('slack tables', () => {
  it('renders markdown tables as aligned monospace blocks, leaving fenced code alone', () => {
    const md = 'Summary\n| column | missing |\n|---|---|\n| `Year` | 2 → 2 |\n| NA_Sales | 0 → 0 |\nafter';
    expect(toMrkdwn(md)).toBe('Summary\n```\ncolumn    missing\nYear      2 → 2\nNA_Sales  0 → 0\n```\nafter');
    const fenced = '```\n| a | b |\n|---|---|\n```';
    expect(toMrkdwn(fenced)).toBe(fenced);
  });
});
