/** Context refresher: a 60-step scripted run stays under budget; pinned parts and recent steps survive. */
import { countTokens } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { createContextRefresher, type PromptPart } from '../../src/agent/context/refresher.js';
import { modelSummarizer } from '../../src/agent/context/summarize.js';
import type { ChatMessage, ModelProvider, ModelRequest } from '../../src/agent/models/types.js';

/** Independent count: content tokens + 4 per message + tool call JSON. */
const tokens = (msgs: ChatMessage[]) =>
  msgs.reduce(
    (n, m) =>
      n +
      4 +
      countTokens(m.content, { disallowedSpecial: new Set() }) +
      (m.toolCalls ?? []).reduce((k, c) => k + 3 + countTokens(c.name) + countTokens(JSON.stringify(c.arguments)), 0),
    0,
  );

const WORDS = 'column value rows missing spend score loyalty income age education review null duplicate outlier format'.split(' ');
const words = (n: number, seed: number) => Array.from({ length: n }, (_, i) => WORDS[(i * 7 + seed * 13) % WORDS.length] + (i % 11 === 0 ? ` ${seed}.${i}` : '')).join(' ');

/** Step i: the model's code (or a tool call on even steps) and the observation. Step 37 returns a huge observation. */
function stepParts(i: number): PromptPart[] {
  const code = `# step ${i}\nprint(df[${JSON.stringify(WORDS[i % WORDS.length])}].describe())\n${words(60 + ((i * 37) % 300), i)}`;
  const obs = i === 37 ? `Observation of step ${i}: ${words(9_000, i)}` : `Observation of step ${i}: ${words(150 + ((i * 53) % 700), i)}`;
  if (i % 2 === 0) {
    const id = `call_${i}`;
    return [
      { pinned: false, step: i, message: { role: 'assistant', content: code, toolCalls: [{ id, name: 'query_data', arguments: { expr: `df.head(${i})` } }] } },
      { pinned: false, step: i, message: { role: 'tool', content: obs, toolCallId: id } },
    ];
  }
  return [
    { pinned: false, step: i, message: { role: 'assistant', content: code } },
    { pinned: false, step: i, message: { role: 'user', content: obs } },
  ];
}

const pinnedHead: PromptPart[] = [
  { pinned: true, message: { role: 'system', content: `You are dsbot, a data-cleaning agent. ${words(400, 0)}` } },
  { pinned: true, message: { role: 'user', content: `Task: clean turtle_reviews.csv. ${words(120, 1)}` } },
];
const recipe = (i: number): PromptPart => ({ pinned: true, message: { role: 'user', content: `Current recipe draft (v${i}):\ndef clean_chunk(df, ctx):\n    ${words(200, i)}` } });

async function run60(refresher = createContextRefresher()) {
  const contextWindow = 16_000;
  const budget = 0.5;
  const limit = contextWindow * budget;
  const steps: PromptPart[] = [];
  const sizes: { step: number; raw: number; sent: number }[] = [];
  const outputs: ChatMessage[][] = [];
  for (let i = 1; i <= 60; i++) {
    steps.push(...stepParts(i));
    const parts = [...pinnedHead, ...steps, recipe(i)];
    const out = await refresher.fit(parts, { contextWindow, budget });
    sizes.push({ step: i, raw: tokens(parts.map((p) => p.message)), sent: tokens(out) });
    outputs.push(out);
  }
  return { limit, sizes, outputs };
}

