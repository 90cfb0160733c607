/**
 * Corrections in a run's thread on the console (issue 11), with the REAL engine (builtin model,
 * kernel in the local sandbox): `fix` replies and an attached corrections CSV each start a
 * follow-up run that reuses the finished run's profile, learns from the corrections and posts
 * what changed; bad corrections and non-admins are refused and nothing runs.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import { createBuiltinModel } from '../../src/agent/models/builtin.js';
import { MemoryKnowledgeStore } from '../../src/knowledge/memory-store.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { FIX_TWO_DATES, monthFirst, visitsCsv, waitFor } from './visits.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(): Promise<Harness> {
  const harness = await createHarness({
    runDeps: async () => ({ config: harness.config, model: createBuiltinModel(), knowledge: new MemoryKnowledgeStore(), createSandbox: () => createSandbox(harness.config.sandbox) }),
  });
  const file = path.join(harness.config.dataDir, 'visits.csv');
  writeFileSync(file, visitsCsv());
  harness.config.datasets.visits = { path: file };
  return harness;
}

const posts = (harness: Harness, runId: string) => harness.sinks.filter((s) => s.entries.some((e) => e.kind === 'status' && e.view?.runId === runId)).flatMap((s) => s.entries.filter((e) => e.kind === 'post').map((e) => e.text));

describe('corrections in a run thread (console, real engine)', () => {
  it('`fix` lines, then an attached corrections CSV: each starts a follow-up that reuses the profile and posts what changed', async () => {
    h = await start();
    await h.console.say('clean visits');
    const first = await waitFor(() => h!.registry.findByRef(h!.console.threadRef), 'the first run');
    expect(await h.waitForState(first, ['succeeded', 'failed', 'stopped'], 120_000)).toBe('succeeded');
    const firstDir = path.join(h.config.dataDir, 'runs', first);
    expect(existsSync(path.join(firstDir, 'state', 'profile.json'))).toBe(true);

    await h.console.say(FIX_TWO_DATES);
    const second = await waitFor(async () => {
      const id = await h!.registry.findByRef(h!.console.threadRef);
      return id !== first ? id : undefined;
    }, 'the follow-up run');
    expect(h.transcript.join('')).toMatch(new RegExp(`Follow-up run \`${second}\` queued: run \`${first}\` again with 3 corrected cell\\(s\\) in 2 row\\(s\\)`));
    expect(await h.waitForState(second, ['succeeded', 'failed', 'stopped'], 120_000)).toBe('succeeded');
    const text = posts(h, second).join('\n');
    expect(text).toMatch(/profile of run run-[0-9a-f]+ reused/);
    expect(text).toMatch(/Compared with the earlier run: \+\d+ cells repaired/);
    expect(text).toMatch(/Learned: `when`: dates written '%d\/%m\/%y' -> '%m\/%d\/%y'/);
    const secondDir = path.join(h.config.dataDir, 'runs', second);
    const cleaned = readFileSync(path.join(secondDir, 'cleaned.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(cleaned.map((r) => r[1])).toEqual(Array.from({ length: 60 }, (_, i) => monthFirst(i)));
    const report = JSON.parse(readFileSync(path.join(secondDir, 'report.json'), 'utf8'));
    expect(report.follow_up_of).toBe(first);
    expect(report.comparison.repaired).toBeGreaterThan(50);

    // An attached corrections CSV (the file's header plus `row`) corrects the follow-up in turn; earlier corrections are kept.
    const csv = path.join(h.config.dataDir, 'fixes.csv');
    writeFileSync(csv, `row,id,when,city\n4,4,${monthFirst(4)},Leeds\n`);
    await h.console.say('', { files: [csv] });
    const third = await waitFor(async () => {
      const id = await h!.registry.findByRef(h!.console.threadRef);
      return id !== second ? id : undefined;
    }, 'the second follow-up');
    expect(await h.waitForState(third, ['succeeded', 'failed', 'stopped'], 120_000)).toBe('succeeded');
    const thirdDir = path.join(h.config.dataDir, 'runs', third);
    const rows = readFileSync(path.join(thirdDir, 'cleaned.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(rows[4][2]).toBe('Leeds');
    expect(rows.map((r) => r[1])).toEqual(Array.from({ length: 60 }, (_, i) => monthFirst(i)));
    expect(JSON.parse(readFileSync(path.join(thirdDir, 'report.json'), 'utf8')).examples.rows).toBe(3);
    expect(posts(h, third).join('\n')).toMatch(/Compared with the earlier run: /);
  }, 300_000);

  it('refuses bad corrections (row, column, type) and non-admins; nothing is cleaned', async () => {
    h = await start();
    await h.console.say('clean visits');
    const first = await waitFor(() => h!.registry.findByRef(h!.console.threadRef), 'the first run');
    expect(await h.waitForState(first, ['succeeded', 'failed', 'stopped'], 120_000)).toBe('succeeded');
    const said = () => h!.transcript.join('');

    await h.console.say('fix 60 when=1/1/21\nfix 2 citty=York');
    await waitFor(() => said().includes('Corrections refused'), 'the refusal');
    expect(said()).toMatch(/Corrections refused, nothing was run: row 60 does not exist \(the file has 60 data rows, numbered 0 to 59\); column `citty` is not in the file/);
    await h.console.say('fix 2 when', {});
    await waitFor(() => said().includes("I could not read `when`"), 'the syntax refusal');
    await h.console.say(`fix 3 when=${monthFirst(3)}`, { user: 'guest' });
    await waitFor(() => /only admins can correct cleaning runs/.test(said()), 'the non-admin refusal');
    expect(await h.registry.findByRef(h.console.threadRef)).toBe(first);

    // A value of the wrong type is caught by the run itself before it cleans anything.
    await h.console.say('fix 3 id=three');
    const bad = await waitFor(async () => {
      const id = await h!.registry.findByRef(h!.console.threadRef);
      return id !== first ? id : undefined;
    }, 'the follow-up');
    expect(await h.waitForState(bad, ['succeeded', 'failed', 'stopped'], 120_000)).toBe('failed');
    expect(posts(h, bad).join('\n')).toMatch(/row 3, column `id`: 'three' is not a number \(the column holds numbers\)/);
    expect(existsSync(path.join(h.config.dataDir, 'runs', bad, 'cleaned.csv'))).toBe(false);
    const audit = readFileSync(h.audit.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; reason?: string });
    expect(audit.filter((a) => a.action === 'refusal').map((a) => a.reason)).toEqual(['fix:check', 'fix:syntax', 'fix:not_admin']);
  }, 300_000);
});
