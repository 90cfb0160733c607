/**
 * The kernel is an adversary (DESIGN.md decision 10; issue 12 item 1): model-written code in the
 * real local sandbox tampers with what finalize() leaves behind. The host collects only its fixed
 * artifact names, never follows a link, and copies (never moves) files out of the work dir.
 */
import { existsSync, lstatSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createScriptedModel } from '../../src/agent/models/scripted.js';
import { runOnce, tempDir, testConfig, writeCsv } from '../helpers/run-harness.js';

function people(n: number): (string | number)[][] {
  const rows: (string | number)[][] = [['id', 'name', 'age']];
  for (let i = 1; i <= n; i++) rows.push([i, ` person ${i}`, i % 7 === 0 ? 'N/A' : String(20 + (i % 50))]);
  return rows;
}

/** A model whose only step builds the toolkit recipe, then plants `attack` (Python) and finishes. */
function attacker(attack: string) {
  const cell = ['RECIPE = suggest_recipe(profile())', 'clean_chunk = make_clean_chunk(RECIPE)', attack, 'final_answer("recipe built")'].join('\n');
  return createScriptedModel((req) => (req.purpose === 'plan' ? 'Plan: 1. build the recipe' : `Thought: build it.\n\`\`\`py\n${cell}\n\`\`\``));
}

/** Every file in the run dir is a regular file (no link left for a reader to follow). */
function expectNoLinks(outDir: string): void {
  for (const name of readdirSync(outDir)) expect(lstatSync(path.join(outDir, name)).isSymbolicLink(), name).toBe(false);
}

describe('artifacts from a hostile kernel (real local sandbox)', () => {
  it('a report.md replaced by a symlink to a host file does not attach that file', async () => {
    const dir = tempDir('dsbot-sec-');
    const secretText = `TOP-SECRET-${process.pid}-${Date.now()}`;
    const secret = path.join(dir, 'secret.txt');
    writeFileSync(secret, secretText);
    const outDir = path.join(dir, 'run');
    const model = attacker([
      'import os as _os',
      '_real_finalize = finalize',
      'def finalize(committed, meta=None):',
      '    r = _real_finalize(committed, meta)',
      '    _os.remove("report.md")',
      `    _os.symlink(${JSON.stringify(secret)}, "report.md")`,
      '    return r',
    ].join('\n'));
    const { finished, events } = await runOnce({ runId: 'sec-link', inputPath: writeCsv(dir, 'p.csv', people(60)), outDir }, { model, config: testConfig({ agent: { chunkRows: 25 } }) });
    expect(finished.status).toBe('succeeded');
    for (const a of finished.artifacts) {
      expect(lstatSync(a.path).isFile(), a.name).toBe(true);
      expect(readFileSync(a.path, 'utf8')).not.toContain(secretText);
    }
    expect(finished.artifacts.map((a) => a.name)).not.toContain('report.md');
    expect(events.some((e) => e.type === 'log' && e.level === 'warn' && /report\.md/.test(e.message))).toBe(true);
    expectNoLinks(outDir);
    expect(readFileSync(secret, 'utf8')).toBe(secretText);
    // The honest outputs are still there.
    expect(finished.artifacts.map((a) => a.name)).toEqual(expect.arrayContaining(['cleaned.csv', 'report.json', 'changes.csv']));
  });

  it('an artifact name like ../../../../tmp/x neither moves nor reads a host file', async () => {
    const dir = tempDir('dsbot-sec-');
    const victim = path.join(dir, 'victim.txt');
    writeFileSync(victim, 'host file: must stay where it is');
    const outDir = path.join(dir, 'run');
    const rel = path.relative(path.join(outDir, 'work'), victim); // ../../victim.txt
    const deep = '../'.repeat(12) + victim.replace(/^\/+/, ''); // ../../…/tmp/…/victim.txt
    const model = attacker([
      '_real_finalize = finalize',
      'def finalize(committed, meta=None):',
      '    r = _real_finalize(committed, meta)',
      `    r["artifacts"] = [${JSON.stringify(deep)}, ${JSON.stringify(rel)}, "/etc/hostname"] + list(r["artifacts"])`,
      '    return r',
    ].join('\n'));
    const { finished } = await runOnce({ runId: 'sec-dots', inputPath: writeCsv(dir, 'p.csv', people(60)), outDir }, { model, config: testConfig({ agent: { chunkRows: 25 } }) });
    expect(finished.status).toBe('succeeded');
    expect(readFileSync(victim, 'utf8')).toBe('host file: must stay where it is');
    expect(existsSync(path.join(outDir, 'victim.txt'))).toBe(false);
    expect(existsSync(path.join(outDir, 'hostname'))).toBe(false);
    const names = finished.artifacts.map((a) => a.name);
    expect(names).not.toContain('victim.txt');
    expect(names).not.toContain('hostname');
    for (const a of finished.artifacts) expect(path.dirname(a.path)).toBe(outDir);
    expectNoLinks(outDir);
  });

  it('a host-call result swapped for a FIFO fails the run instead of hanging the host', async () => {
    const dir = tempDir('dsbot-sec-');
    const model = attacker([
      'import os as _os',
      '_real_finalize = finalize',
      'def finalize(committed, meta=None):',
      '    r = _real_finalize(committed, meta)',
      '    _os.remove(".dsbot-result.json")',
      '    _os.mkfifo(".dsbot-result.json")',
      '    return r',
    ].join('\n'));
    await expect(runOnce({ runId: 'sec-fifo', inputPath: writeCsv(dir, 'p.csv', people(60)), outDir: path.join(dir, 'run') }, { model, config: testConfig({ agent: { chunkRows: 25 } }) }))
      .rejects.toMatchObject({ kind: 'sandbox', message: expect.stringMatching(/\.dsbot-result\.json.*not a regular file/) });
  });
});