describe('context refresher', () => {
  it('keeps every prompt of a 60-step run under budget', async () => {
    const { limit, sizes, outputs } = await run60();
    console.log(`per-step prompt tokens (budget ${limit}):\n` + sizes.map((s) => `step ${String(s.step).padStart(2)}: raw ${String(s.raw).padStart(6)} → sent ${s.sent}`).join('\n'));
    const largest = Math.max(...sizes.map((s) => s.sent));
    console.log(`largest prompt sent: ${largest} tokens; largest raw: ${Math.max(...sizes.map((s) => s.raw))}`);
    expect(largest).toBeLessThanOrEqual(limit);
    // The raw conversation really overflows, so condensing was exercised.
    expect(sizes[59].raw).toBeGreaterThan(limit * 4);

    for (const [idx, out] of outputs.entries()) {
      const i = idx + 1;
      // Pinned parts verbatim, in place.
      expect(out[0]).toEqual(pinnedHead[0].message);
      expect(out[1]).toEqual(pinnedHead[1].message);
      expect(out[out.length - 1]).toEqual(recipe(i).message);
      // Every tool result still follows the assistant call it answers.
      const callIds = new Set(out.flatMap((m) => m.toolCalls?.map((c) => c.id) ?? []));
      for (const m of out.filter((m) => m.role === 'tool')) expect(callIds.has(m.toolCallId!)).toBe(true);
      const raw = sizes[idx].raw;
      if (raw <= limit) {
        expect(out).toHaveLength(2 + 2 * i + 1); // untouched
      } else if (![37, 38, 39].includes(i)) {
        // The last 3 steps verbatim and one summary before them.
        const last3 = [i - 2, i - 1, i].flatMap((s) => stepParts(s).map((p) => p.message));
        expect(out.slice(-7, -1)).toEqual(last3);
        const summaries = out.filter((m) => m.content.startsWith('[Condensed history]'));
        expect(summaries).toHaveLength(1);
      }
    }
    // Step 37's huge observation: shortened, but the step is still there.
    const at37 = outputs[36];
    expect(at37.some((m) => m.content.startsWith('Observation of step 37') && m.content.includes('chars cut'))).toBe(true);
  });

  it('reuses a model-written summary across steps (block-aligned condensing)', async () => {
    const calls: ModelRequest[] = [];
    const model: ModelProvider = {
      name: 'scripted',
      model: 'scripted',
      contextWindow: 16_000,
      async complete(req) {
        calls.push(req);
        return { text: `Summary #${calls.length}: tried describe() on several columns.`, usage: { inputTokens: 0, outputTokens: 0 }, model: 'scripted' };
      },
    };
    const { limit, sizes, outputs } = await run60(createContextRefresher({ summarize: modelSummarizer(model) }));
    const condensedSteps = sizes.filter((s) => s.raw > limit).length;
    console.log(`model summary calls: ${calls.length} for ${condensedSteps} condensed prompts`);
    expect(Math.max(...sizes.map((s) => s.sent))).toBeLessThanOrEqual(limit);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.length).toBeLessThan(condensedSteps / 2);
    expect(calls.every((c) => c.purpose === 'summary')).toBe(true);
    expect(outputs[59].some((m) => m.content.includes('Summary #'))).toBe(true);
  });
});

describe('context refresher edge cases', () => {
  it('never touches pinned parts, even over budget with no steps to condense', async () => {
    const parts: PromptPart[] = [
      { pinned: true, message: { role: 'system', content: words(3_000, 1) } },
      { pinned: false, message: { role: 'user', content: 'the question' } },
    ];
    const out = await createContextRefresher().fit(parts, { contextWindow: 1_000, budget: 0.5 });
    expect(out).toEqual(parts.map((p) => p.message));
  });

  it('shortens a single huge last step rather than dropping it', async () => {
    const parts: PromptPart[] = [
      { pinned: true, message: { role: 'system', content: 'You are dsbot.' } },
      { pinned: false, step: 1, message: { role: 'assistant', content: 'print(df)' } },
      { pinned: false, step: 1, message: { role: 'user', content: `Observation: ${words(5_000, 2)}` } },
    ];
    const out = await createContextRefresher().fit(parts, { contextWindow: 4_000, budget: 0.5 });
    expect(tokens(out)).toBeLessThanOrEqual(2_000);
    expect(out[0].content).toBe('You are dsbot.');
    expect(out[1].content).toBe('print(df)');
    expect(out[2].content).toMatch(/^Observation: [\s\S]*chars cut/);
  });
});
