/**
 * A cleaning run driven by the real Anthropic and OpenAI SDKs against the local fake model
 * server: the same loop as the builtin model, with token usage and cost in the report.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../../src/agent/models/index.js';
import { startFakeModelServer, type FakeModelServer, type RecordedRequest } from '../fakes/model-server.js';
import { runOnce, tempDir, testConfig, writeCsv } from '../helpers/run-harness.js';

let server: FakeModelServer;
beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(async () => {
  await server.close();
});

function lastUserText(req: RecordedRequest): string {
  const msgs = req.body.messages as { role: string; content: unknown }[];
  const last = [...msgs].reverse().find((m) => m.role === 'user');
  const c = last?.content;
  return typeof c === 'string' ? c : Array.isArray(c) ? c.map((p: { text?: string }) => p.text ?? '').join('') : '';
}

/** A competent model: builds the toolkit recipe, checks it, finishes. */
function policy(req: RecordedRequest) {
  const last = lastUserText(req);
  if (/write a short plan/.test(last)) return { text: 'Plan:\n1. Build the recipe from the profile.\n2. Check it.\n3. Finish.', usage: { inputTokens: 900, outputTokens: 20 } };
  if (/validation PASSED/.test(last)) return { text: 'Thought: it passes.\n```py\nfinal_answer("recipe built from the profile")\n```', usage: { inputTokens: 1500, outputTokens: 15 } };
  return { text: 'Thought: build it.\n```python\nRECIPE = suggest_recipe(profile())\nclean_chunk = make_clean_chunk(RECIPE)\nprint(check_clean_chunk())\n```', usage: { inputTokens: 1200, outputTokens: 40 } };
}

describe.each([
  ['anthropic', () => ({ provider: 'anthropic', model: 'claude-test', apiKey: 'k', baseUrl: server.anthropicUrl })],
  ['openai-compatible', () => ({ provider: 'openai-compatible', model: 'gpt-test', apiKey: 'k', baseUrl: server.openaiUrl })],
] as const)('cleaning run with the %s provider (fake model server)', (_name, modelConfig) => {
  it('cleans the file and reports tokens and cost per step and per run', async () => {
    server.respondWith(policy);
    const dir = tempDir();
    const rows: (string | number)[][] = [['id', 'age', 'city']];
    for (let i = 1; i <= 80; i++) rows.push([i, i % 9 === 0 ? 'N/A' : 20 + (i % 40), i % 2 ? 'York' : ' York']);
    const file = writeCsv(dir, 'p.csv', rows);
    const config = testConfig({ model: { ...modelConfig(), price: { inputPerMTok: 3, outputPerMTok: 15 } } });
    const outDir = path.join(dir, 'run');
    const { finished, events } = await runOnce({ runId: `llm-${_name}`, inputPath: file, outDir }, { config, model: createModel(config.model) });
    expect(finished.status).toBe('succeeded');
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.map((s) => s.isError)).toEqual([false, false]);
    expect(finished.summary!.modelCalls).toBe(3); // plan + two steps
    expect(finished.summary!.tokens).toEqual({ inputTokens: 900 + 1200 + 1500, outputTokens: 20 + 40 + 15 });
    const cost = (3600 * 3 + 75 * 15) / 1e6;
    expect(finished.summary!.costUsd).toBeCloseTo(cost, 8);
    const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8'));
    expect(JSON.stringify(report)).toContain(String(Number(cost.toFixed(6))));
    const cleaned = readFileSync(path.join(outDir, 'cleaned.csv'), 'utf8');
    expect(cleaned).not.toContain('N/A');
    expect(cleaned).not.toContain(',' + ' York');
  });
});
