/**
 * Issue 16's acceptance on the question suite (tests/chat/suite): the builtin chat answers every
 * class over the Turtle Games data with 0 wrong answers and at least 90% correct, each expected
 * answer computed by pandas now; every refusal names what is missing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createChatAgent } from '../../src/agent/chat/index.js';
import { createBuiltinModel } from '../../src/agent/models/builtin.js';
import { createBuiltinEmbedding } from '../../src/knowledge/embeddings/builtin.js';
import { MemoryKnowledgeStore } from '../../src/knowledge/memory-store.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { chatConfig } from './helpers.js';
import { QUESTIONS } from './suite/questions.js';
import { makeSalesRun, runSuite, score, showsNumber } from './suite/run-suite.js';

const config = chatConfig();
const agent = createChatAgent(config, { model: createBuiltinModel(), knowledge: new MemoryKnowledgeStore(createBuiltinEmbedding()), createSandbox: () => createSandbox(config.sandbox) });
afterAll(() => agent.close!());

describe('the scorer', () => {
  it('reads numbers as shown and never counts a refusal as an answer', () => {
    expect(showsNumber('mean **51.23** (460 rows)', 51.2250434)).toBe(true);
    expect(showsNumber('mean **51** (460 rows)', 51.2250434)).toBe(false);
    expect(showsNumber('**1,120** of 2,000', 1120)).toBe(true);
    const q = { q: 'x', cls: 'c', py: '1' };
    expect(score(q, { kind: 'value', v: 3 }, { text: '3 things', datasets: [], columns: [], refused: { missing: 'x', candidates: [] } }).outcome).toBe('refused');
    expect(score(q, { kind: 'value', v: 3 }, { text: '4 things', datasets: [], columns: [] }).outcome).toBe('wrong');
    expect(score({ ...q, refuse: 'price' }, { kind: 'value', v: null }, { text: 'no "price"', datasets: [], columns: [], refused: { missing: '"price"', candidates: [] } }).outcome).toBe('correct');
  });
});

describe('the chat question suite (builtin)', () => {
  it(`answers ${QUESTIONS.length} questions: 0 wrong, at least 90% correct, refusals name what is missing`, async () => {
    const runDir = await makeSalesRun(config);
    const r = await runSuite(agent, runDir);
    const wrong = r.scored.filter((s) => s.outcome === 'wrong').map((s) => `${s.question.q} — ${s.why}\n${s.answer}`);
    expect(wrong).toEqual([]);
    expect(r.correct / r.scored.length).toBeGreaterThanOrEqual(0.9);
    for (const s of r.scored.filter((x) => x.question.refuse)) expect(s.answer, s.question.q).toMatch(/I could not resolve .+ — .+/);
    // Every answer states its computation: the dataset and the rows behind the figure.
    for (const s of r.scored.filter((x) => x.outcome === 'correct' && !x.question.refuse && !['meaning', 'schema', 'runs'].includes(x.question.cls)))
      expect(s.answer, s.question.q).toMatch(/rows of `turtle_(reviews|sales)`|`turtle_(reviews|sales)` have|in `turtle_(reviews|sales)`|of `turtle_(reviews|sales)`/);
  }, 240_000);
});
