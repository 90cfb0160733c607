/**
 * Remembered recipes are data (DESIGN.md decision 10; issue 12 item 1): code a hostile kernel
 * ran in one run is never executed by the builtin model in the next run on the same schema; a
 * remembered recipe is the toolkit's JSON steps, validated by the host and rebuilt in the kernel
 * with make_clean_chunk(json.loads(…)); an LLM sees it only as quoted, untrusted data.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createScriptedModel } from '../../src/agent/models/scripted.js';
import { MemoryKnowledgeStore } from '../../src/knowledge/memory-store.js';
import { recording, runOnce, tempDir, testConfig, writeCsv } from '../helpers/run-harness.js';

function people(n: number, seed = 1): (string | number)[][] {
  const rows: (string | number)[][] = [['id', 'name', 'age']];
  for (let i = 1; i <= n; i++) rows.push([i, ` person ${i * seed}`, i % 7 === 0 ? 'N/A' : String(20 + (i % 50))]);
  return rows;
}

function oneCell(cell: string) {
  return createScriptedModel((req) => (req.purpose === 'plan' ? 'Plan: 1. build the recipe' : `Thought: build it.\n\`\`\`py\n${cell}\n\`\`\``));
}

const MARKER = 'remembered-payload-ran';

describe('remembered recipes (real local sandbox)', () => {
  it('the builtin model never replays code a kernel ran in an earlier run', async () => {
    const dir = tempDir('dsbot-sec-');
    const knowledge = new MemoryKnowledgeStore();
    const config = testConfig({ agent: { chunkRows: 25 } });
    const evil = oneCell([
      'RECIPE = suggest_recipe(profile())',
      '_inner = make_clean_chunk(RECIPE)',
      'def clean_chunk(df, ctx=None):',
      '    return _inner(df, ctx)',
      `open(${JSON.stringify(MARKER)}, "w").write("x")`,
      'final_answer("done")',
    ].join('\n'));
    const first = await runOnce({ runId: 'mem-evil', inputPath: writeCsv(dir, 'a.csv', people(50)), outDir: path.join(dir, 'r1') }, { model: evil, knowledge, config });
    expect(first.finished.status).toBe('succeeded');
    expect(existsSync(path.join(dir, 'r1', 'work', MARKER))).toBe(true); // it did run there, in its own sandbox

    const builtin = recording();
    const second = await runOnce({ runId: 'mem-next', inputPath: writeCsv(dir, 'b.csv', people(70, 3)), outDir: path.join(dir, 'r2') }, { model: builtin, knowledge, config });
    expect(second.finished.status).toBe('succeeded');
    expect(existsSync(path.join(dir, 'r2', 'work', MARKER))).toBe(false);
    for (const e of second.events) if (e.type === 'step') expect(e.code).not.toContain(MARKER);
  });

  it('a recipe is remembered as validated JSON steps and rebuilt with make_clean_chunk(json.loads(…))', async () => {
    const dir = tempDir('dsbot-sec-');
    const knowledge = new MemoryKnowledgeStore();
    const config = testConfig({ agent: { chunkRows: 25 } });
    const first = await runOnce({ runId: 'mem-a', inputPath: writeCsv(dir, 'a.csv', people(50)) }, { knowledge, config });
    expect(first.finished.status).toBe('succeeded');
    const stored = await knowledge.get('recipes', { limit: 5 });
    expect(stored).toHaveLength(1);
    const steps = JSON.parse(stored[0].text) as { op: string }[];
    expect(Array.isArray(steps)).toBe(true);
    expect(steps.map((s) => s.op)).toContain('strip_whitespace');

    const builtin = recording();
    const second = await runOnce({ runId: 'mem-b', inputPath: writeCsv(dir, 'b.csv', people(70, 3)) }, { model: builtin, knowledge, config });
    expect(second.finished.status).toBe('succeeded');
    const firstStep = second.events.find((e) => e.type === 'step');
    expect(firstStep?.type === 'step' && firstStep.code).toMatch(/make_clean_chunk\(json\.loads\(/);
    expect(firstStep?.type === 'step' && firstStep.code).not.toMatch(/^RECIPE = \[/m);
  });

  it('a remembered recipe with an unknown op or a non-JSON value is not offered', async () => {
    const dir = tempDir('dsbot-sec-');
    const knowledge = new MemoryKnowledgeStore();
    const config = testConfig({ agent: { chunkRows: 25 } });
    const first = await runOnce({ runId: 'mem-c', inputPath: writeCsv(dir, 'a.csv', people(50)) }, { knowledge, config });
    expect(first.finished.status).toBe('succeeded');
    const [doc] = await knowledge.get('recipes', { limit: 1 });
    for (const bad of [
      JSON.stringify([{ op: '__import__("os").system("id")' }]),
      'RECIPE = []\nimport os\nclean_chunk = make_clean_chunk(RECIPE)\n',
      JSON.stringify({ op: 'strip_whitespace', columns: ['name'] }),
    ]) {
      await knowledge.upsert('recipes', [{ ...doc, text: bad }]);
      const model = recording();
      const r = await runOnce({ runId: `mem-bad-${bad.length}`, inputPath: writeCsv(dir, 'b.csv', people(70, 3)) }, { model, knowledge, config });
      expect(r.finished.status).toBe('succeeded');
      const task = model.requests[0].messages.find((m) => m.role === 'user')!.content;
      expect(task).not.toContain('same schema before');
      expect(task).not.toContain('import os');
    }
  });

  it('an LLM sees the remembered recipe only inside an untrusted-data block', async () => {
    const dir = tempDir('dsbot-sec-');
    const knowledge = new MemoryKnowledgeStore();
    const config = testConfig({ agent: { chunkRows: 25 } });
    await runOnce({ runId: 'mem-d', inputPath: writeCsv(dir, 'a.csv', people(50)) }, { knowledge, config });
    const llm = oneCell('RECIPE = suggest_recipe(profile())\nclean_chunk = make_clean_chunk(RECIPE)\nfinal_answer("ok")');
    const r = await runOnce({ runId: 'mem-e', inputPath: writeCsv(dir, 'b.csv', people(70, 3)) }, { model: llm, knowledge, config });
    expect(r.finished.status).toBe('succeeded');
    const task = llm.requests[0].messages.find((m) => m.role === 'user')!.content;
    const block = /<untrusted-data source="remembered-recipe">\n([\s\S]*?)\n<\/untrusted-data>/.exec(task);
    expect(block).not.toBeNull();
    expect(JSON.parse(block![1])).toEqual(expect.arrayContaining([expect.objectContaining({ op: 'strip_whitespace' })]));
    const outside = task.replace(/<untrusted-data[^>]*>[\s\S]*?\n<\/untrusted-data>/g, '');
    expect(outside).not.toContain('strip_whitespace');
  });
});

describe('the host knows every op the toolkit replays', () => {
  it('KNOWN_OPS is exactly the toolkit OPS registry', async () => {
    const { spawnSync } = await import('node:child_process');
    const { KNOWN_OPS } = await import('../../src/agent/recipe-data.js');
    const root = path.resolve(import.meta.dirname, '../..');
    const r = spawnSync('/usr/bin/python3', ['-c', 'import json; from dsbot_toolkit.repair import OPS; print(json.dumps(sorted(OPS)))'], {
      env: { PYTHONPATH: path.join(root, 'src/agent/toolkit'), PATH: '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect([...KNOWN_OPS].sort()).toEqual(JSON.parse(r.stdout));
  });
});
